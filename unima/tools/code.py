"""``run_code``: write a program file and, for Python, run it in the sandbox.

The artifact is the source file itself (modality ``code``). Python is executed with
``unima.tools.sandbox.run_python`` (never in this process); its stdout, stderr, status, exit
code, published values, output files and the isolation tier go into the output's ``meta``.
Other languages are not executed: the tool checks that pygments knows the language and records
``executed: False``. With ``execute=False`` Python is only compiled.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, field_validator
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from unima.errors import SandboxError, ToolError
from unima.tools.base import Tool, ToolArguments, ToolContext, ToolOutput
from unima.tools.sandbox import run_python
from unima.types import Verification

FILE_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
# The model sees stdout/stderr through meta: keep what reaches it short (reliability §1.6).
META_TEXT_CHARACTERS = 20_000


class CodeArguments(ToolArguments):
    """Arguments of ``run_code``."""

    code: str = Field(min_length=1, max_length=100_000, description="The program's source.")
    language: str = Field(
        default="python",
        min_length=1,
        max_length=40,
        description="Language name; only python is executed.",
    )
    filename: str = Field(
        default="",
        max_length=100,
        description="Plain file name such as analysis.py; defaults to program.<extension>.",
    )
    execute: bool = Field(default=True, description="Run the program (python only).")
    description: str = Field(default="", max_length=2000, description="What the code does.")

    @field_validator("language")
    @classmethod
    def _normalise_language(cls, value: str) -> str:
        return value.strip().lower()

    @field_validator("filename")
    @classmethod
    def _plain_file_name(cls, value: str) -> str:
        if value and (FILE_NAME_PATTERN.fullmatch(value) is None or ".." in value):
            raise ValueError(
                f"filename {value!r} must be a plain file name (letters, digits, '.', '_', '-'; "
                "no folders), such as 'analysis.py'"
            )
        return value


def shorten(text: str, limit: int = META_TEXT_CHARACTERS) -> str:
    """Keep the head and tail of ``text`` within ``limit`` characters."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters cut ...]\n{text[-half:]}"


def language_facts(language: str) -> tuple[str, str, str]:
    """(lexer name, file extension, mime type) of a language pygments knows.

    Raises:
        ToolError: pygments has no lexer of that name (recoverable: the planner can fix it).
    """
    if language == "python":
        return "Python", ".py", "text/x-python"
    try:
        lexer = get_lexer_by_name(language)
    except ClassNotFound as error:
        raise ToolError(
            f"unknown programming language {language!r}; use a name pygments knows, such as "
            "'python', 'javascript', 'bash', 'sql' or 'rust'",
            tool="run_code",
        ) from error
    extension = ".txt"
    for pattern in lexer.filenames:
        match = re.fullmatch(r"\*(\.[A-Za-z0-9_+-]+)", pattern)
        if match:
            extension = match.group(1)
            break
    mime = lexer.mimetypes[0] if lexer.mimetypes else "text/plain"
    return lexer.name, extension, mime


class SandboxCodeTool(Tool):
    """Writes the program file; runs Python in the isolated sandbox."""

    name: ClassVar[str] = "run_code"
    modality: ClassVar[Any] = "code"
    backend: ClassVar[str] = "sandbox"
    description: ClassVar[str] = (
        "Write a program (python is run in an isolated sandbox: no network, files it writes to "
        "outputs/ and values from unima_result(name, value) are returned)."
    )
    Arguments: ClassVar[type[ToolArguments]] = CodeArguments

    def run(self, arguments: CodeArguments, context: ToolContext) -> ToolOutput:
        lexer_name, extension, mime = language_facts(arguments.language)
        filename = arguments.filename or f"program{extension}"
        context.work_dir.mkdir(parents=True, exist_ok=True)
        path = context.work_dir / filename
        path.write_text(arguments.code, encoding="utf-8")
        meta: dict[str, Any] = {
            "language": arguments.language,
            "lexer": lexer_name,
            "filename": filename,
            "description": arguments.description,
            "executed": False,
        }
        if arguments.language != "python":
            meta["not_executed_reason"] = f"only python is executed, not {arguments.language}"
            return ToolOutput(path=path, mime=mime, meta=meta)
        try:
            compile(arguments.code, filename, "exec")
            meta["compiles"] = True
        except (SyntaxError, ValueError) as error:
            meta["compiles"] = False
            meta["compile_error"] = f"{type(error).__name__}: {error}"
        if not arguments.execute or not meta["compiles"]:
            if arguments.execute:
                meta["not_executed_reason"] = "the code does not compile"
            return ToolOutput(path=path, mime=mime, meta=meta)
        meta.update(self._execute(arguments.code, context))
        return ToolOutput(path=path, mime=mime, meta=meta)

    def _execute(self, code: str, context: ToolContext) -> dict[str, Any]:
        settings = context.settings
        inputs = {
            Path(artifact.path).name: Path(artifact.path)
            for artifact in context.dependencies.values()
            if Path(artifact.path).is_file()
        }
        try:
            result = run_python(
                code,
                timeout_s=getattr(settings, "sandbox_timeout_s", None),
                files=inputs,
                allow_weak_isolation=getattr(settings, "unsafe_exec", None),
                output_dir=context.work_dir / "outputs",
            )
        except SandboxError as error:
            raise ToolError(str(error), tool=self.name, recoverable=False) from error
        return {
            "executed": True,
            "status": result.status,
            "exit_code": result.exit_code,
            "timed_out": result.timed_out,
            "stdout": shorten(result.stdout),
            "stderr": shorten(result.stderr),
            "values": result.values,
            "files": {name: str(path) for name, path in result.files.items()},
            "inputs": sorted(inputs),
            "tier": result.tier,
            "seconds": result.seconds,
            "error_line": "" if result.ok else result.error_line(),
            "notes": list(result.notes),
            "caps_hit": [hit.describe() for hit in result.caps_hit],
            "enforcement": dict(result.enforcement),
        }

    def verify(
        self, output: ToolOutput, arguments: CodeArguments, context: ToolContext
    ) -> Verification:
        meta = output.meta
        checks: dict[str, Any] = {
            "file_written": output.path.is_file(),
            "executed": meta.get("executed", False),
        }
        problems: list[str] = []
        if not checks["file_written"]:
            problems.append(f"the program file {output.path} was not written")
        if meta.get("executed"):
            checks.update(status=meta["status"], exit_code=meta["exit_code"], tier=meta["tier"])
            # A cap the sandbox hit (memory of all its processes ...) fails the step even when
            # the program's own exit code was 0.
            if meta["status"] != "ok" or meta["exit_code"] != 0:
                problems.append(
                    f"the program ended with status {meta['status']} "
                    f"(exit code {meta['exit_code']}): {meta['error_line']}"
                )
        elif "compiles" in meta:
            checks["compiles"] = meta["compiles"]
            if not meta["compiles"]:
                problems.append(f"the program does not compile: {meta['compile_error']}")
        return Verification(passed=not problems, checks=checks, problems=tuple(problems))
