"""Perception: what unima understands of each input before it reasons.

``perceive(item)`` accepts a path, a ``Part``, a PIL image or a ``(bytes, mime)`` pair, picks
the perceiver registered for the part's modality in ``PERCEIVERS``, times the call and records
the backend. Registering a better perceiver is one line::

    PERCEIVERS.register("image", "unima.perception.ocr:RapidOcrPerceiver", replace=True)

This module stays light: perceivers (and Pillow, pypdf ...) are imported on first use. The
magic-byte sniffer is ``unima.perception.sniff.sniff`` (not re-exported here, so the submodule
name is never shadowed by the function).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from unima.errors import InputError
from unima.perception.base import Findings, Perceiver, partial_perception
from unima.perception.sniff import ALLOWED_FORMATS, Sniffed
from unima.registry import Registry
from unima.types import Part, Perception

logger = logging.getLogger(__name__)

# Modality -> perceiver class, as "module:Class" strings resolved on first use.
PERCEIVERS: Registry[type[Perceiver]] = Registry("perceiver")
PERCEIVERS.register("text", "unima.perception.minimal:MinimalTextPerceiver")
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


def perceive(item: Any, *, scratch_dir: Path | None = None) -> Perception:
    """Describe one input.

    Args:
        item: A file path (``str`` or ``Path``), a ``Part``, a PIL image, or a
            ``(bytes, mime)`` pair. Anything but a ``Part`` is turned into one with
            ``unima.parts.part_from_item`` (images and bytes are written to ``scratch_dir``).
        scratch_dir: Where images and bytes are written; a private temporary folder by default.

    Returns:
        The perception, with ``seconds`` and ``backend`` filled in. A perceiver that fails
        part-way gives a partial perception whose ``failures`` say what went wrong.

    Raises:
        InputError: When the input cannot be accepted (missing file, unknown format, an
            undecodable or hostile file).
        ConfigError: When no perceiver is registered for the part's modality.
    """
    from unima.parts import complete_part, part_from_item

    part = (
        complete_part(item)
        if isinstance(item, Part)
        else part_from_item(item, scratch_dir=scratch_dir)
    )
    perceiver = perceiver_for(part.modality)
    backend = perceiver.backend
    started = time.perf_counter()
    try:
        perception = perceiver.perceive(part)
    except InputError:
        raise
    except Exception as error:  # a perceiver bug or a decoder crash must not stop the request
        logger.warning(
            "perceiver %s failed on %s: %s", backend, part.path or part.tag, error, exc_info=True
        )
        return partial_perception(part, backend, error, time.perf_counter() - started)
    seconds = time.perf_counter() - started
    return perception.model_copy(update={"seconds": seconds, "backend": backend, "tag": part.tag})


__all__ = [
    "ALLOWED_FORMATS",
    "PERCEIVERS",
    "Findings",
    "Perceiver",
    "Sniffed",
    "perceive",
    "perceiver_for",
]
