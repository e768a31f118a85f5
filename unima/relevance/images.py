"""Images: no text cut off, charts of the asked kind and values, labels from the answer.

A chart must be the kind the request asked for and plot the analysis's values; a diagram,
flowchart, timeline or illustration must be labelled with what the answer says. A generated
picture (a model backend's ``prompt``) carries no labels: its prompt must name what the answer
says instead.
"""

from __future__ import annotations

from pydantic import ValidationError

from unima.relevance.charts import check_chart_kind, check_chart_values
from unima.relevance.inputs import Findings, RelevanceInputs
from unima.relevance.labels import check_labels
from unima.relevance.terms import shown
from unima.tools.image.arguments import CHART_KINDS, ImageArguments
from unima.types import Relevance


def check_image(inputs: RelevanceInputs) -> Relevance | None:
    """Judge a ``generate_image`` artifact."""
    findings = Findings()
    # A generative backend's prompt (unima.tools.image.diffusion) is judged from the artifact's
    # meta below; the other arguments are the embedded tool's.
    raw = {
        key: value
        for key, value in inputs.step.arguments.items()
        if key not in ("prompt", "negative_prompt")
    }
    try:
        arguments = ImageArguments.model_validate(raw)
    except ValidationError:
        # Another backend registered under this tool name, with arguments of its own: these
        # checks read the embedded tool's arguments, so they cannot judge it (not a failure).
        return None
    findings.checks["kind"] = arguments.kind
    shortened = inputs.verification_checks.get("shortened_text") or []
    if shortened:
        findings.checks["shortened_text"] = list(shortened)
        findings.fail(
            "text_cut_off",
            f"{len(shortened)} text(s) did not fit and were cut or left out: {shown(shortened, 4)}",
        )
    check_chart_kind(arguments, inputs, findings)
    if arguments.kind in CHART_KINDS:
        check_chart_values(arguments, inputs, findings)
    elif arguments.kind == "illustration" and "prompt" in inputs.artifact.meta:
        # A generated picture has no drawn labels: what it was asked to show must be the answer's.
        check_labels([str(inputs.artifact.meta["prompt"])], inputs, findings)
    else:
        check_labels([*arguments.labels, *arguments.notes], inputs, findings)
    return findings.result()
