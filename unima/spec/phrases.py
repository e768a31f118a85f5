"""Noun phrases for the output-spec reader.

``noun_phrase`` reads one phrase such as "a pair of narrated audio clips", "the corrected code",
"an <audio1>" or "labelled diagrams" starting at a token, and says which media modality it
names and how many items it asks for. Tokens come as two parallel lists, ``words`` (lower case)
and ``kinds`` ("word", "number", "tag", "punct"), from ``unima.spec.tokens``. Whether the phrase is a request is the reader's business
(``unima.spec.reader``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from unima.spec import grammar as grammar
from unima.spec import vocabulary as vocabulary
from unima.types import tag_modality


@dataclass
class Mention:
    """A noun phrase naming media: ``count`` items of ``modality`` (0 when excluded)."""

    modality: str
    count: int
    start: int  # token index of the first word
    end: int  # token index after the last word
    definite: bool = False
    negative: bool = False
    reading: str = ""  # how a vague or ranged quantity was read
    negated_by: str = ""  # the words that excluded it ("without", "do not")
    tags: list[str] = field(default_factory=list)


class Quantity(NamedTuple):
    value: int | None  # None: a definite article with no number ("the images")
    after: int
    definite: bool = False
    numbered: bool = False
    reading: str = ""


class Head(NamedTuple):
    modality: str | None
    after: int
    plural: bool = False
    reference: bool = False
    tag: str | None = None


# Words that end a noun phrase before its head is found.
_STOPS = (
    grammar.COORDINATORS
    | grammar.BLOCKERS
    | grammar.SUBORDINATORS
    | grammar.NEGATORS
    | grammar.CONTRAST
    | grammar.DESCRIBING_VERBS
    | grammar.MODAL_WORDS
    | grammar.DEFINITE
    | grammar.ATTACHING
    | frozenset({"a", "an", "as", "please", "it", "them", "me", "us"})
)
# After these, a word that could be a noun is a verb instead ("Plot the data", "sketch it").
_VERB_OBJECTS = grammar.DEFINITE | frozenset(
    {"a", "an", "it", "them", "me", "us", "out", "up", "how"}
)
_VERSION_WORDS = frozenset({"version", "copy", "edition", "variant", "rendition"})
_NUMBER_CHOICE = frozenset({"exactly", "precisely", "just", "only"})
_UNITS = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_ONES = {word: value for word, value in grammar.NUMBER_WORDS.items() if 1 <= value <= 9}
_RANGE_READING = "a range reads as its larger bound"
PLURAL_READING = "a plural with no number is read as"


def is_participle(word: str) -> bool:
    """A word ending in -ing that starts a description ("showing", "summarising")."""
    return len(word) > 4 and word.endswith("ing") and word not in grammar.ING_NOUNS


def term_at(words: list[str], index: int, end: int) -> tuple[vocabulary.Term, int] | None:
    """The longest vocabulary term starting at ``index`` and its length in words."""
    if words[index] not in vocabulary.TERM_STARTS:
        return None
    for length in range(min(vocabulary.MAX_TERM_WORDS, end - index), 0, -1):
        term = vocabulary.TERMS.get(tuple(words[index : index + length]))
        if term is not None:
            return term, length
    return None


def read_number(words: list[str], kinds: list[str], index: int, end: int) -> tuple[int, int] | None:
    """A number in digits or words ("12", "1,000", "twenty-one") and the index after it."""
    if index >= end:
        return None
    word = words[index]
    if kinds[index] == "number":
        return max(0, round(float(word.replace(",", "")))), index + 1
    value = grammar.NUMBER_WORDS.get(word)
    if value is None:
        return None
    after = index + 1
    if word in grammar.TENS and after < end and words[after] in _ONES:
        value += _ONES[words[after]]
        after += 1
    if after < end and words[after] in _UNITS and word not in _UNITS:
        value *= _UNITS[words[after]]
        after += 1
    return value, after


def read_quantity(words: list[str], kinds: list[str], index: int, end: int) -> Quantity | None:
    """The quantity opening a noun phrase at ``index``, if one does."""
    position, shift, prefixed, needs_number = index, 0, False, False
    for length in (3, 2, 1) if words[index] in grammar.PREFIX_STARTS else ():
        key = tuple(words[index : index + length])
        if key in grammar.QUANTITY_PREFIXES and index + length < end:
            position, shift, prefixed = index + length, grammar.QUANTITY_PREFIXES[key], True
            needs_number = key[0] not in _NUMBER_CHOICE
            break
    if position >= end:
        return None
    if words[position] in grammar.DEFINITE and not prefixed:
        number = read_number(words, kinds, position + 1, end)
        if number is not None:
            return Quantity(number[0], number[1], definite=True, numbered=True)
        return Quantity(None, position + 1, definite=True)
    if words[position] == "between":
        low = read_number(words, kinds, position + 1, end)
        high = (
            read_number(words, kinds, low[1] + 1, end)
            if low and low[1] < end and words[low[1]] == "and"
            else None
        )
        if low is not None and high is not None:
            return Quantity(max(low[0], high[0]), high[1], numbered=True, reading=_RANGE_READING)
        return None
    number = read_number(words, kinds, position, end)
    if number is not None:
        value, after = number
        if after + 1 < end and words[after] == "or" and words[after + 1] == "more":
            return Quantity(
                value, after + 2, numbered=True, reading=f"'{value} or more' reads as {value}"
            )
        if after < end and words[after] in ("or", "to"):
            upper = read_number(words, kinds, after + 1, end)
            if upper is not None:
                return Quantity(
                    max(value, upper[0]), upper[1], numbered=True, reading=_RANGE_READING
                )
        return Quantity(max(0, value + shift), after, numbered=True)
    if needs_number:
        return None
    for length in (3, 2, 1) if words[position] in grammar.PHRASE_STARTS else ():
        key = tuple(words[position : position + length])
        entry = grammar.QUANTITY_PHRASES.get(key)
        if entry is None or position + length > end:
            continue
        count, kind = entry
        after = position + length
        if key == ("both",) and after < end and words[after] in ("a", "an", "one", "the"):
            return None  # "both an X and a Y": each phrase has its own quantity
        if kind == "vague":
            number = read_number(words, kinds, after, end)  # "a set of three"
            if number is not None:
                return Quantity(number[0], number[1], numbered=True)
            return Quantity(count, after, reading=f"{' '.join(key)!r} is read as {count}")
        return Quantity(count, after)
    return None


def read_head(words: list[str], kinds: list[str], index: int, end: int) -> Head:
    """The modality of the noun phrase whose words start at ``index`` (after its quantity)."""
    items: list[tuple[int, vocabulary.Term, int]] = []
    reference = has_noun = False
    position = index
    while position < end and position - index < 8:
        word, kind = words[position], kinds[position]
        if kind == "tag":
            if not items:
                return Head(tag_modality(word), position + 1, tag=word, reference=reference)
            break
        if kind == "number" or word in grammar.NUMBER_WORDS:
            # "a narrated 10-second clip": a length inside the phrase, not a new quantity.
            duration = position + 1 < end and words[position + 1] in DURATION_UNITS
            if items and not duration:
                break
            position += 2 if duration else 1
            continue
        if kind == "punct":
            # "a short, clear diagram": a comma between adjectives.
            if (
                word == ","
                and not items
                and position > index
                and position + 1 < end
                and words[position + 1] not in _STOPS
            ):
                position += 1
                continue
            break
        found = term_at(words, position, end)
        if found is not None:
            items.append((position, *found))
            has_noun = has_noun or found[0].noun
            position += found[1]
            continue
        if has_noun:
            if word in vocabulary.TEXT_HEADS:
                return Head(None, position + 1)  # "an image caption" is text
            break
        verb_use = (
            word in grammar.TRIGGER_VERBS
            and position + 1 < end
            and words[position + 1] in _VERB_OBJECTS
        )
        if word in _STOPS or is_participle(word) or verb_use:
            break
        reference = reference or word in grammar.REFERENCE_ADJECTIVES
        position += 1
    return _modality_of(items, words, position, end, reference)


DURATION_UNITS = frozenset({"second", "seconds", "sec", "minute", "minutes", "min", "hour"})
# Modifiers that, on a bare "clip", mean a voice over moving pictures rather than sound alone.
NARRATED_PICTURES = frozenset({"narrated"})


def _modality_of(
    items: list[tuple[int, vocabulary.Term, int]],
    words: list[str],
    after: int,
    end: int,
    reference: bool,
) -> Head:
    nouns = [number for number, (_, term, _) in enumerate(items) if term.noun]
    if not nouns:
        standalone = [term for _, term, _ in items if term.standalone]
        return Head(standalone[-1].modality if standalone else None, after, reference=reference)
    head_position, head, head_length = items[nouns[-1]]
    head_word = words[head_position + head_length - 1]
    lending = next(
        (
            (position, term)
            for position, term, _ in reversed(items[: nouns[-1]])
            if term.lends and term.modality is not None
        ),
        None,
    )
    lender = lending[1] if lending is not None else None
    modality = head.modality
    if modality is None or head.overridable:
        modality = lender.modality if lender is not None else modality
    if (
        head_word in ("clip", "clips")
        and head.modality is None
        and lending is not None
        and words[lending[0]] in NARRATED_PICTURES
    ):
        # "a narrated 10-second clip" is pictures with a voice over them: a video ("a narrated
        # audio clip" has its own head, "audio clip").
        modality = "video"
    if (
        head_word in ("script", "scripts")
        and lender is not None
        and lender.modality in ("audio", "video")
    ):
        modality = None  # a narration script is text
    if head_word in ("function", "functions") and after < end and words[after] == "of":
        modality = None  # "a function of time" is mathematics
    return Head(modality, after, plural=head.plural, reference=reference)


def noun_phrase(
    words: list[str],
    kinds: list[str],
    input_tags: frozenset[str],
    index: int,
    start: int,
    end: int,
) -> tuple[Mention | None, int] | None:
    """Read a noun phrase at ``index``.

    Returns None when no phrase starts there; otherwise the mention (None when the phrase names
    no media or points at an input) and the token index after the phrase.
    """
    quantity = read_quantity(words, kinds, index, end)
    first = index
    if quantity is None:
        if term_at(words, index, end) is None:
            return None
        first = _bare_start(words, kinds, index, start)
        if first < 0:
            return None
        head = _version_of(words, kinds, read_head(words, kinds, index, end), end)
        if head.modality is None or (
            head.after < end
            and (words[head.after] in _VERB_OBJECTS or kinds[head.after] in ("tag", "number"))
        ):
            return None  # "Plot the data", "Answer with ...": a verb, not a noun
    else:
        head = _version_of(words, kinds, read_head(words, kinds, quantity.after, end), end)
    if head.modality is None or head.reference:
        return None, max(head.after, index + 1)
    tags, after = _appositive_tags(words, kinds, head, end)
    definite = quantity is not None and quantity.definite
    if any(tag in input_tags for tag in tags) or (
        definite and (tags or head.tag) and not input_tags
    ):
        return None, after  # "the diagram <image1>": the input itself
    if head.tag is not None and head.tag in input_tags:
        return None, after
    if (
        definite
        and after + 1 < end
        and words[after] in ("in", "from", "on", "of", "at")
        and kinds[after + 1] == "tag"
    ):
        return None, after  # "the chart in <image1>"
    count, reading = _count(quantity, head)
    tags = [head.tag] if head.tag is not None else tags
    mention = Mention(
        head.modality, max(count, len(tags)), first, after, definite, reading=reading, tags=tags
    )
    return mention, after


def _version_of(words: list[str], kinds: list[str], head: Head, end: int) -> Head:
    """ "The corrected version of <code1>" is a new item of the input's modality."""
    after = head.after
    if (
        head.modality is None
        and words[after - 1] in _VERSION_WORDS
        and after + 1 < end
        and words[after] == "of"
        and kinds[after + 1] == "tag"
    ):
        return Head(tag_modality(words[after + 1]), after + 2)
    return head


def _count(quantity: Quantity | None, head: Head) -> tuple[int, str]:
    if quantity is None or quantity.value is None:
        if head.plural:
            return (
                grammar.VAGUE_SOME,
                f"{PLURAL_READING} {grammar.VAGUE_SOME}",
            )
        return 1, ""
    if quantity.definite and quantity.numbered and not head.plural:
        return 1, ""  # "the 2023 report": a year, not a count
    if quantity.value == grammar.VAGUE_SOME and not head.plural and quantity.reading:
        return 1, ""  # "some audio"
    return quantity.value, quantity.reading


def _bare_start(words: list[str], kinds: list[str], index: int, start: int) -> int:
    """Where a phrase with no quantity starts ("annotated diagrams"), or -1 if it is not one."""
    position = index
    for _ in range(4):
        if position == start:
            return position
        previous = words[position - 1]
        plain = (
            kinds[position - 1] == "word"
            and previous not in _STOPS
            and previous not in grammar.TRIGGER_VERBS
            and previous not in grammar.FRAME_VERBS
            and term_at(words, position - 1, index) is None
            and not is_participle(previous)
        )
        if not plain:
            return position
        position -= 1
    return -1


def _appositive_tags(
    words: list[str], kinds: list[str], head: Head, end: int
) -> tuple[list[str], int]:
    """Placeholders naming the phrase's items: "two images (<image2>, <image3>)"."""
    position = head.after
    if head.tag is not None or head.modality is None:
        return [], position
    if position < end and words[position] in ("(", ":") and position + 1 < end:
        position += 1
    tags: list[str] = []
    after = head.after
    while position < end:
        word = words[position]
        if kinds[position] == "tag" and tag_modality(word) == head.modality:
            tags.append(word)
            position += 1
            after = position
        elif tags and word in (",", "and"):
            position += 1
        else:
            break
    if tags and after < end and words[after] == ")":
        after += 1
    return tags, after
