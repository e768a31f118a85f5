"""Data typed as text: ``Sales: Jan 12, Feb 15, Mar 9`` or ``Plot these values: 3, 5, 8``.

A data list is a run of two or more list items, each a ``label value`` pair (``Jan 12``,
``North $1,200``, ``B: 30%``) or a bare number (``-3.5``), separated by commas, semicolons,
``and`` or line breaks. A sentence end closes a list, so the last pair of a list that ends a
sentence (``..., Apr 20. Plot them``) is kept and the next sentence is not read into it. A
number inside prose (``refractive index 1.333 enters water``, ``a 3D model``, ``in 1969``) is
no list item, so a question's numbers are not taken for a data set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from unima.reasoners.heuristic.numbers import QUANTITY_PATTERN, parse_quantity
from unima.reasoners.heuristic.text_tools import STOPWORDS

# Sentence ends (a decimal point is followed by a digit, so it never ends one); line breaks and
# semicolons separate items but keep the list open.
SENTENCE_END = re.compile(r"(?<=[^\s.])[.!?](?=\s|$)")
ITEM_SEPARATOR = re.compile(r"\n|;|,(?!\d{3}(?!\d))|\s+and\s+|\s+&\s+|\t")
LABELLED_ITEM = re.compile(
    r"(?P<label>[A-Za-z][A-Za-z0-9'&/()\-]*(?:\s+[A-Za-z0-9'&/()\-]+){0,4}?|\d{4}(?=\s*[:=])"
    # a clock time: "6am 12", "3 pm 23"
    r"|\d{1,2}(?::\d{2})?\s?[AaPp]\.?[Mm]\.?)"
    # ": ", " = ", " - " or a space between them; "Q3 -4" is Q3 at minus four.
    r"(?:\s*[:=|]\s*|\s+[-\u2013]\s+|\s+)(?P<quantity>" + QUANTITY_PATTERN + ")"
)
LEADING_WORDS = re.compile(r"(?P<words>.*[A-Za-z].*?)\s+(?P<quantity>" + QUANTITY_PATTERN + ")")
DATA_NOUNS = re.compile(
    r"\b(values?|numbers?|data|dataset|scores?|measurements?|readings?|figures|sales|results|"
    r"counts?|prices?|amounts?|temperatures?|marks|grades)\b",
    re.IGNORECASE,
)
MAX_LABEL_CHARACTERS = 40
# "Average monthly rainfall: 12" is a list's name and its first value, not a label.
MAX_COLON_LABEL_WORDS = 2
# Verbs that join a list's name to its items ("sales were Jan 120, ..."): never in a label.
LINKING_VERBS = frozenset(
    "is are was were be been include includes included reached totalled totaled came".split()
)
REQUEST_VERBS = frozenset(
    "plot draw chart graph compute calculate find list sum average visualise visualize "
    "analyse analyze tabulate compare".split()
)


@dataclass(frozen=True)
class DataList:
    """A list of numbers typed in text.

    Attributes:
        labels: One label per value (``value 1``, ``value 2`` ... for bare numbers).
        values: The numbers, in the order written.
        labelled: Whether the items were ``label value`` pairs.
        introduced: Whether the text presents it as data (``Sales: ...``, ``these values 3, 5``).
        name: What the text calls the list (``Monthly sales``), or empty.
        unit: The unit every item shares (``%``, ``kg``), or empty.
    """

    labels: tuple[str, ...]
    values: tuple[float, ...]
    labelled: bool
    introduced: bool = False
    name: str = ""
    unit: str = ""


@dataclass(frozen=True)
class _Item:
    label: str | None
    value: float
    unit: str
    intro: str
    sentence: int


def data_list(text: str) -> DataList | None:
    """The longest data list in ``text``, or None when it holds no list of two or more items."""
    runs: list[list[_Item]] = []
    run: list[_Item] = []
    for sentence_number, sentence in enumerate(SENTENCE_END.split(text)):
        for segment in ITEM_SEPARATOR.split(sentence):
            if not segment.strip():
                continue  # ", and" leaves an empty piece between its separators
            item = _item(segment, sentence_number)
            if item is not None and run and item.sentence == run[-1].sentence and not item.intro:
                if (item.label is None) == (run[-1].label is None):
                    run.append(item)
                    continue
                if len(run) == 1 and item.label is None:
                    # "these values 3, 5, 8": the first item's words introduce a bare list.
                    first = run[0]
                    intro = f"{first.intro} {first.label}".strip()
                    run = [_Item(None, first.value, first.unit, intro, first.sentence), item]
                    continue
            if len(run) >= 2:
                runs.append(run)
            run = [item] if item is not None else []
    if len(run) >= 2:
        runs.append(run)
    if not runs:
        return None
    best = _split_opening_clause(max(runs, key=len))
    units = {item.unit for item in best}
    intro = best[0].intro.strip(" :-")
    labelled = best[0].label is not None
    return DataList(
        labels=tuple(
            item.label if item.label is not None else f"value {number}"
            for number, item in enumerate(best, 1)
        ),
        values=tuple(item.value for item in best),
        labelled=labelled,
        introduced=bool(intro)
        and (labelled or bool(DATA_NOUNS.search(intro)) or ":" in best[0].intro),
        name=intro if _is_name(intro) else "",
        unit=units.pop() if len(units) == 1 else "",
    )


def _split_opening_clause(run: list[_Item]) -> list[_Item]:
    """``Monthly sales were Jan 120, Feb 135``: the first label is ``Jan``; the words up to its
    last linking verb introduce the list, as a colon would (``Monthly sales: Jan 120``)."""
    first = run[0]
    words = first.label.split() if first.label is not None else []
    verbs = [index for index, word in enumerate(words) if word.lower() in LINKING_VERBS]
    if not verbs or verbs[-1] == len(words) - 1:
        return run
    named = " ".join(words[: verbs[-1]])
    intro = f"{first.intro} {named}:".strip() if named else first.intro or ":"
    label = " ".join(words[verbs[-1] + 1 :])
    return [_Item(label, first.value, first.unit, intro, first.sentence), *run[1:]]


def _is_name(text: str) -> bool:
    """``Monthly sales`` names a list; ``Plot these values`` asks for something."""
    tokens = text.lower().split()
    return 0 < len(tokens) <= 4 and not any(
        token in STOPWORDS or token in REQUEST_VERBS for token in tokens
    )


def _item(segment: str, sentence: int) -> _Item | None:
    """One list item: ``label value``, a bare number, either after an ``intro:``."""
    segment = " ".join(segment.split())
    intro = ""
    if ":" in segment:
        before, _, after = segment.rpartition(":")
        # "North: 12" and "... as a bar chart: North: 12" hold a label and its value: the words
        # just before the last colon are the label, anything before them introduces the list.
        opening, _, label = before.rpartition(":")
        label = label.strip()
        quantity = parse_quantity(after.strip())
        if (
            quantity is not None
            and label
            and len(label.split()) <= MAX_COLON_LABEL_WORDS
            and _is_label(label)
            and not re.fullmatch(r"\d{4}", label)
            and not set(label.lower().split()) & REQUEST_VERBS
        ):
            return _Item(
                label, quantity[0], quantity[1], f"{opening}:" if opening else "", sentence
            )
        if before and not re.fullmatch(r"\d{4}", before.strip()):
            intro, segment = before + ":", after.strip()
    quantity = parse_quantity(segment)
    if quantity is not None:
        return _Item(None, quantity[0], quantity[1], intro, sentence)
    match = LABELLED_ITEM.fullmatch(segment)
    if match is not None:
        label = match.group("label").strip()
        quantity = parse_quantity(match.group("quantity"))
        if quantity is not None and _is_label(label):
            return _Item(label, quantity[0], quantity[1], intro, sentence)
    # "What is the mean of 4": words that are no label lead into a list of bare numbers.
    match = LEADING_WORDS.fullmatch(segment)
    quantity = parse_quantity(match.group("quantity")) if match is not None else None
    if match is None or quantity is None:
        return None
    return _Item(
        None, quantity[0], quantity[1], f"{intro} {match.group('words')}".strip(), sentence
    )


def _is_label(label: str) -> bool:
    if len(label) > MAX_LABEL_CHARACTERS:
        return False
    # "A 45%" names a category; "a 3D model" is prose.
    if label.lower() in STOPWORDS and not re.fullmatch(r"[A-Z]", label):
        return False
    words = label.split()
    return len(words) == 1 or words[-1].lower() not in {
        "a",
        "an",
        "the",
        "of",
        "in",
        "at",
        "on",
        "to",
    }
