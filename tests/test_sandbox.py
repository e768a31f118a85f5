"""The normal path of ``run_python``: output, exit codes, files, values, figures, limits, tiers."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from unima.errors import SandboxError, UnsafePathError
from unima.tools.sandbox import SandboxLimits, api, choose_tier, run_python, sandbox_self_test
from unima.tools.sandbox.bubblewrap import bubblewrap_problem
from unima.tools.sandbox.watchdog import CappedStream, clean_text

needs_bwrap = pytest.mark.skipif(
    bubblewrap_problem() is not None, reason=f"bwrap: {bubblewrap_problem()}"
)
pytestmark = pytest.mark.sandbox
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def temporary_files_in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run folders and collected outputs land under tmp_path, not the system temp folder."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


@needs_bwrap
def test_stdout_exit_code_and_tier_stamp():
    result = run_python("print('hello', 6 * 7)", timeout_s=10)
    assert (result.status, result.exit_code, result.stdout) == ("ok", 0, "hello 42\n")
    assert result.tier == "bwrap" and result.seccomp and not result.timed_out and result.ok
    assert result.seconds > 0


@needs_bwrap
def test_sys_exit_and_exceptions_are_errors_with_a_useful_line():
    exited = run_python("import sys\nsys.exit(3)", timeout_s=10)
    assert (exited.status, exited.exit_code) == ("error", 3)
    failed = run_python("x = 1\nraise ValueError('bad value 17')\n", timeout_s=10)
    assert failed.status == "error" and failed.exit_code == 1
    assert "line 2" in failed.stderr and "raise ValueError" in failed.stderr
    assert failed.error_line() == "ValueError: bad value 17"


@needs_bwrap
def test_inputs_are_readable_and_read_only_outputs_come_back(tmp_path: Path):
    host_csv = tmp_path / "sales.csv"
    host_csv.write_text("month,total\njan,3\nfeb,5\n")
    code = """
import csv, os
rows = list(csv.DictReader(open('inputs/data/sales.csv')))
total = sum(int(row['total']) for row in rows)
print(open('inputs/note.txt').read())
try:
    open('inputs/note.txt', 'w')
except OSError as error:
    print('read-only', error.errno)
os.makedirs('outputs/tables')
open('outputs/tables/total.txt', 'w').write(str(total))
"""
    result = run_python(
        code,
        timeout_s=10,
        files={"data/sales.csv": host_csv, "note.txt": b"from bytes"},
        output_dir=tmp_path / "out",
    )
    assert result.status == "ok", result.stderr
    assert result.stdout.startswith("from bytes\nread-only")
    assert set(result.files) == {"tables/total.txt"}
    assert result.files["tables/total.txt"] == tmp_path / "out" / "tables" / "total.txt"
    assert result.files["tables/total.txt"].read_text() == "8"


@needs_bwrap
def test_values_from_unima_result_and_result_json():
    code = """
import json
json.dump({'mean': 1.5, 'label': 'from file'}, open('outputs/result.json', 'w'))
unima_result('mean', 2.5)
unima_result('rows', [1, 2, 3])
try:
    unima_result('bad', {1, 2})
except TypeError:
    print('set refused')
"""
    result = run_python(code, timeout_s=10)
    assert result.values == {"mean": 2.5, "label": "from file", "rows": [1, 2, 3]}
    assert result.stdout == "set refused\n"
    broken = run_python("open('outputs/result.json', 'w').write('[1, 2')", timeout_s=10)
    assert broken.values == {} and any("not valid JSON" in note for note in broken.notes)


@needs_bwrap
def test_numpy_and_open_matplotlib_figures_are_saved():
    code = """
import numpy as np
import matplotlib.pyplot as plt
values = np.arange(10) ** 2
plt.plot(values)
plt.figure()
plt.bar(['a', 'b'], [3, 4])
plt.savefig('outputs/explicit.png')
unima_result('sum', int(values.sum()))
"""
    result = run_python(code, timeout_s=30)
    assert result.status == "ok", result.stderr
    assert set(result.files) == {"explicit.png", "figure_1.png", "figure_2.png"}
    for path in result.files.values():
        assert path.read_bytes()[:8] == PNG_MAGIC
    assert result.values == {"sum": 285}


@needs_bwrap
def test_timeout_and_oom_statuses():
    slow = run_python("import time\nprint('start', flush=True)\ntime.sleep(30)", timeout_s=1)
    assert slow.status == "timeout" and slow.timed_out and slow.exit_code is None
    assert slow.stdout == "start\n" and slow.seconds < 5
    hungry = run_python(
        "data = bytearray(2 << 30)", timeout_s=10, limits=SandboxLimits(memory_bytes=512 << 20)
    )
    assert hungry.status == "oom" and "MemoryError" in hungry.stderr


@needs_bwrap
def test_long_output_is_cut_in_the_middle_with_a_count():
    code = "import sys\nprint('HEAD')\nsys.stdout.write('x' * 100000)\nprint()\nprint('TAIL')"
    result = run_python(code, timeout_s=10, limits=SandboxLimits(stream_keep_bytes=1000))
    assert result.stdout.startswith("HEAD") and result.stdout.endswith("TAIL\n")
    assert result.stdout_truncated_bytes == 5 + 100001 + 5 - 1000
    assert f"[... {result.stdout_truncated_bytes} bytes truncated ...]" in result.stdout


def test_weak_tier_is_refused_without_opt_in(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("UNIMA_UNSAFE_EXEC", raising=False)
    with pytest.raises(SandboxError, match="allow_weak_isolation=True"):
        run_python("print(1)", tier="rlimits")
    with pytest.raises(SandboxError, match="explicit opt-in"):
        choose_tier("none", allow_weak_isolation=False)


def test_missing_bwrap_refuses_unless_weak_is_allowed(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(api, "bubblewrap_problem", lambda: "the bwrap binary is not installed")
    monkeypatch.delenv("UNIMA_UNSAFE_EXEC", raising=False)
    with pytest.raises(SandboxError, match="apt-get install bubblewrap"):
        run_python("print(1)", timeout_s=10)
    with pytest.raises(SandboxError, match="not installed"):
        choose_tier("bwrap", allow_weak_isolation=True)
    monkeypatch.setenv("UNIMA_UNSAFE_EXEC", "1")
    result = run_python("print(1)", timeout_s=10)
    assert result.tier == "rlimits" and result.stdout == "1\n"


def test_forced_weak_tier_with_opt_in_runs_and_says_so(tmp_path: Path):
    result = run_python(
        "import os\nopen('outputs/a.txt', 'w').write('weak')\nunima_result('cwd', os.getcwd())",
        timeout_s=10,
        tier="rlimits",
        allow_weak_isolation=True,
        output_dir=tmp_path,
    )
    assert result.status == "ok" and result.tier == "rlimits"
    assert result.files["a.txt"].read_text() == "weak"
    assert result.values["cwd"].endswith("/job") and result.values["cwd"] != str(Path.cwd())
    assert any("weak isolation" in note for note in result.notes)
    plain = run_python("print('none')", timeout_s=10, tier="none", allow_weak_isolation=True)
    assert plain.tier == "none" and not plain.seccomp and plain.stdout == "none\n"


@needs_bwrap
def test_self_test_passes_for_bwrap_and_fails_for_the_weak_tier():
    strong = sandbox_self_test("bwrap", refresh=True)
    assert strong.isolated and strong.escapes == ()
    weak = sandbox_self_test("rlimits", refresh=True)
    assert not weak.isolated and "secret_read" in weak.escapes
    assert sandbox_self_test("rlimits") is weak


def test_bad_arguments_are_typed_errors():
    with pytest.raises(UnsafePathError, match=r"\.\./x"):
        run_python("pass", timeout_s=5, files={"../x": b""}, tier="none", allow_weak_isolation=True)
    with pytest.raises(UnsafePathError):
        run_python("pass", timeout_s=5, files={"/abs": b""}, tier="none", allow_weak_isolation=True)
    with pytest.raises(SandboxError, match="positive"):
        run_python("pass", timeout_s=0)
    with pytest.raises(SandboxError, match="unknown sandbox tier 'docker'"):
        run_python("pass", timeout_s=5, tier="docker")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="memory_bytes"):
        SandboxLimits(memory_bytes=0)


def test_default_timeout_comes_from_settings(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("UNIMA_SANDBOX_TIMEOUT_S", "1")
    result = run_python("while True: pass", tier="none", allow_weak_isolation=True)
    assert result.status == "timeout"


def test_capped_stream_and_clean_text():
    stream = CappedStream(keep_bytes=10)
    for chunk in (b"0123", b"456789", b"abcdef"):
        stream.feed(chunk)
    assert stream.total == 16 and stream.truncated == 6
    assert stream.text() == "01234\n[... 6 bytes truncated ...]\nbcdef"
    assert clean_text(b"\x1b[31mred\x1b[0m\x07\xff ok\n") == "red\ufffd ok\n"
