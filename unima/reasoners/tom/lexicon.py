"""A small hand-written affect lexicon with negation, for the offline ToM chain.

About 150 English words, each with a valence (-1..1), an arousal (0..1) and, for words that
name one, a basic emotion category. Negation follows the usual rule of lexicon sentiment tools
(VADER, Hutto and Gilbert 2014): a negator ("not", "never", "n't" ...) up to three words before
an affect word flips its valence and halves it ("not happy" is mildly negative, not sad), and
drops the category it names ("not angry" says nothing of anger). Intensifiers ("very",
"really") scale a word up, diminishers ("slightly", "kinda") down; a run of capitals or an
exclamation mark raises arousal. Written for this project, small on purpose: a weak but honest
baseline that shows its evidence, never a trained sentiment model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# word: (valence, arousal, category)
WORDS: dict[str, tuple[float, float, str]] = {}


def _add(category: str, valence: float, arousal: float, words: str) -> None:
    for word in words.split():
        WORDS[word] = (valence, arousal, category)


_add("joy", 0.8, 0.6, "happy happier happiest glad joy joyful delighted cheerful pleased")
_add("joy", 0.7, 0.5, "good great nice fine lovely wonderful fantastic awesome excellent")
_add("joy", 0.7, 0.5, "love loved loves like liked enjoy enjoyed fun beautiful perfect best")
_add("joy", 0.6, 0.8, "excited exciting amazing thrilled yay hooray wow haha lol")
_add("joy", 0.6, 0.4, "thanks thank grateful proud hope hopeful win won success better")
_add("calm", 0.4, 0.1, "calm relaxed peaceful content comfortable okay ok safe gentle")
_add("positive", 0.5, 0.5, "agree yes right true correct support recommend benefit profit")
_add("positive", 0.5, 0.6, "bullish rise rising gain gains growth strong opportunity")
_add("sadness", -0.7, 0.2, "sad sadder unhappy depressed miserable lonely cry crying tears")
_add("sadness", -0.6, 0.3, "sorry miss missed lost lose loss hurt pain grief boohoo regret")
_add("sadness", -0.5, 0.2, "tired alone disappointed disappointing sigh")
_add("anger", -0.7, 0.9, "angry mad furious annoyed annoying hate hated rage damn bastard")
_add("anger", -0.6, 0.8, "stupid idiot shut ridiculous outrageous unfair liar kill")
_add("fear", -0.7, 0.8, "afraid scared fear terrified frightened panic nervous anxious")
_add("fear", -0.5, 0.6, "worried worry worrying uncomfortable dangerous risk risky danger")
_add("disgust", -0.7, 0.5, "disgusting gross disgusted nasty yuck awful horrible terrible")
_add("negative", -0.6, 0.5, "bad worse worst wrong poor problem fail failed failure no")
_add("negative", -0.5, 0.5, "bearish fall falling drop decline weak crash broke boring")
_add("surprise", 0.1, 0.9, "surprised surprise surprising shocked shocking unexpected oh")

NEGATORS = frozenset(
    "not no never nothing nobody none neither nor without hardly cannot cant dont doesnt didnt "
    "isnt wasnt arent werent wont wouldnt shouldnt couldnt aint".split()
)
INTENSIFIERS = {
    "very": 1.5,
    "really": 1.4,
    "so": 1.3,
    "extremely": 1.8,
    "totally": 1.5,
    "too": 1.3,
    "absolutely": 1.6,
    "super": 1.5,
    "slightly": 0.5,
    "somewhat": 0.6,
    "kinda": 0.6,
    "kind": 0.7,
    "bit": 0.6,
    "barely": 0.4,
}
NEGATION_SCOPE = 3  # words after a negator that it still reaches
NEGATED_SCALE = -0.5
TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|[.!?;,]")


@dataclass(frozen=True)
class WordCue:
    """One affect word found in a text, after negation and intensifiers.

    Attributes:
        span: the words that carry it, as written (``not happy``).
        start: its character offset in the text.
        word: the lexicon word (``happy``).
        valence: after negation and intensity (-1..1).
        arousal: after intensity and emphasis (0..1).
        category: the emotion it names, empty when negated or when it names none.
        negated: whether a negator reached it.
    """

    span: str
    start: int
    word: str
    valence: float
    arousal: float
    category: str
    negated: bool


def word_cues(text: str) -> list[WordCue]:
    """Every lexicon word in ``text`` with the negation and intensity around it."""
    tokens = [(match.group(0), match.start()) for match in TOKEN.finditer(text)]
    cues = []
    negated_until = -1
    negator_at = -1
    for index, (token, start) in enumerate(tokens):
        word = token.lower().replace("'", "")
        if token in ".!?;,":
            negated_until = -1
            continue
        if word in NEGATORS:
            negated_until, negator_at = index + NEGATION_SCOPE, index
            if word != "no":  # "no" is also an affect word below ("No, this is too far")
                continue
        entry = WORDS.get(word)
        if entry is None:
            continue
        valence, arousal, category = entry
        first = index
        previous = tokens[index - 1][0].lower() if index > 0 else ""
        scale = INTENSIFIERS.get(previous, 1.0)
        if scale != 1.0:
            first = index - 1
        negated = index <= negated_until and negator_at < index
        if negated:
            valence, category, first = valence * NEGATED_SCALE, "", min(first, negator_at)
        emphasis = (token.isupper() and len(token) > 1) or _followed_by_exclamation(tokens, index)
        end = start + len(token)
        span_start = tokens[first][1]
        cues.append(
            WordCue(
                span=text[span_start:end],
                start=span_start,
                word=word,
                valence=_clip(valence * scale, -1.0, 1.0),
                arousal=_clip(arousal * max(scale, 1.0) + (0.2 if emphasis else 0.0), 0.0, 1.0),
                category=category,
                negated=negated,
            )
        )
    return cues


def _followed_by_exclamation(tokens: list[tuple[str, int]], index: int) -> bool:
    for token, _ in tokens[index + 1 : index + 4]:
        if token == "!":
            return True
        if token in ".?;,":
            return False
    return False


def _clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))
