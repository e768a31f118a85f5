"""Read the output spec a request states in its own words: which media, how many of each.

"Your answer must include 1 image and 1 audio clip", "Ensure that your response includes both an
<audio1> and an <image1>", "no video, text only": the parser is deterministic and token based,
with no model. A noun phrase counts only inside a request frame (after "include", "provide",
"respond with" ..., or before "... is required"); phrases about the inputs ("the diagram <image1>
shows", "Listen to <audio1>", "using the table in <document1>") are not requests.

Readings worth knowing (each is noted in the spec when it happens):

- a range reads as its larger bound ("one or two images" -> 2, "2-3 charts" -> 3);
- "several", "a few", "many" read as 3; "some", "multiple" and a bare plural ("include
  diagrams") as 2;
- "X or Y" counts X only; a video's narration and a document's charts ("a video with
  narration", "a PDF report with two charts") belong to that video or document;
- an excluded modality ("no images", "without audio", "text only") is kept in ``counts`` with
  count 0; when the same request also asks for it, the explicit request wins, with a note;
- counts over ``max_per_modality`` and totals over ``max_total`` are capped, with a note;
- "the diagram" after "a diagram" is the same item; "clip" alone names no modality; "a timeline"
  and "an image caption" are text.

Each requested item's kind and subject ("a bar chart", "a picture of the plated dish", "a 3D
model of a raindrop") go to ``OutputSpec.wanted``, so reasoners make what was asked for.

Modules: ``tokens`` (sentences, tokens), ``vocabulary`` (media words), ``grammar``
(quantities, request frames, negation), ``phrases`` (one noun phrase), ``reader`` (the
sentence walk), ``wanted`` (each item's kind and subject), ``inference`` (the spec when none
is stated).
"""

from __future__ import annotations

from collections.abc import Sequence

from unima.errors import ConfigError, InputError
from unima.spec import vocabulary as vocabulary
from unima.spec.inference import infer_output_spec, shown_object
from unima.spec.phrases import Mention
from unima.spec.reader import SpecReader
from unima.spec.wanted import LISTED_READING, enumerated_subjects, wanted_outputs
from unima.types import MEDIA_MODALITIES, OutputSpec, WantedOutput, tag_modality

__all__ = ["first_output_index", "infer_output_spec", "output_spec_for", "parse_output_spec"]


def parse_output_spec(
    text: str,
    *,
    input_tags: Sequence[str] = (),
    max_per_modality: int = 5,
    max_total: int = 12,
) -> OutputSpec | None:
    """The output spec that ``text`` states, or None when it states nothing about its media.

    Args:
        text: the request text, with input placeholders such as ``<image1>``.
        input_tags: the request's input tags (``image1``); placeholders naming them are inputs,
            and placeholders the answer must carry are numbered after them.
        max_per_modality: the most items of one modality; larger requests are capped.
        max_total: the most media items in all; larger requests are capped.

    Returns:
        An ``OutputSpec`` with ``stated=True``, or None.

    Raises:
        InputError: ``text`` is not a string or an input tag is not a placeholder tag.
        ConfigError: a limit is below 1.
    """
    if not isinstance(text, str):
        raise InputError(f"the request text must be a string, got {type(text).__name__}")
    for name, limit in (("max_per_modality", max_per_modality), ("max_total", max_total)):
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ConfigError(f"{name} must be an integer of at least 1, got {limit!r}")
    tags = _clean_tags(input_tags)
    reader = SpecReader(text, frozenset(tags))
    reader.read()
    if not reader.accepted and not reader.text_only:
        return None
    return _build(reader, tags, max_per_modality, max_total)


def output_spec_for(
    text: str,
    *,
    input_tags: Sequence[str] = (),
    input_modalities: Sequence[str] = (),
    max_per_modality: int = 5,
    max_total: int = 12,
) -> OutputSpec:
    """The spec ``text`` states, or else a sensible inferred one.

    When the request only excludes some media ("no video"), the inferred spec fills in the
    rest and keeps the exclusions; it is then ``stated=False``.
    """
    tags = _clean_tags(input_tags)
    parsed = parse_output_spec(
        text, input_tags=tags, max_per_modality=max_per_modality, max_total=max_total
    )
    if parsed is not None and (parsed.total() > 0 or len(parsed.counts) == len(MEDIA_MODALITIES)):
        shown = shown_object(text)
        if not shown or "image" in parsed.counts:
            return parsed
        # "Show me a plated dish and a narrated clip": the clip is stated, the dish is a picture.
        return parsed.model_copy(
            update={
                "counts": {"image": 1, **parsed.counts},
                "evidence": (
                    f"inferred image x1: a thing to be seen is shown in a picture ({shown!r})",
                    *parsed.evidence,
                ),
                "wanted": (
                    WantedOutput(modality="image", kind="illustration", subject=shown),
                    *parsed.wanted,
                ),
            }
        )
    modalities = [*input_modalities, *(tag_modality(tag) for tag in tags)]
    inferred = infer_output_spec(text, input_modalities=modalities)
    counts, evidence, notes = dict(inferred.counts), inferred.evidence, list(inferred.notes)
    wanted = inferred.wanted
    if parsed is not None:  # keep the exclusions the request did state
        excluded = set(parsed.counts)
        counts = {modality: count for modality, count in counts.items() if modality not in excluded}
        counts.update(parsed.counts)
        kept = tuple(line for line in evidence if not any(f" {m} " in line for m in excluded))
        evidence, notes = parsed.evidence + kept, [*parsed.notes, *notes]
        wanted = tuple(item for item in wanted if item.modality not in excluded)
    _cap(counts, max_per_modality, max_total, notes)
    return OutputSpec(
        counts=counts, stated=False, evidence=evidence, notes=tuple(notes), wanted=wanted
    )


def first_output_index(input_tags: Sequence[str]) -> dict[str, int]:
    """The first output number per media modality: UniM numbers outputs after the inputs.

    An input ``image1`` makes the first output image ``image2``; a modality with no input
    starts at 1.
    """
    first = dict.fromkeys(MEDIA_MODALITIES, 1)
    for tag in _clean_tags(input_tags):
        modality = tag_modality(tag)
        first[modality] = max(first[modality], int(tag[len(modality) :]) + 1)
    return first


def _clean_tags(input_tags: Sequence[str]) -> list[str]:
    if isinstance(input_tags, str):
        raise InputError(f"input_tags must be a sequence of tags, not the string {input_tags!r}")
    cleaned = []
    for tag in input_tags:
        bare = tag.strip().strip("<>") if isinstance(tag, str) else tag
        try:
            tag_modality(bare)
        except (ValueError, TypeError):
            raise InputError(
                f"input tag {tag!r} is not a placeholder tag; use a modality and a number, "
                "such as 'image1' or 'threeD2'"
            ) from None
        cleaned.append(bare)
    return cleaned


def _build(
    reader: SpecReader, input_tags: list[str], max_per_modality: int, max_total: int
) -> OutputSpec:
    positive: dict[str, int] = {}
    first_request: dict[str, str] = {}
    excluded: dict[str, str] = {}
    named: dict[str, list[str]] = {}
    evidence: list[str] = []
    notes: list[str] = list(reader.notes)
    order: list[str] = []
    for mention in reader.accepted:
        phrase = reader.phrase(mention)
        listed = enumerated_subjects(reader, mention)
        if listed:  # "3D models of a rocket, a snowman and a car": one per item named
            mention.count = len(listed)
            mention.reading = LISTED_READING
        targets = (
            MEDIA_MODALITIES if mention.modality == vocabulary.ALL_MEDIA else (mention.modality,)
        )
        if mention.negative or mention.count == 0:
            order.extend(targets)
            label = "media" if mention.modality == vocabulary.ALL_MEDIA else mention.modality
            context = f" after {mention.negated_by!r}" if mention.negated_by else ""
            evidence.append(f"{phrase!r}{context} -> no {label}")
            phrase = f"{mention.negated_by} {phrase}" if mention.negated_by else phrase
            for modality in targets:
                excluded[modality] = excluded.get(modality, phrase)
            continue
        if mention.modality == vocabulary.ALL_MEDIA:  # "an attachment" names no modality to make
            continue
        _count_mention(mention, phrase, positive, first_request, named, evidence, notes)
        order.append(mention.modality)
    for phrase in reader.text_only:
        for modality in MEDIA_MODALITIES:
            excluded.setdefault(modality, phrase)
            order.append(modality)
        evidence.append(f"{phrase!r} -> text only, no media")
    for modality in positive:
        if modality in excluded:
            notes.append(
                f"contradiction: {excluded[modality]!r} excludes {modality} but "
                f"{first_request[modality]!r} asks for it; kept the explicit request "
                f"({positive[modality]} {modality})"
            )
    counts = {modality: positive.get(modality, 0) for modality in dict.fromkeys(order)}
    _cap(counts, max_per_modality, max_total, notes)
    explicit = _explicit_tags(counts, named, input_tags, notes) if named else ()
    return OutputSpec(
        counts=counts,
        stated=True,
        evidence=tuple(evidence),
        notes=tuple(notes),
        explicit_tags=explicit,
        wanted=tuple(item for item in wanted_outputs(reader) if counts.get(item.modality, 0) > 0),
    )


def _count_mention(
    mention: Mention,
    phrase: str,
    positive: dict[str, int],
    first_request: dict[str, str],
    named: dict[str, list[str]],
    evidence: list[str],
    notes: list[str],
) -> None:
    modality = mention.modality
    positive[modality] = positive.get(modality, 0) + mention.count
    first_request.setdefault(modality, phrase)
    evidence.append(f"{phrase!r} -> {modality} x{mention.count}")
    if mention.reading:
        notes.append(f"{phrase!r} read as {mention.count} {modality} ({mention.reading})")
    if mention.tags:
        named.setdefault(modality, []).extend(mention.tags)


def _cap(counts: dict[str, int], max_per_modality: int, max_total: int, notes: list[str]) -> None:
    for modality, count in counts.items():
        if count > max_per_modality:
            notes.append(
                f"{count} {modality} requested; capped at {max_per_modality} (max_per_modality)"
            )
            counts[modality] = max_per_modality
    total = sum(counts.values())
    if total <= max_total:
        return
    before = dict(counts)
    ranked = list(counts)
    while sum(counts.values()) > max_total:
        # Trim the largest count; among equals, the one requested last.
        largest = max(ranked, key=lambda modality: (counts[modality], ranked.index(modality)))
        counts[largest] -= 1
    changes = ", ".join(
        f"{modality} {before[modality]}->{counts[modality]}"
        for modality in counts
        if before[modality] != counts[modality]
    )
    notes.append(
        f"{total} media items requested in all; capped at {max_total} (max_total): {changes}"
    )
    for modality in [modality for modality in counts if before[modality] and not counts[modality]]:
        del counts[modality]  # trimmed away, not excluded: a 0 count means "none allowed"


def _explicit_tags(
    counts: dict[str, int], named: dict[str, list[str]], input_tags: list[str], notes: list[str]
) -> tuple[str, ...]:
    """The named output tags, completed so that every counted item has one."""
    first = first_output_index(input_tags)
    tags: list[str] = []
    for modality, count in counts.items():
        given = list(dict.fromkeys(named.get(modality, ())))
        if len(given) > count:
            notes.append(f"dropped {', '.join(given[count:])}: over the {count} {modality} kept")
            given = given[:count]
        used = {int(tag[len(modality) :]) for tag in given}
        number = max(first[modality], max(used, default=0) + 1)
        added: list[str] = []
        while len(given) + len(added) < count:
            added.append(f"{modality}{number}")
            number += 1
        if added and given:
            notes.append(f"numbered {', '.join(added)} after the named {', '.join(given)}")
        tags.extend(given + added)
    return tuple(tags)
