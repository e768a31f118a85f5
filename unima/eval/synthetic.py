"""Synthetic UniM datasets and predictions, for the evaluation tests and benchmark.

``write_synthetic_dataset`` writes a dataset in the public layout (``instances.jsonl`` and
``data/<domain>/<subdomain>/<modality>/<file>``) with instances spread over the three fields,
the three difficulties and the output-modality combinations of ``OUTPUT_COMBINATIONS``.
``write_predictions`` turns the reference answers into a ``predictions.jsonl`` (copying their
files), optionally changing some answers first, so a test knows exactly which structure errors
it planted. The media files are a few bytes: structure metrics need files, not content.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

FIELDS_AND_DOMAINS: dict[str, tuple[str, ...]] = {
    "natural_science": ("math", "physics", "chemistry", "biology"),
    "social_science": ("finance", "law", "art"),
    "general_domain": ("food", "architecture", "sports"),
}
# Output combinations of the kind UniM holds (the counts are items per modality).
OUTPUT_COMBINATIONS: tuple[dict[str, int], ...] = (
    {"image": 1},
    {"image": 2},
    {"audio": 1},
    {"image": 1, "audio": 1},
    {"image": 1, "document": 1},
    {"video": 1, "audio": 1},
    {"threeD": 1},
    {"image": 1, "code": 1},
)
SUFFIXES = {
    "image": ".png",
    "audio": ".mp3",
    "video": ".mp4",
    "document": ".pdf",
    "code": ".py",
    "threeD": ".ply",
}

# Changes an answer (a dict with "content" and "modal") in place; gets the instance too.
Mutation = Callable[[dict[str, Any], dict[str, Any]], None]


def synthetic_instance(index: int, rng: random.Random) -> dict[str, Any]:
    """One instance in UniM's JSON form (its files are not written)."""
    field = list(FIELDS_AND_DOMAINS)[index % len(FIELDS_AND_DOMAINS)]
    domains = FIELDS_AND_DOMAINS[field]
    subdomain = domains[(index // len(FIELDS_AND_DOMAINS)) % len(domains)]
    number = f"{index:05d}"
    combination = OUTPUT_COMBINATIONS[rng.randrange(len(OUTPUT_COMBINATIONS))]
    input_modal = {"image1": f"image/img_{number}_01.png"}
    output_modal: dict[str, str] = {}
    for modality, count in combination.items():
        first = 2 if modality == "image" else 1  # numbering continues from the input's image1
        for offset in range(count):
            tag = f"{modality}{first + offset}"
            output_modal[tag] = (
                f"{modality}/{modality[:3]}_{number}_{first + offset:02d}" + (SUFFIXES[modality])
            )
    wanted = " and ".join(f"{count} {modality}" for modality, count in combination.items())
    sentences = [
        f"Part {position + 1} is shown in <{tag}>." for position, tag in enumerate(output_modal)
    ]
    return {
        "domain": field,
        "subdomain": subdomain,
        "id": str(index + 1),
        "input": {
            "modal": input_modal,
            "content": f"Look at <image1> and explain it. Include {wanted}.",
        },
        "output": {"modal": output_modal, "content": f"Here is the answer. {' '.join(sentences)}"},
        "difficulty_level": 1 + rng.randrange(3),
    }


def write_synthetic_dataset(
    folder: Path, count: int, *, seed: int = 0, write_files: bool = True
) -> Path:
    """Write ``count`` synthetic instances under ``folder``; return the ``instances.jsonl`` path.

    Args:
        folder: created if needed; receives ``instances.jsonl`` and ``data/``.
        count: how many instances.
        seed: fixes the combinations and difficulties drawn.
        write_files: write the input and reference media files (a few bytes each).
    """
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    instances = [synthetic_instance(index, rng) for index in range(count)]
    if write_files:
        for instance in instances:
            root = folder / "data" / instance["domain"] / instance["subdomain"]
            for side in ("input", "output"):
                for tag, relative in instance[side]["modal"].items():
                    path = root / relative
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(f"{tag} of {instance['id']}\n".encode())
    path = folder / "instances.jsonl"
    path.write_text(
        "".join(json.dumps(instance) + "\n" for instance in instances), encoding="utf-8"
    )
    return path


def write_predictions(
    instances_file: Path,
    out: Path,
    *,
    mutations: dict[tuple[str, str, str], Mutation] | None = None,
    omit: set[tuple[str, str, str]] | frozenset[tuple[str, str, str]] = frozenset(),
    copy_files: bool = True,
) -> Path:
    """Write the reference answers of ``instances_file`` as ``out/predictions.jsonl``.

    Files are copied to ``out/media/<domain>/<subdomain>/<id>/<tag><suffix>`` (the harness
    layout), so paths are relative to ``out``.

    Args:
        instances_file: a UniM ``instances.jsonl`` whose media sit in ``data/`` beside it.
        out: the predictions folder, created if needed.
        mutations: per instance key, a function that edits the answer (``{"content", "modal",
            "status"?}``) before it is written; a file named in ``modal`` that does not exist
            stays missing.
        omit: keys that get no line at all.
        copy_files: copy the reference files (else only write the lines).

    Returns:
        The path of ``predictions.jsonl``.
    """
    out.mkdir(parents=True, exist_ok=True)
    media_root = instances_file.parent / "data"
    lines = []
    for line in instances_file.read_text(encoding="utf-8").splitlines():
        instance = json.loads(line)
        key = (instance["domain"], instance["subdomain"], instance["id"])
        if key in omit:
            continue
        folder = Path("media", *key)
        answer: dict[str, Any] = {"content": instance["output"]["content"], "modal": {}}
        for tag, relative in instance["output"]["modal"].items():
            target = folder / f"{tag}{Path(relative).suffix}"
            if copy_files:
                source = media_root / instance["domain"] / instance["subdomain"] / relative
                (out / target).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, out / target)
            answer["modal"][tag] = target.as_posix()
        if mutations and key in mutations:
            mutations[key](answer, instance)
        record = {
            "domain": key[0],
            "subdomain": key[1],
            "id": key[2],
            "output": {"content": answer["content"], "modal": answer["modal"]},
        }
        if "status" in answer:
            record["status"] = answer["status"]
            record["error"] = answer.get("error", "")
        lines.append(json.dumps(record))
    path = out / "predictions.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path
