"""Pre-captioned references: the released ``qapairs_caption/`` answers, for the official SC.

The UniM release ships every instance twice: ``qapairs_placeholder/`` (the answers with
``<tagN>`` placeholders, what unima loads) and ``qapairs_caption/`` (the same answers with each
placeholder already expanded to the authors' dense caption, ``<image2:caption>``). The released
SC pipeline judges the captioned prediction against that pre-captioned reference, so under
``--protocol unim`` the semantic family reads the reference text from there whenever a
captioned answer exists for the instance, and captions the reference itself otherwise.

Records are matched by their normalised ``(domain, subdomain, id)`` key, the same key instances
and predictions use. A record that cannot be read or has no usable key or ``output.content`` is
listed in ``problems`` and skipped; it never stops an evaluation.
"""

from __future__ import annotations

from pathlib import Path

from unima.bench.datasets.json_records import read_records
from unima.bench.datasets.unim.names import normalise_domain, normalise_id, normalise_subdomain
from unima.bench.datasets.unim.paths import find_instance_files
from unima.bench.records import InstanceKey

CAPTION_FOLDER = "qapairs_caption"
# Problems kept for the report; more are counted, not listed.
MAX_PROBLEMS = 50


def reference_captions_folder(data: Path) -> Path | None:
    """The ``qapairs_caption/`` folder of a release folder ``data`` (or ``data`` itself), if any."""
    data = Path(data)
    if data.is_dir() and data.name == CAPTION_FOLDER:
        return data
    candidate = data / CAPTION_FOLDER
    return candidate if candidate.is_dir() else None


class ReferenceCaptions:
    """The captioned reference answers under ``folder``, by instance key.

    Args:
        folder: a ``qapairs_caption/`` folder (or one JSON/JSONL file of captioned instances).

    Raises:
        InputError: When ``folder`` does not exist or holds no JSON/JSONL file.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._contents: dict[InstanceKey, str] = {}
        self.problems: list[str] = []
        self.problem_count = 0
        for path in find_instance_files(self.folder):
            for record in read_records(path):
                self._add(record.source, record.value, record.problem)

    def _add(self, source: str, value: object, problem: str) -> None:
        if problem:
            self._problem(f"{source}: {problem}")
            return
        output = value.get("output") if isinstance(value, dict) else None
        content = output.get("content") if isinstance(output, dict) else None
        if not isinstance(value, dict) or not isinstance(content, str) or not content.strip():
            self._problem(f"{source}: no output.content")
            return
        try:
            key = (
                normalise_domain(value.get("domain")),
                normalise_subdomain(value.get("subdomain")),
                normalise_id(value.get("id")),
            )
        except ValueError as error:
            self._problem(f"{source}: {error}")
            return
        self._contents[key] = content

    def _problem(self, text: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text[:300])

    def content(self, key: InstanceKey) -> str | None:
        """The captioned reference answer of the instance ``key``, or ``None``."""
        return self._contents.get(key)

    def __len__(self) -> int:
        return len(self._contents)
