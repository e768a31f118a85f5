"""Generation Quality (GQ): no-reference quality of every generated item, on 0-100.

One module per modality: image, audio and 3D port the released UniM GQ code's weight-free
scorers, the others implement published no-reference measures (the module docstrings give the formulas,
weights and citations; ``docs/metrics.md`` collects them):

==========  ===================================  =============================================
modality    judge                                measures
==========  ===================================  =============================================
image       ``gq:image/brisque-lite``            the released code's simplified BRISQUE
                                                 (MSCN shape features at 2 scales), 100 - score
audio       ``gq:audio/signal-v4.7``             the released "v4.7" score at 48 kHz mono: SNR,
                                                 structure, dynamics, BS.1770 loudness, ...
video       ``gq:video/frames-temporal``         frame NR-IQA, luminance flicker, decodability,
                                                 sound track
threeD      ``gq:threeD/nr3dq-v3``               the released NR3D-Q v3: topology, geometry,
                                                 sampling of a mesh or a point cloud (PLY)
text        ``gq:text/well-formedness``          length, distinct-3, sentences, Flesch, charset
document    ``gq:document/reopen``               reopens, text, pages, writing, structure
code        ``gq:code/static-run``               parses, runs in the sandbox, style
==========  ===================================  =============================================

An instance's GQ is the mean over its scored items: every media item of the prediction, its inline
``text*`` items, plus its text content (the "Text" entry of the paper's Quality Eval). Inline code
(``"code1": "def f(): ..."``) is scored exactly like the same code in a file
(``InstanceContext.predicted_items``). A missing file, a file of the
wrong kind, or one that does not decode or cannot be scored is a failed item: its GQ is ``None``
with the reason in the details (the released code writes ``null`` for it), and it is left out of
the mean; the metric never raises for a bad file. When no item of an answered instance could be
scored, the instance's GQ is ``None`` with a reason naming the failed items, which the report
shows as not computed. GQ follows the ``abs`` convention of ``unima.eval.records.abs_rel``:
an instance without a prediction line scores 0, one the model declined (failed or empty) has
GQ ``None`` (left out of the mean; tau and the ``rel`` variants account for it).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, ClassVar

from unima.errors import InputError
from unima.eval.quality.audio import score_audio
from unima.eval.quality.code import score_code
from unima.eval.quality.common import failed_value
from unima.eval.quality.document import score_document
from unima.eval.quality.image import score_image
from unima.eval.quality.text import score_text
from unima.eval.quality.threed import score_threed
from unima.eval.quality.video import score_video
from unima.eval.records import Dimension, InstanceContext, Metric, MetricValue
from unima.inputs.sniff import sniff
from unima.types import tag_modality

logger = logging.getLogger(__name__)

GQ_JUDGE = "gq"
# Sniffed kinds each tag modality accepts: a page image is a document, plain text is code.
ACCEPTED_KINDS: dict[str, frozenset[str]] = {
    "image": frozenset({"image"}),
    "audio": frozenset({"audio"}),
    "video": frozenset({"video"}),
    "threeD": frozenset({"threeD"}),
    "document": frozenset({"document", "image", "code"}),
    "code": frozenset({"code", "document"}),
}


def score_item(
    modality: str, path: Path | None, *, listen: bool = True, run_code: bool = True
) -> MetricValue:
    """GQ of one item whose tag names ``modality``; never raises for a bad file.

    Args:
        modality: the tag's modality (``image``, ``audio``, ``video``, ``threeD``,
            ``document``, ``code``).
        path: the item's file, or ``None`` when it is missing or outside its root.
        listen: run whisper on speech for the intelligibility sub-score.
        run_code: run Python items in the sandbox.
    """

    if path is None:
        return failed_value(modality, "missing", "the file is missing or outside its folder")
    if modality not in ACCEPTED_KINDS:
        return failed_value(modality, "unknown", f"no quality scorer for modality {modality!r}")

    try:
        sniffed = sniff(path, hint=modality)
    except InputError as error:
        return failed_value(modality, "unreadable", f"the file is not accepted: {error}")
    if sniffed.modality not in ACCEPTED_KINDS[modality]:
        return failed_value(
            modality,
            "wrong-kind",
            f"the {modality} item holds {sniffed.modality} ({sniffed.format})",
        )
    try:
        return _dispatch(modality, path, sniffed.format, sniffed.language, listen, run_code)
    except Exception as error:  # a hostile file is a failed item, never a failed evaluation
        logger.exception("quality scoring of %s failed", path)
        return failed_value(
            modality, "error", f"the scorer failed: {type(error).__name__}: {error}"
        )


def _dispatch(
    modality: str, path: Path, file_format: str, language: str | None, listen: bool, run_code: bool
) -> MetricValue:
    if modality == "image":
        return score_image(path)
    if modality == "audio":
        return score_audio(path, file_format, listen=listen)
    if modality == "video":
        return score_video(path, file_format, listen=listen)
    if modality == "threeD":
        return score_threed(path, file_format)
    if modality == "document":
        return score_document(path)

    return score_code(path, language, run=run_code)


def aggregate(items: dict[str, MetricValue]) -> MetricValue:
    """An instance's GQ: the mean over its scored items, with every item in the details.

    Failed items (value ``None``) are left out of the mean and listed in ``failed_items``; with
    no scored item the GQ is ``None`` and ``reason`` says which items failed and why.
    """
    scored = {tag: value for tag, value in items.items() if value.value is not None}
    methods = sorted({value.judge.removeprefix("gq:") for value in items.values()})
    details: dict[str, Any] = {
        "items": {tag: value.to_json() for tag, value in items.items()},
        "failed_items": sorted(tag for tag, value in items.items() if value.details.get("failed")),
    }
    if not scored:
        failures = "; ".join(
            f"{tag}: {value.details.get('reason', 'no value')}" for tag, value in items.items()
        )
        details["reason"] = f"no item could be scored ({failures})" if failures else "no items"
        return MetricValue("GQ", None, GQ_JUDGE, details)
    mean = sum(value.value or 0.0 for value in scored.values()) / len(scored)
    return MetricValue("GQ", round(mean, 2), f"{GQ_JUDGE}:{'+'.join(methods)}", details)


class QualityMetric(Metric):
    """The ``quality`` family: GQ per instance from per-item no-reference scores.

    Family options (``MetricOptions.extra``): ``gq_listen`` (default true: whisper confidence
    for speech) and ``gq_run_code`` (default true: run Python items in the sandbox).
    """

    name: ClassVar[str] = "quality"
    dimension: ClassVar[Dimension] = "semantic"
    produces: ClassVar[tuple[str, ...]] = ("GQ",)

    def score(self, context: InstanceContext) -> list[MetricValue]:

        if context.prediction is None:
            return [MetricValue("GQ", 0.0, GQ_JUDGE, {"reason": "no prediction for this instance"})]
        if not context.answered:
            return [MetricValue("GQ", None, GQ_JUDGE, {"reason": "the model declined"})]
        listen = bool(self.options.extra.get("gq_listen", True))
        run_code = bool(self.options.extra.get("gq_run_code", True))
        items: dict[str, MetricValue] = {}
        for tag, path in sorted(context.predicted_items().items()):
            items[tag] = score_item(tag_modality(tag), path, listen=listen, run_code=run_code)
        # Inline text items (``"text1": "..."``) are content the model generated, like its text.
        for tag, text in sorted(context.predicted_texts().items()):
            items[tag] = score_text(text)
        items["content"] = score_text(context.prediction.content)
        return [aggregate(items)]

    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            "judges": {
                "image": "gq:image/brisque-lite",
                "audio": "gq:audio/signal-v4.7",
                "video": "gq:video/frames-temporal",
                "threeD": "gq:threeD/nr3dq-v3",
                "text": "gq:text/well-formedness",
                "document": "gq:document/reopen",
                "code": "gq:code/static-run",
            },
            "options": {
                "gq_listen": bool(self.options.extra.get("gq_listen", True)),
                "gq_run_code": bool(self.options.extra.get("gq_run_code", True)),
            },
        }


# The name the brief uses; the registry points at ``QualityMetric``.
GenerationQualityMetric = QualityMetric

__all__ = ["GenerationQualityMetric", "QualityMetric", "aggregate", "score_item"]
