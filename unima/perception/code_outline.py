"""Outlines of source code: Python through ``ast``, C-family languages, Go and Rust by regex.

Python gets an exact outline (signatures, first docstring lines, methods, imports, top-level
statements). For JavaScript/TypeScript, Java, C/C++, Go and Rust a line-by-line regex outline
finds the definitions that matter to a reader; it is a heuristic (a definition split over many
lines may be missed) and never parses. Regexes run on single lines capped at
``MAX_LINE_CHARACTERS``, so hostile input cannot make them backtrack for long.
"""

from __future__ import annotations

import ast
import re
from typing import Any

MAX_LINE_CHARACTERS = 400
MAX_ITEMS = 200
MAX_TOP_LEVEL_STATEMENTS = 20

_CONTROL_WORDS = {
    "if", "for", "while", "switch", "catch", "return", "sizeof", "else", "do", "new", "delete",
    "throw", "case", "typeof", "function", "await", "with", "elif", "match", "loop", "defined",
}  # fmt: skip
_C_FUNCTION = re.compile(
    r"^(?!\s)(?!(?:return|else|typedef)\b)[A-Za-z_][\w\s\*&:<>,~]*?[\s\*&](~?[A-Za-z_]\w*(?:::~?\w+)*)"
    r"\s*\(([^()]*)\)\s*(?:const\s*)?(?:noexcept\s*)?(\{.*)?$"
)
_RULES: dict[str, dict[str, list[re.Pattern[str]]]] = {
    "javascript": {
        "functions": [
            re.compile(r"^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*(\w+)\s*\("),
            re.compile(
                r"^\s*(?:export\s+)?(?:const|let|var)\s+(\w+)\s*(?::[^=]+)?=\s*(?:async\s+)?"
                r"(?:function\b|\([^()]*\)\s*(?::[^=]+)?=>|\w+\s*=>)"
            ),
            re.compile(
                r"^\s+(?:(?:public|private|protected|static|async|get|set|readonly)\s+)*"
                r"(\w+)\s*\([^()]*\)\s*(?::\s*[^{]+)?\{\s*$"
            ),
        ],
        "classes": [
            re.compile(r"^\s*(?:export\s+)?(?:default\s+)?(?:abstract\s+)?class\s+(\w+)"),
            re.compile(r"^\s*(?:export\s+)?(?:interface|enum|type)\s+(\w+)"),
        ],
        "imports": [
            re.compile(r"""^\s*import\s+(?:[^'"]*\s+from\s+)?['"]([^'"]+)['"]"""),
            re.compile(r"""\brequire\(\s*['"]([^'"]+)['"]\s*\)"""),
        ],
    },
    "java": {
        "functions": [
            re.compile(
                r"^\s*(?:(?:public|private|protected|static|final|abstract|synchronized|native|default)\s+)*"
                r"(?:<[^>]*>\s+)?[\w<>\[\],.?\s]+?\s+(\w+)\s*\([^()]*\)\s*(?:throws\s+[\w.,\s]+)?\{?\s*$"
            )
        ],
        "classes": [re.compile(r"\b(?:class|interface|enum|record)\s+(\w+)")],
        "imports": [re.compile(r"^\s*import\s+(?:static\s+)?([\w.*]+)\s*;")],
    },
    "c": {
        "functions": [_C_FUNCTION],
        "classes": [re.compile(r"^\s*(?:typedef\s+)?(?:struct|class|union|enum)\s+(\w+)\s*(?:[:{]|$)")],
        "imports": [re.compile(r"^\s*#\s*include\s*[<\"]([^>\"]+)[>\"]")],
    },
    "go": {
        "functions": [re.compile(r"^func\s+(?:\([^()]*\)\s*)?(\w+)\s*[\[(]")],
        "classes": [re.compile(r"^type\s+(\w+)\s+(?:struct|interface)\b")],
        "imports": [re.compile(r"""^\s*(?:import\s+)?(?:\w+\s+)?"([\w./\-]+)"\s*$""")],
    },
    "rust": {
        "functions": [
            re.compile(
                r"^\s*(?:pub(?:\([^()]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?"
                r"(?:extern\s+\"[^\"]*\"\s+)?fn\s+(\w+)"
            )
        ],
        "classes": [re.compile(r"^\s*(?:pub(?:\([^()]*\))?\s+)?(?:struct|enum|trait|union)\s+(\w+)")],
        "imports": [re.compile(r"^\s*(?:pub\s+)?use\s+([\w:]+)")],
    },
    # For Python that does not parse: the definitions before and after the error still count.
    "python_fallback": {
        "functions": [re.compile(r"^\s*(?:async\s+)?def\s+(\w+)\s*\(")],
        "classes": [re.compile(r"^\s*class\s+(\w+)")],
        "imports": [
            re.compile(r"^\s*from\s+([\w.]+)\s+import\b"),
            re.compile(r"^\s*import\s+([\w.]+)"),
        ],
    },
}  # fmt: skip
_FAMILIES = {
    "JavaScript": "javascript", "TypeScript": "javascript", "JSX": "javascript",
    "TSX": "javascript", "Java": "java", "C": "c", "C++": "c", "Objective-C": "c",
    "Go": "go", "Rust": "rust",
}  # fmt: skip


def family_of(language: str) -> str | None:
    """The regex family of a pygments language name (``"C++"`` -> ``"c"``), or ``None``."""
    return _FAMILIES.get(language)


def regex_outline(text: str, family: str) -> dict[str, list[str]]:
    """Function, class/type and import names of ``text`` found line by line."""
    rules = _RULES[family]
    found: dict[str, list[str]] = {"functions": [], "classes": [], "imports": []}
    lines = text.splitlines()
    for number, raw in enumerate(lines):
        line = raw[:MAX_LINE_CHARACTERS]
        for key, patterns in rules.items():
            for pattern in patterns:
                match = pattern.search(line)
                if match is None or match.group(1) in _CONTROL_WORDS:
                    continue
                if pattern is _C_FUNCTION and not _opens_body(match, lines, number):
                    continue
                found[key].append(match.group(1))
                break
    return {key: list(dict.fromkeys(names))[:MAX_ITEMS] for key, names in found.items()}


def _opens_body(match: re.Match[str], lines: list[str], number: int) -> bool:
    """A C declaration is a definition when ``{`` ends it or starts the next line."""
    if match.group(3):
        return True
    following = next((line for line in lines[number + 1 : number + 3] if line.strip()), "")
    return following.lstrip().startswith("{")


def python_outline(text: str) -> dict[str, Any]:
    """The ast outline of Python source, or where it stops parsing.

    Returns:
        ``parses``; when it parses: ``functions`` and ``classes`` (names, methods as
        ``Class.method``), ``imports``, ``function_details`` and ``class_details`` (signature,
        first docstring line, line number, methods), ``module_doc``, ``main_guard`` and
        ``top_level_statements``; when it does not: ``syntax_error`` ("line N: message") and
        ``syntax_error_line``.
    """
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        return {
            "parses": False,
            "syntax_error": f"line {error.lineno}: {error.msg}",
            "syntax_error_line": error.lineno,
        }
    functions: list[str] = []
    classes: list[str] = []
    function_details: list[dict[str, Any]] = []
    class_details: list[dict[str, Any]] = []
    statements: list[str] = []
    main_guard = False
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            functions.append(node.name)
            function_details.append(_function_detail(node))
        elif isinstance(node, ast.ClassDef):
            classes.append(node.name)
            methods = [
                item
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            ]
            functions.extend(f"{node.name}.{method.name}" for method in methods)
            class_details.append(
                {
                    "name": node.name,
                    "bases": [ast.unparse(base) for base in node.bases],
                    "line": node.lineno,
                    "doc": _first_doc_line(node),
                    "methods": [_signature(method) for method in methods],
                }
            )
        elif not isinstance(node, ast.Import | ast.ImportFrom) and not _is_docstring(node):
            if _is_main_guard(node):
                main_guard = True
            if len(statements) < MAX_TOP_LEVEL_STATEMENTS:
                statements.append(ast.unparse(node).splitlines()[0][:120])
    imports: list[str] = []
    for any_node in ast.walk(tree):
        if isinstance(any_node, ast.Import):
            imports.extend(alias.name for alias in any_node.names)
        elif isinstance(any_node, ast.ImportFrom):
            imports.append("." * any_node.level + (any_node.module or ""))
    return {
        "parses": True,
        "functions": functions[:MAX_ITEMS],
        "classes": classes[:MAX_ITEMS],
        "imports": list(dict.fromkeys(imports))[:MAX_ITEMS],
        "function_details": function_details[:MAX_ITEMS],
        "class_details": class_details[:MAX_ITEMS],
        "module_doc": _first_doc_line(tree),
        "main_guard": main_guard,
        "top_level_statements": statements,
    }


def _function_detail(node: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, Any]:
    return {
        "name": node.name,
        "signature": _signature(node),
        "short_signature": f"{node.name}({', '.join(_parameter_names(node.args))})",
        "async": isinstance(node, ast.AsyncFunctionDef),
        "line": node.lineno,
        "doc": _first_doc_line(node),
    }


def _signature(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    returns = f" -> {ast.unparse(node.returns)}" if node.returns is not None else ""
    prefix = "async " if isinstance(node, ast.AsyncFunctionDef) else ""
    return f"{prefix}{node.name}({ast.unparse(node.args)}){returns}"[:300]


def _parameter_names(arguments: ast.arguments) -> list[str]:
    names = [argument.arg for argument in [*arguments.posonlyargs, *arguments.args]]
    if arguments.vararg:
        names.append("*" + arguments.vararg.arg)
    names.extend(argument.arg for argument in arguments.kwonlyargs)
    if arguments.kwarg:
        names.append("**" + arguments.kwarg.arg)
    return names


def _first_doc_line(node: ast.AST) -> str:
    try:
        doc = ast.get_docstring(node)  # type: ignore[arg-type]
    except TypeError:
        return ""
    return doc.strip().splitlines()[0][:200] if doc and doc.strip() else ""


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _is_main_guard(node: ast.stmt) -> bool:
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    sides = [node.test.left, *node.test.comparators]
    names = {side.id for side in sides if isinstance(side, ast.Name)}
    constants = {side.value for side in sides if isinstance(side, ast.Constant)}
    return names == {"__name__"} and constants == {"__main__"}
