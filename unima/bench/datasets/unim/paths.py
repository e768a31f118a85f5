"""Where UniM instance files and media live.

Layouts read (see ``unima.bench.datasets.unim.load_unim``):

- one JSON or JSONL file; its media root defaults to the ``data/`` folder beside it (the
  ``unim-dev`` layout), else the file's own folder;
- a folder tree of JSON/JSONL files, walked recursively in sorted order; when it holds a
  ``qapairs_placeholder/`` folder (the official release, which also ships the same instances
  captioned under ``qapairs_caption/``) only that folder is read; its media root defaults to the
  ``data/`` folder inside it, else the folder itself.

Media sit under ``<root>/<domain>/<subdomain>/<relative path>``; folder spellings differ from
the JSON (``general_area`` for ``general_domain``, ``1_math`` for ``math``), so folders are
matched by their normalised names.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from unima.bench.datasets.unim.names import (
    DOMAIN_FOLDER_ALIASES,
    normalise_domain,
    normalise_subdomain,
)
from unima.errors import InputError
from unima.types import MEDIA_MODALITIES

INSTANCE_SUFFIXES = (".json", ".jsonl")
MAX_INSTANCE_FILES = 100_000
MAX_WALK_DEPTH = 16
RELEASE_INSTANCE_FOLDER = "qapairs_placeholder"
MEDIA_FOLDER = "data"
MEDIA_FOLDER_NAMES = frozenset(MEDIA_MODALITIES)


def default_media_root(data: Path) -> Path:
    """The media root used when ``load_unim`` is not given one (see the module docstring)."""
    base = data if data.is_dir() else data.parent
    media = base / MEDIA_FOLDER
    return media if media.is_dir() else base


def find_instance_files(data: Path, *, media_root: Path | None = None) -> list[Path]:
    """List the instance files of ``data`` (a file, or a folder walked recursively).

    Hidden files and folders are skipped, symbolic links to folders are not followed, and media
    are not read as instances: the media root is not walked when it lies inside ``data``, and
    when it *is* ``data`` the modality folders (``image/``, ``document/`` ...) are skipped.

    Raises:
        InputError: When ``data`` does not exist, the tree is deeper than ``MAX_WALK_DEPTH``,
            holds more than ``MAX_INSTANCE_FILES`` files, or holds none.
    """
    if data.is_file():
        return [data]
    if not data.is_dir():
        raise InputError(
            "the dataset path does not exist; give a JSON/JSONL file or a folder", source=str(data)
        )
    release = data / RELEASE_INSTANCE_FOLDER
    top = release if release.is_dir() else data
    skipped = os.path.realpath(media_root) if media_root is not None else None
    # Media beside the instance files: modality folders hold media (``document/table.json``).
    media_names = MEDIA_FOLDER_NAMES if skipped == os.path.realpath(data) else frozenset()
    found: list[Path] = []
    for folder, folder_names, file_names in os.walk(top, followlinks=False):
        depth = len(Path(folder).relative_to(top).parts)
        if depth > MAX_WALK_DEPTH:
            raise InputError(
                f"the dataset folder is nested more than {MAX_WALK_DEPTH} levels "
                "deep; point at the folder that holds the instance files",
                source=folder,
            )
        folder_names[:] = sorted(
            name
            for name in folder_names
            if not name.startswith(".")
            and name not in media_names
            and os.path.realpath(os.path.join(folder, name)) != skipped
        )
        for name in sorted(file_names):
            if name.startswith(".") or not name.endswith(INSTANCE_SUFFIXES):
                continue
            found.append(Path(folder) / name)
            if len(found) > MAX_INSTANCE_FILES:
                raise InputError(
                    f"the dataset folder holds more than {MAX_INSTANCE_FILES} "
                    "instance files; point at a smaller folder",
                    source=str(top),
                )
    if not found:
        raise InputError(
            "no .json or .jsonl instance files found under this folder", source=str(top)
        )
    return found


def find_media_folder(root: Path, domain: str, subdomain: str) -> Path:
    """Return ``root/<domain>/<subdomain>``, matching the folders' public spellings.

    Tried in order: the exact names, the folder aliases of the field (``general_area``), then any
    folder whose normalised name equals the normalised one (``1_math``, ``Earth Science``).
    When none exists the canonical path is returned, so the caller's file check reports it.
    """
    return MediaFolders(root).folder(domain, subdomain)


class MediaFolders:
    """Cached lookup of media folders under one root, for loading many instances."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._domains: dict[str, Path | None] = {}
        self._folders: dict[tuple[str, str], Path] = {}

    def folder(self, domain: str, subdomain: str) -> Path:
        """The media folder of (domain, subdomain); see ``find_media_folder``."""
        key = (domain, subdomain)
        if key not in self._folders:
            self._folders[key] = self._lookup(domain, subdomain)
        return self._folders[key]

    def _lookup(self, domain: str, subdomain: str) -> Path:
        domain_folder = self._domain_folder(domain)
        if domain_folder is None:
            return self.root / domain / subdomain
        exact = domain_folder / subdomain
        if exact.is_dir():
            return exact
        for child in _child_folders(domain_folder):
            if _normalised(normalise_subdomain, child.name) == subdomain:
                return child
        return exact

    def _domain_folder(self, domain: str) -> Path | None:
        if domain not in self._domains:
            self._domains[domain] = None
            for name in (domain, *DOMAIN_FOLDER_ALIASES.get(domain, ())):
                if (self.root / name).is_dir():
                    self._domains[domain] = self.root / name
                    break
            else:
                for child in _child_folders(self.root):
                    if _normalised(normalise_domain, child.name) == domain:
                        self._domains[domain] = child
                        break
        return self._domains[domain]


def _child_folders(folder: Path) -> list[Path]:
    try:
        return sorted(entry for entry in folder.iterdir() if entry.is_dir())
    except OSError:
        return []


def _normalised(normalise: Callable[[str], str], name: str) -> str | None:
    try:
        return normalise(name)
    except ValueError:
        return None
