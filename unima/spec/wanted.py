"""What each requested item should be: its kind and what it shows, read from its noun phrase.

The reader (``unima.spec.reader``) finds the noun phrases that ask for media ("a bar chart", "a
picture", "a 3D model"); this module reads each accepted phrase again, with the words around it,
for the two things a reasoner needs to make the right item:

- the kind: "a bar chart" is a ``bar_chart``, "a flowchart" a ``flowchart``, "a picture",
  "a photo", "a drawing" of something an ``illustration`` (a depiction of it), "a 3D model" or
  "a 3D print" a ``model``; a phrase that names only the medium ("an image") has no kind;
- the subject: what the item shows or is about. In order: the words after "of", "showing",
  "depicting" ("a picture *of the plated dish for a classic French omelette*"); the words after
  the phrase's last media word ("a 3D printable *bracket*"); the object of the sentence's verb
  when the item comes with it ("explain *refraction* with a diagram and a 3D model"). The
  subject ends at punctuation, at a clause ("that ...", "because ..."), at another requested
  item ("... and a short audio clip"), or after ``MAX_SUBJECT_WORDS`` words.

A depiction of a process ("a picture of how rainbows form", "a drawing of the steps") reads as a
diagram, and a diagram of steps as a flowchart: those draw the stages, which a scene cannot.
"""

from __future__ import annotations

from collections.abc import Sequence

from unima.spec import grammar as grammar
from unima.spec import vocabulary as vocabulary
from unima.spec.phrases import PLURAL_READING, Mention, noun_phrase, term_at
from unima.spec.reader import SpecReader
from unima.types import OutputKind, WantedOutput

MAX_SUBJECT_WORDS = 14

# Words linking an item to what it shows ("a picture of ...", "an image showing ...").
_SUBJECT_LINKS = frozenset(
    {"of", "showing", "depicting", "illustrating", "portraying", "featuring", "about"}
)
# "an image that shows ...": a relative pronoun, then one of these.
_SHOWING_VERBS = frozenset(
    {"shows", "show", "depicts", "depict", "illustrates", "illustrate", "portrays", "features"}
)
# An object that only points back at something said before names no subject.
POINTING_PRONOUNS = frozenset({"it", "them", "this", "that", "these", "those", "they"})
# Words that may join another requested item to a subject ("... of a raindrop and a narration").
_JOINERS = frozenset({"and", "or", "plus", "with", ",", "&", "along", "together", "as"})
# "for my class", "for us": an audience, not part of what is shown.
_AUDIENCE = frozenset({"my", "our", "your", "me", "us", "them", "him", "her", "their", "his"})
# Verbs whose object is what the items that come "with" them are about.
_EXPLAINING_VERBS = frozenset(
    "explain describe show illustrate depict visualise visualize present summarise summarize "
    "teach demonstrate model draw render picture portray introduce compare outline cover "
    "discuss".split()
)
# Words before the items that attach them to the verb's object ("explain X with a diagram").
_ATTACH_WORDS = frozenset({"with", "using", "via", "through", "in", "as", "including"})

# Image words and the kind they ask for.
_DEPICTION_WORDS = frozenset(
    "picture pictures pic pics photo photos photograph photographs drawing drawings sketch "
    "sketches illustration illustrations painting paintings artwork artworks rendering "
    "renderings render renders cartoon cartoons comic comics poster posters icon icons logo "
    "logos selfie selfies image images imagery pictorial illustrated photographic portrait "
    "portraits scene".split()
)
# Depiction words that name only the medium: they ask for a depiction only when a subject says
# what to show ("an image" alone is any image; "an image of a fox" is a picture of a fox).
_MEDIUM_ONLY = frozenset({"image", "images", "imagery", "scene"})
_DIAGRAM_WORDS = frozenset(
    "diagram diagrams schematic schematics infographic infographics blueprint blueprints "
    "storyboard storyboards".split()
)
_CHART_WORDS = frozenset("chart charts graph graphs plot plots".split())
_PROCESS_WORDS = frozenset(
    "steps step stages stage process processes procedure procedures workflow workflows "
    "pipeline pipelines cycle cycles mechanism algorithm how".split()
)
_STEP_WORDS = _PROCESS_WORDS - {"cycle", "cycles", "mechanism", "how"}


def wanted_outputs(reader: SpecReader) -> list[WantedOutput]:
    """What each item the request asks for should be, in the order it names them."""
    wanted = []
    starts = frozenset(mention.start for mention in reader.accepted)
    for mention in reader.accepted:
        if mention.negative or mention.count == 0 or mention.modality == vocabulary.ALL_MEDIA:
            continue
        spans = enumerated_subjects(reader, mention)
        if len(spans) == mention.count:
            words = reader.words[mention.start : mention.end]
            for span in spans:
                subject = reader.words[span[0] : span[1]]
                wanted.append(
                    WantedOutput(
                        modality=mention.modality,  # type: ignore[arg-type]
                        count=1,
                        kind=kind_of(mention.modality, words, subject),
                        subject=reader.quote(*span),
                        phrase=reader.phrase(mention),
                    )
                )
            continue
        wanted.append(_wanted(reader, mention, starts))
    return wanted


# How a plural read as one item per listed subject is noted ("'3D models' read as 3 threeD").
LISTED_READING = "one per item it lists"


def enumerated_subjects(reader: SpecReader, mention: Mention) -> list[tuple[int, int]]:
    """ "3D models of a rocket, a snowman and a car": one subject per item the list names.

    Only for a plural with no number ("3D models", not "two 3D models": a stated number wins)
    followed by "of" and two or more indefinite noun phrases joined by commas and "and".
    Returns the token spans of the subjects, or ``[]``.
    """
    words, kinds = reader.words, reader.kinds
    if mention.count < 1 or not mention.reading.startswith((PLURAL_READING, LISTED_READING)):
        return []
    _, end = _sentence_of(reader, mention.start)
    position = mention.end
    if position >= end or words[position] != "of":
        return []
    position += 1
    spans: list[tuple[int, int]] = []
    while position < end and words[position] in ("a", "an"):
        start = position = position + 1
        while position < end and words[position] not in (",", "and") and kinds[position] != "punct":
            position += 1
        if position == start:
            break
        spans.append((start, position))
        while position < end and words[position] in (",", "and"):
            position += 1
    return spans if len(spans) >= 2 else []


def kind_of(modality: str, phrase: Sequence[str], subject: Sequence[str]) -> OutputKind | None:
    """The kind of item a noun phrase asks for, from its lower-case words and its subject's.

    Args:
        modality: the phrase's media modality.
        phrase: the phrase's words ("a", "bar", "chart").
        subject: the words of what it shows ("the", "steps", "to", "bake", "bread").

    Returns:
        The kind, or None when the phrase names only the medium.
    """
    if modality == "threeD":
        return "model"
    if modality != "image":
        return None
    words, about = set(phrase), set(subject)
    charted = bool(words & _CHART_WORDS)
    if "timeline" in words or "timelines" in words or "timeline" in about:
        return "timeline"
    if "pie" in words:
        return "pie_chart"
    if words & {"scatter", "scatterplot", "scatterplots"}:
        return "scatter_chart"
    if words & {"histogram", "histograms"} or (charted and words & {"bar", "column"}):
        return "bar_chart"
    if charted and "line" in words:
        return "line_chart"
    if words & {"flowchart", "flowcharts"} or ("flow" in words and (charted or "diagram" in words)):
        return "flowchart"
    if charted or words & {"heatmap", "heatmaps"}:
        return "chart"
    if words & _DIAGRAM_WORDS or ({"mind", "concept"} & words and words & {"map", "maps"}):
        return "flowchart" if about & _STEP_WORDS else "diagram"
    depiction = words & _DEPICTION_WORDS
    if depiction and (about or depiction - _MEDIUM_ONLY):
        return "diagram" if about & _PROCESS_WORDS else "illustration"
    return None


def _wanted(reader: SpecReader, mention: Mention, starts: frozenset[int]) -> WantedOutput:
    words = reader.words
    first, end = _sentence_of(reader, mention.start)
    span = _subject_after(reader, mention, end, starts)
    if span is None:
        span = _subject_inside(reader, mention)
    if span is None:
        span = _verb_object(reader, mention, first, starts)
    subject_words = words[span[0] : span[1]] if span else []
    return WantedOutput(
        modality=mention.modality,  # type: ignore[arg-type]  # accepted mentions name one modality
        count=mention.count,
        kind=kind_of(mention.modality, words[mention.start : mention.end], subject_words),
        subject=reader.quote(*span) if span else "",
        phrase=reader.phrase(mention),
    )


def _sentence_of(reader: SpecReader, index: int) -> tuple[int, int]:
    """The first token of the sentence holding token ``index``, and the token after its last."""
    firsts = [sentence[0] for sentence in reader.sentences]
    first = max(start for start in firsts if start <= index)
    later = [start for start in firsts if start > index]
    return first, (later[0] if later else len(reader.words))


def _subject_after(
    reader: SpecReader, mention: Mention, end: int, starts: frozenset[int]
) -> tuple[int, int] | None:
    """The words after "of", "showing", "that shows" ... following the phrase."""
    words, kinds = reader.words, reader.kinds
    position = mention.end
    if position + 2 < end and words[position] == "(" and words[position + 2] == ")":
        position += 3  # "a short report (PDF) on ...": the format, then the subject
    if position < end and (
        words[position] in _SUBJECT_LINKS
        # "a report on renewable energy"; "a picture on the wall" is where, not what.
        or (words[position] == "on" and mention.modality == "document")
    ):
        position += 1
    elif (
        position + 1 < end
        and words[position] in ("that", "which")
        and words[position + 1] in _SHOWING_VERBS
    ):
        position += 2
    else:
        return None
    start = position
    while position < end and position - start < MAX_SUBJECT_WORDS:
        word, kind = words[position], kinds[position]
        if kind in ("punct", "tag") or position in starts:
            break
        if word in grammar.SUBORDINATORS and position > start:
            break  # "a picture of a leaf that ...", but "a picture of how rainbows form"
        if word == "for" and position + 1 < end and words[position + 1] in _AUDIENCE:
            break
        if word in _JOINERS and _item_follows(reader, position + 1, end):
            break
        if word in ("and", "to") and position + 1 < end and _is_request_verb(words[position + 1]):
            break  # "... of a leaf and explain ...", "... of a leaf to show ..."
        position += 1
    while position > start and words[position - 1] in _JOINERS | {"a", "an", "the"}:
        position -= 1
    return (start, position) if position > start else None


def _item_follows(reader: SpecReader, index: int, end: int) -> bool:
    """Whether a noun phrase naming media starts at ``index`` (after "and", "with" ...)."""
    words = reader.words
    while index < end and words[index] in ("also", "well", "with", "as"):
        index += 1  # "as well as", "along with"
    if index >= end:
        return False
    found = noun_phrase(words, reader.kinds, reader.input_tags, index, index, end)
    return bool(found) and found[0] is not None  # type: ignore[index]


def _is_request_verb(word: str) -> bool:
    return word in grammar.TRIGGER_VERBS or word in _EXPLAINING_VERBS


def _subject_inside(reader: SpecReader, mention: Mention) -> tuple[int, int] | None:
    """The words after the phrase's last media word: "a 3D printable *bracket*"."""
    words, position, after_media = reader.words, mention.start, -1
    while position < mention.end:
        found = term_at(words, position, mention.end)
        if found is not None:
            position += found[1]
            after_media = position
        else:
            position += 1
    if after_media < 0 or after_media >= mention.end:
        return None
    return after_media, mention.end


def _verb_object(
    reader: SpecReader, mention: Mention, first: int, starts: frozenset[int]
) -> tuple[int, int] | None:
    """ "Explain *refraction* with a diagram and a 3D model": the verb's object, for items that
    come with it."""
    words = reader.words
    position = mention.start - 1
    # Step back over the items named before this one in the same list ("a diagram and ...").
    while position >= first and words[position] not in _ATTACH_WORDS:
        if reader.kinds[position] == "punct" and words[position] != ",":
            return None
        position -= 1
    if position < first:
        return None
    attach = position
    verb = first
    while verb < attach and words[verb] in grammar.SENTENCE_OPENERS | {"can", "could", "you"}:
        verb += 1
    if verb >= attach or words[verb] not in _EXPLAINING_VERBS:
        return None
    start = verb + 1
    if start < attach and words[start] in ("me", "us"):
        start += 1
    if not 0 < attach - start <= MAX_SUBJECT_WORDS:
        return None
    if any(
        reader.kinds[index] in ("tag", "punct") or index in starts for index in range(start, attach)
    ):
        return None  # the object is an input or another requested item
    if attach - start == 1 and words[start] in POINTING_PRONOUNS:
        return None  # "Show them in a bar chart": what "them" points to is said elsewhere
    return start, attach
