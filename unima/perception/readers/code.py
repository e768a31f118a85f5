"""Outline of source code: Python through its ast, other languages through pygments tokens."""

from __future__ import annotations

import ast

from pygments.lexers import get_lexer_by_name, guess_lexer_for_filename
from pygments.token import Name, Whitespace
from pygments.util import ClassNotFound

from unima.perception.base import Findings
from unima.perception.phrasing import name_list


def python_outline(text: str, findings: Findings) -> dict[str, object]:
    """Functions, classes and imports of Python source, and whether it parses."""
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        return {"parses": False, "syntax_error": f"line {error.lineno}: {error.msg}"}
    except (RecursionError, MemoryError, ValueError) as error:
        findings.fail("python ast", error)
        return {"parses": False}
    functions: list[str] = []
    classes: list[str] = []
    imports: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            functions.append(node.name)
        elif isinstance(node, ast.ClassDef):
            classes.append(node.name)
            functions.extend(
                f"{node.name}.{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            )
    for any_node in ast.walk(tree):
        if isinstance(any_node, ast.Import):
            imports.extend(alias.name for alias in any_node.names)
        elif isinstance(any_node, ast.ImportFrom):
            imports.append("." * any_node.level + (any_node.module or ""))
    return {
        "parses": True,
        "functions": functions,
        "classes": classes,
        "imports": list(dict.fromkeys(imports)),
    }


_FUNCTION_KEYWORDS = {"function", "def", "func", "fn", "fun", "sub", "proc", "defn"}
_CLASS_KEYWORDS = {"class", "struct", "interface", "trait", "enum", "record", "object"}


def lexer_outline(text: str, name: str, findings: Findings) -> dict[str, object]:
    """Function and class names for languages without an ast here, from pygments tokens.

    Lexers mark definitions unevenly (C marks ``Name.Function``, JavaScript only
    ``Name.Other``), so a name right after a defining keyword counts too.
    """
    functions: list[str] = []
    classes: list[str] = []
    try:
        try:
            lexer = guess_lexer_for_filename(name, text[:4096])
        except ClassNotFound:
            lexer = get_lexer_by_name("text")
        previous = ""
        for token, value in lexer.get_tokens(text):
            if token in Whitespace or not value.strip():
                continue
            if token in Name.Function or (token in Name and previous in _FUNCTION_KEYWORDS):
                functions.append(value)
            elif token in Name.Class or (token in Name and previous in _CLASS_KEYWORDS):
                classes.append(value)
            previous = value
    except Exception as error:  # pygments lexers are third-party regex code
        findings.fail("pygments outline", error)
        return {}
    return {"functions": list(dict.fromkeys(functions)), "classes": list(dict.fromkeys(classes))}


def _names(outline: dict[str, object], key: str) -> list[str]:
    value = outline.get(key)
    return [str(name) for name in value] if isinstance(value, list) else []


def code_summary(language: str, lines: int, outline: dict[str, object]) -> str:
    summary = f"{language} source, {lines} line{'s' if lines != 1 else ''}"
    functions = [name for name in _names(outline, "functions") if "." not in name]
    classes = _names(outline, "classes")
    if functions:
        summary += f", defines function{'s' if len(functions) > 1 else ''} {name_list(functions)}"
    if classes:
        summary += f", class{'es' if len(classes) > 1 else ''} {name_list(classes)}"
    if outline.get("parses") is False:
        summary += f"; it does not parse ({outline.get('syntax_error', 'parser failed')})"
    return summary + "."
