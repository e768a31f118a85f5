"""Load UniM: instance files, media checks, invalid-instance reports and a fingerprint.

``UnimLoader`` is UniM's entry in the dataset registry (``unima.bench.datasets.DATASETS``).
``load_unim`` reads every layout described in ``unima.bench.datasets.unim.paths``, validates each
instance (``UnimInstance``), checks its media paths, and returns the valid instances sorted by
key together with a report of every invalid one. Nothing is dropped silently: an instance that
fails is listed in ``DatasetLoad.invalid`` with its key (when it has one), where it came from and
why; ``on_invalid="fail"`` turns any such report into an ``InputError``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import ClassVar

from pydantic import ValidationError

from unima.bench.datasets.json_records import read_records
from unima.bench.datasets.loader import DatasetLoad, DatasetLoader, InvalidInstance, OnInvalid
from unima.bench.datasets.unim.instance import UnimInstance
from unima.bench.datasets.unim.names import normalise_domain, normalise_id, normalise_subdomain
from unima.bench.datasets.unim.paths import (
    MediaFolders,
    default_media_root,
    find_instance_files,
)
from unima.bench.datasets.unim.selection import instance_sort_key, select
from unima.bench.records import InstanceKey, Selection
from unima.errors import InputError
from unima.inputs.paths import check_relative_path_text, resolve_media_path

# How many problems an ``on_invalid="fail"`` error lists before "... and N more".
SHOWN_PROBLEMS = 10


class UnimLoader(DatasetLoader[UnimInstance]):
    """UniM (``unima bench run unim``): ``load_unim`` and ``select``."""

    name: ClassVar[str] = "unim"

    def load(
        self,
        data: Path,
        *,
        media_root: Path | None = None,
        on_invalid: OnInvalid = "skip",
        check_files: bool = True,
    ) -> DatasetLoad[UnimInstance]:
        return load_unim(
            data, media_root=media_root, on_invalid=on_invalid, check_files=check_files
        )

    def select(self, instances: Sequence[UnimInstance], selection: Selection) -> list[UnimInstance]:
        return select(
            instances,
            fields=selection.fields,
            domains=selection.domains,
            subdomains=selection.subdomains,
            difficulties=selection.difficulties,
            input_modalities=selection.input_modalities,
            output_modalities=selection.output_modalities,
            limit=selection.limit,
            sample=selection.sample,
            seed=selection.seed,
        )


def load_unim(
    data: Path,
    *,
    media_root: Path | None = None,
    on_invalid: OnInvalid = "skip",
    check_files: bool = True,
) -> DatasetLoad[UnimInstance]:
    """Load UniM instances from a file or a folder tree.

    Args:
        data: A JSON/JSONL file, or a folder of them (walked recursively, sorted).
        media_root: The folder holding ``<domain>/<subdomain>/...`` media; by default the
            ``data/`` folder beside the file (or inside the folder), else that folder itself.
        on_invalid: ``"skip"`` reports invalid instances in ``DatasetLoad.invalid`` and goes
            on; ``"fail"`` raises after reading everything, listing the first problems.
        check_files: Resolve every media path inside its instance folder and require the file
            (refusing links out). Without it only the path text is checked (no ``..``, absolute
            paths or URLs), which is much faster on 31k instances.

    Returns:
        The loaded instances, the invalid ones, the fingerprint and the media root.

    Raises:
        InputError: When ``data`` or ``media_root`` do not exist, no instance files are found,
            or ``on_invalid="fail"`` and some instance is invalid.
    """
    if on_invalid not in ("skip", "fail"):
        raise InputError(f"on_invalid must be 'skip' or 'fail', got {on_invalid!r}")
    data = Path(data)
    root = Path(media_root) if media_root is not None else default_media_root(data)
    if check_files and not root.is_dir():
        raise InputError(
            "the media root is not an existing folder; pass media_root=", source=str(root)
        )
    files = find_instance_files(data, media_root=root)
    checker = _MediaChecker(root, check_files)
    seen: dict[InstanceKey, str] = {}
    instances: list[UnimInstance] = []
    invalid: list[InvalidInstance] = []
    warnings: list[InvalidInstance] = []
    real_data = data.resolve() if data.is_dir() else None
    for path in files:
        if real_data is not None and not path.resolve().is_relative_to(real_data):
            invalid.append(
                InvalidInstance(
                    None,
                    str(path),
                    "the instance file links outside the dataset folder; copy it in",
                )
            )
            continue
        for record in read_records(path):
            if record.problem:
                invalid.append(InvalidInstance(None, record.source, record.problem))
                continue
            instance, problem = _validate(record.value)
            if instance is None:
                invalid.append(InvalidInstance(_raw_key(record.value), record.source, problem))
                continue
            if instance.key in seen:
                invalid.append(
                    InvalidInstance(
                        instance.key,
                        record.source,
                        f"duplicate key: the same (domain, subdomain, id) was first read from "
                        f"{seen[instance.key]}; only the first is used (loaded if it is valid)",
                    )
                )
                continue
            seen[instance.key] = record.source
            problem = checker.check(instance)
            if problem:
                invalid.append(InvalidInstance(instance.key, record.source, problem))
                continue
            instances.append(instance)
            warnings.extend(_remarks(instance, record.source))
    if on_invalid == "fail" and invalid:
        shown = "; ".join(str(item) for item in invalid[:SHOWN_PROBLEMS])
        more = (
            f"; ... and {len(invalid) - SHOWN_PROBLEMS} more"
            if len(invalid) > SHOWN_PROBLEMS
            else ""
        )
        raise InputError(f"{len(invalid)} invalid instance(s): {shown}{more}", source=str(data))
    instances.sort(key=instance_sort_key)
    return DatasetLoad(instances, invalid, fingerprint(instances), root, files, warnings)


def fingerprint(instances: Iterable[UnimInstance]) -> str:
    """sha256 over the canonical JSON of ``instances`` sorted by key (input order is irrelevant).

    Media file contents are not hashed (that would read the whole dataset); the paths are.
    """
    digest = hashlib.sha256(b"unim-instances/v1\n")
    for instance in sorted(instances, key=instance_sort_key):
        digest.update(instance.canonical_json().encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


class _MediaChecker:
    """Checks media paths; folder lookups and containment are computed once per subdomain."""

    def __init__(self, root: Path, check_files: bool) -> None:
        self.root = root
        self.check_files = check_files
        self.folders = MediaFolders(root)
        self._folder_problems: dict[tuple[str, str], str] = {}

    def check(self, instance: UnimInstance) -> str:
        sides = [("input", instance.input)]
        if instance.output is not None:
            sides.append(("output", instance.output))
        for side_name, side in sides:
            entries = side.file_entries()
            if not entries:
                continue
            folder = None
            if self.check_files:
                problem = self._folder_problem(instance.domain, instance.subdomain)
                if problem:
                    return problem
                folder = self.folders.folder(instance.domain, instance.subdomain)
            for tag, relative in entries.items():
                try:
                    if folder is not None:
                        resolve_media_path(folder, relative)
                    else:
                        check_relative_path_text(relative)
                except InputError as error:
                    return f"{side_name}.modal[{tag!r}]: {error}"
        return ""

    def _folder_problem(self, domain: str, subdomain: str) -> str:
        key = (domain, subdomain)
        if key not in self._folder_problems:
            folder = self.folders.folder(domain, subdomain)
            problem = ""
            if not folder.is_dir():
                problem = f"media folder {str(folder)!r} does not exist; check media_root"
            elif not Path(folder.resolve()).is_relative_to(self.root.resolve()):
                problem = (
                    f"media folder {str(folder)!r} links outside the media root "
                    f"{str(self.root)!r}; copy the media in instead"
                )
            self._folder_problems[key] = problem
        return self._folder_problems[key]


def _validate(value: object) -> tuple[UnimInstance | None, str]:
    try:
        return UnimInstance.model_validate(value), ""
    except ValidationError as error:
        return None, _describe(error)
    except (ValueError, TypeError, RecursionError) as error:  # defensive: hostile values
        return None, f"invalid instance: {str(error)[:300]}"


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_url=False)[:3]:
        location = ".".join(str(part) for part in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{location}: {message}" if location else message)
    more = error.error_count() - len(parts)
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def _raw_key(value: object) -> InstanceKey | None:
    """Best-effort key of a record that failed validation, for the report."""
    if not isinstance(value, dict):
        return None
    try:
        return (
            normalise_domain(value.get("domain")),
            normalise_subdomain(value.get("subdomain")),
            normalise_id(value.get("id")),
        )
    except (ValueError, TypeError):
        return None


def _remarks(instance: UnimInstance, source: str) -> list[InvalidInstance]:
    remarks = []
    for side_name, side in (("input", instance.input), ("output", instance.output)):
        if side is None:
            continue
        unplaced = side.unreferenced_tags()
        if unplaced:
            remarks.append(
                InvalidInstance(
                    instance.key,
                    source,
                    f"{side_name}.modal has entries the content never places: {', '.join(unplaced)}",
                )
            )
    return remarks
