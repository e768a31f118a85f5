"""Sandboxed execution of model-written Python (reliability §1).

Public surface::

    from unima.tools.sandbox import run_python
    result = run_python("print(1 + 1)", timeout_s=10)
    result.status, result.stdout, result.tier    # "ok", "2\\n", "bwrap"

See ``api.run_python`` for the contract between the code and the host.
"""

from __future__ import annotations

from unima.tools.sandbox.api import choose_tier, run_python
from unima.tools.sandbox.records import SandboxLimits, SandboxResult, Status, Tier
from unima.tools.sandbox.selftest import SelfTestReport, sandbox_self_test

__all__ = [
    "SandboxLimits",
    "SandboxResult",
    "SelfTestReport",
    "Status",
    "Tier",
    "choose_tier",
    "run_python",
    "sandbox_self_test",
]
