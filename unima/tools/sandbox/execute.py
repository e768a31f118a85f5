"""One sandboxed run in a given tier: stage the files, supervise, collect, clean up.

``execute_in_tier`` does no tier selection and no self-test; ``run_python`` (``api.py``) does.

On the host, a run uses one private folder::

    <run>/control/   runner.py, program.py, config.json, seccomp.bpf   (read-only at /unima)
    <run>/job/       the code's working folder                         (read-write at /job)
    <run>/job/outputs/  what the code wants returned (collected safely)
    <run>/inputs/    the caller's files                                (read-only at /job/inputs)
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import stat
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from unima.errors import InputError, SandboxError, UnsafePathError
from unima.tools.sandbox import bubblewrap, cgroups, identity, weak
from unima.tools.sandbox.cgroups import SandboxCgroup
from unima.tools.sandbox.collect import collect_outputs, read_values
from unima.tools.sandbox.identity import UidLease
from unima.tools.sandbox.records import CapHit, SandboxLimits, SandboxResult, Status, Tier
from unima.tools.sandbox.runner import OOM_EXIT_CODE
from unima.tools.sandbox.seccomp import compile_filter
from unima.tools.sandbox.watchdog import CapCheck, Supervision, supervise, tree_memory_check

logger = logging.getLogger(__name__)
RUNNER_SOURCE = Path(__file__).with_name("runner.py")
PROGRAM_NAME = "program.py"
_agent_undumpable = False


def stage_inputs(files: Mapping[str, bytes | Path] | None, inputs: Path) -> None:
    """Write the caller's files under ``inputs`` (names must stay inside it)."""
    for name, content in (files or {}).items():
        relative = PurePosixPath(name)
        if (
            not name
            or "\0" in name
            or relative.is_absolute()
            or any(part in ("", ".", "..") for part in name.split("/"))
        ):
            raise UnsafePathError(
                "sandbox input names must be relative paths without '..' such as 'data/sales.csv'",
                source=repr(name),
            )
        if isinstance(content, Path):
            if not content.is_file():
                raise InputError(
                    "sandbox input file does not exist or is not a file", source=str(content)
                )
            data = content.read_bytes()
        elif isinstance(content, bytes | bytearray):
            data = bytes(content)
        else:
            raise InputError(
                f"sandbox input content must be bytes or a Path, got {type(content).__name__}",
                source=name,
            )
        target = inputs.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    for folder, _folders, names in os.walk(inputs):
        os.chmod(folder, 0o555)
        for file_name in names:
            os.chmod(os.path.join(folder, file_name), 0o444)


def make_folder_writable(path: str) -> None:
    """``chmod u+rwx`` on ``path`` if it is a folder; a link at its last component is not followed.

    The folder is pinned with an ``O_PATH | O_NOFOLLOW`` descriptor and changed through
    ``/proc/self/fd``, so it cannot be swapped for a link between the check and the change.
    """
    try:
        descriptor = os.open(path, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if stat.S_ISDIR(os.fstat(descriptor).st_mode):
            os.chmod(f"/proc/self/fd/{descriptor}", stat.S_IRWXU)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def remove_tree(path: Path, attempts: int = 40) -> None:
    """Delete a run folder even where the code removed permissions from its own folders.

    After a SIGKILL the kernel tears the sandbox's processes down asynchronously, so one of
    them may still create a file for a few milliseconds: retry for up to about two seconds.
    ``shutil.rmtree`` walks with descriptors and unlinks links without following them.
    """

    def make_writable_and_retry(function: Any, failed_path: str, _error: object) -> None:
        # Only real folders are made writable: a chmod through a link the code planted would
        # change the mode of a host file.
        for folder in (os.path.dirname(failed_path), failed_path):
            make_folder_writable(folder)
        with contextlib.suppress(OSError):
            function(failed_path)

    for _attempt in range(attempts):
        shutil.rmtree(path, onerror=make_writable_and_retry)
        if not os.path.lexists(path):
            return
        time.sleep(0.05)
    logger.warning("could not remove the sandbox run folder %s", path)


def classify(supervision: Supervision, caps_hit: list[CapHit]) -> tuple[Status, list[str]]:
    """Map how the process ended, and the caps it hit, to a status with explaining notes."""
    memory = next((hit for hit in caps_hit if hit.cap == "memory"), None)
    others = [hit.describe() for hit in caps_hit if hit.cap not in ("memory", "time")]
    if memory is not None:
        return "oom", [f"the program ran out of memory: {memory.describe()}", *others]
    if supervision.timed_out:
        return "timeout", [supervision.kill_reason or "wall-clock limit reached", *others]
    if supervision.kill_reason:
        return "killed", [f"killed by the watchdog: {supervision.kill_reason}"]
    code = supervision.returncode
    if code == 0:
        return "ok", others
    signal_number = (
        -code if code is not None and code < 0 else (code - 128 if code and code > 128 else 0)
    )
    if signal_number:
        return "killed", [f"the program was ended by signal {signal_number}", *others]
    return "error", others


def caps_reached(
    supervision: Supervision, cgroup: SandboxCgroup | None, limits: SandboxLimits
) -> list[CapHit]:
    """Every cap the run reached: the watchdog's, the cgroup's counters and ``RLIMIT_AS``."""
    hits = [supervision.cap_hit] if supervision.cap_hit is not None else []
    if cgroup is not None:
        if cgroup.memory_cap_hit() and not any(hit.cap == "memory" for hit in hits):
            hits.append(cgroup_memory_hit(cgroup))
        if cgroup.process_cap_hit():
            enforced_by = f"cgroup v{cgroup.version} pids.max: a fork was refused"
            hits.append(CapHit("processes", cgroup.max_processes, "processes", enforced_by))
    if supervision.returncode == OOM_EXIT_CODE and not any(hit.cap == "memory" for hit in hits):
        enforced_by = "RLIMIT_AS of one process: MemoryError"
        hits.append(CapHit("memory", limits.memory_bytes, "bytes", enforced_by))
    return hits


def cgroup_memory_hit(cgroup: SandboxCgroup) -> CapHit:
    enforced_by = (
        f"cgroup v{cgroup.version} {cgroup.memory_setting} for the whole sandbox: "
        "the kernel killed a process"
    )
    return CapHit("memory", cgroup.memory_bytes, "bytes", enforced_by)


def cap_check(
    cgroup: SandboxCgroup | None, limits: SandboxLimits, lease: UidLease | None
) -> CapCheck:
    """What the watchdog polls: the cgroup's OOM counter, else the summed process-tree memory."""
    if cgroup is None:
        return tree_memory_check(limits, lease.uid if lease else None)

    def check(_root_pid: int) -> CapHit | None:
        # The kernel already killed one process; end the whole run, as memory.oom.group would.
        return cgroup_memory_hit(cgroup) if cgroup.memory_cap_hit() else None

    return check


def describe_enforcement(
    tier: Tier,
    limits: SandboxLimits,
    cgroup: SandboxCgroup | None,
    uid: int | None,
    leased: bool,
) -> dict[str, str]:
    """How memory and processes were capped in this run, for the result and the trace."""
    per_process = f"RLIMIT_AS={limits.memory_bytes} per process"
    if cgroup is not None:
        setting = f"cgroup v{cgroup.version} {cgroup.memory_setting}={cgroup.memory_bytes}"
        memory = f"{setting} for the whole sandbox; {per_process}"
        processes = [f"cgroup v{cgroup.version} pids.max={cgroup.max_processes}"]
    else:
        memory = (
            f"watchdog sums the memory of all sandbox processes every {limits.poll_interval_s:g} s"
            f" (no writable cgroup); {per_process}"
        )
        processes = []
    nproc = f"RLIMIT_NPROC={limits.max_processes}"
    if uid is not None:
        owner = "leased by this sandbox alone" if leased else "shared with other sandboxes"
        processes.append(f"{nproc} for uid {uid}, {owner}")
        identity_text = f"{uid} ({owner})"
    elif tier == "bwrap":
        processes.append(f"{nproc} in the sandbox's own user namespace")
        identity_text = "the caller's uid, mapped in a user namespace"
    else:
        processes.append(f"{nproc} above the processes the caller's uid already runs")
        identity_text = f"{os.geteuid()} (the caller's; RLIMIT_NPROC is not enforced for uid 0)"
    return {"memory": memory, "processes": "; ".join(processes), "uid": identity_text}


def execute_in_tier(
    code: str,
    *,
    tier: Tier,
    timeout_s: float,
    limits: SandboxLimits,
    files: Mapping[str, bytes | Path] | None = None,
    output_dir: Path | None = None,
    work_root: Path | None = None,
) -> SandboxResult:
    """Run ``code`` in exactly ``tier`` (no checks that the tier is allowed).

    As root, the run gets a uid of its own (``identity``); where a cgroup can be made, one
    memory and process cap for all its processes (``cgroups``). Both are given back after it.
    """
    run_dir = Path(tempfile.mkdtemp(prefix="unima-sandbox-", dir=work_root))
    lease = identity.lease_sandbox_uid() if tier != "none" else None
    cgroup = cgroups.create_sandbox_cgroup(limits)
    try:
        return _execute(code, tier, timeout_s, limits, files, output_dir, run_dir, cgroup, lease)
    finally:
        if cgroup is not None:
            cgroup.remove()
        remove_tree(run_dir)
        if lease is not None:
            lease.release()


def _execute(
    code: str,
    tier: Tier,
    timeout_s: float,
    limits: SandboxLimits,
    files: Mapping[str, bytes | Path] | None,
    output_dir: Path | None,
    run_dir: Path,
    cgroup: SandboxCgroup | None,
    lease: UidLease | None,
) -> SandboxResult:
    global _agent_undumpable
    uid = lease.uid if lease is not None else bubblewrap.NOBODY
    control, job = run_dir / "control", run_dir / "job"
    inputs = run_dir / "inputs" if tier == "bwrap" else job / "inputs"
    for folder in (control, job, job / "outputs", job / ".unima", job / ".cache", inputs):
        folder.mkdir(mode=0o755, parents=True, exist_ok=True)
    stage_inputs(files, inputs)
    shutil.copyfile(RUNNER_SOURCE, control / "runner.py")
    (control / PROGRAM_NAME).write_text(code, encoding="utf-8")
    notes: list[str] = []
    bpf = compile_filter(deny_network=tier != "bwrap") if tier != "none" else None
    if bpf is None and tier != "none":
        notes.append("seccomp unavailable (pyseccomp or libseccomp missing): no syscall filter")
    if bpf is not None:
        (control / "seccomp.bpf").write_bytes(bpf)
    inside = "/unima" if tier == "bwrap" else str(control)
    workdir = "/job" if tier == "bwrap" else str(job)
    config = {
        "program": f"{inside}/{PROGRAM_NAME}",
        "program_name": PROGRAM_NAME,
        "workdir": workdir,
        "outputs": f"{workdir}/outputs",
        "values_path": f"{workdir}/.unima/values.json",
        "limits": {
            "memory_bytes": limits.memory_bytes,
            "file_size_bytes": limits.file_size_bytes,
            "open_files": limits.open_files,
            "cpu_seconds": int(timeout_s) + limits.cpu_grace_s,
            "core_bytes": 0,
            "max_processes": limits.max_processes,
        },
        "relative_nproc": tier != "bwrap",
        "seccomp_bpf": f"{inside}/seccomp.bpf" if bpf is not None and tier != "bwrap" else None,
    }
    (control / "config.json").write_text(json.dumps(config), encoding="utf-8")
    os.chmod(run_dir, 0o711)
    for path in control.iterdir():
        os.chmod(path, 0o644)

    marker = secrets.token_hex(16)
    pass_fds: list[int] = []
    if tier == "bwrap":
        environment = {"PATH": bubblewrap.SANDBOX_PATH, "LANG": "C.UTF-8"}
        seccomp_fd = os.open(control / "seccomp.bpf", os.O_RDONLY) if bpf is not None else None
        if seccomp_fd is not None:
            pass_fds.append(seccomp_fd)
        try:
            argv = bubblewrap.bubblewrap_argv(
                control=control,
                job=job,
                inputs=inputs,
                limits=limits,
                seccomp_fd=seccomp_fd,
                uid=uid,
            )
        except FileNotFoundError as error:
            raise SandboxError("bwrap is not installed; run scripts/system-packages.sh") from error
        drops_uid = os.geteuid() == 0
    else:
        environment = bubblewrap.sandbox_environment(limits, str(job))
        environment[weak.RUN_MARKER] = marker
        argv, drops_uid, privilege_notes = weak.weak_argv(control, tier, uid)
        notes += privilege_notes
        if not _agent_undumpable:
            _agent_undumpable = weak.make_agent_undumpable()
        notes.append("weak isolation: host files and processes are visible to the code")
    if drops_uid:
        for folder in (job, job / "outputs", job / ".unima", job / ".cache"):
            os.chown(folder, uid, uid)
    if cgroup is not None:
        argv = [*cgroup.attach_prefix(), *argv]
    try:
        supervision = supervise(
            argv,
            env=environment,
            cwd=job,
            pass_fds=pass_fds,
            timeout_s=timeout_s,
            watch_folder=job,
            limits=limits,
            check_caps=cap_check(cgroup, limits, lease),
        )
    except OSError as error:
        raise SandboxError(f"could not start the sandbox command {argv[0]!r}: {error}") from error
    finally:
        for descriptor in pass_fds:
            os.close(descriptor)
    if tier != "bwrap" and weak.sweep_leftovers(marker):
        notes.append("processes left behind by the code were killed")
    if (
        cgroup is not None
        and supervision.returncode == cgroups.ATTACH_FAILED_EXIT
        and "could not join the sandbox cgroup" in supervision.stderr.text()
    ):
        raise SandboxError(f"the sandbox could not join its cgroup {cgroup.memory}")
    caps_hit = caps_reached(supervision, cgroup, limits)
    status, status_notes = classify(supervision, caps_hit)
    destination = output_dir or Path(tempfile.mkdtemp(prefix="unima-sandbox-out-"))
    destination.mkdir(parents=True, exist_ok=True)
    # The code may have replaced any folder below the run folder by a link to a host folder:
    # everything is opened from run_dir one component at a time, never following a link.
    collected, skipped = collect_outputs(run_dir, (job.name, "outputs"), destination, limits)
    if output_dir is None and not collected:
        destination.rmdir()  # nothing to hand over: do not leave an empty folder behind
    values, value_notes = read_values(run_dir, job.name, limits)
    return SandboxResult(
        stdout=supervision.stdout.text(),
        stderr=supervision.stderr.text(),
        exit_code=supervision.returncode,
        timed_out=supervision.timed_out,
        status=status,
        files=collected,
        values=values,
        tier=tier,
        seconds=round(supervision.seconds, 3),
        stdout_truncated_bytes=max(supervision.stdout.truncated, 0),
        stderr_truncated_bytes=max(supervision.stderr.truncated, 0),
        seccomp=bpf is not None,
        skipped_files=tuple(skipped),
        notes=tuple(status_notes + notes + value_notes),
        caps_hit=tuple(caps_hit),
        enforcement=describe_enforcement(
            tier, limits, cgroup, uid if drops_uid else None, lease is not None
        ),
    )
