"""The records of the sandbox: the limits a run is held to and the result it returns.

Both are frozen dataclasses: a ``SandboxResult`` is the only thing that crosses from a sandboxed
run back to the agent, and it carries text, JSON values and paths to copied files, never objects
the sandbox built (no pickles, see attack S38 in ``docs``/reliability §1.5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Tier = Literal["bwrap", "rlimits", "none"]
Status = Literal["ok", "error", "timeout", "oom", "killed"]
Cap = Literal["memory", "processes", "time", "output", "disk", "files"]

TIERS: tuple[str, ...] = ("bwrap", "rlimits", "none")
ISOLATED_TIERS: tuple[str, ...] = ("bwrap",)

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits of one sandboxed run (defaults follow reliability §1.6 for a 2-core box).

    The wall-clock limit is not here: it is the ``timeout_s`` argument of ``run_python`` and
    defaults to ``Settings.sandbox_timeout_s``.

    Attributes:
        memory_bytes: ``RLIMIT_AS`` of the sandboxed process (virtual memory).
        max_processes: ``RLIMIT_NPROC``; threads count too.
        file_size_bytes: ``RLIMIT_FSIZE``, the largest single file the code may write.
        open_files: ``RLIMIT_NOFILE``.
        cpu_grace_s: ``RLIMIT_CPU`` is the wall limit plus this grace: a backstop if the
            watchdog dies, not the primary limit.
        workdir_bytes: total disk the work folder may hold; the watchdog kills past it.
        workdir_files: number of files and folders the work folder may hold.
        tmp_bytes: size of the private ``/tmp`` tmpfs (RAM).
        shm_bytes: size of the private ``/dev/shm`` tmpfs (RAM).
        stream_keep_bytes: bytes of stdout and of stderr kept (half from the head, half from
            the tail); the rest is counted and dropped.
        stream_kill_bytes: total bytes of stdout plus stderr after which the run is killed.
        output_files: most files copied out of ``outputs/``.
        output_file_bytes: largest single file copied out.
        values_bytes: largest ``values`` JSON document read back.
        values_depth: deepest array/object nesting accepted in a ``values`` document (deeper
            documents are refused before parsing, which would otherwise recurse per level).
        poll_interval_s: how often the watchdog measures the work folder.
        blas_threads: thread count forced on OpenBLAS, OpenMP and MKL (their per-thread
            reservations otherwise break ``RLIMIT_AS``).
    """

    memory_bytes: int = 4 * GIB
    max_processes: int = 128
    file_size_bytes: int = 512 * MIB
    open_files: int = 512
    cpu_grace_s: int = 5
    workdir_bytes: int = 2 * GIB
    workdir_files: int = 10_000
    tmp_bytes: int = 256 * MIB
    shm_bytes: int = 64 * MIB
    stream_keep_bytes: int = 1 * MIB
    stream_kill_bytes: int = 64 * MIB
    output_files: int = 200
    output_file_bytes: int = 50 * 1000 * 1000
    values_bytes: int = 1 * MIB
    values_depth: int = 64
    poll_interval_s: float = 0.5
    blas_threads: int = 1

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            if value is None or value <= 0:
                raise ValueError(f"SandboxLimits.{name} must be a positive number, got {value!r}")


@dataclass(frozen=True)
class CapHit:
    """A limit the run reached, with its value and the mechanism that enforced it.

    Attributes:
        cap: which limit (``memory``, ``processes``, ``time``, ``output``, ``disk``, ``files``).
        limit: its value, in ``unit``.
        unit: ``bytes``, ``processes``, ``seconds`` or ``files``.
        enforced_by: the mechanism (``cgroup v1 memory.limit_in_bytes``, ``watchdog`` ...).
    """

    cap: Cap
    limit: float
    unit: str
    enforced_by: str

    def describe(self) -> str:
        """One line for notes, traces and the model: ``memory cap of 268435456 bytes hit (...)``."""
        limit = int(self.limit) if float(self.limit).is_integer() else self.limit
        return f"{self.cap} cap of {limit} {self.unit} hit ({self.enforced_by})"


@dataclass(frozen=True)
class SandboxResult:
    """What one sandboxed run produced.

    Attributes:
        stdout: captured standard output, decoded with ``errors="replace"``, control characters
            removed, cut to ``stream_keep_bytes`` (head and tail) with a marker in the middle.
        stderr: the same for standard error (tracebacks land here).
        exit_code: the program's exit status; ``None`` when the watchdog killed it.
        timed_out: true when the wall-clock limit was reached.
        status: ``ok`` (exit 0), ``error`` (non-zero exit), ``timeout``, ``oom`` (the program
            ran out of its memory limit) or ``killed`` (a quota was exceeded or a signal ended
            it).
        files: files the code wrote under ``outputs/``, by relative path, copied to the host.
        values: JSON values the code published with ``unima_result(name, value)`` or by writing
            a JSON object to ``outputs/result.json``.
        tier: the isolation tier that ran the code (``bwrap``, ``rlimits`` or ``none``).
        seconds: wall-clock seconds the run took.
        stdout_truncated_bytes: bytes of stdout dropped from the middle.
        stderr_truncated_bytes: bytes of stderr dropped from the middle.
        seccomp: whether the seccomp deny-list was applied.
        skipped_files: output entries the collector refused, each with the reason.
        notes: why the run was killed, degraded protections, other facts worth recording.
        caps_hit: the limits the run reached (memory, processes, time ...), each with its value
            and the mechanism that enforced it; also described in ``notes``.
        enforcement: how each limit was enforced in this run, by limit name (``memory``,
            ``processes``, ``uid``), for example ``{"memory": "cgroup v1 ..."}``.
    """

    stdout: str
    stderr: str
    exit_code: int | None
    timed_out: bool
    status: Status
    files: dict[str, Path] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    tier: Tier = "bwrap"
    seconds: float = 0.0
    stdout_truncated_bytes: int = 0
    stderr_truncated_bytes: int = 0
    seccomp: bool = False
    skipped_files: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    caps_hit: tuple[CapHit, ...] = ()
    enforcement: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the code ran to completion with exit status 0."""
        return self.status == "ok"

    def error_line(self) -> str:
        """The last non-empty line of stderr (the exception of a traceback), or the status."""
        for line in reversed(self.stderr.splitlines()):
            if line.strip() and not line.startswith("["):
                return line.strip()
        return self.notes[0] if self.notes else f"status {self.status}"
