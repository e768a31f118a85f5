"""Perception: what unima understands of each input before it reasons.

``perceive(item)`` accepts a path, a ``Part``, a PIL image or a ``(bytes, mime)`` pair, picks
the perceiver registered for the part's modality in ``PERCEIVERS``, times the call and records
the backend. Registering a better perceiver is one line::

    PERCEIVERS.register("image", "unima.perception.ocr:RapidOcrPerceiver", replace=True)

This module stays light: perceivers (and Pillow, pypdf ...) are imported on first use. The
magic-byte sniffer is ``unima.inputs.sniff.sniff`` (not re-exported here, so the submodule
name is never shadowed by the function).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from unima.errors import InputError
from unima.filenames import shown_path
from unima.inputs.formats import name_mismatch
from unima.inputs.parts import complete_part, part_from_item
from unima.inputs.paths import printable_error
from unima.inputs.sniff import ALLOWED_FORMATS, Sniffed
from unima.perception.base import Findings, Perceiver, partial_perception
from unima.registry import Registry
from unima.types import Part, Perception

logger = logging.getLogger(__name__)

# Modality -> perceiver class, as "module:Class" strings resolved on first use.
PERCEIVERS: Registry[type[Perceiver]] = Registry("perceiver")
PERCEIVERS.register("text", "unima.perception.readers.minimal:MinimalTextPerceiver")
PERCEIVERS.register("image", "unima.perception.image:ImagePerceiver")
PERCEIVERS.register("audio", "unima.perception.audio:AudioPerceiver")
PERCEIVERS.register("video", "unima.perception.video:VideoPerceiver")
PERCEIVERS.register("document", "unima.perception.document:DocumentPerceiver")
PERCEIVERS.register("code", "unima.perception.code:CodePerceiver")
PERCEIVERS.register("threeD", "unima.perception.mesh:MeshPerceiver")

_instances: dict[type[Perceiver], Perceiver] = {}
_instances_lock = threading.Lock()


def perceiver_for(modality: str) -> Perceiver:
    """The perceiver instance for ``modality``, made once per class and process.

    Perceivers may load models, so one instance is shared; they must be thread-safe.

    Raises:
        ConfigError: When no perceiver is registered for ``modality``.
    """
    perceiver_class = PERCEIVERS.get(modality)
    with _instances_lock:
        instance = _instances.get(perceiver_class)
        if instance is None:
            instance = perceiver_class()
            _instances[perceiver_class] = instance
    return instance


def perceive(
    item: Any, *, scratch_dir: Path | None = None, follow_symlinks: bool = False
) -> Perception:
    """Describe one input.

    Args:
        item: A file path (``str`` or ``Path``), a ``Part``, a PIL image, or a
            ``(bytes, mime)`` pair. Anything but a ``Part`` is turned into one with
            ``unima.inputs.parts.part_from_item`` (images and bytes are written to ``scratch_dir``).
        scratch_dir: Where images and bytes are written; a private temporary folder by default.
        follow_symlinks: Read a path that is a symbolic link out of its folder (refused by
            default, naming the link and its target).

    Returns:
        The perception, with ``seconds`` and ``backend`` filled in. A perceiver that fails
        part-way gives a partial perception whose ``failures`` say what went wrong. A file
        whose name claims another format than its bytes (a text file named ``.pdf``) is read
        by its bytes, and the mismatch is recorded as a failure.

    Raises:
        InputError: When the input cannot be accepted (missing file, unknown format, an
            undecodable or hostile file).
        ConfigError: When no perceiver is registered for the part's modality.
    """
    part = (
        complete_part(item, follow_symlinks=follow_symlinks)
        if isinstance(item, Part)
        else part_from_item(item, scratch_dir=scratch_dir, follow_symlinks=follow_symlinks)
    )
    perceiver = perceiver_for(part.modality)
    backend = perceiver.backend
    started = time.perf_counter()
    try:
        perception = perceiver.perceive(part)
    except InputError as error:  # loaders name the file by its raw name: make it printable
        raise printable_error(error) from None
    except Exception as error:  # a perceiver bug or a decoder crash must not stop the request
        logger.warning(
            "perceiver %s failed on %s: %s",
            backend,
            shown_path(part.path or part.tag or ""),
            error,
            exc_info=True,
        )
        perception = partial_perception(part, backend, error, time.perf_counter() - started)
    seconds = time.perf_counter() - started
    mismatch = name_mismatch(Path(part.path).name, part.meta.get("format")) if part.path else None
    failures = (*perception.failures, f"name: {mismatch}") if mismatch else perception.failures
    return perception.model_copy(
        update={"seconds": seconds, "backend": backend, "tag": part.tag, "failures": failures}
    )


__all__ = [
    "ALLOWED_FORMATS",
    "PERCEIVERS",
    "Findings",
    "Perceiver",
    "Sniffed",
    "perceive",
    "perceiver_for",
]
