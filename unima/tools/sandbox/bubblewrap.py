"""Tier A: the argv that runs the runner inside bubblewrap (reliability §1.6).

The sandbox gets private mount, PID, network, IPC and UTS namespaces, an empty environment plus
an allowlist, read-only mounts of ``/usr``, a few ``/etc`` files and the Python prefixes, a fresh
``/proc`` and minimal ``/dev``, size-capped tmpfs ``/tmp`` and ``/dev/shm``, the run's work folder
at ``/job`` and its inputs read-only at ``/job/inputs``.

Two launch paths, because ``RLIMIT_NPROC`` is not enforced for uid 0:

* caller is not root: bwrap creates a user namespace (``--unshare-user --disable-userns``);
* caller is root: bwrap builds the namespaces with root's own rights (it can then read the
  Python prefix even under a ``0700`` ``/root``), keeps only ``CAP_SETUID``/``CAP_SETGID`` and
  ``setpriv`` drops to a uid/gid leased for this run (``identity.py``; 65534 if none is free)
  before Python starts. A new user namespace is then refused
  by the seccomp filter instead of ``--disable-userns``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

from unima.tools.sandbox.records import SandboxLimits

NOBODY = 65534
SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
ETC_FILES = (
    "/etc/ld.so.cache",
    "/etc/ssl/certs",
    "/etc/ssl/openssl.cnf",
    "/etc/fonts",
    "/etc/localtime",
    "/etc/alternatives",
)
ROOT_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


def sandbox_environment(limits: SandboxLimits, home: str) -> dict[str, str]:
    """The allowlisted environment the code sees; nothing of the agent's environment."""
    threads = str(limits.blas_threads)
    return {
        "PATH": SANDBOX_PATH,
        "HOME": home,
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": f"{home}/.cache/matplotlib",
        "OMP_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "NUMEXPR_NUM_THREADS": threads,
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def python_prefixes() -> list[Path]:
    """Folders holding this interpreter, its standard library and its packages (mounted ro)."""
    candidates = {
        Path(sys.prefix).resolve(),
        Path(sys.base_prefix).resolve(),
        Path(sys.executable).resolve().parent.parent,
    }
    prefixes: list[Path] = []
    for candidate in sorted(candidates, key=lambda path: len(path.parts)):
        if candidate.is_relative_to("/usr"):
            continue
        if any(candidate.is_relative_to(kept) for kept in prefixes):
            continue
        prefixes.append(candidate)
    return prefixes


def _mount_arguments(control: Path, job: Path, inputs: Path, limits: SandboxLimits) -> list[str]:
    # The private /tmp, /proc and /dev come first: bwrap applies mounts in order, and a Python
    # prefix under /tmp (a checkout in a temporary folder) must be mounted on top of the tmpfs.
    arguments = [
        "--proc", "/proc",
        "--dev", "/dev",
        "--perms", "01777", "--size", str(limits.tmp_bytes), "--tmpfs", "/tmp",
        "--perms", "01777", "--size", str(limits.shm_bytes), "--tmpfs", "/dev/shm",
        "--ro-bind", "/usr", "/usr",
    ]  # fmt: skip
    for link in ROOT_LINKS:
        if os.path.islink(link):
            arguments += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            arguments += ["--ro-bind", link, link]
    # bwrap would create missing parents 0700, unreadable once we are uid 65534.
    arguments += ["--perms", "0755", "--dir", "/etc", "--perms", "0755", "--dir", "/etc/ssl"]
    for path in ETC_FILES:
        arguments += ["--ro-bind-try", path, path]
    made: set[str] = set()
    for prefix in python_prefixes():
        for parent in reversed(prefix.parents[:-1]):
            if str(parent) not in made:
                made.add(str(parent))
                arguments += ["--perms", "0755", "--dir", str(parent)]
        arguments += ["--ro-bind", str(prefix), str(prefix)]
    arguments += [
        "--ro-bind", str(control), "/unima",
        "--bind", str(job), "/job",
        "--ro-bind", str(inputs), "/job/inputs",
        "--chdir", "/job",
    ]  # fmt: skip
    return arguments


def _namespace_arguments(as_root: bool) -> list[str]:
    common = ["--die-with-parent", "--new-session", "--clearenv"]
    if as_root:
        return [
            "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", *common,
            "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
        ]  # fmt: skip
    return ["--unshare-all", "--unshare-user", "--disable-userns", *common]


def bubblewrap_argv(
    *,
    control: Path,
    job: Path,
    inputs: Path,
    limits: SandboxLimits,
    seccomp_fd: int | None,
    uid: int = NOBODY,
) -> list[str]:
    """The full command line: bwrap, its flags, then (as root) setpriv to ``uid``, then the runner."""
    executable = shutil.which("bwrap")
    if executable is None:
        raise FileNotFoundError("bwrap")
    as_root = os.geteuid() == 0
    argv = [executable, *_namespace_arguments(as_root)]
    for name, value in sandbox_environment(limits, "/job").items():
        argv += ["--setenv", name, value]
    argv += _mount_arguments(control, job, inputs, limits)
    if seccomp_fd is not None:
        argv += ["--seccomp", str(seccomp_fd)]
    argv.append("--")
    if as_root:
        argv += [
            "/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--inh-caps=-all", "--",
        ]  # fmt: skip
    argv += [sys.executable, "-I", "-X", "faulthandler", "/unima/runner.py", "/unima/config.json"]
    return argv


@lru_cache(maxsize=1)
def bubblewrap_problem() -> str | None:
    """Why tier A cannot run here (missing binary, no user namespaces ...), or ``None``."""
    executable = shutil.which("bwrap")
    if executable is None:
        return "the bwrap binary is not installed"
    as_root = os.geteuid() == 0
    if as_root and not os.path.exists("/usr/bin/setpriv"):
        return "running as root needs /usr/bin/setpriv (util-linux) to drop to uid 65534"
    probe = [executable, *_namespace_arguments(as_root), "--ro-bind", "/usr", "/usr"]
    for link in ROOT_LINKS:
        if os.path.islink(link):
            probe += ["--symlink", os.readlink(link), link]
    probe += ["--proc", "/proc", "--dev", "/dev", "--", "/usr/bin/true"]
    try:
        completed = subprocess.run(
            probe, capture_output=True, timeout=20, env={"PATH": SANDBOX_PATH}, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bwrap could not start ({error})"
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", errors="replace").strip()
        return f"bwrap cannot create its namespaces here: {message or completed.returncode}"
    return None
