"""Tiers ``rlimits`` and ``none``: plain processes, used only when the caller opts in.

Without namespaces the code can see the host's file system and processes. What is still done:
an empty environment plus an allowlist, a separate working folder, rlimits, a seccomp filter
that also denies every non-``AF_UNIX`` socket (``rlimits`` tier), privileges dropped, the agent
process made non-dumpable (so ``/proc/<agent>/environ`` cannot be read, S20) and a sweep that
kills processes left behind (S17), found by a per-run marker in their environment.

Known gaps (recorded in each result's notes): the host file system is readable and, as far as
file permissions allow, writable; a daemon that re-executes itself with a clean environment
escapes the sweep.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import stat
import sys
import time
from pathlib import Path

from unima.tools.sandbox.bubblewrap import NOBODY

logger = logging.getLogger(__name__)

PR_SET_DUMPABLE = 4
RUN_MARKER = "UNIMA_SANDBOX_RUN"


def make_agent_undumpable() -> bool:
    """``PR_SET_DUMPABLE=0`` on this process; returns whether it took effect."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0
    except OSError:  # pragma: no cover - no libc (not Linux)
        return False


def reachable_by_others(path: Path) -> bool:
    """Whether every folder above ``path`` is searchable by other users (``o+x``)."""
    for folder in path.resolve().parents:
        try:
            if not os.stat(folder).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
    return True


def drop_to_nobody_possible() -> bool:
    """As root, uid 65534 must reach the interpreter and its prefixes to run at all."""
    paths = (Path(sys.executable), Path(sys.prefix) / "lib", Path(sys.base_prefix) / "lib")
    return all(reachable_by_others(path) for path in paths)


def privilege_prefix(tier: str, uid: int = NOBODY) -> tuple[list[str], bool, list[str]]:
    """The ``setpriv`` words that start the command, whether ``uid`` is used, and notes."""
    if tier != "rlimits" or os.geteuid() != 0:
        return [], False, []
    if not os.path.exists("/usr/bin/setpriv"):
        return [], False, ["running as root: setpriv missing, privileges not dropped"]
    if drop_to_nobody_possible():
        words = [
            "/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--inh-caps=-all", "--",
        ]  # fmt: skip
        return words, True, []
    # The interpreter sits under a folder uid 65534 cannot enter (such as /root): stay uid 0
    # but without any capability, so at least root's overrides (ptrace, DAC) are gone.
    words = ["/usr/bin/setpriv", "--inh-caps=-all", "--bounding-set=-all", "--"]
    notes = [
        "ran as uid 0 without capabilities (the interpreter is not reachable by uid 65534): "
        "RLIMIT_NPROC is not enforced for uid 0"
    ]
    return words, False, notes


def weak_argv(control: Path, tier: str, uid: int = NOBODY) -> tuple[list[str], bool, list[str]]:
    """The command for the weak tiers, whether it drops to ``uid``, and notes."""
    prefix, drops, notes = privilege_prefix(tier, uid)
    runner = [
        sys.executable, "-I", "-X", "faulthandler",
        str(control / "runner.py"), str(control / "config.json"),
    ]  # fmt: skip
    return [*prefix, *runner], drops, notes


def sweep_leftovers(marker_value: str, rounds: int = 3) -> int:
    """SIGKILL every process whose environment carries this run's marker; return the count."""
    needle = f"{RUN_MARKER}={marker_value}".encode()
    own = os.getpid()
    killed = 0
    for _round in range(rounds):
        found = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == own:
                continue
            try:
                with open(f"/proc/{entry}/environ", "rb") as handle:
                    environment = handle.read()
            except OSError:
                continue
            if needle in environment.split(b"\0"):
                try:
                    os.kill(int(entry), signal.SIGKILL)
                    found += 1
                except OSError:
                    continue
        killed += found
        if not found:
            break
        time.sleep(0.05)
    if killed:
        logger.warning("killed %d process(es) left behind by a sandboxed run", killed)
    return killed
