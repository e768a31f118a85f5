"""One control group per sandbox: a memory cap and a process cap for all of its processes.

``RLIMIT_AS`` caps each process, so three forked children may together hold three times the cap;
``RLIMIT_NPROC`` counts a uid, not a sandbox. A control group caps the sum. It is created below
the agent's own group (cgroup v2 with the ``memory`` and ``pids`` controllers, else the v1
``memory`` and ``pids`` hierarchies) when this process may write there, usually only as root;
``create_sandbox_cgroup`` returns ``None`` otherwise and the watchdog falls back to summing the
memory of the sandbox's process tree.

The sandbox joins its group before anything in it runs: the command starts with a small shell
that writes its own pid to the group's ``cgroup.procs`` and then ``exec``s the sandbox (no
``preexec_fn`` in the threaded agent). ``remove`` kills whatever is left and deletes the group.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from unima.tools.sandbox.records import SandboxLimits

logger = logging.getLogger(__name__)

ATTACH_FAILED_EXIT = 125
# bwrap's monitor, bwrap's pid 1 in the PID namespace and the shell that joins the group.
LAUNCHER_PROCESSES = 4
_ATTACH_SCRIPT = (
    'for procs in "$1" "$2"; do echo $$ > "$procs" || { '
    'echo "[unima] could not join the sandbox cgroup" >&2; exit 125; }; done; '
    'shift 2; exec "$@"'
)


@dataclass(frozen=True)
class SandboxCgroup:
    """The control group(s) of one sandbox run.

    Attributes:
        version: 2 for the unified hierarchy, 1 for the separate v1 hierarchies.
        memory: the group holding the memory limit.
        pids: the group holding the process limit (the same folder as ``memory`` in v2).
        memory_bytes: the memory cap of the whole sandbox.
        max_processes: the ``pids.max`` of the group (the code's processes plus the launcher).
    """

    version: int
    memory: Path
    pids: Path
    memory_bytes: int
    max_processes: int

    @property
    def folders(self) -> tuple[Path, ...]:
        return (self.memory,) if self.memory == self.pids else (self.memory, self.pids)

    @property
    def memory_setting(self) -> str:
        return "memory.max" if self.version == 2 else "memory.limit_in_bytes"

    def attach_prefix(self) -> list[str]:
        """The words that start the sandbox command inside this group."""
        return [
            "/bin/sh", "-c", _ATTACH_SCRIPT, "unima-cgroup",
            str(self.memory / "cgroup.procs"), str(self.pids / "cgroup.procs"),
        ]  # fmt: skip

    def memory_cap_hit(self) -> bool:
        """Whether the kernel killed a process of this group for going over its memory cap."""
        if self.version == 2:
            events = _read_counters(self.memory / "memory.events")
            return events.get("oom_kill", 0) > 0 or events.get("oom", 0) > 0
        control = _read_counters(self.memory / "memory.oom_control")
        if "oom_kill" in control:
            return control["oom_kill"] > 0 or control.get("under_oom", 0) > 0
        return control.get("under_oom", 0) > 0  # kernels before 4.13 have no oom_kill count

    def process_cap_hit(self) -> bool:
        """Whether a fork or clone was refused because the group was at ``pids.max``."""
        return _read_counters(self.pids / "pids.events").get("max", 0) > 0

    def process_ids(self) -> list[int]:
        found: set[int] = set()
        for folder in self.folders:
            with contextlib.suppress(OSError, ValueError):
                text = (folder / "cgroup.procs").read_text()
                found.update(int(line) for line in text.split())
        return sorted(found)

    def kill(self) -> None:
        """SIGKILL every process in the group."""
        if self.version == 2 and (self.memory / "cgroup.kill").exists():
            with contextlib.suppress(OSError):
                (self.memory / "cgroup.kill").write_text("1")
        for pid in self.process_ids():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)

    def remove(self, attempts: int = 40) -> None:
        """Kill what is left and delete the group, retrying while the kernel reaps processes."""
        for _attempt in range(attempts):
            self.kill()
            remaining = []
            for folder in self.folders:
                try:
                    folder.rmdir()
                except FileNotFoundError:
                    continue
                except OSError:
                    remaining.append(folder)
            if not remaining:
                return
            time.sleep(0.05)
        logger.warning("could not remove the sandbox cgroup(s) %s", ", ".join(map(str, remaining)))


def _read_counters(path: Path) -> dict[str, int]:
    counters: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            with contextlib.suppress(ValueError):
                counters[name] = int(value)
    return counters


@dataclass(frozen=True)
class _Mount:
    point: Path
    root: str
    fstype: str
    options: frozenset[str]


def _mounts() -> list[_Mount]:
    mounts = []
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            fields, _, rest = line.partition(" - ")
            words, tail = fields.split(), rest.split()
            if len(words) < 5 or len(tail) < 3 or not tail[0].startswith("cgroup"):
                continue
            options = frozenset(tail[2].split(",")) | frozenset(words[5].split(","))
            mounts.append(_Mount(Path(words[4]), words[3], tail[0], options))
    return mounts


def _own_groups() -> dict[str, str]:
    """This process's group path per v1 controller, and under ``""`` its v2 group."""
    groups: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _number, controllers, path = line.split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                groups[controller] = path
    return groups


def _folder_for(mount: _Mount, own_path: str) -> Path:
    relative = own_path
    if mount.root != "/" and (own_path == mount.root or own_path.startswith(mount.root + "/")):
        relative = own_path[len(mount.root) :]
    return mount.point / relative.lstrip("/")


def _write(path: Path, value: str) -> None:
    path.write_text(value)


def _try_v2(name: str, limits: SandboxLimits, maximum: int) -> SandboxCgroup | None:
    own = _own_groups().get("")
    mount = next((mount for mount in _mounts() if mount.fstype == "cgroup2"), None)
    if own is None or mount is None:
        return None
    parent = _folder_for(mount, own)
    try:
        available = set((parent / "cgroup.controllers").read_text().split())
        if not {"memory", "pids"} <= available:
            return None
        enabled = set((parent / "cgroup.subtree_control").read_text().split())
        if not {"memory", "pids"} <= enabled:
            # Refused (EBUSY) in a non-root group holding processes, such as our own.
            _write(parent / "cgroup.subtree_control", "+memory +pids")
        group = parent / name
        group.mkdir(mode=0o755)
    except OSError:
        return None
    cgroup = SandboxCgroup(2, group, group, limits.memory_bytes, maximum)
    try:
        _write(group / "memory.max", str(limits.memory_bytes))
        with contextlib.suppress(OSError):
            _write(group / "memory.swap.max", "0")
        _write(group / "pids.max", str(maximum))
    except OSError:
        cgroup.remove(attempts=1)
        return None
    return cgroup


def _try_v1(name: str, limits: SandboxLimits, maximum: int) -> SandboxCgroup | None:
    own = _own_groups()
    mounts = _mounts()
    folders: dict[str, Path] = {}
    for controller in ("memory", "pids"):
        mount = next(
            (found for found in mounts if found.fstype == "cgroup" and controller in found.options),
            None,
        )
        if mount is None or controller not in own:
            return None
        folders[controller] = _folder_for(mount, own[controller]) / name
    made: list[Path] = []
    try:
        for folder in folders.values():
            folder.mkdir(mode=0o755)
            made.append(folder)
        cgroup = SandboxCgroup(1, folders["memory"], folders["pids"], limits.memory_bytes, maximum)
        _write(cgroup.memory / "memory.limit_in_bytes", str(limits.memory_bytes))
        with contextlib.suppress(OSError):  # swap accounting may be off
            _write(cgroup.memory / "memory.memsw.limit_in_bytes", str(limits.memory_bytes))
        _write(cgroup.pids / "pids.max", str(maximum))
    except OSError:
        for folder in made:
            with contextlib.suppress(OSError):
                folder.rmdir()
        return None
    return cgroup


def create_sandbox_cgroup(limits: SandboxLimits) -> SandboxCgroup | None:
    """A fresh group capping memory and processes of one sandbox, or ``None`` if none can be made.

    The caller must ``remove()`` it after the run.
    """
    name = f"unima-sandbox-{secrets.token_hex(6)}"
    maximum = limits.max_processes + LAUNCHER_PROCESSES
    cgroup = _try_v2(name, limits, maximum) or _try_v1(name, limits, maximum)
    if cgroup is None:
        logger.debug("no writable cgroup for the sandbox: memory is capped by the watchdog")
    return cgroup
