"""Fixture datasets and test adapters shared by the bench runner tests.

The adapters live in an importable module (not a test file) because the runner rebuilds them
in spawned worker processes, which import them by name.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, ClassVar

from unima.bench.models import ModelAdapter, save_file
from unima.bench.records import Answer
from unima.errors import InputError


def make_dataset(
    root: Path,
    count: int = 6,
    subdomains: tuple[str, ...] = ("math", "physics"),
    extra: list[dict[str, Any]] | None = None,
) -> Path:
    """A UniM JSONL with ``count`` instances per subdomain; each has a small text input file."""
    records = []
    for subdomain in subdomains:
        folder = root / "natural_science" / subdomain / "document"
        folder.mkdir(parents=True, exist_ok=True)
        for number in range(1, count + 1):
            (folder / f"note_{number}.txt").write_text(
                f"Note {number} about {subdomain}: the value is {number * 7}.", encoding="utf-8"
            )
            records.append(
                {
                    "domain": "natural_science",
                    "subdomain": subdomain,
                    "id": str(number),
                    "input": {
                        "content": "Summarise <document1> and draw it. Include one image.",
                        "modal": {"document1": f"document/note_{number}.txt"},
                    },
                    "output": {"content": "A summary.", "modal": {}},
                    "difficulty_level": 1 + number % 3,
                }
            )
    records += extra or []
    path = root / "instances.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


class EchoModel(ModelAdapter):
    """Answers every instance with one PNG-named file and a trace; options steer failures.

    Options:
        crash: ids whose worker calls ``os._exit(3)``.
        segfault: ids whose worker dereferences NULL.
        hang: ids that sleep far past any test timeout.
        error: ids that raise ``ValueError`` (retryable).
        bad_input: ids that raise ``InputError`` (not retried).
        delay: seconds each answer takes.
    """

    name: ClassVar[str] = "echo"

    def describe(self) -> dict[str, Any]:
        return {"adapter": "echo", "version": "1"}

    def predict(self, instance: Any, media_root: Path, out_dir: Path) -> Answer:
        identifier = instance.id
        options = self.options
        if identifier in options.get("crash", ()):
            os._exit(3)
        if identifier in options.get("segfault", ()):
            import ctypes

            ctypes.string_at(0)
        if identifier in options.get("hang", ()):
            time.sleep(300)
        if identifier in options.get("error", ()):
            raise ValueError(f"model bug on {identifier}")
        if identifier in options.get("bad_input", ()):
            raise InputError("cannot read this request", source=identifier)
        time.sleep(float(options.get("delay", 0.0)))
        if instance.output is not None:
            raise AssertionError("the reference answer reached the model process")
        scratch = out_dir / "scratch.png"
        scratch.write_bytes(b"\x89PNG fake " + identifier.encode())
        image = save_file(scratch, out_dir, "image1")
        scratch.unlink()
        trace = out_dir / "trace.json"
        trace.write_text(json.dumps({"id": identifier, "pid": os.getpid()}), encoding="utf-8")
        return Answer(
            content=f"Answer to {instance.subdomain}/{identifier}: see <image1>.",
            modal={"image1": image},
            trace_path=trace,
        )
