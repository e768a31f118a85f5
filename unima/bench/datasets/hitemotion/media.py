"""Where HitEmotion files and media are, and how a media path is resolved safely.

The release is ``<data>/with_prompt/levelN/<Dataset>.json`` (ToM prompts) and
``<data>/without_prompt/...`` (direct-answer prompts). Media paths in the items are relative to
one media root (``MER2023/videos/sample_00001998.mp4``); by default that is ``<data>``.

Paths are resolved with ``unima.inputs.paths.resolve_media_path``, as UniM's are: ``..``,
absolute paths, URLs and links out of the media root are refused. The release misspells one
folder (``PanoSent/vidoes/``): when a path as written is missing and the corrected spelling
exists, the corrected file is used and the instance carries a warning.

The harness hands a worker the instance's media folder as ``<root>/<domain>/<subdomain>``
(``UnimInstance.media_root``), while HitEmotion paths start at the media root itself.
``harness_root`` bridges the two with a small folder of links, ``level1/mer -> <media root>``:
the worker resolves paths under the link, and ``resolve_media_path`` checks containment against
its real path, the media root, so nothing outside the media root becomes reachable.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from unima.errors import InputError, UnsafePathError
from unima.inputs.paths import check_relative_path_text, resolve_media_path

Prompt = Literal["tom", "direct"]
PROMPT_FOLDERS: dict[str, str] = {"tom": "with_prompt", "direct": "without_prompt"}
# Misspelt folder names of the release, and their spelling on disk.
KNOWN_TYPOS: dict[str, str] = {"vidoes": "videos"}
VIEW_FOLDER = "hitemotion-media"


def prompt_folder(data: Path, prompt: str) -> Path:
    """The folder of ``prompt``'s files: ``data/with_prompt`` (tom) or ``data/without_prompt``.

    ``data`` may also be a prompt folder itself (one holding ``level1``..``level3``).

    Raises:
        InputError: ``prompt`` is not tom or direct, the folder is missing, or ``data`` is the
            other prompt's folder.
    """
    if prompt not in PROMPT_FOLDERS:
        raise InputError(f"--prompt takes tom or direct, not {prompt!r}")
    wanted = PROMPT_FOLDERS[prompt]
    data = Path(data)
    if not data.is_dir():
        raise InputError("the HitEmotion data folder does not exist", source=str(data))
    if (data / wanted).is_dir():
        return data / wanted
    if data.name in PROMPT_FOLDERS.values() and data.name != wanted:
        raise InputError(
            f"this is the {data.name} folder, but --prompt {prompt} reads {wanted}; "
            "give the folder that holds both",
            source=str(data),
        )
    if any((data / f"level{level}").is_dir() for level in (1, 2, 3)):
        return data
    raise InputError(
        f"no {wanted}/ folder here; give the HitEmotion data folder (holding with_prompt/ and "
        "without_prompt/)",
        source=str(data),
    )


def default_media_root(data: Path) -> Path:
    """The media root when none is given: the folder holding the prompt folders."""
    data = Path(data)
    folder = data if data.is_dir() else data.parent.parent
    return folder.parent if folder.name in PROMPT_FOLDERS.values() else folder


def find_files(data: Path) -> list[Path]:
    """The released files of a prompt folder (``levelN/*.json``, sorted), or ``data`` itself.

    Raises:
        InputError: ``data`` does not exist, holds both prompt folders (pick one with
            ``prompt_folder``), or has no level folders with JSON files.
    """
    data = Path(data)
    if data.is_file():
        return [data]
    if not data.is_dir():
        raise InputError("the HitEmotion data path does not exist", source=str(data))
    if all((data / name).is_dir() for name in PROMPT_FOLDERS.values()):
        raise InputError(
            "this folder holds both with_prompt/ and without_prompt/; choose one (unima bench "
            "run hitemotion --prompt tom|direct does)",
            source=str(data),
        )
    files = sorted(
        path
        for level in (1, 2, 3)
        for path in (data / f"level{level}").glob("*.json")
        if path.is_file() and not path.name.startswith(".")
    )
    if not files:
        raise InputError(
            "no level1/ .. level3/ JSON files here; give a HitEmotion prompt folder",
            source=str(data),
        )
    return files


@dataclass(frozen=True)
class MediaPath:
    """A media path checked against the media root.

    Attributes:
        relative: The path to use (the released one, or its corrected spelling).
        remark: Why it differs from the released path (``""`` when it does not).
    """

    relative: str
    remark: str = ""


def resolve_media(root: Path, relative: str, *, check_files: bool = True) -> MediaPath:
    """Check ``relative`` under ``root``, correcting a known folder typo.

    Args:
        root: The media root.
        relative: The path as released.
        check_files: Require the file (containment through links included); without it only
            the text of the path is checked.

    Raises:
        UnsafePathError: The path is not a plain relative path or leaves the media root.
        InputError: The file is missing (under both spellings) or not a regular file.
    """
    check_relative_path_text(relative)
    if not check_files:
        return MediaPath(relative)
    try:
        resolve_media_path(root, relative)
        return MediaPath(relative)
    except UnsafePathError:
        raise
    except InputError:
        corrected = corrected_spelling(relative)
        if corrected == relative:
            raise
        try:
            resolve_media_path(root, corrected)
        except UnsafePathError:
            raise
        except InputError:
            raise InputError(
                f"the media file is missing (also as {corrected!r})", source=repr(relative)
            ) from None
        return MediaPath(corrected, f"path typo in the release: {relative!r} read as {corrected!r}")


def corrected_spelling(relative: str) -> str:
    """``relative`` with the release's misspelt folder names corrected."""
    parts = [KNOWN_TYPOS.get(part, part) for part in relative.split("/")]
    return "/".join(parts)


def harness_root(media_root: Path, keys: Iterable[tuple[str, str]], cache: Path) -> Path:
    """A folder where ``<level>/<task>`` links to the media root (see the module docstring).

    The folder sits under ``cache`` and is named after the media root's real path, so a
    resumed run finds the same one. Links are made atomically and re-pointed when stale.

    Raises:
        InputError: the links cannot be made under ``cache`` (set ``XDG_CACHE_HOME``).
    """
    real = Path(os.path.realpath(media_root))
    digest = hashlib.sha256(os.fsencode(real)).hexdigest()[:16]
    view = cache / VIEW_FOLDER / f"{_slug(real.name)}-{digest}"
    try:
        _link_folders(view, real, set(keys))
    except OSError as error:
        raise InputError(
            f"cannot make the media link folder ({error.strerror or error}); point "
            "XDG_CACHE_HOME at a writable folder",
            source=str(view),
        ) from None
    return view


def _link_folders(view: Path, real: Path, keys: set[tuple[str, str]]) -> None:
    for domain, subdomain in keys:
        link = view / domain / subdomain
        if link.is_symlink() and Path(os.path.realpath(link)) == real:
            continue
        link.parent.mkdir(parents=True, exist_ok=True)
        temporary = link.with_name(f".{subdomain}.{os.getpid()}")
        if temporary.is_symlink():
            temporary.unlink()
        temporary.symlink_to(real, target_is_directory=True)
        os.replace(temporary, link)


def default_cache() -> Path:
    """``$XDG_CACHE_HOME/unima`` (``~/.cache/unima`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "unima"


def _slug(name: str) -> str:
    kept = "".join(character if character.isalnum() else "-" for character in name)
    return kept.strip("-")[:40] or "media"
