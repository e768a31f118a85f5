"""The UniM instance record: one request (``input``) and its reference answer (``output``).

Validation here is structural and needs no files: names are normalised (see
``unima.bench.datasets.unim.names``), every ``<tag>`` in a side's ``content`` must have an entry in that side's
``modal``, and ``modal`` keys must be valid tag names. Path and file checks need the media root
and live in the loader (``unima.bench.datasets.unim``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

from unima.bench.datasets.unim.names import (
    content_tags,
    is_file_reference,
    normalise_domain,
    normalise_id,
    normalise_subdomain,
    tag_modality,
)
from unima.bench.datasets.unim.paths import find_media_folder
from unima.bench.records import InstanceKey

MAX_CONTENT_CHARS = 1_000_000
MAX_MODAL_ENTRIES = 64
_KNOWN_FIELDS = frozenset(
    {"domain", "subdomain", "id", "input", "output", "difficulty_level", "extra"}
)
# Other spellings of top-level keys, mapped to the canonical key when that one is absent.
_FIELD_ALIASES = {
    "difficulty": "difficulty_level",
    "level": "difficulty_level",
    "sub_domain": "subdomain",
    "field": "domain",
}
_DIFFICULTY_NAMES = {"easy": 1, "medium": 2, "hard": 3}


class Side(BaseModel):
    """One side of an instance: text with placeholders and the files bound to them.

    Attributes:
        content: The text, with ``<image1>``-style placeholders inline.
        modal: Tag to a path relative to the instance's media folder (for ``text<n>`` and inline
            ``code<n>`` entries, the text itself).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    content: StrictStr = Field(max_length=MAX_CONTENT_CHARS)
    modal: dict[StrictStr, StrictStr] = Field(default_factory=dict, max_length=MAX_MODAL_ENTRIES)

    @model_validator(mode="after")
    def _check_tags(self) -> Side:
        for tag in self.modal:
            tag_modality(tag)  # raises ValueError naming a bad key
        tags, malformed = content_tags(self.content)
        if malformed:
            raise ValueError(
                f"content has placeholders that are not valid tags: {', '.join(malformed[:5])}; "
                "write them as <modality><number>, e.g. <image1>"
            )
        missing = sorted({tag for tag in tags if tag not in self.modal})
        if missing:
            raise ValueError(
                f"content uses {', '.join('<' + tag + '>' for tag in missing)} but modal has no "
                f"entry for {'it' if len(missing) == 1 else 'them'} (modal keys: "
                f"{', '.join(sorted(self.modal)) or 'none'})"
            )
        return self

    @property
    def modalities(self) -> set[str]:
        """The modalities of the ``modal`` tags (``{"image", "audio"}``)."""
        return {tag_modality(tag) for tag in self.modal}

    def file_entries(self) -> dict[str, str]:
        """The ``modal`` entries whose values are file paths (not literal text or inline code)."""
        return {tag: value for tag, value in self.modal.items() if is_file_reference(tag, value)}

    def unreferenced_tags(self) -> list[str]:
        """``modal`` keys the content never places (allowed, but worth a warning)."""
        placed = set(content_tags(self.content)[0])
        return sorted(tag for tag in self.modal if tag not in placed)


class UnimInstance(BaseModel):
    """One UniM instance, keyed by (domain, subdomain, id).

    Unknown top-level fields of the public data are kept in ``extra`` rather than refused, so a
    round trip through ``to_unim`` loses nothing.

    Attributes:
        domain: The field, normalised (``natural_science``, ``social_science``,
            ``general_domain``; ``general_area`` is read as ``general_domain``).
        subdomain: The domain within the field, normalised (``math``, ``food`` ...).
        id: The instance id, unique only within its subdomain.
        input: The request.
        output: The reference answer, when the data has one.
        difficulty_level: 1 (easy), 2 (medium) or 3 (hard), when given.
        extra: Unknown top-level fields, as read.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    domain: str
    subdomain: str
    id: str
    input: Side
    output: Side | None = None
    difficulty_level: int | None = Field(default=None, ge=1, le=3)
    extra: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError(f"an instance must be a JSON object, got {type(data).__name__}")
        if any(not isinstance(name, str) for name in data):
            raise ValueError("field names must be strings")
        nested = data.get("extra", {})
        if not isinstance(nested, dict):
            raise ValueError("field 'extra' must be an object")
        values: dict[str, Any] = {
            name: value for name, value in data.items() if name in _KNOWN_FIELDS
        }
        extra: dict[str, Any] = dict(nested)
        for name, value in data.items():
            if name in _KNOWN_FIELDS:
                continue
            canonical = _FIELD_ALIASES.get(name)
            if canonical is not None and canonical not in values:
                values[canonical] = value
            else:
                extra[name] = value
        values["extra"] = extra
        if extra:
            _check_json(extra)
        for name, normalise in (
            ("domain", normalise_domain),
            ("subdomain", normalise_subdomain),
            ("id", normalise_id),
        ):
            if name in values:
                values[name] = normalise(values[name])
        if "difficulty_level" in values:
            values["difficulty_level"] = normalise_difficulty(values["difficulty_level"])
        return values

    @property
    def key(self) -> InstanceKey:
        """The (domain, subdomain, id) key."""
        return (self.domain, self.subdomain, self.id)

    @property
    def field(self) -> str:
        """The UniM field: in UniM's JSON the ``domain`` key holds it."""
        return self.domain

    @property
    def input_modalities(self) -> set[str]:
        """The modalities of the request's ``modal`` tags."""
        return self.input.modalities

    @property
    def output_modalities(self) -> set[str]:
        """The modalities of the reference answer's ``modal`` tags (empty without an output)."""
        return self.output.modalities if self.output is not None else set()

    def media_root(self, root: Path) -> Path:
        """The folder this instance's ``modal`` paths are relative to: ``root/<domain>/<subdomain>``.

        Folder spellings of the public data are found too (``general_area``, ``1_math``); when
        no folder exists the canonical path is returned.
        """
        return find_media_folder(Path(root), self.domain, self.subdomain)

    def to_agent_input(self) -> dict[str, Any]:
        """The request an agent may see: the input side and the key, never the reference output."""
        return {
            "domain": self.domain,
            "subdomain": self.subdomain,
            "id": self.id,
            "input": {"content": self.input.content, "modal": dict(self.input.modal)},
        }

    def to_unim(self) -> dict[str, Any]:
        """The instance in UniM's JSON form (normalised names, ``extra`` fields back on top)."""
        data = self.model_dump(mode="json", exclude={"extra"}, exclude_none=True)
        return {**self.extra, **data}

    def canonical_json(self) -> str:
        """Canonical JSON of the normalised instance (sorted keys, no spaces), for fingerprints.

        Built by hand rather than with ``model_dump`` because fingerprinting 31k instances is on
        the loader's hot path; ``test_canonical_json_matches_the_model_dump`` keeps it in step.
        """
        record: dict[str, Any] = {
            "domain": self.domain,
            "subdomain": self.subdomain,
            "id": self.id,
            "input": {"content": self.input.content, "modal": self.input.modal},
            "output": None
            if self.output is None
            else {"content": self.output.content, "modal": self.output.modal},
            "difficulty_level": self.difficulty_level,
            "extra": self.extra,
        }
        return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def normalise_difficulty(value: Any) -> int | None:
    """Return a difficulty as 1, 2 or 3 (``"2"``, ``"hard"`` accepted); ``None`` stays ``None``.

    Raises:
        ValueError: For anything else.
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _DIFFICULTY_NAMES:
            return _DIFFICULTY_NAMES[text]
        if text in {"1", "2", "3"}:
            return int(text)
    elif isinstance(value, int) and not isinstance(value, bool) and value in (1, 2, 3):
        return value
    raise ValueError(
        f"difficulty_level {str(value)[:40]!r} is not 1, 2 or 3 (or easy, medium, hard)"
    )


def _check_json(value: Any) -> None:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as error:
        raise ValueError(f"extra fields must hold plain JSON values ({error})") from None
