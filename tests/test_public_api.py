"""The public surface is deliberate, and importing unima stays light."""

from __future__ import annotations

import subprocess
import sys

import unima

PUBLIC = [
    "Artifact", "OutputSpec", "Part", "Perception", "Plan", "Request", "Response", "Step",
    "UniMA", "__version__", "load_trace", "perceive",
]  # fmt: skip


def test_public_names_are_pinned() -> None:
    assert sorted(unima.__all__) == sorted(PUBLIC)
    for name in PUBLIC:
        assert getattr(unima, name) is not None


def test_import_loads_no_heavy_module() -> None:
    heavy = [
        "torch",
        "onnxruntime",
        "faster_whisper",
        "piper",
        "ctranslate2",
        "matplotlib",
        "PIL",
        "trimesh",
        "langgraph",
        "numpy",
    ]
    code = f"import sys, unima; print([m for m in {heavy!r} if m in sys.modules])"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"


def test_creating_an_agent_loads_no_model() -> None:
    code = (
        "import sys; from unima import UniMA; UniMA(); "
        "print([m for m in ('torch', 'onnxruntime', 'faster_whisper', 'piper', 'ctranslate2') if m in sys.modules])"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"
