"""Interleaved Coherence: Holistic Coherence (HC), Stylistic Harmony (SH) and their ICS.

Per instance (definitions also in docs/metrics.md):

- The prediction's items are captioned (``unima.eval.x2caption``). Like the paper's judge, the
  judge sees no reference: coherence is a property of the response itself.
- Protocol ``unim`` (default, the released code's): **one** judge call on the dense text alone
  (``<tagN: caption>``, ``[missing]`` for a dangling or unreadable item; bare ``<image>`` tags
  bound to items first), rubric ``unim_interleaved`` (``judge_ics_unim.j2``), which returns HC
  and SH together. Protocol ``unima``: one call each (rubrics ``coherence`` and ``style``,
  ``judge_hc.j2`` / ``judge_sh.j2``) that also see the request and the item list.
- **HC** and **SH** are 1-5, mapped to ``(s - 1) / 4 * 100``. They follow the abs side of
  ``unima.eval.records.abs_rel``: ``None`` for a declined instance, 0 without a prediction line.
  An unparseable reply gives ``None`` (both, for the one ``unim`` call) and is counted.
- The offline proxy judge's HC and SH are **structural only** (label ``proxy:cues-v1
  (structural only)``): they hardly correlate with the released judged scores, so reports keep
  them (and their ICS) out of the headline tables (docs/metrics.md, "HC / SH / ICS").
- **ICS** = ``(2 * HC + SH) / 3``: HC counts twice because it covers both the semantic and the
  structural side of interleaving, SH only the stylistic one. ``ICS_abs`` / ``ICS_rel`` follow
  ``abs_rel``; ICS is ``None`` when either judge reply was unparseable.
"""

from __future__ import annotations

from typing import Any

from unima.eval.judges.base import paired_scores, to_percent
from unima.eval.records import InstanceContext, MetricValue, abs_rel
from unima.eval.semantic import JudgedMetric, verdict_details
from unima.eval.x2caption import MISSING_CAPTION, expand_placeholders, number_bare_placeholders
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
        if self.protocol == "unim":
            coherence_label = style_label = self.judge.label("unim_interleaved")
        else:
            coherence_label = self.judge.label("coherence")
            style_label = self.judge.label("style")
        coherence: float | None = None
        style: float | None = None
        coherence_details: dict[str, Any] = {}
        style_details: dict[str, Any] = {}
        if context.answered and context.prediction is not None:
            payload = self.payload(context)
            if self.protocol == "unim":
                verdict = self.judge.score("unim_interleaved", payload)
                scores = paired_scores(verdict, "unim_interleaved")
                coherence, style = to_percent(scores["coherence"]), to_percent(scores["style"])
                coherence_details = verdict_details(verdict)
                style_details = {**coherence_details, "raw_score": scores["style"]}
                coherence_details["raw_score"] = scores["coherence"]
            else:
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
        """The judge payload of an answered instance (see the module docstring)."""
        assert context.prediction is not None  # callers check context.answered
        content = context.prediction.content
        if self.protocol == "unim":
            content = number_bare_placeholders(content, tuple(context.prediction.modal))
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
        input_captions, input_problems = self.caption(
            context.input_references(content, context.prediction.modal.keys())
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
        payload = {
            "content": content,
            "response": expand_placeholders(content, captions, input_captions),
            "items": items,
        }
        if self.protocol == "unima":
            payload["request"] = context.instance.input.content
        return payload


def _placed(content: str) -> list[str]:
    return [f"{match.group(1)}{match.group(2)}" for match in PLACEHOLDER_PATTERN.finditer(content)]


def _modality(tag: str) -> str:
    match = PLACEHOLDER_PATTERN.fullmatch(f"<{tag}>")
    return match.group(1) if match else "unknown"
