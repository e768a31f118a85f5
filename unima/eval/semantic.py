"""Semantic Correctness (SC), the Semantic-Quality Coupled Score (SQCS) and the supporting rate.

Per instance (definitions also in docs/metrics.md):

- **SC**: every reference item and every predicted item is turned into dense text
  (``unima.eval.x2caption``: a ``--caption-model`` that sees the media, or offline perception
  captions) and spliced into its text as ``<tagN: caption>``; a missing or unreadable predicted
  item becomes ``<tagN: [missing]>``. The judge compares the whole prediction with the whole
  reference (one call per instance, not per item: the rubric is intent-aware, and an item may
  answer the request under another tag number) and scores agreement 1-5, mapped to
  ``(s - 1) / 4 * 100``. Protocol ``unim`` (default, the released code's): the judge sees the
  captioned reference and prediction only, **not the request** (rubric ``unim_semantic``,
  ``judge_sc_unim.j2``), and bare ``<image>`` tags are bound to items
  (``number_bare_placeholders``); when the release's pre-captioned answers are at hand
  (``options.extra["reference_captions"]``, a ``qapairs_caption/`` folder) the reference is
  that captioned text, as the released pipeline has it (``unima.eval.reference_captions``).
  Protocol ``unima``: the judge also sees the request (rubric ``semantic``, ``judge_sc.j2``),
  and unima captions the reference itself. Following the abs convention of
  ``unima.eval.records.abs_rel``: a declined instance (failed or empty prediction) has no SC
  (``None``, left out of the mean), one without a prediction line scores 0. An unparseable judge
  reply gives ``None`` and is counted (``unparseable_replies``), never turned into a score.
- **SQCS**: ``unima.eval.sqcs.sqcs_values`` couples this SC with the instance's GQ (from the
  quality family, which runs first): ``SC * (0.75 + 0.25 * GQ / 100)``.
- **tau** (supporting rate): 100 times the share of the reference's generated items that the
  answer supports with a usable item of the same modality (``InstanceContext.supporting_rate``;
  0 for a declined instance or one without a prediction line, 100 for an answered instance
  whose reference has no media items). It weights every ``*_rel`` value per instance
  (``rel_i = abs_i * tau_i / 100``), so with tau = 100 every ``*_abs`` equals its ``*_rel``
  (UniMA's rows in Tables 3-5), and ``rel / abs`` differs by metric, as in the paper.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from unima.eval.judges.base import Judge, JudgeVerdict, to_percent
from unima.eval.judges.cache import JudgeCache
from unima.eval.judges.resolve import resolve_judge
from unima.eval.protocols import check_protocol
from unima.eval.records import (
    InstanceContext,
    Metric,
    MetricOptions,
    MetricValue,
    abs_rel,
    supporting_rate_value,
)
from unima.eval.reference_captions import ReferenceCaptions
from unima.eval.sqcs import sqcs_values
from unima.eval.x2caption import (
    Captioner,
    VisionCaptioner,
    caption_items,
    captioner_label,
    expand_placeholders,
    number_bare_placeholders,
)
from unima.llm.chat_models import chat_model_from_spec


class JudgedMetric(Metric):
    """A metric family that builds its judge (and optional captioner) lazily, once, from options.

    ``options.judge`` is the judge spec, ``options.cache_path`` the judge cache database
    (``None``: an in-memory cache for this run; it also keeps model captions),
    ``options.extra["caption_model"]`` an optional chat model spec for X2Caption (a
    ``VisionCaptioner``; ``None``: offline perception captions), ``options.extra["protocol"]``
    the judging protocol (``unima.eval.protocols``; default ``unim``, the released code's).
    ``judge`` and ``captioner`` given here (tests, library callers) replace the specs.
    """

    def __init__(
        self,
        options: MetricOptions | None = None,
        *,
        judge: Judge | None = None,
        captioner: Captioner | None = None,
    ) -> None:
        super().__init__(options)
        self._judge = judge
        self._cache: JudgeCache | None = None
        self._captioner = captioner
        self._captioner_ready = captioner is not None
        self._lock = threading.Lock()
        self.protocol = check_protocol(self.options.extra.get("protocol"))

    def _shared_cache(self) -> JudgeCache:
        # Called under self._lock: one database for verdicts and captions.
        if self._cache is None:
            self._cache = JudgeCache(self.options.cache_path)
        return self._cache

    @property
    def judge(self) -> Judge:
        with self._lock:
            if self._judge is None:
                self._judge = resolve_judge(self.options.judge, cache=self._shared_cache())
            return self._judge

    @property
    def caption_cache(self) -> JudgeCache | None:
        """Where model captions persist (the judge cache database), once a captioner is set."""
        with self._lock:
            return self._shared_cache() if self._captioner is not None else None

    @property
    def captioner(self) -> Captioner | None:
        with self._lock:
            if not self._captioner_ready:
                spec = self.options.extra.get("caption_model")
                if spec:
                    self._captioner = VisionCaptioner(chat_model_from_spec(str(spec)))
                self._captioner_ready = True
            return self._captioner

    def caption(
        self, items: dict[str, Path | None] | dict[str, Path]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Captions of ``items`` (tag to file) and the problems, with this family's captioner."""
        return caption_items(dict(items), captioner=self.captioner, cache=self.caption_cache)

    def predicted_captions(self, context: InstanceContext) -> tuple[dict[str, str], dict[str, str]]:
        """Captions of the prediction's items (``[missing]`` for unusable ones) and problems."""
        return self.caption(context.predicted_items())

    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            "judge": self.judge.describe(),
            "captioner": captioner_label(self.captioner),
            "protocol": self.protocol,
        }

    def counters(self) -> dict[str, int]:
        return self.judge.counters.snapshot()

    def close(self) -> None:
        with self._lock:
            if self._judge is not None:
                self._judge.close()  # a cached judge closes the shared database
            elif self._cache is not None:
                self._cache.close()


def verdict_details(verdict: JudgeVerdict) -> dict[str, Any]:
    """The facts of a verdict a report keeps next to the number."""
    details: dict[str, Any] = {
        "raw_score": verdict.score,
        "reason": verdict.reason,
        "parse_ok": verdict.parse_ok,
        "cached": verdict.cached,
    }
    if verdict.error:
        details["error"] = verdict.error
    if not verdict.parse_ok:
        details["raw_reply"] = verdict.raw[:500]
    details.update(verdict.details)
    return details


class SemanticMetric(JudgedMetric):
    """SC, SQCS_abs, SQCS_rel and tau of one instance (see the module docstring)."""

    name = "semantic"
    dimension = "semantic"
    produces = ("SC", "SQCS_abs", "SQCS_rel", "tau")

    def __init__(
        self,
        options: MetricOptions | None = None,
        *,
        judge: Judge | None = None,
        captioner: Captioner | None = None,
    ) -> None:
        super().__init__(options, judge=judge, captioner=captioner)
        self._released: ReferenceCaptions | None = None
        self._released_ready = False

    @property
    def released_references(self) -> ReferenceCaptions | None:
        """The pre-captioned references (``options.extra["reference_captions"]``), if given."""
        with self._lock:
            if not self._released_ready:
                folder = self.options.extra.get("reference_captions")
                self._released = ReferenceCaptions(Path(folder)) if folder else None
                self._released_ready = True
            return self._released

    def released_reference(self, context: InstanceContext) -> str | None:
        """The instance's pre-captioned reference answer, under ``--protocol unim`` only."""
        released = self.released_references if self.protocol == "unim" else None
        return released.content(context.instance.key) if released is not None else None

    def describe(self) -> dict[str, Any]:
        released = self.released_references
        return {
            **super().describe(),
            "reference_text": (
                f"released captions from {released.folder} ({len(released)} answers)"
                if released is not None and self.protocol == "unim"
                else "captioned by unima"
            ),
        }

    @property
    def rubric(self) -> str:
        """The judge rubric of this protocol: ``unim_semantic`` (no request) or ``semantic``."""
        return "unim_semantic" if self.protocol == "unim" else "semantic"

    def score(self, context: InstanceContext) -> list[MetricValue]:
        label = self.judge.label(self.rubric)
        tau = supporting_rate_value(context)
        semantic, details = self._semantic_value(context)
        semantic_abs, _ = abs_rel(semantic, context)
        if not context.answered:
            details = {
                **details,
                "reason": "no prediction" if context.prediction is None else "declined",
            }
        semantic_value = MetricValue("SC", semantic_abs, label, details)
        return [
            semantic_value,
            *sqcs_values(semantic_value, context.previous.get("GQ"), context),
            tau,
        ]

    def _semantic_value(self, context: InstanceContext) -> tuple[float | None, dict[str, Any]]:
        if not context.answered or context.prediction is None:
            return None, {}
        reference = context.instance.output
        if reference is None:
            return None, {"reason": "the instance has no reference output"}
        released = self.released_reference(context)
        reference_captions, reference_problems = (
            ({}, {}) if released is not None else self.caption(context.reference_items())
        )
        predicted_captions, predicted_problems = self.predicted_captions(context)
        predicted_content = context.prediction.content
        reference_content = reference.content
        if self.protocol == "unim":
            # The released judges accept unnumbered tags (``<image>``): bind each to an item.
            predicted_content = number_bare_placeholders(
                predicted_content, tuple(context.prediction.modal)
            )
            reference_content = number_bare_placeholders(reference_content, tuple(reference.modal))
        # A mention of one of the request's items ("as <image1> shows") is a reference to that
        # input, captioned from its file, never a missing generated item. (A reference output
        # cannot mention an input: ``Side`` refuses a placeholder its own modal does not bind.)
        input_captions, input_problems = self.caption(
            context.input_references(predicted_content, context.prediction.modal.keys())
        )
        payload = {
            "reference": released
            if released is not None
            else expand_placeholders(reference_content, reference_captions, input_captions),
            "prediction": expand_placeholders(
                predicted_content, predicted_captions, input_captions
            ),
        }
        if self.protocol == "unima":
            payload["request"] = context.instance.input.content
        verdict = self.judge.score(self.rubric, payload)
        details = verdict_details(verdict)
        if released is not None:
            details["reference_text"] = "released captions (qapairs_caption)"
        if input_captions:
            details["input_references"] = sorted(input_captions)
        if reference_problems or predicted_problems or input_problems:
            details["item_problems"] = {
                **{f"reference {tag}": why for tag, why in reference_problems.items()},
                **{f"prediction {tag}": why for tag, why in predicted_problems.items()},
                **{f"input {tag}": why for tag, why in input_problems.items()},
            }
        return to_percent(verdict.score), details
