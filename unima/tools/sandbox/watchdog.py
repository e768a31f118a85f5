"""The outside watchdog: starts the sandbox, reads its pipes with bounded memory, enforces the
wall-clock limit and the work-folder quota, and kills the whole sandbox with SIGKILL.

Nothing here trusts the sandboxed process: output is read incrementally with ``selectors`` (never
an unbounded ``communicate()``), at most ``stream_keep_bytes`` of each stream is kept, and the run
is killed once it has written ``stream_kill_bytes`` in total.
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import signal
import stat
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from unima.tools.sandbox.records import CapHit, SandboxLimits

CapCheck = Callable[[int], CapHit | None]
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")

# ANSI escape sequences and C0 controls other than tab and newline (S15: nothing reaches logs
# or the model that could drive a terminal).
_ESCAPE_SEQUENCE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_OPEN_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def clean_text(raw: bytes) -> str:
    """Decode untrusted output (``errors="replace"``) and strip terminal control sequences."""
    text = raw.decode("utf-8", errors="replace")
    text = _ESCAPE_SEQUENCE.sub("", text)
    return _CONTROL_CHARACTERS.sub("", text)


@dataclass
class CappedStream:
    """Keeps the first and last ``keep_bytes / 2`` bytes of a stream and counts the rest."""

    keep_bytes: int
    head: bytearray = field(default_factory=bytearray)
    tail: bytearray = field(default_factory=bytearray)
    total: int = 0

    def feed(self, data: bytes) -> None:
        self.total += len(data)
        head_room = self.keep_bytes // 2 - len(self.head)
        if head_room > 0:
            self.head += data[:head_room]
            data = data[head_room:]
        if data:
            self.tail += data
            tail_size = self.keep_bytes - self.keep_bytes // 2
            if len(self.tail) > tail_size:
                del self.tail[: len(self.tail) - tail_size]

    @property
    def truncated(self) -> int:
        return self.total - len(self.head) - len(self.tail)

    def text(self) -> str:
        if self.truncated <= 0:
            return clean_text(bytes(self.head + self.tail))
        marker = f"\n[... {self.truncated} bytes truncated ...]\n"
        return clean_text(bytes(self.head)) + marker + clean_text(bytes(self.tail))


@dataclass(frozen=True)
class Supervision:
    """How the sandboxed process ended, as the watchdog saw it."""

    returncode: int | None
    timed_out: bool
    kill_reason: str | None
    stdout: CappedStream
    stderr: CappedStream
    seconds: float
    cap_hit: CapHit | None = None


def measure_folder(folder: Path, max_entries: int) -> tuple[int, int]:
    """Disk bytes (allocated blocks, so sparse files count as written) and entries under folder.

    Stops counting once ``max_entries`` is passed: the caller only needs to know it was.
    Walks with directory descriptors opened ``O_NOFOLLOW`` relative to their parent, so a
    folder the code swaps for a link while it is measured is skipped, never followed.
    """
    total_bytes = 0
    entries = 0
    try:
        pending = [os.open(folder, _OPEN_DIRECTORY)]
    except OSError:
        return 0, 0
    try:
        while pending and entries <= max_entries:
            current = pending.pop()
            try:
                with os.scandir(current) as iterator:
                    for entry in iterator:
                        entries += 1
                        try:
                            info = entry.stat(follow_symlinks=False)
                        except OSError:
                            continue
                        total_bytes += info.st_blocks * 512
                        if stat.S_ISDIR(info.st_mode):
                            with contextlib.suppress(OSError):
                                pending.append(os.open(entry.name, _OPEN_DIRECTORY, dir_fd=current))
            except OSError:
                pass
            finally:
                os.close(current)
    finally:
        for descriptor in pending:
            os.close(descriptor)
    return total_bytes, entries


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process group the sandbox was started in (bwrap takes its PID ns along)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _parent_and_owner(pid: str) -> tuple[int, int] | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rpartition(b")")[2].split()
        return int(fields[1]), os.stat(f"/proc/{pid}").st_uid
    except (OSError, IndexError, ValueError):
        return None


def sandbox_processes(root_pid: int, uid: int | None = None) -> list[int]:
    """The process tree under ``root_pid``, plus every process of ``uid`` (a leased sandbox uid
    catches daemons that left the tree)."""
    parents: dict[int, list[int]] = {}
    members: set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        facts = _parent_and_owner(entry)
        if facts is None:
            continue
        parents.setdefault(facts[0], []).append(int(entry))
        if uid is not None and facts[1] == uid:
            members.add(int(entry))
    tree = {root_pid}
    pending = [root_pid]
    while pending:
        for child in parents.get(pending.pop(), ()):
            if child not in tree:
                tree.add(child)
                pending.append(child)
    return sorted(tree | members)


def process_memory(pid: int) -> int:
    """Proportional set size in bytes (shared pages split between sharers), else resident size."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * PAGE_BYTES
    except (OSError, ValueError, IndexError):
        return 0


def tree_memory_check(limits: SandboxLimits, uid: int | None) -> CapCheck:
    """A check that sums the memory of the whole sandbox and kills it when over the cap."""

    def check(root_pid: int) -> CapHit | None:
        members = sandbox_processes(root_pid, uid)
        if sum(process_memory(pid) for pid in members) <= limits.memory_bytes:
            return None
        for pid in members:  # the process group kill misses daemons that called setsid()
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        return CapHit(
            "memory",
            limits.memory_bytes,
            "bytes",
            "watchdog: summed proportional set size of every sandbox process",
        )

    return check


def supervise(
    argv: Sequence[str],
    *,
    env: dict[str, str],
    cwd: Path,
    pass_fds: Sequence[int],
    timeout_s: float,
    watch_folder: Path,
    limits: SandboxLimits,
    check_caps: CapCheck | None = None,
) -> Supervision:
    """Run ``argv`` to completion or until a limit is hit; never raises for the code's failures.

    Every ``poll_interval_s`` the work folder quota is measured and ``check_caps`` (called with
    the sandbox's pid) may report a cap the run went over; either ends the run.
    """
    started = time.monotonic()
    deadline = started + timeout_s
    process = subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=cwd,
        pass_fds=tuple(pass_fds),
        close_fds=True,
        start_new_session=True,
    )
    assert process.stdout is not None and process.stderr is not None
    stdout = CappedStream(limits.stream_keep_bytes)
    stderr = CappedStream(limits.stream_keep_bytes)
    streams = {process.stdout.fileno(): stdout, process.stderr.fileno(): stderr}
    selector = selectors.DefaultSelector()
    for descriptor in streams:
        selector.register(descriptor, selectors.EVENT_READ)
    timed_out = False
    kill_reason: str | None = None
    cap_hit: CapHit | None = None
    next_measure = started + limits.poll_interval_s
    exited_at: float | None = None
    try:
        while selector.get_map():
            now = time.monotonic()
            if now >= deadline:
                timed_out = True
                kill_reason = f"wall-clock limit of {timeout_s:g} s reached"
                cap_hit = CapHit("time", timeout_s, "seconds", "watchdog")
                break
            if exited_at is None and process.poll() is not None:
                exited_at = now
            # A process that left a descendant holding the pipes (weak tiers) gets a short
            # grace to flush, then the pipes are abandoned.
            if exited_at is not None and now - exited_at > 0.5:
                break
            for key, _events in selector.select(
                timeout=min(limits.poll_interval_s, deadline - now)
            ):
                data = os.read(key.fd, 65536)
                if not data:
                    selector.unregister(key.fd)
                    continue
                streams[key.fd].feed(data)
            written = sum(stream.total for stream in streams.values())
            if written > limits.stream_kill_bytes:
                kill_reason = f"output exceeded {limits.stream_kill_bytes} bytes"
                cap_hit = CapHit("output", limits.stream_kill_bytes, "bytes", "watchdog")
                break
            if time.monotonic() >= next_measure:
                next_measure = time.monotonic() + limits.poll_interval_s
                cap_hit = quota_problem(watch_folder, limits)
                if cap_hit is None and check_caps is not None and exited_at is None:
                    cap_hit = check_caps(process.pid)
                if cap_hit is not None:
                    kill_reason = cap_hit.describe()
                    break
        if kill_reason is None:
            remaining = deadline - time.monotonic()
            try:
                process.wait(timeout=max(remaining, 0.01))
            except subprocess.TimeoutExpired:
                timed_out = True
                kill_reason = f"wall-clock limit of {timeout_s:g} s reached"
                cap_hit = CapHit("time", timeout_s, "seconds", "watchdog")
    finally:
        kill_group(process)
        process.wait()
        selector.close()
        process.stdout.close()
        process.stderr.close()
    return Supervision(
        returncode=None if kill_reason else process.returncode,
        timed_out=timed_out,
        kill_reason=kill_reason,
        stdout=stdout,
        stderr=stderr,
        seconds=time.monotonic() - started,
        cap_hit=cap_hit,
    )


def quota_problem(folder: Path, limits: SandboxLimits) -> CapHit | None:
    """The work-folder quota the run went over, or ``None`` when it is within both."""
    used_bytes, entries = measure_folder(folder, limits.workdir_files)
    if entries > limits.workdir_files:
        return CapHit("files", limits.workdir_files, "files", "watchdog: work folder entries")
    if used_bytes > limits.workdir_bytes:
        return CapHit("disk", limits.workdir_bytes, "bytes", "watchdog: work folder size")
    return None
