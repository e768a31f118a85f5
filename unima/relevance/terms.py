"""Key terms of a text, compared by stem: what "shares the answer's words" means.

Two texts share a term when a content word of one and a content word of the other have the
same stem ("refracts", "refracted" and "refraction" are one term). Function words, the words a
request uses to frame itself ("explain", "the user wants", "a diagram of") and the words that
describe files rather than subjects ("seconds", "pixels", "wav") are not key terms: a label or a
narration made of them says nothing about the answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from unima.modalities import PLACEHOLDER_PATTERN, PROGRAM_OUTPUT_OPENING

WORD_PATTERN = re.compile(r"[A-Za-z][A-Za-z'\-]*")
# Words shorter than this are mostly function words and abbreviations; they are not terms.
MINIMUM_TERM_LETTERS = 3
# The shortest stem a suffix may leave: "sales" -> "sal", never "s".
MINIMUM_STEM_LETTERS = 3

FUNCTION_WORDS = frozenset(
    """a about above after again against all almost along already also although always am among
    an and another any anything are around as at away be because become becomes been before
    behind being below beneath between beyond both but by can cannot could did do does doing done
    down during each either else enough even ever every few for from further get gets got had has
    have having he her here hers herself him himself his how however i if in inside instead into
    is it its itself just less like made many may me might more most much must my near neither no
    nor not now of off often on once one only onto or other others otherwise our ours out outside
    over own per perhaps rather same several shall she should since so some something such than
    that the their theirs them themselves then there therefore these they thing things this those
    though through throughout thus to together too toward towards under until up upon us very via
    was we well were what whatever when where whether which while who whom whose why will with
    within without would yet you your yours yourself two three four five six seven eight nine ten
    first second third next last each""".split()
)
# Words about the request, the answer and its media: they frame a subject, they are not one.
FRAMING_WORDS = frozenset(
    """answer answers answered answering question questions request requests requested user users
    want wants wanted ask asks asked please explain explains explained explaining explanation
    describe describes described description show shows shown showing illustrate illustrates
    include includes including included provide provides give gives make makes create creates
    generate generates produce produces write writes ensure tell help need needs let use using
    used based following given attached attach input inputs output outputs item items
    image images picture pictures photo photos diagram diagrams chart charts graph graphs plot
    plots flowchart flowcharts illustration illustrations timeline timelines figure figures
    audio narration narrations narrate narrated narrator voice speech spoken clip clips video
    videos document documents report reports code program programs script file files model models
    mesh label labels labelled labeled key term terms word words short brief overview note notes
    step steps section sections table tables""".split()
)
# Facts about a file rather than its content: a narration made of these reads file metadata.
METADATA_WORDS = frozenset(
    """second seconds sec duration long length byte bytes kilobyte kilobytes megabyte megabytes kb
    mb kib mib pixel pixels px width height wide tall size resolution format mime png jpg jpeg gif
    wav mp3 mp4 ogg flac pdf docx csv glb obj ply stl sample samples rate hz khz fps frame frames
    codec channel channels mono stereo bit bits bitrate sha hash vertex vertices face faces
    extension extensions column columns row rows encoding utf""".split()
)
# A sentence with one of these speaks of the exchange ("the user wants ...", "this question
# cannot be answered ...") rather than of the subject.
EXCHANGE_WORDS = frozenset(
    "question questions request requests answer answers answered user users ask asks asked".split()
)
# A parenthesised whole sentence ("(Answered offline, without a model.)") is a side note about
# the answer, and a "Note: ..." paragraph is a remark on the request, not the answer's substance.
SIDE_NOTE_PATTERN = re.compile(r"\(\s*[A-Z][^()]*[.!?]\s*\)")
NOTE_PARAGRAPH_PATTERN = re.compile(r"(?im)^\s*note:.*$")
PROGRAM_OUTPUT_PATTERN = re.compile(re.escape(PROGRAM_OUTPUT_OPENING) + r"[^\n]*")
# Suffixes stripped to find a stem, longest first; a crude, consistent stemmer is enough
# because both sides of every comparison are stemmed the same way.
SUFFIXES = (
    "ational", "ations", "ation", "itions", "ition", "ments", "ment", "ness", "ings", "ing",
    "ions", "ion", "ies", "ied", "ers", "er", "es", "ed", "ly", "s",
)  # fmt: skip
REPLACEMENTS = {"ies": "y", "ied": "y"}


def stem(word: str) -> str:
    """The stem of one word: lower case, possessive and one suffix stripped, final 'e' dropped."""
    word = word.lower().strip("'-")
    if word.endswith("'s"):
        word = word[:-2]
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MINIMUM_STEM_LETTERS:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                continue  # "glass", "virus", "analysis" are not plurals
            word = word[: -len(suffix)] + REPLACEMENTS.get(suffix, "")
            break
    # "scattering" -> "scatter" -> "scatt", as "scatter" and "scatters" stem.
    if word.endswith("er") and len(word) - 2 >= MINIMUM_STEM_LETTERS:
        word = word[:-2]
    if word.endswith("e") and len(word) > MINIMUM_STEM_LETTERS:
        word = word[:-1]
    return word


def key_terms(text: str, *, exclude: Iterable[str] = ()) -> dict[str, str]:
    """The key terms of ``text``: stem -> the first word seen with that stem, in text order.

    Placeholders (``<image1>``), function words, framing words and ``exclude`` are left out.
    """
    skipped = FUNCTION_WORDS | FRAMING_WORDS | frozenset(exclude)
    terms: dict[str, str] = {}
    for word in WORD_PATTERN.findall(PLACEHOLDER_PATTERN.sub(" ", text)):
        lower = _plain(word)
        if len(lower) < MINIMUM_TERM_LETTERS or lower in skipped:
            continue
        terms.setdefault(stem(lower), lower)
    return terms


def _plain(word: str) -> str:
    """``word`` in lower case without quotes, hyphens or a possessive ("request's" -> "request")."""
    lower = word.lower().strip("'-")
    return lower[:-2] if lower.endswith("'s") else lower


def speaks_of_the_exchange(sentence: str) -> bool:
    """Whether ``sentence`` talks about the question, the answer or the user, not the subject."""
    return any(_plain(word) in EXCHANGE_WORDS for word in WORD_PATTERN.findall(sentence))


def answer_substance(answer: str) -> str:
    """The answer without its side notes (parenthesised sentences and "Note:" paragraphs) and
    without what its programs printed (evidence shown to the reader, not the answer's words)."""
    answer = PROGRAM_OUTPUT_PATTERN.sub(" ", answer)
    return NOTE_PARAGRAPH_PATTERN.sub(" ", SIDE_NOTE_PATTERN.sub(" ", answer))


def metadata_share(text: str) -> float:
    """The share of the words of ``text`` (past the function words) that describe a file."""
    words = [
        word.lower()
        for word in WORD_PATTERN.findall(text)
        if word.lower() not in FUNCTION_WORDS and len(word) >= 2
    ]
    if not words:
        return 0.0
    return sum(word in METADATA_WORDS for word in words) / len(words)


def shown(terms: Iterable[str], limit: int = 8) -> str:
    """A short list of words for a message: ``'refraction', 'droplet'``."""
    words = list(terms)
    listed = ", ".join(repr(word) for word in words[:limit])
    return listed + (f" and {len(words) - limit} more" if len(words) > limit else "")
