"""Interleaved Coherence: Holistic Coherence (HC), Stylistic Harmony (SH) and their ICS.

Per instance (definitions also in docs/metrics.md):

- The prediction's items are captioned (``unima.eval.x2caption``); the judge sees the request,
  the raw text with placeholders, the dense text (``<tagN: caption>``, ``[missing]`` for a
  dangling or unreadable item) and the item list. Like the paper's judge it sees no reference:
  coherence is a property of the response itself.
- **HC** and **SH**: one judge call each (rubrics ``coherence`` and ``style``, 1-5, with few-shot
  anchors in ``unima/prompts/judge_hc.j2`` / ``judge_sh.j2``), mapped to ``(s - 1) / 4 * 100``.
  They follow the abs side of ``unima.eval.records.abs_rel``: ``None`` for a declined instance,
  0 without a prediction line. An unparseable reply gives ``None`` and is counted.
- **ICS** = ``(2 * HC + SH) / 3``: HC counts twice because it covers both the semantic and the
  structural side of interleaving, SH only the stylistic one. ``ICS_abs`` / ``ICS_rel`` follow
  ``abs_rel``; ICS is ``None`` when either judge reply was unparseable.
"""

from __future__ import annotations

from typing import Any

from unima.eval.judges.base import to_percent
from unima.eval.records import InstanceContext, MetricValue, abs_rel
from unima.eval.semantic import JudgedMetric, verdict_details
from unima.eval.x2caption import MISSING_CAPTION, caption_items, expand_placeholders
from unima.types import PLACEHOLDER_PATTERN

HC_WEIGHT, SH_WEIGHT = 2.0, 1.0


def composite_score(coherence: float | None, style: float | None) -> float | None:
    """ICS of one instance: ``(2 * HC + SH) / 3``; ``None`` if either is ``None``."""
    if coherence is None or style is None:
        return None
    return round((HC_WEIGHT * coherence + SH_WEIGHT * style) / (HC_WEIGHT + SH_WEIGHT), 2)


class CoherenceMetric(JudgedMetric):
    """HC, SH, ICS_abs and ICS_rel of one instance (see the module docstring)."""

    name = "coherence"
    dimension = "coherence"
    produces = ("HC", "SH", "ICS_abs", "ICS_rel")

    def score(self, context: InstanceContext) -> list[MetricValue]:
        coherence_label = self.judge.label("coherence")
        style_label = self.judge.label("style")
        coherence: float | None = None
        style: float | None = None
        coherence_details: dict[str, Any] = {}
        style_details: dict[str, Any] = {}
        if context.answered and context.prediction is not None:
            payload = self.payload(context)
            coherence_verdict = self.judge.score("coherence", payload)
            style_verdict = self.judge.score("style", payload)
            coherence = to_percent(coherence_verdict.score)
            style = to_percent(style_verdict.score)
            coherence_details = verdict_details(coherence_verdict)
            style_details = verdict_details(style_verdict)
            dangling = [item["tag"] for item in payload["items"] if not item["present"]]
            if dangling:
                coherence_details["dangling"] = dangling
        else:
            reason = "no prediction" if context.prediction is None else "declined"
            coherence_details = style_details = {"reason": reason}
        composite = composite_score(coherence, style)
        composite_abs, composite_rel = abs_rel(composite, context)
        composite_label = (
            coherence_label
            if coherence_label == style_label
            else f"{coherence_label}+{style_label}"
        )
        composition = {"HC": coherence, "SH": style, "weights": [HC_WEIGHT, SH_WEIGHT]}
        return [
            MetricValue("HC", abs_rel(coherence, context)[0], coherence_label, coherence_details),
            MetricValue("SH", abs_rel(style, context)[0], style_label, style_details),
            MetricValue("ICS_abs", composite_abs, composite_label, composition),
            MetricValue("ICS_rel", composite_rel, composite_label, composition),
        ]

    def payload(self, context: InstanceContext) -> dict[str, Any]:
        """The ``coherence`` / ``style`` judge payload of an answered instance."""
        assert context.prediction is not None  # callers check context.answered
        content = context.prediction.content
        captions, problems = self.predicted_captions(context)
        items = [
            {
                "tag": tag,
                "modality": _modality(tag),
                "caption": caption,
                "present": tag not in problems,
            }
            for tag, caption in sorted(captions.items())
        ]
        listed = {item["tag"] for item in items}
        # A mention of an input item (``<image1>`` when the request gave image1) refers to a real
        # file: caption it from the input side. Any other unbound placeholder is dangling.
        input_captions, input_problems = caption_items(
            context.input_references(content, context.prediction.modal.keys()),
            captioner=self.captioner,
        )
        for tag in dict.fromkeys(_placed(content)):
            if tag in listed:
                continue
            items.append(
                {
                    "tag": tag,
                    "modality": _modality(tag),
                    "caption": input_captions.get(tag, MISSING_CAPTION),
                    "present": tag in input_captions and tag not in input_problems,
                }
            )
        items.sort(key=lambda item: str(item["tag"]))
        return {
            "request": context.instance.input.content,
            "content": content,
            "response": expand_placeholders(content, captions, input_captions),
            "items": items,
        }


def _placed(content: str) -> list[str]:
    return [f"{match.group(1)}{match.group(2)}" for match in PLACEHOLDER_PATTERN.finditer(content)]


def _modality(tag: str) -> str:
    match = PLACEHOLDER_PATTERN.fullmatch(f"<{tag}>")
    return match.group(1) if match else "unknown"
