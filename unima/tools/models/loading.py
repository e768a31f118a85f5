"""Loading a tool's model once per process, on the right device, and naming what was loaded.

``SHARED_MODELS`` holds every loaded model by key (backend, location, device, dtype): the first
step that needs one loads it under that key's lock, every later step and worker thread gets the
same object, and ``LoadedModel.lock`` serialises calls into it (a diffusers pipeline is not
thread-safe). ``close`` drops models and frees accelerator memory.

The checks (``require_module``, ``require_folder``, ``resolve_device``) raise typed errors that
name the fix, so a backend can refuse a bad configuration before a run starts.
"""

from __future__ import annotations

import gc
import hashlib
import importlib.util
import json
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unima.errors import ConfigError, MissingExtraError, ToolError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
DTYPE_CHOICES = ("auto", "float32", "float16", "bfloat16")
# Files under this size are hashed whole for a folder's fingerprint (configs, tokenizers);
# larger ones (weights) by name, size and modification time, so a 5 GB folder costs no read.
SMALL_FILE_BYTES = 1 << 20


@dataclass
class LoadedModel:
    """A model shared by every step of this process.

    Attributes:
        value: what the loader returned (a pipeline, a synthesizer, a client).
        lock: hold it while calling into ``value``.
        device: where it runs (``cpu``, ``cuda``); empty for hosted models.
        dtype: its weights' type (``float32`` ...); empty for hosted models.
        load_s: seconds the load took.
    """

    value: Any
    device: str = ""
    dtype: str = ""
    load_s: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class SharedModels:
    """Models by key, each loaded once per process."""

    def __init__(self) -> None:
        self._models: dict[tuple[str, ...], LoadedModel] = {}
        self._loading: dict[tuple[str, ...], threading.Lock] = {}
        self._lock = threading.Lock()

    def get(
        self,
        key: tuple[str, ...],
        load: Callable[[], Any],
        *,
        device: str = "",
        dtype: str = "",
    ) -> LoadedModel:
        """The model under ``key``, loaded by ``load()`` the first time it is asked for."""
        with self._lock:
            if key in self._models:
                return self._models[key]
            loading = self._loading.setdefault(key, threading.Lock())
        with loading:  # a second thread asking for the same model waits for the first load
            with self._lock:
                if key in self._models:
                    return self._models[key]
            started = time.perf_counter()
            value = load()
            loaded = LoadedModel(
                value=value, device=device, dtype=dtype, load_s=time.perf_counter() - started
            )
            with self._lock:
                self._models[key] = loaded
                self._loading.pop(key, None)
            return loaded

    def loaded_keys(self) -> list[tuple[str, ...]]:
        with self._lock:
            return list(self._models)

    def close(self, prefix: tuple[str, ...] = ()) -> int:
        """Drop the models whose key starts with ``prefix`` (all by default), free accelerator
        memory, and say how many were dropped."""
        with self._lock:
            keys = [key for key in self._models if key[: len(prefix)] == prefix]
            for key in keys:
                del self._models[key]
        if keys:
            free_accelerator_memory()
        return len(keys)


SHARED_MODELS = SharedModels()


def free_accelerator_memory() -> None:
    """Collect dropped models and return CUDA's cached blocks (only if torch is loaded)."""
    gc.collect()
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


def require_module(module: str, feature: str, extra: str) -> None:
    """Raise ``MissingExtraError`` naming ``pip install "unima[extra]"`` when ``module`` is
    not importable; imports nothing."""
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise MissingExtraError(feature, extra, module)


def require_folder(location: str | None, feature: str, holds: str) -> Path:
    """The model folder ``location`` names, or a ``ConfigError`` saying what is wrong."""
    if not location:
        raise ConfigError(f"{feature} needs a model folder: give it as BACKEND:PATH ({holds})")
    path = Path(location).expanduser()
    if not path.exists():
        raise ConfigError(f"{feature}: the model folder {str(path)!r} does not exist ({holds})")
    if not path.is_dir():
        raise ConfigError(f"{feature}: {str(path)!r} is not a folder ({holds})")
    return path.resolve()


def require_diffusers_folder(location: str | None, settings: Any, feature: str, holds: str) -> Path:
    """The checks every diffusers backend makes before a run: diffusers and torch installed
    (the ``diffusers`` extra), the folder present with its ``model_index.json``, the device
    and dtype usable. Returns the folder."""
    require_module("diffusers", feature, "diffusers")
    require_module("torch", feature, "diffusers")
    folder = require_folder(location, feature, holds)
    if not (folder / "model_index.json").is_file():
        raise ConfigError(f"{feature}: {str(folder)!r} has no model_index.json ({holds})")
    device = resolve_device(settings.model_device, feature)
    resolve_dtype(settings.model_dtype, device, feature)
    return folder


def resolve_device(requested: str, feature: str) -> str:
    """``auto`` is CUDA when torch sees a GPU, else the CPU; asking for CUDA (or MPS) on a
    machine without it is a ``ConfigError`` before any model loads."""
    wanted = requested.strip().lower() or "auto"
    if wanted.split(":")[0] not in DEVICE_CHOICES:
        raise ConfigError(
            f"{feature}: unknown device {requested!r}; choose one of {', '.join(DEVICE_CHOICES)}"
            " (UNIMA_MODEL_DEVICE)"
        )
    if wanted == "cpu":
        return "cpu"
    import torch

    if wanted == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if wanted.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(
            f"{feature} is set to run on {requested!r}, but torch sees no CUDA device "
            f"(torch {torch.__version__}); set UNIMA_MODEL_DEVICE=cpu or auto"
        )
    if wanted == "mps" and not torch.backends.mps.is_available():
        raise ConfigError(f"{feature} is set to run on 'mps', which this machine does not have")
    return wanted


def resolve_dtype(requested: str, device: str, feature: str) -> str:
    """``auto`` is float16 on CUDA and float32 elsewhere (half precision on a CPU is slow and
    unsupported by many layers)."""
    wanted = requested.strip().lower() or "auto"
    if wanted not in DTYPE_CHOICES:
        raise ConfigError(
            f"{feature}: unknown dtype {requested!r}; choose one of {', '.join(DTYPE_CHOICES)}"
            " (UNIMA_MODEL_DTYPE)"
        )
    if wanted == "auto":
        return "float16" if device.startswith("cuda") else "float32"
    return wanted


def torch_dtype(name: str) -> Any:
    """The ``torch.dtype`` named ``float32``, ``float16`` or ``bfloat16``."""
    import torch

    return {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[name]


def folder_fingerprint(path: Path) -> str:
    """A short hash of a model folder: small files by content, large ones by name, size and
    modification time; it changes when the model does, without reading gigabytes."""
    digest = hashlib.sha256()
    for file in sorted(item for item in path.rglob("*") if item.is_file()):
        status = file.stat()
        digest.update(str(file.relative_to(path)).encode())
        if status.st_size <= SMALL_FILE_BYTES:
            digest.update(file.read_bytes())
        else:
            digest.update(f"{status.st_size}:{status.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


class ModelFolder:
    """A local model backend's folder: its path, its fingerprint (computed once: a folder is
    not edited mid-run) and its one shared load per device and dtype.

    Args:
        location: the spec's location (``diffusers:LOCATION``).
        owner: what tells this backend's models apart in ``SHARED_MODELS`` (tool, backend).
    """

    def __init__(self, location: str | None, *owner: str) -> None:
        self.path = Path(location or "").expanduser().resolve()
        self.key = (*owner, str(self.path))
        self._fingerprint: str | None = None

    @property
    def name(self) -> str:
        return self.path.name

    def revision(self) -> str:
        """The folder's fingerprint (``folder_fingerprint``), or ``missing``."""
        if self._fingerprint is None:
            self._fingerprint = folder_fingerprint(self.path) if self.path.is_dir() else "missing"
        return self._fingerprint

    def shared(
        self,
        settings: Any,
        feature: str,
        load: Callable[[Path, str, str], Any],
        *,
        dtype: str | None = None,
    ) -> LoadedModel:
        """The model ``load(folder, device, dtype)`` makes, loaded once for this process on
        the settings' device and dtype (``dtype`` fixes it for models that run in one type)."""
        device = resolve_device(settings.model_device, feature)
        chosen = dtype or resolve_dtype(settings.model_dtype, device, feature)
        return SHARED_MODELS.get(
            (*self.key, device, chosen),
            lambda: load(self.path, device, chosen),
            device=device,
            dtype=chosen,
        )

    def close(self) -> int:
        """Drop this folder's loaded models (every device and dtype)."""
        return SHARED_MODELS.close(self.key)


def load_diffusers_pipeline(
    class_name: str, folder: Path, dtype: str, *, feature: str, tool: str
) -> Any:
    """The diffusers pipeline class ``class_name`` (``AutoPipelineForText2Image``,
    ``DiffusionPipeline`` ...) loaded from ``folder`` on the CPU, local files only, with its
    progress bars off; the caller moves it to its device.

    Raises:
        ConfigError: diffusers cannot be imported (checked before a run; a broken install).
        ToolError: the folder holds no loadable pipeline (not recoverable).
    """
    try:
        import diffusers
        from diffusers.utils import logging as diffusers_logging
    except ImportError as error:
        raise ConfigError(f"{feature} cannot import diffusers: {error}") from error
    # tqdm bars on stderr would tear through unima's own progress display.
    diffusers_logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            # diffusers >= 0.36 renames torch_dtype to dtype; older ones know only torch_dtype.
            warnings.filterwarnings("ignore", message=".*torch_dtype.*", category=FutureWarning)
            pipeline = getattr(diffusers, class_name).from_pretrained(
                str(folder), torch_dtype=torch_dtype(dtype), local_files_only=True
            )
    except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError) as error:
        raise ToolError(
            f"{feature} could not load {str(folder)!r}: {error}", tool=tool, recoverable=False
        ) from error
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


def settings_read(settings: Any, *names: str) -> dict[str, Any]:
    """The named settings' values, for ``Tool.cache_settings`` (None settings give {})."""
    if settings is None:
        return {}
    return {name: getattr(settings, name) for name in names}


def model_record(
    *, backend: str, model: str, revision: str, loaded: LoadedModel, seconds: float
) -> dict[str, Any]:
    """What an artifact's meta (and so the trace) says about the model that made it."""
    return {
        "backend": backend,
        "model": model,
        "revision": revision,
        "device": loaded.device,
        "dtype": loaded.dtype,
        "load_s": round(loaded.load_s, 3),
        "seconds": round(seconds, 3),
    }
