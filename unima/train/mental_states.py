"""Mental-state language by level, grounding in the input's cues, and the labels a text names.

What the process and consistency rewards read in a chain:

- ``state_kinds(sentence)``: which kinds of mental-state language a sentence uses: ``emotion``
  (the ToM affect lexicon's words, the emotion labels' names and the words for feeling),
  ``desire``, ``intention`` and ``belief`` (verbs and nouns of propositional attitudes). Level
  1 attributes emotions; level 2 adds what the subject wants and means toward an addressee;
  level 3 adds what one mind believes, expects or blames (``LEVEL_KINDS``).
- ``grounded(sentence, cues)``: whether a sentence refers to a cue of the input (the phrase,
  or one of its distinctive words, as whole words).
- ``last_label(text, labels)``: the last label of a set a text names, skipping negated ones
  ("not happy" argues for no label); ``argued_truth`` reads a true/false task's concept
  ("sarcastic", "not funny").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from unima.eval.hitemotion.answers import LabelSet, normalise_text
from unima.reasoners.tom.labels import PROTOTYPES
from unima.reasoners.tom.lexicon import NEGATION_SCOPE, NEGATORS, WORDS

EMOTION_WORDS = frozenset(
    {
        word
        for word, (_, _, category) in WORDS.items()
        if category not in ("", "positive", "negative")
    }
    | set(PROTOTYPES)
    | set(
        "feel feels felt feeling feelings emotion emotions emotional mood affect upset frustrated "
        "frustration irritated irritation annoyance amused amusement contempt anxiety anxious "
        "distress distressed embarrassed embarrassment shame ashamed guilt guilty pride relief "
        "relieved disappointment despair hurt joyful sorrow excitement enthusiasm enthusiastic "
        "affection admiration gratitude envy jealous jealousy resentment bitterness hostility "
        "hostile sarcastic mocking delight scorn indignation outrage".split()
    )
)
DESIRE_WORDS = frozenset(
    "want wants wanted wanting wish wishes wished desire desires desired hope hopes hoped "
    "hoping long longs longing prefer prefers needs yearn yearns craves".split()
)
INTENTION_WORDS = frozenset(
    "intend intends intended intent intention intentions intending aim aims aimed aiming "
    "purpose purposes goal goals seek seeks seeking try tries tried trying attempt attempts "
    "persuade persuades convince convinces mock mocks mocking provoke provokes tease teases "
    "teasing reassure reassures console consoles encourage encourages challenge challenges "
    "means meant plan plans planning urge urges invite invites".split()
)
BELIEF_WORDS = frozenset(
    "believe believes believed belief beliefs think thinks thought thinking expect expects "
    "expected expectation expectations know knows knew realise realises realised realize "
    "realizes realized assume assumes assumed perceive perceives perceived interpret interprets "
    "interpreted appraise appraises appraised appraisal blame blames blamed judge judges "
    "judged consider considers considered suspect suspects suspected doubt doubts doubted "
    "understand understands understood recognise recognises recognize recognizes sees "
    "regards regarded".split()
)
KIND_WORDS = {
    "emotion": EMOTION_WORDS,
    "desire": DESIRE_WORDS,
    "intention": INTENTION_WORDS,
    "belief": BELIEF_WORDS,
}
# The kinds of mental-state language each level attributes, and the ones it must attribute.
LEVEL_KINDS: dict[int, frozenset[str]] = {
    1: frozenset({"emotion"}),
    2: frozenset({"emotion", "desire", "intention"}),
    3: frozenset({"emotion", "desire", "intention", "belief"}),
}
REQUIRED_KINDS: dict[int, frozenset[str]] = {
    1: frozenset({"emotion"}),
    2: frozenset({"emotion", "intention"}),
    3: frozenset({"emotion", "belief"}),
}
# Words too common to ground a sentence on their own when a cue phrase holds them.
GENERIC_WORDS = frozenset(
    "the and that this with from have what when your you are was were they them their there "
    "then than very really just like delivery colours colors pitch voice tone words says".split()
)
# What a true/false task's "true" means, so a chain arguing "she is being sarcastic" argues
# "true" (and "not sarcastic" "false") without writing the label word.
YES_NO_CONCEPTS: dict[str, frozenset[str]] = {
    "SD": frozenset(
        "sarcastic sarcasm sarcastically ironic irony ironically mocking mockery".split()
    ),
    "HU": frozenset(
        "humorous humour humor funny joke jokes joking punchline laughable amusing witty".split()
    ),
}
MIN_GROUNDING_WORD = 4
MAX_LABEL_WORDS = 5


def state_kinds(sentence: str, level: int) -> frozenset[str]:
    """The kinds of mental-state language for ``level`` that ``sentence`` uses."""
    words = set(normalise_text(sentence).split())
    return frozenset(kind for kind in LEVEL_KINDS[level] if words & KIND_WORDS[kind])


def grounded(sentence: str, cues: Iterable[str]) -> bool:
    """Whether ``sentence`` names one of ``cues``: the whole cue phrase, or one of its
    distinctive words (four letters or more, not a generic word), as whole words."""
    padded = f" {normalise_text(sentence)} "
    words = set(padded.split())
    for cue in cues:
        phrase = normalise_text(cue)
        if not phrase:
            continue
        if f" {phrase} " in padded:
            return True
        distinctive = {
            word
            for word in phrase.split()
            if len(word) >= MIN_GROUNDING_WORD and word not in GENERIC_WORDS
        }
        if distinctive & words:
            return True
    return False


def last_label(text: str, labels: Sequence[str]) -> str | None:
    """The last of ``labels`` (or a synonym) that ``text`` names, not negated; ``None`` if none.

    At one end position the longest phrase wins ("very positive" over "positive").
    """
    label_set = LabelSet.of(labels)
    tokens = normalise_text(text).split()
    best: tuple[int, int, str] | None = None
    for start in range(len(tokens)):
        for length in range(min(MAX_LABEL_WORDS, len(tokens) - start), 0, -1):
            label = label_set.canonical_by_key.get(" ".join(tokens[start : start + length]))
            if label is None:
                continue
            scope = tokens[max(0, start - NEGATION_SCOPE) : start]
            # "no" is also a label word; "t" is what is left of "n't" ("isn't" -> "isn t").
            if any((word in NEGATORS and word != "no") or word == "t" for word in scope):
                break
            candidate = (start + length, -start, label)
            if best is None or candidate > best:
                best = candidate
            break
    return best[2] if best else None


def argued_truth(text: str, concept: frozenset[str]) -> str | None:
    """``"true"`` when the last word of ``concept`` in ``text`` is affirmed, ``"false"`` when a
    negator ("not", "no", "n't" ...) up to three words before negates it, ``None`` when the
    text never names the concept."""
    tokens = normalise_text(text).split()
    for position in range(len(tokens) - 1, -1, -1):
        if tokens[position] in concept:
            scope = tokens[max(0, position - NEGATION_SCOPE) : position]
            negated = any(word in NEGATORS or word == "t" for word in scope)
            return "false" if negated else "true"
    return None


def mentions(text: str, phrase: str) -> bool:
    """Whether ``phrase`` occurs in ``text`` as whole words (case and punctuation ignored)."""
    normal = normalise_text(phrase)
    return bool(normal) and f" {normal} " in f" {normalise_text(text)} "
