"""Choose a slice of UniM: filters, a seeded sample and a limit.

``select`` applies, in this order: the filters (each given filter must match, values within one
filter are alternatives), the seeded sample, then the limit. The result is sorted by key.

Modality filters match on *intersection*: ``input_modalities=("image", "audio")`` keeps every
instance whose request has an image or an audio file (or both). The modality sets come from the
``modal`` tags, so ``text`` matches only instances with ``text<n>`` entries.

The sample is deterministic for a seed and independent of input order: each instance is ranked
by ``sha256(seed, key)`` and the lowest ranks are kept. A sample of 10 is therefore contained in
the sample of 20 for the same seed, and adding instances elsewhere never reshuffles it.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from unima.bench.datasets.unim.instance import UnimInstance, normalise_difficulty
from unima.bench.datasets.unim.names import (
    TAG_MODALITIES,
    normalise_domain,
    normalise_field,
    normalise_subdomain,
)
from unima.bench.records import InstanceKey
from unima.errors import InputError

_MODALITY_ALIASES = {"3d": "threeD", "threed": "threeD", "doc": "document", "img": "image"}


def key_sort_key(key: InstanceKey) -> tuple[str, str, tuple[int, int, str]]:
    """Sort key of an instance key: ids in numeric order when they are numbers (2 before 10)."""
    domain, subdomain, identifier = key
    if identifier.isdigit():
        return (domain, subdomain, (0, int(identifier), identifier))
    return (domain, subdomain, (1, 0, identifier))


def instance_sort_key(instance: UnimInstance) -> tuple[str, str, tuple[int, int, str]]:
    """``key_sort_key`` of an instance."""
    return key_sort_key(instance.key)


def select(
    instances: Iterable[UnimInstance],
    *,
    fields: Sequence[str] = (),
    domains: Sequence[str] = (),
    subdomains: Sequence[str] = (),
    difficulties: Sequence[int | str] = (),
    input_modalities: Sequence[str] = (),
    output_modalities: Sequence[str] = (),
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
) -> list[UnimInstance]:
    """Return the instances that pass every given filter, sampled and limited, sorted by key.

    Args:
        instances: Loaded instances (any order).
        fields: UniM fields (``natural_science``, ``social_science``, ``general_domain``; the
            aliases ``general_area``, ``NS``, ``SS``, ``GA`` are accepted).
        domains: ``domain`` values (in UniM these are the fields, normalised the same way).
        subdomains: Subdomains (``math``, ``1_math`` and ``Earth Science`` spellings accepted).
        difficulties: 1, 2, 3 or ``easy``, ``medium``, ``hard``.
        input_modalities: Keep instances whose request uses any of these modalities.
        output_modalities: Keep instances whose reference answer uses any of these.
        limit: Keep at most this many (the first ones by key, after sampling).
        sample: Keep this many chosen by ``seed`` (all of them when fewer match).
        seed: The sampling seed.

    Raises:
        InputError: For an unknown field, difficulty or modality, a domain or subdomain that no
            given instance has (a likely typo; the message suggests close names), or a negative
            ``limit`` or ``sample``.
    """
    pool = sorted(instances, key=instance_sort_key)
    wanted_fields = _values(fields, normalise_field, "field")
    wanted_domains = _values(domains, normalise_domain, "domain")
    wanted_subdomains = _values(subdomains, normalise_subdomain, "subdomain")
    wanted_difficulties = _values(difficulties, normalise_difficulty, "difficulty")
    wanted_inputs = _values(input_modalities, _normalise_modality, "input modality")
    wanted_outputs = _values(output_modalities, _normalise_modality, "output modality")
    _require_known(wanted_domains, {item.domain for item in pool}, "domain")
    _require_known(wanted_subdomains, {item.subdomain for item in pool}, "subdomain")
    for name, count in (("limit", limit), ("sample", sample)):
        if count is not None and (
            isinstance(count, bool) or not isinstance(count, int) or count < 0
        ):
            raise InputError(f"{name} must be a whole number of instances >= 0, got {count!r}")

    def keep(item: UnimInstance) -> bool:
        return (
            (not wanted_fields or item.field in wanted_fields)
            and (not wanted_domains or item.domain in wanted_domains)
            and (not wanted_subdomains or item.subdomain in wanted_subdomains)
            and (not wanted_difficulties or item.difficulty_level in wanted_difficulties)
            and (not wanted_inputs or bool(item.input_modalities & wanted_inputs))
            and (not wanted_outputs or bool(item.output_modalities & wanted_outputs))
        )

    chosen = [item for item in pool if keep(item)]
    if sample is not None and sample < len(chosen):
        ranked = sorted(chosen, key=lambda item: _sample_rank(seed, item.key))
        chosen = sorted(ranked[:sample], key=instance_sort_key)
    if limit is not None:
        chosen = chosen[:limit]
    return chosen


def _sample_rank(seed: int, key: InstanceKey) -> bytes:
    text = "\x00".join((str(seed), *key))
    return hashlib.sha256(text.encode("utf-8")).digest()


def _normalise_modality(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"modality must be a string, got {type(value).__name__}")
    text = value.strip()
    name = _MODALITY_ALIASES.get(text.lower(), text)
    lowered = {modality.lower(): modality for modality in TAG_MODALITIES}
    if name.lower() not in lowered:
        raise ValueError(f"unknown modality {value!r}; expected one of {', '.join(TAG_MODALITIES)}")
    return lowered[name.lower()]


def _values(values: Sequence[object], normalise: Callable[[object], object], what: str) -> set[Any]:
    if isinstance(values, (str, int)):
        values = (values,)  # a single value where a sequence was expected
    result: set[Any] = set()
    for value in values:
        try:
            result.add(normalise(value))
        except ValueError as error:
            raise InputError(f"bad {what} filter: {error}", source=repr(value)) from None
    return result


def _require_known(wanted: set[Any], known: set[Any], what: str) -> None:
    for name in sorted(wanted - known):
        close = difflib.get_close_matches(name, sorted(known), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InputError(f"no instance has {what} {name!r}{hint}", source=name)
