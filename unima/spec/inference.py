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
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from unima.types import OutputSpec

_PLACEHOLDER = re.compile(r"<(?:image|audio|video|document|code|threeD)\d+>", re.IGNORECASE)

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
    plain = _PLACEHOLDER.sub(" ", text)
    inputs = set(input_modalities)
    counts: dict[str, int] = {}
    evidence: list[str] = []
    for modality, needs, pattern, reason in _RULES:
        if modality in counts or (needs is not None and needs not in inputs):
            continue
        match = pattern.search(plain)
        if match is not None:
            counts[modality] = 1
            cue = " ".join(match.group(0).split())
            evidence.append(f"inferred {modality} x1: {reason} ({cue!r})")
    if not counts:
        evidence.append("inferred text only: the request states no media and has no cue for any")
    return OutputSpec(counts=counts, stated=False, evidence=tuple(evidence))
