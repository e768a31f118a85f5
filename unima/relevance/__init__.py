"""Relevance: whether an artifact carries the answer, beside whether it is a valid file.

A tool's own check (``Artifact.verification``) says an artifact is *valid*: it decodes, is not
blank, runs. The checks here say it is *relevant*: a diagram's labels name what the answer
says, a chart is the kind asked for and plots the analysis's values, a narration speaks the
answer, a video's scenes and a document's sections come from it, code that should compute a
result printed one, a 3D model stands for the subject, and no drawn text was cut off. One module
per modality; each returns a ``Relevance`` whose reasons are named, with thresholds as named
constants in its module.
"""

from __future__ import annotations

from collections.abc import Callable

from unima.relevance.code import check_code
from unima.relevance.document import check_document
from unima.relevance.images import check_image
from unima.relevance.inputs import Findings, RelevanceInputs
from unima.relevance.mesh import check_mesh
from unima.relevance.narration import check_speech
from unima.relevance.video import check_video
from unima.types import Relevance

__all__ = ["CHECKS", "Findings", "RelevanceInputs", "check_relevance"]

# Tool name (the verb the planner sees, whatever its backend) -> its relevance check.
CHECKS: dict[str, Callable[[RelevanceInputs], Relevance | None]] = {
    "generate_image": check_image,
    "synthesize_speech": check_speech,
    "compose_video": check_video,
    "render_document": check_document,
    "run_code": check_code,
    "generate_mesh": check_mesh,
}


def check_relevance(inputs: RelevanceInputs) -> Relevance | None:
    """The relevance of ``inputs.artifact``; None when no check exists for its tool."""
    check = CHECKS.get(inputs.step.tool)
    return check(inputs) if check is not None else None
