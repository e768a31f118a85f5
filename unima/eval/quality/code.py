"""No-reference code quality: parses, runs, reads cleanly (method ``static-run``).

The released code asks gpt-5-mini for six 0-100 ratings (unim.md §2.1); offline, this scorer
checks what a reviewer checks first:

- parses: Python is compiled with ``compile`` (1 or 0); other languages are lexed with Pygments
  and score the share of characters outside ``Token.Error`` tokens, times 1 when brackets
  balance and 0.5 when they do not.
- runs (Python only): the file runs in the sandbox (``unima.tools.sandbox.run_python``) with a
  short timeout; exit 0 scores 1, a timeout 0.5 (servers and games loop forever by design), an
  error 0. Left out when the sandbox is unavailable or for other languages.
- style: the mean of the shares of lines within 100 characters, without trailing whitespace
  and without tab/space mixing, and of a comment-or-docstring presence check (1 when the file
  explains itself with at least one comment or docstring, else 0.5).

Weights: parses 0.45, runs 0.30, style 0.25. Undecodable (non UTF-8) or empty files score 0.
"""

from __future__ import annotations

import ast
import logging
import warnings
from pathlib import Path
from typing import Any

from pygments.lexers import get_lexer_by_name, guess_lexer_for_filename
from pygments.token import Error
from pygments.util import ClassNotFound

from unima.errors import SandboxError
from unima.eval.quality.common import clamp, combine, failed_value, quality_value
from unima.eval.records import MetricValue
from unima.tools.sandbox import run_python

logger = logging.getLogger(__name__)

METHOD = "static-run"
WEIGHTS = {"parses": 0.45, "runs": 0.30, "style": 0.25}
RUN_TIMEOUT_S = 10.0
MAX_LINE = 100
_PAIRS = {")": "(", "]": "[", "}": "{"}


def python_parses(source: str) -> tuple[bool, str]:
    """Whether ``source`` compiles as Python, and the syntax error if not."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for odd escapes is not a failure
            compile(source, "<generated>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        return False, str(error)
    return True, ""


def lexed_share(source: str, language: str | None, file_name: str) -> float:
    """Share of characters Pygments lexes without ``Token.Error`` (1 when no lexer fits)."""

    try:
        lexer = (
            get_lexer_by_name(language) if language else guess_lexer_for_filename(file_name, source)
        )
    except ClassNotFound:
        try:
            lexer = guess_lexer_for_filename(file_name, source)
        except ClassNotFound:
            return 1.0
    errors = sum(len(value) for token, value in lexer.get_tokens(source) if token in Error)
    return 1.0 - errors / max(len(source), 1)


def brackets_balance(source: str) -> bool:
    """Whether (), [] and {} nest properly (strings and comments are not excluded: a heuristic)."""
    stack: list[str] = []
    for char in source:
        if char in "([{":
            stack.append(char)
        elif char in _PAIRS and (not stack or stack.pop() != _PAIRS[char]):
            return False
    return not stack


def style_share(source: str, language: str | None) -> float:
    """Line hygiene and self-explanation, 0-1."""
    lines = source.splitlines() or [""]
    short = sum(len(line) <= MAX_LINE for line in lines) / len(lines)
    clean = sum(line == line.rstrip() for line in lines) / len(lines)
    indents = {line[0] for line in lines if line[:1] in (" ", "\t")}
    consistent = 0.0 if len(indents) > 1 else 1.0
    explained = 0.5
    if language == "python":
        try:
            tree = ast.parse(source)
            has_docstring = any(
                ast.get_docstring(node) is not None
                for node in ast.walk(tree)
                if isinstance(
                    node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
                )
            )
        except (SyntaxError, ValueError):
            has_docstring = False
        explained = 1.0 if has_docstring or "#" in source else 0.5
    elif any(marker in source for marker in ("//", "/*", "#", "--", "<!--")):
        explained = 1.0
    return (short + clean + consistent + explained) / 4.0


def run_in_sandbox(source: str) -> tuple[float | None, dict[str, Any]]:
    """Run Python ``source`` in the sandbox: 1 ok, 0.5 timeout, 0 error; ``None`` if unavailable."""

    try:
        result = run_python(source, timeout_s=RUN_TIMEOUT_S)
    except SandboxError as error:
        logger.info("code quality: the sandbox is unavailable (%s); not running the code", error)
        return None, {"run_skipped": str(error)[:200]}
    score = {"ok": 1.0, "timeout": 0.5}.get(result.status, 0.0)
    return score, {"run_status": result.status, "run_stderr_tail": result.stderr[-300:]}


def score_code(path: Path, language: str | None, *, run: bool = True) -> MetricValue:
    """GQ of a source file: ``gq:code/static-run``; unreadable or empty files score 0."""
    try:
        source = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return failed_value("code", METHOD, f"the source cannot be read as UTF-8: {error}")
    if not source.strip():
        return failed_value("code", METHOD, "the source file is empty")
    language = language.lower() if language else None
    measurements: dict[str, Any] = {"language": language, "lines": len(source.splitlines())}
    runs: float | None = None
    if language == "python":
        parses_ok, syntax_error = python_parses(source)
        parses = float(parses_ok)
        measurements["syntax_error"] = syntax_error
        if not parses_ok:
            runs = 0.0  # code that does not compile cannot run
        elif run:
            runs, run_facts = run_in_sandbox(source)
            measurements.update(run_facts)
    else:
        balanced = brackets_balance(source)
        parses = lexed_share(source, language, path.name) * (1.0 if balanced else 0.5)
        measurements["brackets_balance"] = balanced
    subscores: dict[str, float | None] = {
        "parses": clamp(parses),
        "runs": runs,
        "style": style_share(source, language),
    }
    return quality_value(
        "code",
        METHOD,
        combine(subscores, WEIGHTS),
        subscores=subscores,
        weights=WEIGHTS,
        measurements=measurements,
    )
