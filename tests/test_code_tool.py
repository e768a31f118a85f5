"""``run_code`` (SandboxCodeTool): arguments, execution through the sandbox, verification."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from unima.config import load_settings
from unima.errors import ToolError
from unima.tools import TOOL_BACKENDS
from unima.tools.base import ToolContext
from unima.tools.code import SandboxCodeTool, shorten
from unima.tools.sandbox.bubblewrap import bubblewrap_problem
from unima.types import Artifact

needs_bwrap = pytest.mark.skipif(
    bubblewrap_problem() is not None, reason=f"bwrap: {bubblewrap_problem()}"
)


@pytest.fixture
def tool() -> SandboxCodeTool:
    return SandboxCodeTool()


def context(tmp_path: Path, **kwargs) -> ToolContext:
    return ToolContext(work_dir=tmp_path / "step", settings=load_settings(), **kwargs)


def test_registered_under_run_code():
    assert TOOL_BACKENDS.get("run_code/sandbox") is SandboxCodeTool
    assert (SandboxCodeTool.name, SandboxCodeTool.modality, SandboxCodeTool.backend) == (
        "run_code",
        "code",
        "sandbox",
    )


def test_argument_validation(tool: SandboxCodeTool):
    with pytest.raises(ValidationError):
        tool.parse_arguments({"code": ""})
    with pytest.raises(ValidationError):
        tool.parse_arguments({"code": "x" * 100_001})
    with pytest.raises(ValidationError, match="plain file name"):
        tool.parse_arguments({"code": "pass", "filename": "../evil.py"})
    with pytest.raises(ValidationError, match="plain file name"):
        tool.parse_arguments({"code": "pass", "filename": "dir/evil.py"})
    with pytest.raises(ValidationError):
        tool.parse_arguments({"code": "pass", "unknown": 1})
    assert tool.parse_arguments({"code": "pass", "language": " Python "}).language == "python"


@needs_bwrap
@pytest.mark.sandbox
def test_python_runs_in_the_sandbox_and_passes(tool: SandboxCodeTool, tmp_path: Path):
    arguments = tool.parse_arguments(
        {
            "code": "import matplotlib.pyplot as plt\nplt.plot([1, 3])\nprint(sum(range(5)))\nunima_result('n', 10)",
            "filename": "analysis.py",
            "description": "sum",
        }
    )
    step = context(tmp_path)
    output = tool.run(arguments, step)
    assert output.path == step.work_dir / "analysis.py" and output.mime == "text/x-python"
    assert output.path.read_text().startswith("import matplotlib")
    meta = output.meta
    assert meta["executed"] and meta["status"] == "ok" and meta["exit_code"] == 0
    assert meta["stdout"] == "10\n" and meta["values"] == {"n": 10} and meta["tier"] == "bwrap"
    assert Path(meta["files"]["figure_1.png"]).parent == step.work_dir / "outputs"
    verification = tool.verify(output, arguments, step)
    assert verification.passed and verification.checks["tier"] == "bwrap"


@needs_bwrap
@pytest.mark.sandbox
def test_failing_python_fails_verification_with_the_error(tool: SandboxCodeTool, tmp_path: Path):
    arguments = tool.parse_arguments({"code": "values = [1, 2]\nprint(values[5])"})
    step = context(tmp_path)
    output = tool.run(arguments, step)
    assert output.path.name == "program.py" and output.meta["status"] == "error"
    verification = tool.verify(output, arguments, step)
    assert not verification.passed
    assert "IndexError: list index out of range" in verification.problems[0]


@needs_bwrap
@pytest.mark.sandbox
def test_dependency_artifacts_become_inputs(tool: SandboxCodeTool, tmp_path: Path):
    data = tmp_path / "table.csv"
    data.write_text("a\n1\n2\n")
    artifact = Artifact(modality="document", path=str(data), mime="text/csv", sha256="0" * 64)
    arguments = tool.parse_arguments({"code": "print(len(open('inputs/table.csv').readlines()))"})
    output = tool.run(arguments, context(tmp_path, dependencies={"s1": artifact}))
    assert output.meta["stdout"] == "3\n" and output.meta["inputs"] == ["table.csv"]


@needs_bwrap
@pytest.mark.sandbox
def test_timeout_comes_from_settings(tool: SandboxCodeTool, tmp_path: Path):
    step = ToolContext(work_dir=tmp_path, settings=load_settings(sandbox_timeout_s=1))
    arguments = tool.parse_arguments({"code": "while True:\n    pass"})
    output = tool.run(arguments, step)
    assert output.meta["status"] == "timeout" and output.meta["exit_code"] is None
    assert "timeout" in tool.verify(output, arguments, step).problems[0]


def test_not_executed_python_is_compiled(tool: SandboxCodeTool, tmp_path: Path):
    good = tool.parse_arguments({"code": "def f():\n    return 1\n", "execute": False})
    output = tool.run(good, context(tmp_path))
    assert output.meta["executed"] is False and output.meta["compiles"] is True
    assert tool.verify(output, good, context(tmp_path)).passed
    bad = tool.parse_arguments({"code": "def f(:\n", "execute": True})
    output = tool.run(bad, context(tmp_path))
    assert (
        output.meta["executed"] is False
        and "does not compile" in output.meta["not_executed_reason"]
    )
    verification = tool.verify(output, bad, context(tmp_path))
    assert not verification.passed and "SyntaxError" in verification.problems[0]


def test_other_languages_are_written_not_executed(tool: SandboxCodeTool, tmp_path: Path):
    arguments = tool.parse_arguments({"code": "console.log(1);", "language": "JavaScript"})
    output = tool.run(arguments, context(tmp_path))
    assert output.path.name == "program.js" and output.path.read_text() == "console.log(1);"
    assert output.mime in ("application/javascript", "text/javascript", "application/x-javascript")
    assert output.meta["executed"] is False and "only python" in output.meta["not_executed_reason"]
    assert tool.verify(output, arguments, context(tmp_path)).passed


def test_unknown_language_is_a_recoverable_tool_error(tool: SandboxCodeTool, tmp_path: Path):
    arguments = tool.parse_arguments({"code": "x", "language": "klingon-script"})
    with pytest.raises(ToolError, match="klingon-script") as caught:
        tool.run(arguments, context(tmp_path))
    assert caught.value.recoverable


def test_missing_sandbox_is_a_terminal_tool_error(tool, tmp_path: Path, monkeypatch):
    from unima.tools.sandbox import api

    monkeypatch.setattr(api, "bubblewrap_problem", lambda: "the bwrap binary is not installed")
    monkeypatch.delenv("UNIMA_UNSAFE_EXEC", raising=False)
    arguments = tool.parse_arguments({"code": "print(1)"})
    with pytest.raises(ToolError, match="bubblewrap") as caught:
        tool.run(arguments, context(tmp_path))
    assert not caught.value.recoverable


def test_shorten_keeps_head_and_tail():
    text = "a" * 50 + "b" * 50
    assert shorten(text, 20) == "a" * 10 + "\n[... 80 characters cut ...]\n" + "b" * 10
    assert shorten("short", 20) == "short"
