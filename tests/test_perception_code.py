"""Code perception on real source files: Python through ast, other languages by regex outline."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unima.errors import InputError
from unima.perception import perceive
from unima.perception.code import TEXT_LIMIT_BYTES
from unima.perception.code_outline import python_outline, regex_outline

PYTHON_SOURCE = '''"""Linked list helpers."""
from __future__ import annotations

import os.path
from typing import Optional


class Node:
    """One node of a singly linked list."""

    def __init__(self, value: int, next: Optional[Node] = None) -> None:
        self.value = value
        self.next = next

    def walk(self):
        """Yield the values from here on."""
        node = self
        while node:
            yield node.value
            node = node.next


def reverse_list(head: Optional[Node]) -> Optional[Node]:
    """Reverse the list in place.

    Returns the new head.
    """
    previous = None
    while head:
        head.next, previous, head = previous, head, head.next
    return previous


async def fetch(*urls, timeout=3.0, **options):
    return [os.path.basename(url) for url in urls]


LIMIT = 10

if __name__ == "__main__":
    print(list(reverse_list(Node(1, Node(2))).walk()))
'''

JAVASCRIPT_SOURCE = """import React from 'react';
const fs = require('fs');

export async function loadConfig(path) {
  return JSON.parse(fs.readFileSync(path, 'utf8'));
}

const add = (a, b) => a + b;

class Store extends Base {
  constructor(items) {
    super();
    this.items = items;
  }

  async fetchAll() {
    if (this.items) {
      return this.items;
    }
  }
}
"""

C_SOURCE = """#include <stdio.h>
#include "list.h"

struct node {
    int value;
    struct node *next;
};

static int add(int a, int b)
{
    return a + b;
}

int main(int argc, char **argv) {
    if (argc > 1) {
        printf("%d\\n", add(1, 2));
    }
    return 0;
}

int declared_only(void);
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_python_outline_signatures_docstrings_and_main_guard(tmp_path: Path) -> None:
    perception = perceive(write(tmp_path, "linked_list.py", PYTHON_SOURCE))
    meta = perception.meta
    assert (meta["language"], meta["parses"], meta["line_count"]) == ("Python", True, 41)
    assert PYTHON_SOURCE.count("\n") == 41
    assert meta["functions"] == ["Node.__init__", "Node.walk", "reverse_list", "fetch"]
    assert meta["classes"] == ["Node"]
    assert meta["imports"] == ["__future__", "os.path", "typing"]
    reverse, fetch = meta["function_details"]
    assert reverse == {
        "name": "reverse_list",
        "signature": "reverse_list(head: Optional[Node]) -> Optional[Node]",
        "short_signature": "reverse_list(head)",
        "async": False,
        "line": 23,
        "doc": "Reverse the list in place.",
    }
    assert fetch["signature"] == "async fetch(*urls, timeout=3.0, **options)"
    [node] = meta["class_details"]
    assert node["doc"] == "One node of a singly linked list."
    assert node["methods"] == [
        "__init__(self, value: int, next: Optional[Node]=None) -> None",
        "walk(self)",
    ]
    assert meta["module_doc"] == "Linked list helpers."
    assert meta["main_guard"] is True
    assert meta["top_level_statements"] == ["LIMIT = 10", "if __name__ == '__main__':"]
    assert perception.text == PYTHON_SOURCE
    assert perception.summary == (
        "Python source, 41 lines, parses; defines reverse_list(head), "
        "fetch(*urls, timeout, **options), class Node; imports __future__, os.path, typing. "
        'It runs as a script (if __name__ == "__main__"). Module docstring: Linked list helpers.'
    )
    assert perception.backend == "pygments+ast"


def test_python_syntax_error_is_located_and_the_outline_still_given(tmp_path: Path) -> None:
    source = "import os\n\ndef ok(a):\n    return a\n\ndef broken(:\n    pass\n\nclass After:\n    pass\n"
    perception = perceive(write(tmp_path, "broken.py", source))
    meta = perception.meta
    assert meta["parses"] is False
    assert meta["syntax_error_line"] == 6
    assert meta["syntax_error"].startswith("line 6: ")
    assert meta["functions"] == ["ok", "broken"] and meta["classes"] == ["After"]
    assert perception.summary.startswith("Python source, 10 lines, does not parse (line 6: ")
    assert "defines ok, broken, class After; imports os." in perception.summary


def test_javascript_outline(tmp_path: Path) -> None:
    perception = perceive(write(tmp_path, "store.js", JAVASCRIPT_SOURCE))
    meta = perception.meta
    assert meta["language"] == "JavaScript" and meta["outline_method"] == "regex"
    assert meta["functions"] == ["loadConfig", "add", "constructor", "fetchAll"]
    assert meta["classes"] == ["Store"]
    assert meta["imports"] == ["react", "fs"]
    assert perception.summary == (
        "JavaScript source, 21 lines; defines loadConfig, add, constructor, fetchAll, "
        "class Store; imports react, fs."
    )


def test_c_outline_counts_definitions_not_declarations(tmp_path: Path) -> None:
    perception = perceive(write(tmp_path, "main.c", C_SOURCE))
    meta = perception.meta
    assert meta["language"] == "C"
    assert meta["functions"] == ["add", "main"]  # declared_only has no body
    assert meta["classes"] == ["node"]
    assert meta["imports"] == ["stdio.h", "list.h"]
    assert perception.summary.startswith("C source, 21 lines; defines add, main, type node;")


@pytest.mark.parametrize(
    ("name", "source", "language", "functions", "classes", "imports"),
    [
        (
            "shapes.ts",
            "import { x } from './x';\nexport interface Shape { area(): number }\n"
            "export function total(shapes: Shape[]): number {\n  return 0;\n}\n",
            "TypeScript",
            ["total"],
            ["Shape"],
            ["./x"],
        ),
        (
            "Greeter.java",
            "import java.util.List;\npublic class Greeter {\n"
            "    public static void main(String[] args) {\n        run();\n    }\n"
            "    private List<String> names(int count) throws Exception {\n        return null;\n"
            "    }\n}\n",
            "Java",
            ["main", "names"],
            ["Greeter"],
            ["java.util.List"],
        ),
        (
            "point.go",
            'package main\n\nimport (\n\t"fmt"\n\t"strings"\n)\n\ntype Point struct{ X int }\n\n'
            'func (p Point) Norm() int { return p.X }\n\nfunc main() {\n\tfmt.Println(strings.ToUpper("x"))\n}\n',
            "Go",
            ["Norm", "main"],
            ["Point"],
            ["fmt", "strings"],
        ),
        (
            "stack.rs",
            "use std::collections::HashMap;\n\npub struct Stack {\n    items: Vec<i32>,\n}\n\n"
            "impl Stack {\n    pub fn push(&mut self, item: i32) {\n        self.items.push(item);\n"
            "    }\n}\n\nfn main() {}\n",
            "Rust",
            ["push", "main"],
            ["Stack"],
            ["std::collections::HashMap"],
        ),
        (
            "vector.cpp",
            "#include <vector>\n\nclass Grid {\npublic:\n    int size() const;\n};\n\n"
            "int Grid::size() const {\n    return 0;\n}\n",
            "C++",
            ["Grid::size"],
            ["Grid"],
            ["vector"],
        ),
    ],
)
def test_other_languages(
    tmp_path: Path,
    name: str,
    source: str,
    language: str,
    functions: list[str],
    classes: list[str],
    imports: list[str],
) -> None:
    meta = perceive(write(tmp_path, name, source)).meta
    assert (meta["language"], meta["functions"], meta["classes"], meta["imports"]) == (
        language,
        functions,
        classes,
        imports,
    )


def test_languages_without_a_regex_outline_use_pygments_tokens(tmp_path: Path) -> None:
    source = "class Greeter\n  def greet(name)\n    puts name\n  end\nend\n"
    perception = perceive(write(tmp_path, "greeter.rb", source))
    assert perception.meta["language"] == "Ruby"
    assert perception.meta["outline_method"] == "pygments"
    assert "greet" in perception.meta["functions"]
    assert perception.summary.startswith("Ruby source, 5 lines; defines greet")


def test_long_source_is_bounded_and_the_cut_recorded(tmp_path: Path) -> None:
    body = "".join(f"def function_{index}(x):\n    return x\n\n" for index in range(12000))
    perception = perceive(write(tmp_path, "long.py", body))
    assert len(perception.text.encode()) <= TEXT_LIMIT_BYTES
    assert perception.meta["truncated"] is True
    assert perception.meta["line_count"] == 36000
    assert any("first 204800 bytes" in failure for failure in perception.failures)


def test_absurd_nesting_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    perception = perceive(write(tmp_path, "nested.py", "x = " + "[" * 3000 + "]" * 3000 + "\n"))
    assert perception.meta["parses"] is False
    assert perception.summary.startswith("Python source, 1 line, does not parse")


def test_hostile_lines_do_not_make_the_regexes_backtrack() -> None:
    lines = ["int " + "a " * 5000 + "(", "const f = (" + "(" * 5000, " " * 5000 + "x(" * 2000]
    started = time.perf_counter()
    for family in ("c", "javascript", "java", "go", "rust"):
        regex_outline("\n".join(lines), family)
    assert time.perf_counter() - started < 2.0


def test_binary_content_with_a_py_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "blob.py"
    path.write_bytes(b"\xff\xfe\x00\x01 not utf-8 \x80\x81")
    with pytest.raises(InputError) as caught:
        perceive(path)
    assert "blob.py" in str(caught.value)


@settings(max_examples=150, deadline=None)
@given(
    source=st.text(max_size=300),
    family=st.sampled_from(["c", "javascript", "java", "go", "rust", "python_fallback"]),
)
def test_property_outlines_never_crash(source: str, family: str) -> None:
    outline = regex_outline(source, family)
    assert set(outline) == {"functions", "classes", "imports"}
    with contextlib.suppress(RecursionError, MemoryError, ValueError):
        python_outline(source)  # the perceiver records these as failures


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(min_value=1, max_value=len(PYTHON_SOURCE)), noise=st.text(max_size=20))
def test_property_mutated_python_is_perceived_or_refused(
    tmp_path: Path, cut: int, noise: str
) -> None:
    path = tmp_path / "mutated.py"
    path.write_text(PYTHON_SOURCE[:cut] + noise + PYTHON_SOURCE[cut:], errors="surrogatepass")
    try:
        perception = perceive(path)
    except InputError:
        return
    assert perception.modality in {"code", "document"}
    assert perception.summary
