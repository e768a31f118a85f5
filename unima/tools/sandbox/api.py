"""``run_python``: run model-written Python in the strongest sandbox tier this machine has.

Tier ``bwrap`` (bubblewrap namespaces + seccomp + rlimits + watchdog) is the default and the only
tier counted as isolated. The weaker tiers (``rlimits``, ``none``) run only when the caller opts
in with ``allow_weak_isolation=True`` or ``UNIMA_UNSAFE_EXEC=1``; otherwise ``SandboxError``
explains how to install bubblewrap. The tier that ran is stamped on every result.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from unima.config import load_settings
from unima.errors import SandboxError
from unima.tools.sandbox.bubblewrap import bubblewrap_problem
from unima.tools.sandbox.execute import execute_in_tier
from unima.tools.sandbox.records import TIERS, SandboxLimits, SandboxResult, Tier
from unima.tools.sandbox.selftest import sandbox_self_test

logger = logging.getLogger(__name__)

INSTALL_HINT = (
    "Install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap, or run "
    "scripts/system-packages.sh) and make sure unprivileged user namespaces are allowed "
    "(Ubuntu 24.04+: an AppArmor profile for bwrap, or sysctl "
    "kernel.apparmor_restrict_unprivileged_userns=0). To run code without isolation anyway, "
    "set UNIMA_UNSAFE_EXEC=1 or pass allow_weak_isolation=True."
)


def _weak_allowed(allow_weak_isolation: bool | None) -> bool:
    if allow_weak_isolation is not None:
        return allow_weak_isolation
    return load_settings().unsafe_exec


def choose_tier(tier: Tier | None = None, allow_weak_isolation: bool | None = None) -> Tier:
    """The tier a run will use, or ``SandboxError`` saying why none is acceptable.

    Args:
        tier: force a tier (tests force ``rlimits`` even where bwrap works); ``None`` picks.
        allow_weak_isolation: allow the weak tiers; ``None`` reads ``Settings.unsafe_exec``.
    """
    if tier is not None and tier not in TIERS:
        raise SandboxError(f"unknown sandbox tier {tier!r}; choose one of {', '.join(TIERS)}")
    weak_allowed = _weak_allowed(allow_weak_isolation)
    if tier in ("rlimits", "none"):
        if not weak_allowed:
            raise SandboxError(
                f"sandbox tier {tier!r} gives no isolation from the host and needs an explicit "
                "opt-in: pass allow_weak_isolation=True or set UNIMA_UNSAFE_EXEC=1"
            )
        return tier
    problem = bubblewrap_problem()
    if problem is None:
        report = sandbox_self_test("bwrap")
        if report.isolated:
            return "bwrap"
        problem = "the bwrap self-test escaped: " + ", ".join(report.escapes)
    if tier == "bwrap" or not weak_allowed:
        raise SandboxError(f"no isolated sandbox is available: {problem}. {INSTALL_HINT}")
    logger.warning("running code with weak isolation (tier 'rlimits'): %s", problem)
    return "rlimits"


def run_python(
    code: str,
    *,
    timeout_s: float | None = None,
    files: Mapping[str, bytes | Path] | None = None,
    limits: SandboxLimits | None = None,
    tier: Tier | None = None,
    allow_weak_isolation: bool | None = None,
    output_dir: Path | None = None,
    work_root: Path | None = None,
) -> SandboxResult:
    """Run Python source in a fresh sandbox and return what it printed, wrote and published.

    Inside, the code runs as ``__main__`` in ``/job`` (its own empty, writable folder) with
    ``inputs/`` read-only, an empty stdin, no network and an allowlisted environment. To return
    results it writes files under ``outputs/`` (figures left open are saved there as
    ``figure_<n>.png``), calls ``unima_result(name, value)`` (a global; the value must be
    JSON-serialisable) or writes a JSON object to ``outputs/result.json``; both land in
    ``SandboxResult.values``.

    Args:
        code: the Python source.
        timeout_s: wall-clock limit; ``Settings.sandbox_timeout_s`` (60 s) when ``None``.
        files: files for ``inputs/``, by relative name, as bytes or host paths.
        limits: resource limits; ``SandboxLimits()`` defaults when ``None``.
        tier: force ``bwrap``, ``rlimits`` or ``none``; ``None`` picks the strongest.
        allow_weak_isolation: permit the weak tiers; ``None`` reads ``UNIMA_UNSAFE_EXEC``.
        output_dir: host folder receiving the copied output files (a new temporary folder
            when ``None``; the caller owns it).
        work_root: where the private run folder is made (the system temp folder by default).

    Raises:
        SandboxError: no acceptable tier, or the sandbox could not start. The code's own
            failures are never raised: they come back as ``status`` and ``stderr``.
    """
    if not isinstance(code, str):
        raise SandboxError(f"code must be a str, got {type(code).__name__}")
    if timeout_s is None:
        timeout_s = load_settings().sandbox_timeout_s
    if not timeout_s > 0:
        raise SandboxError(f"timeout_s must be positive, got {timeout_s!r}")
    chosen = choose_tier(tier, allow_weak_isolation)
    return execute_in_tier(
        code,
        tier=chosen,
        timeout_s=float(timeout_s),
        limits=limits or SandboxLimits(),
        files=files,
        output_dir=output_dir,
        work_root=work_root,
    )
