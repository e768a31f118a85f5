"""Reading an emotion question: whether it is one, its level, the fields it asks for, its format.

Everything comes from the question's own words, so the ToM mode works on HitEmotion's released
prompts (``You are a multimodal affective computing expert grounded in theory of mind ...
choose exactly one label from: neutral, negative, positive, and output exactly {'emotion':
'label'}``) and on a user's plain question (``Is the speaker in <audio1> happy or sad?``)
alike, with nothing imported from the benchmark's own modules.

The level follows the released prompts' wording: "causal and second-order reasoning" is
level 3, a state "directed toward" an addressee, audience or target that "serves a
communicative purpose" is level 2, anything else level 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from unima.reasoners.tom.labels import is_affect_label, normalize_label

ReleasedMarker = "affective computing expert grounded in theory of mind"
# What an answer looks like: a dict of labels, one bare label, a sentence, a list, free text.
AnswerShape = Literal["template", "label", "sentence", "numbered", "list", "free"]

OPTION_LISTS = re.compile(
    r"\bexactly one (\w+) from:\s*(?P<options>.+?)"
    r"(?=,\s*and\s+(?:exactly|output)\b|\.\s+(?:Output|output)\b|\.\s*$|\n|$)",
    re.IGNORECASE,
)
TOKEN_CHOICE = re.compile(r"\bexactly one token:\s*(\w+)\s+or\s+(\w+)", re.IGNORECASE)
USER_CHOICE = re.compile(
    r"\b(?:is|are|was|were|does|do|did)\b[^?]{0,80}?\b(\w+(?:,\s*\w+)*)\s*,?\s+or\s+(\w+)\s*\?",
    re.IGNORECASE,
)
TEMPLATE = re.compile(r"\{\s*'[^{}]*?'label'\s*\}")
TEMPLATE_KEY = re.compile(r"'(\w+)'\s*:\s*'label'")
LIST_TEMPLATE = re.compile(r"\{'(\w+)':\s*\[\s*'label1'")
EMOTION_WORDS = re.compile(
    r"\b(emotion\w*|sentiment\w*|mood|feel(?:s|ing)?|affect(?:ive)?|polarity|sarcas\w*|"
    r"iron(?:y|ic)|humou?r\w*|funny|laugh\w*|attitude|stance)\b",
    re.IGNORECASE,
)
ASKING = re.compile(
    r"\b(what|which|how|why|is|are|was|were|does|do|did|identify|classify|detect|infer|recogni[sz]e|"
    r"determine|tell)\b",
    re.IGNORECASE,
)
SENTIMENT_WORDS = re.compile(r"\b(sentiment|polarity|positive|negative)\b", re.IGNORECASE)
# The released prompts name their level's chain; a plain question is placed by what it asks.
RELEASED_LEVEL3 = re.compile(r"second-order reasoning", re.IGNORECASE)
RELEASED_LEVEL2 = re.compile(r"Relational Mapping", re.IGNORECASE)
LEVEL3 = re.compile(
    r"second-order|causal attribution|\bappraisal|\bwhy\b|\bsarcas\w*|\bironic|\belicit\w*|"
    r"\bcause[sd]?\b|\blaugh\w*",
    re.IGNORECASE,
)
LEVEL2 = re.compile(
    r"communicative (?:intent|purpose|goal)|relational mapping|directed (?:at|toward)|"
    r"\btoward\b|\baudience\b|\baddressee\b|\bintent\w*|\bhumou?r\w*|\bfunny\b|\bstance\b",
    re.IGNORECASE,
)
YES_NO_STATE = re.compile(
    r"\b(is|are|was|were|does|do)\b[^?]*\b(sarcas\w*|ironic|funny|humou?r\w*|joking)\b[^?]*\?",
    re.IGNORECASE,
)
# The basic sets a plain question gets when it names no options.
DEFAULT_SENTIMENTS = ("positive", "negative", "neutral")
DEFAULT_EMOTIONS = ("happy", "sad", "angry", "fearful", "surprised", "disgust", "neutral")


@dataclass(frozen=True)
class AnswerField:
    """One thing the answer names: ``emotion`` among ``options`` (empty: free text)."""

    name: str
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class EmotionQuestion:
    """What the ToM chain needs to know about a question.

    Attributes:
        text: the question as asked.
        level: 1 (perception and recognition), 2 (understanding and analysis) or 3
            (cognition and reasoning).
        fields: what the answer names, each with its options when the question lists them.
        shape: how the answer is written (see ``format_answer``).
        template: the exact output the question asks for (``{'emotion': 'label'}``), if any.
        released: whether it is one of HitEmotion's released ToM prompts.
    """

    text: str
    level: int
    fields: tuple[AnswerField, ...]
    shape: AnswerShape
    template: str = ""
    released: bool = False

    def options(self, field: str) -> tuple[str, ...]:
        return next((item.options for item in self.fields if item.name == field), ())


def read_question(text: str) -> EmotionQuestion | None:
    """The emotion question ``text`` asks, or ``None`` when it is not an emotion question."""
    released = ReleasedMarker in text.lower()
    fields = _option_fields(text)
    template_match = TEMPLATE.search(text)
    template = template_match.group(0) if template_match else ""
    labelled = any(
        sum(is_affect_label(option) for option in item.options) * 2 >= len(item.options)
        for item in fields
        if item.options
    )
    true_false = any(
        {normalize_label(option) for option in item.options} == {"true", "false"} for item in fields
    )
    about_state = bool(EMOTION_WORDS.search(text)) or _asks_about_state(text)
    kept = released or labelled or (true_false and about_state)
    if not kept and (fields or not _asks_about_state(text)):
        return None
    shape: AnswerShape
    if template:
        shape = "template"
        keys = TEMPLATE_KEY.findall(template)
        fields = _name_fields(fields, keys)
    elif fields:
        shape = "label"
    else:
        shape, fields = _open_shape(text)
    return EmotionQuestion(
        text=text,
        level=question_level(text),
        fields=tuple(fields),
        shape=shape,
        template=template,
        released=released,
    )


def question_level(text: str) -> int:
    """The cognitive level a question asks for, from its own wording."""
    if ReleasedMarker in text.lower():
        return 3 if RELEASED_LEVEL3.search(text) else 2 if RELEASED_LEVEL2.search(text) else 1
    if LEVEL3.search(text):
        return 3
    if LEVEL2.search(text):
        return 2
    return 1


def _asks_about_state(text: str) -> bool:
    """A plain question about someone's emotional state ("What emotion does <audio1> show?"),
    not a request that merely mentions one ("Write a poem about feeling happy")."""
    return bool(
        re.search(
            r"\b(what|which|how)\b[^.?]{0,60}\b(emotion\w*|sentiment|mood|attitude)\b"
            r"|\bhow\s+(?:does|do|did|is|are)\s+(?!i\b|we\b|you\b)[^.?]{1,60}\bfeel(?:ing)?\b"
            r"|\bwhat\b[^.?]{0,40}\bfeel(?:s|ing)\b"
            r"|\b(is|are|was|were|does|do)\b[^.?]{0,80}\b(sarcas\w*|ironic|funny|happy|sad|"
            r"angry|afraid|scared|upset|positive|negative)\b[^.]*\?"
            r"|\bwhy\b[^.?]{0,60}\b(laugh\w*|cr(?:y|ied|ying)|angry|upset|sad|happy|scared)\b"
            r"|\b(classify|detect|identify|recogni[sz]e|infer)\b[^.?]{0,40}\b(emotion\w*|"
            r"sentiment|mood|sarcasm|humou?r)\b",
            text,
            re.IGNORECASE,
        )
    )


def _option_fields(text: str) -> list[AnswerField]:
    fields = []
    for match in OPTION_LISTS.finditer(text):
        options = split_options(match.group("options"))
        if options:
            fields.append(AnswerField(match.group(1).lower(), options))
    if not fields:
        token = TOKEN_CHOICE.search(text)
        if token:
            fields.append(AnswerField("label", (token.group(1), token.group(2))))
    if not fields and ReleasedMarker not in text.lower():
        choice = USER_CHOICE.search(text)
        if choice:
            options = split_options(f"{choice.group(1)}, {choice.group(2)}")
            # "Is she happy, sad or angry?" names options; "Is this a cat or a dog?" does not.
            if sum(is_affect_label(option) for option in options) * 2 > len(options):
                fields.append(AnswerField("emotion", options))
    if not fields and YES_NO_STATE.search(text):
        fields.append(AnswerField("label", ("true", "false")))
    return fields


def split_options(text: str) -> tuple[str, ...]:
    """``"neutral, negative, positive"`` or ``"true or false"`` as a tuple of labels."""
    pieces = re.split(r",\s*|\s+or\s+", text.strip().rstrip("."))
    options = []
    for piece in pieces:
        label = piece.strip().strip("'\"{}[]() ").removeprefix("and ").strip()
        if label and len(label) <= 40 and label not in options:
            options.append(label)
    return tuple(options)


def _name_fields(fields: list[AnswerField], keys: list[str]) -> list[AnswerField]:
    """Fields named by the output template's keys (``'emotion'``, ``'intent'``)."""
    if not keys:
        return fields
    named = {item.name: item for item in fields}
    result = []
    for position, key in enumerate(keys):
        if key in named:
            result.append(named[key])
        elif position < len(fields):
            result.append(AnswerField(key, fields[position].options))
        else:
            result.append(AnswerField(key))
    return result


def _open_shape(text: str) -> tuple[AnswerShape, list[AnswerField]]:
    """The shape and fields of a question that lists no options."""
    if re.search(
        r"starting with:?\s*The audience laughed because|\bwhy\b[^.?]*\blaugh", text, re.IGNORECASE
    ):
        return "sentence", [AnswerField("explanation")]
    if re.search(r"numbered list|^\s*why\b", text, re.IGNORECASE):
        return "numbered", [AnswerField("causes")]
    list_template = LIST_TEMPLATE.search(text)
    if re.search(r"output exactly one JSON object", text, re.IGNORECASE):
        return "list", [AnswerField("object")]
    if list_template or re.search(
        r"output (?:only )?a single (?:Python-style|JSON-like) list", text, re.I
    ):
        return "list", [AnswerField(list_template.group(1) if list_template else "items")]
    if ReleasedMarker in text.lower():
        return "free", [AnswerField("answer")]
    defaults = DEFAULT_SENTIMENTS if SENTIMENT_WORDS.search(text) else DEFAULT_EMOTIONS
    return "label", [AnswerField("emotion", defaults)]
