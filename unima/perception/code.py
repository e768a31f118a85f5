"""Code perception: language, size, whether it parses, and an outline of what it defines.

``CodePerceiver`` reads the source (bounded, with ``readers.text``), takes the
language from the sniffer (pygments, by extension and content), and outlines it with
``code_outline``: Python through ``ast`` (signatures, first docstring lines, classes with their
methods, imports, ``if __name__ == "__main__"``), JavaScript/TypeScript, Java, C/C++, Go and
Rust by regex, anything else by pygments tokens (``readers.code``). Source is only parsed,
never run, so it stays in-process: ``ast.parse`` of the bounded text is cheap and cannot run code.

Summary example: "Python source, 42 lines, parses; defines reverse_list(head), class Node;
imports typing."
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from unima.inputs.sniff import guess_language
from unima.perception.base import FilePerceiver, Findings
from unima.perception.code_outline import family_of, python_outline, regex_outline
from unima.perception.phrasing import name_list
from unima.perception.readers.code import lexer_outline
from unima.perception.readers.text import count_lines, read_text
from unima.types import Part

TEXT_LIMIT_BYTES = 200 * 1024
# Languages whose regex "classes" are classes; for C, Go and Rust they are structs and types.
_CLASS_LANGUAGES = {"Python", "JavaScript", "TypeScript", "JSX", "TSX", "Java", "C++"}


class CodePerceiver(FilePerceiver):
    """Source code in any language pygments knows; Python in depth."""

    modality: ClassVar[str] = "code"
    backend: ClassVar[str] = "pygments+ast"

    def describe(self, part: Part, path: Path, findings: Findings) -> None:
        text, truncated = read_text(path, TEXT_LIMIT_BYTES)
        findings.text = text
        language = part.meta.get("language") or guess_language(text, path.name)[0]
        lines = count_lines(path)
        findings.meta.update({"language": language, "line_count": lines, "truncated": truncated})
        outline: dict[str, Any]
        if language == "Python":
            try:
                outline = python_outline(text)
            except (RecursionError, MemoryError, ValueError) as error:  # absurdly nested code
                findings.fail("python ast", error)
                outline = {"parses": False, **regex_outline(text, "python_fallback")}
            if outline.get("parses") is False and "functions" not in outline:
                outline.update(regex_outline(text, "python_fallback"))
        elif (family := family_of(language)) is not None:
            try:
                outline = {"outline_method": "regex", **regex_outline(text, family)}
            except RecursionError as error:
                findings.fail("regex outline", error)
                outline = {}
        else:
            outline = {"outline_method": "pygments", **lexer_outline(text, path.name, findings)}
        if truncated:
            findings.fail("read", f"only the first {TEXT_LIMIT_BYTES} bytes were outlined")
        findings.meta.update(outline)
        findings.summary = code_summary(language, lines, findings.meta)


def code_summary(language: str, lines: int, meta: dict[str, Any]) -> str:
    """The one-paragraph summary, e.g. "Python source, 42 lines, parses; defines f(x)."."""
    head = f"{language} source, {lines:,} line{'s' if lines != 1 else ''}"
    if meta.get("parses") is True:
        head += ", parses"
    elif meta.get("parses") is False:
        head += f", does not parse ({meta.get('syntax_error', 'the parser failed')})"
    details = meta.get("function_details")
    if isinstance(details, list):
        functions = [str(item["short_signature"]) for item in details]
    else:
        functions = [name for name in meta.get("functions", []) if "." not in name]
    kind = "class" if language in _CLASS_LANGUAGES else "type"
    classes = [f"{kind} {name}" for name in meta.get("classes", [])]
    clauses = [head]
    if functions or classes:
        clauses.append("defines " + name_list(functions + classes))
    if meta.get("imports"):
        clauses.append("imports " + name_list(list(meta["imports"])))
    summary = "; ".join(clauses) + "."
    if meta.get("main_guard"):
        summary += ' It runs as a script (if __name__ == "__main__").'
    if meta.get("module_doc"):
        summary += f" Module docstring: {meta['module_doc']}"
    return summary
