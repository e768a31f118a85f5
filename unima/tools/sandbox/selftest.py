"""The startup self-test: attack probes that must all fail before a tier counts as isolated.

It runs S20 (read a secret from another process's ``/proc/<pid>/environ``), S22 (read a planted
secret file outside the sandbox), S25 (write a file outside the work folder) and S30 (connect to a
loopback listener of the host) as one short program, and checks each on the host side too. The
report is cached per process and tier; ``run_python`` refuses tier ``bwrap`` when it escapes.
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from unima.tools.sandbox.execute import execute_in_tier
from unima.tools.sandbox.records import SandboxLimits, Tier

_PROBE = """
import os, socket
found = []
for pid in os.listdir('/proc'):
    if pid.isdigit():
        for name in ('environ', 'cmdline'):
            try:
                with open(f'/proc/{pid}/{name}', 'rb') as handle:
                    if TOKEN.encode() in handle.read():
                        found.append(pid)
            except OSError:
                pass
unima_result('environ_leak', bool(found))
try:
    with open(SECRET_FILE) as handle:
        unima_result('secret_read', TOKEN in handle.read())
except OSError:
    unima_result('secret_read', False)
try:
    with open(WRITE_TARGET, 'w') as handle:
        handle.write('escaped')
    unima_result('host_write', True)
except OSError:
    unima_result('host_write', False)
try:
    socket.create_connection(('127.0.0.1', PORT), timeout=1).close()
    unima_result('loopback_connect', True)
except OSError:
    unima_result('loopback_connect', False)
"""


@dataclass(frozen=True)
class SelfTestReport:
    """The outcome of the self-test for one tier.

    Attributes:
        tier: the tier tested.
        isolated: true when no probe escaped and the probe program ran to completion.
        escapes: the probes that succeeded (``environ_leak``, ``secret_read``, ``host_write``,
            ``loopback_connect``) or why the probe could not run.
        seconds: how long the self-test took.
    """

    tier: Tier
    isolated: bool
    escapes: tuple[str, ...]
    seconds: float


_reports: dict[str, SelfTestReport] = {}


def sandbox_self_test(tier: Tier = "bwrap", *, refresh: bool = False) -> SelfTestReport:
    """Run the escape probes in ``tier`` once per process (``refresh`` runs them again)."""
    if tier in _reports and not refresh:
        return _reports[tier]
    started = time.monotonic()
    token = secrets.token_hex(16)
    escapes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="unima-selftest-") as host_folder:
        secret_file = Path(host_folder) / "secret.txt"
        secret_file.write_text(token, encoding="utf-8")
        secret_file.chmod(0o644)
        Path(host_folder).chmod(0o755)
        write_target = Path(host_folder) / "written-by-sandbox.txt"
        listener = socket.create_server(("127.0.0.1", 0))
        listener.setblocking(False)
        port = listener.getsockname()[1]
        # A process holding the secret in its environment, as an agent with API keys would.
        holder = subprocess.Popen(
            ["sleep", "30"], env={"PATH": "/usr/bin:/bin", "UNIMA_SELFTEST_SECRET": token}
        )
        try:
            program = (
                f"TOKEN = {token!r}\nSECRET_FILE = {str(secret_file)!r}\n"
                f"WRITE_TARGET = {str(write_target)!r}\nPORT = {port}\n" + _PROBE
            )
            result = execute_in_tier(
                program,
                tier=tier,
                timeout_s=20,
                limits=SandboxLimits(),
                output_dir=Path(host_folder) / "outputs",
            )
            escapes += [name for name, escaped in sorted(result.values.items()) if escaped]
            if result.status != "ok" or len(result.values) != 4:
                escapes.append(
                    f"probe did not complete (status {result.status}: {result.error_line()})"
                )
            if write_target.exists() and "host_write" not in escapes:
                escapes.append("host_write")
            try:
                listener.accept()[0].close()
                if "loopback_connect" not in escapes:
                    escapes.append("loopback_connect")
            except BlockingIOError:
                pass
        finally:
            holder.kill()
            holder.wait()
            listener.close()
    report = SelfTestReport(
        tier=tier,
        isolated=not escapes,
        escapes=tuple(escapes),
        seconds=round(time.monotonic() - started, 3),
    )
    _reports[tier] = report
    return report
