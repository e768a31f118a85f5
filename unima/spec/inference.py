"""Infer a sensible output spec when a request states none.

The policy, one item per modality at most, each with the words that justified it:

- image: comparisons, trends and numbers ("compare", "trend", "forecast", "distribution"),
  anything asked to be plotted, charted, visualised, drawn, sketched or mapped, and the
  explanation of a process or a structure ("how does X work", "the water cycle", "the steps of").
- audio: pronunciation and speech ("pronounce", "how to say", "read aloud", "podcast",
  "narrate", "recite", "sound like").
- video: animation and motion on screen ("animate", "video", "screencast", "time-lapse").
- code: writing or repairing code ("write a function", "implement"), or a code input that is to
  be fixed, refactored or extended.
- threeD: designing or modelling a 3D part ("design a 3D bracket", "STL", "CAD"), or a 3D input
  that is to be improved or modified.
- document: a report, handout, PDF, worksheet or spreadsheet to be written, or a document input
  that is to be edited, filled in or translated.

A plain factual question matches none of these and gets no media: a text-only answer, with
evidence saying so. Inferred specs have ``stated=False``.

Each inferred item also says what it should be when its cue tells (``wanted``): numbers to
compare or a trend make a chart; "draw", "sketch", "illustrate" or "what does X look like" a
depiction (an illustration of what follows, or a diagram when that is a process: "illustrate
how X works"); "diagram" and "map out" a diagram; a 3D cue a model of what follows it ("a 3D
model of a raindrop", "design a bracket").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from unima.spec.wanted import MAX_SUBJECT_WORDS, kind_of
from unima.types import OutputKind, OutputSpec, WantedOutput

_PLACEHOLDER = re.compile(r"<(?:image|audio|video|document|code|threeD)\d+>", re.IGNORECASE)
# "the bar chart <image1>", "this photo <image2>": words naming an input are no cue for output.
_INPUT_REFERENCE = re.compile(
    r"\b(?:the|this|that|these|those|your|my)\s+(?:[\w-]+\s+){0,3}?"
    r"<(?:image|audio|video|document|code|threeD)\d+>",
    re.IGNORECASE,
)

# "The person in video says", "in the clip", "from the recording": where something is, in the
# input; no cue for an output of that medium.
_WHERE_IN_INPUT = re.compile(
    r"\b(?:in|from|on|within|throughout)\s+(?:the\s+|this\s+|that\s+)?"
    r"(?:video|clip|audio|recording|image|picture|photo)s?\b",
    re.IGNORECASE,
)

# (modality, the input modality the cue needs or None, pattern, why the cue suggests it)
_RULES: tuple[tuple[str, str | None, re.Pattern[str], str], ...] = tuple(
    (modality, needs, re.compile(pattern, re.IGNORECASE), reason)
    for modality, needs, pattern, reason in (
        (
            "image",
            None,
            r"\b(?:compar\w*|contrast\w*|versus|trends?|forecast\w*|distribution|correlat\w*|"
            r"proportions?|percentages?|statistics|histogram|over time|growth)\b",
            "comparisons and trends read best as a chart",
        ),
        (
            "image",
            None,
            r"\b(?:plot\w*|chart\w*|graph(?:s|ed|ing)?|visuali[sz]\w*|diagram\w*|illustrat\w*|"
            r"draw\w*|sketch\w*|map (?:out|the)|floor plan|layout|what does .{1,40} look like)\b",
            "the request asks for something to be seen",
        ),
        (
            "image",
            None,
            r"\b(?:how (?:(?:does|do|is|are|did|can) )?(?!many |much |old |long |far ).{1,60}?\b(?:work|works|form|forms|happen|happens|"
            r"made|produced|grow|grows|develop|develops|flow|flows)\b|(?:the )?process(?:es)? of|"
            r"life ?cycle|\w+ cycle\b|mechanism|stages of|steps of|structure of|anatomy)",
            "explaining a process or a structure is clearer with a diagram",
        ),
        (
            "audio",
            None,
            r"\b(?:pronounc\w*|how (?:to|do you|would you|does one) say|read (?:it |this |them )?"
            r"(?:aloud|out loud)|aloud|podcast\w*|narrat\w*|recit\w*|sounds? like|spoken|"
            r"voice ?over|intonation|accent)\b",
            "the answer has to be heard",
        ),
        (
            "video",
            None,
            r"\b(?:animat\w*|videos?|screencast\w*|time-?lapse|slow motion|show (?:me )?how .{1,40} moves?)\b",
            "the answer has to move on screen",
        ),
        (
            "code",
            None,
            r"\b(?:write|create|give|provide)\b.{0,40}?\b(?:function(?! of)|script|program|"
            r"class|snippet|code|implementation|regex|query)\b|\bimplement\w*\b",
            "the request asks for code",
        ),
        (
            "code",
            "code",
            r"\b(?:fix\w*|debug\w*|correct\w*|refactor\w*|rewrite|modif\w*|improv\w*|optimi[sz]\w*|"
            r"complete|extend|port|translate|convert|bugs?)\b",
            "the code input is to be changed",
        ),
        (
            "threeD",
            None,
            r"\b(?:3d|3-d|three-dimensional|stl|cad|mesh|3d[- ]print\w*)\b|\b(?:design|model|build)\b"
            r".{0,40}?\b(?:part|bracket|mount|holder|enclosure|gear|housing|component|prototype|"
            r"hook|knob|stand|hinge|clamp)\b",
            "the request asks for a 3D part",
        ),
        (
            "threeD",
            "threeD",
            r"\b(?:improv\w*|modif\w*|redesign\w*|fix\w*|scale|optimi[sz]\w*|chang\w*|alter\w*|"
            r"reinforc\w*|strengthen\w*)\b",
            "the 3D input is to be changed",
        ),
        (
            "document",
            None,
            r"\b(?:write|draft|prepare|create|produce|make|compile|generate|design)\b.{0,40}?"
            r"\b(?:report|pdf|handout|worksheet|spreadsheet|brochure|pamphlet|leaflet|flyer|"
            r"resume|cv|cover letter|invoice|certificate|form|slides|slide deck|manual)\b",
            "the request asks for a document",
        ),
        (
            "document",
            "document",
            r"\b(?:fill (?:in|out)|edit\w*|revis\w*|rewrite|translat\w*|updat\w*|reformat\w*|"
            r"annotat\w*|redact\w*)\b",
            "the document input is to be changed",
        ),
    )
)


def infer_output_spec(text: str, *, input_modalities: Sequence[str] = ()) -> OutputSpec:
    """Infer the media an answer to ``text`` should contain when the request states none.

    Args:
        text: the request text; input placeholders (``<image1>``) are ignored.
        input_modalities: the modalities of the request's inputs; a code, 3D or document input
            that the request asks to change makes the answer carry a changed version.

    Returns:
        An ``OutputSpec`` with ``stated=False``: at most one item per modality, and evidence
        naming the cue behind each, or saying that no cue was found (a text-only answer).
    """
    plain = _PLACEHOLDER.sub(" ", _INPUT_REFERENCE.sub(" ", text))
    plain = _WHERE_IN_INPUT.sub(" ", plain)
    inputs = set(input_modalities)
    counts: dict[str, int] = {}
    evidence: list[str] = []
    wanted: list[WantedOutput] = []
    shown = shown_object(plain)
    if shown:
        counts["image"] = 1
        evidence.append(f"inferred image x1: a thing to be seen is shown in a picture ({shown!r})")
        wanted.append(WantedOutput(modality="image", kind="illustration", subject=shown))
    for modality, needs, pattern, reason in _RULES:
        if modality in counts or (needs is not None and needs not in inputs):
            continue
        match = pattern.search(plain)
        if match is not None:
            counts[modality] = 1
            cue = " ".join(match.group(0).split())
            evidence.append(f"inferred {modality} x1: {reason} ({cue!r})")
            if needs is None:
                wanted.append(_wanted(modality, match, plain))
    if not counts:
        evidence.append("inferred text only: the request states no media and has no cue for any")
    return OutputSpec(counts=counts, stated=False, evidence=tuple(evidence), wanted=tuple(wanted))


_CHART_CUE = re.compile(
    r"^(?:plot|chart|graph|compar|contrast|versus|trend|forecast|distribution|correlat|"
    r"proportion|percentage|statistic|histogram|over time|growth)",
    re.IGNORECASE,
)
_DEPICTION_CUE = re.compile(r"^(?:illustrat|draw|sketch)\w*", re.IGNORECASE)
_LOOK_LIKE = re.compile(r"^what does (.{1,40}) look like", re.IGNORECASE)
_DIAGRAM_CUE = re.compile(r"^(?:diagram|map (?:out|the)|floor plan|layout)", re.IGNORECASE)
# Where the words after a cue stop being what it is about.
_SUBJECT_END = re.compile(
    r"[.,;:!?()]|\s(?:and|but|so|because|with|using|to (?:show|explain|illustrate)|that|which|"
    r"for (?:my|our|your|me|us|them))\b",
    re.IGNORECASE,
)


# "Show me a plated dish of carbonara": a thing to be seen, which only a picture can show. The
# object runs to the next clause; abstract objects ("show me a way to", "a list of") are words.
_SHOW_ME = re.compile(
    r"\bshow (?:me|us) (?:a|an|some) (?P<object>[a-z][\w'-]*(?:\s+[\w'-]+){0,8}?)"
    r"(?=\s+(?:and|with|that|which|to|for|so)\b|\s*[.,;:!?]|\s*$)",
    re.IGNORECASE,
)
_NOT_SEEN = frozenset(
    """way ways list summary example examples few couple number lot bit description comparison
    explanation overview breakdown table step steps guide plan recipe method proof solution answer
    formula code program function script story poem joke quote definition translation sentence
    paragraph essay tip tips reason reasons difference calculation derivation analysis outline
    timeline sample template draft version simple quick good better short""".split()
)


def shown_object(text: str) -> str:
    """What "show me a ..." asks to see ("plated dish of spaghetti carbonara"), or "" when the
    request has no such phrase or its object is something to read ("a way to", "a list")."""
    plain = _PLACEHOLDER.sub(" ", text)
    match = _SHOW_ME.search(plain)
    if match is None:
        return ""
    shown = match.group("object")
    if any(word.lower() in _NOT_SEEN for word in shown.split()[:3]):
        return ""
    return shown


def _wanted(modality: str, match: re.Match[str], plain: str) -> WantedOutput:
    """What an inferred item should be, from its cue and the words after it."""
    cue = match.group(0)
    kind: OutputKind | None = None
    subject = ""
    if modality == "image":
        look = _LOOK_LIKE.match(cue)
        if look is not None:
            kind, subject = "illustration", look.group(1)
        elif _DEPICTION_CUE.match(cue):
            subject = _words_after(plain, match.end())
            about = subject.lower().split()
            kind = kind_of("image", ["drawing"], about)
        elif _DIAGRAM_CUE.match(cue):
            kind = "diagram"
        elif _CHART_CUE.match(cue):
            kind = "bar_chart" if cue.lower().startswith("histogram") else "chart"
    elif modality == "threeD":
        kind = "model"
        after = plain[match.end() :]
        of = re.match(r"\s*(?:model|mesh|print|version|object|file)?s?\s+of\s+", after, re.I)
        if of is not None:
            subject = _words_after(plain, match.end() + of.end())
        elif re.search(r"\b(?:design|model|build)\b", cue, re.IGNORECASE):
            subject = cue.split()[-1]  # "design a 3D-printable bracket": the part it names
        else:
            subject = _words_after(plain, match.end())
    return WantedOutput(
        modality=modality,  # type: ignore[arg-type]  # the rules name media modalities only
        kind=kind,
        subject=subject.strip(),
        phrase=" ".join(cue.split()),
    )


def _words_after(text: str, position: int) -> str:
    """The words from ``position`` up to the end of their clause, at most a few."""
    rest = text[position:]
    end = _SUBJECT_END.search(rest)
    words = (rest[: end.start()] if end else rest).split()
    while words and words[0].lower() in ("me", "us", "out", "up"):
        words = words[1:]
    return " ".join(words[:MAX_SUBJECT_WORDS])
