"""The objects a depiction shows, read from its subject's nouns.

"A picture of the plated dish for a classic French omelette" shows a plated dish and a French
omelette: the subject is cut into noun groups at its prepositions, conjunctions and participles
("a cat | wearing | a hat"), and each group keeps its last words (the noun and the words that
name it) without articles, numbers, pronouns or words that only praise it ("classic",
"beautiful"). The question's verbs ("show", "explain") never reach the subject, so they never
become objects.
"""

from __future__ import annotations

import re

from unima.reasoners.heuristic.text_tools import STOPWORDS

MAX_OBJECTS = 6
MAX_OBJECT_WORDS = 3
# Words that end one noun group and start the next.
_BREAKS = frozenset(
    "of for with on in at under over beside near inside behind above below and or from into "
    "onto next to by against among between around across along through while where which that "
    "who whose".split()
)
# Words that say how good or how typical a thing is, not what it is.
_PRAISE = frozenset(
    "classic typical traditional simple nice beautiful pretty lovely realistic detailed big "
    "small little large tiny huge cute famous perfect delicious tasty good great old new modern "
    "whole entire real actual standard basic generic iconic stunning amazing awesome fancy "
    "gorgeous elegant vivid colourful colorful clear high quality resolution style".split()
)
# Words that name the picture, not what is in it.
_MEDIUM = frozenset(
    "picture pictures photo photos photograph image images drawing drawings illustration "
    "illustrations sketch painting view scene shot closeup close up render rendering".split()
)
_ING_NOUNS = frozenset(
    "building buildings ring spring wing evening morning ceiling painting pudding icing "
    "stuffing filling topping dressing seasoning wedding".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")


def depicted_objects(subject: str, limit: int = MAX_OBJECTS) -> list[str]:
    """The named objects of ``subject``, in order, each a short noun group ("French omelette")."""
    groups: list[list[str]] = [[]]
    for word in _WORD.findall(subject):
        lowered = word.lower()
        if lowered in _BREAKS or _is_participle(lowered):
            groups.append([])
        elif (
            lowered not in STOPWORDS
            and lowered not in _PRAISE
            and lowered not in _MEDIUM
            and not lowered.endswith("ly")
        ):
            groups[-1].append(word)
    objects: list[str] = []
    seen: set[str] = set()
    for group in groups:
        if not group:
            continue
        name = " ".join(group[-MAX_OBJECT_WORDS:])
        name = name[:1].upper() + name[1:]
        if name.lower() not in seen:
            seen.add(name.lower())
            objects.append(name)
    return objects[:limit]


def _is_participle(word: str) -> bool:
    return len(word) > 4 and word.endswith("ing") and word not in _ING_NOUNS
