"""Videos: scenes captioned from the answer, and a narration that says it."""

from __future__ import annotations

from pydantic import ValidationError

from unima.relevance.inputs import Findings, RelevanceInputs
from unima.relevance.narration import check_narration
from unima.relevance.terms import key_terms, shown
from unima.tools.video.arguments import VideoArguments
from unima.types import Relevance

# At least half of the captioned scenes must show something the answer says: a video whose
# scenes mostly caption something else tells another story.
MINIMUM_SCENES_FROM_ANSWER = 0.5


def check_video(inputs: RelevanceInputs) -> Relevance | None:
    """Judge a ``compose_video`` artifact (its soundtrack step is judged as speech)."""
    findings = Findings()
    try:
        arguments = VideoArguments.model_validate(inputs.step.arguments)
    except ValidationError:
        # Another backend registered under this tool name, with arguments of its own: these
        # checks read the embedded tool's arguments, so they cannot judge it (not a failure).
        return None
    captions = [scene.caption for scene in arguments.scenes]
    findings.checks["scenes"] = len(captions)
    if captions:
        answer = inputs.answer_terms
        from_answer = [caption for caption in captions if key_terms(caption).keys() & answer.keys()]
        share = len(from_answer) / len(captions)
        findings.checks["scenes_from_answer"] = round(share, 3)
        if share < MINIMUM_SCENES_FROM_ANSWER:
            foreign = [caption for caption in captions if caption not in from_answer]
            findings.fail(
                "scenes_not_from_answer",
                f"{len(foreign)} of {len(captions)} scenes share no key term with the answer: "
                f"{shown(foreign, 4)}",
            )
    if arguments.narration.strip():
        check_narration(arguments.narration, inputs, findings)
    return findings.result()
