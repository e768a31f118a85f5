"""The evaluation runner: match predictions to instances, run every metric family, write the report.

Predictions are matched to instances by ``(domain, subdomain, id)``, never by ``id`` alone (the
released SC script's bug: ids repeat across subdomains). An instance without a prediction is
scored (as a failure) and counted, a prediction without an instance is counted, and a metric
family that cannot be loaded is reported with its reason instead of being skipped silently.

The supporting rate tau needs nothing but the prediction and the reference's item list, so it is
given to every instance whenever the semantic family was asked for, even where that family could
not be loaded or raised: an instance whose SC failed stays in tau's denominator
(docs/metrics.md, "Not computed").
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from unima.bench.datasets.unim import Prediction, UnimInstance, UnimLoader, load_predictions
from unima.bench.records import Selection
from unima.config import load_settings
from unima.errors import ConfigError, MissingExtraError
from unima.eval.protocols import DEFAULT_PROTOCOL, OFFLINE_CAPTIONS, check_protocol
from unima.eval.records import (
    METRICS,
    InstanceContext,
    InstanceKey,
    InstanceScores,
    Metric,
    MetricOptions,
    MetricValue,
    supporting_rate_value,
)
from unima.eval.reference_captions import CAPTION_FOLDER, reference_captions_folder
from unima.eval.report import FamilyStatus, Report, build_report
from unima.eval.report_writer import write_report

logger = logging.getLogger(__name__)

# The order families run in: a later family may read earlier values (SQCS reads GQ).
DEFAULT_FAMILIES: tuple[str, ...] = ("structure", "quality", "semantic", "coherence")
# The names each default family produces, for the report of a family whose class cannot even be
# imported (a loaded class says it itself, in ``Metric.produces``).
DEFAULT_PRODUCES: dict[str, tuple[str, ...]] = {
    "structure": ("StS_abs", "StS_rel", "LeS_abs", "LeS_rel"),
    "quality": ("GQ",),
    "semantic": ("SC", "SQCS_abs", "SQCS_rel", "tau"),
    "coherence": ("HC", "SH", "ICS_abs", "ICS_rel"),
}
SUPPORTING_RATE = "tau"
SUPPORTING_RATE_FAMILY = "semantic"


ProgressCallback = Callable[[int, int], None]


def evaluate(
    data: Path,
    predictions: Path,
    out: Path,
    *,
    judge: str | None = None,
    metrics: Sequence[str] | None = None,
    workers: int = 1,
    media_root: Path | None = None,
    selection: Selection | None = None,
    cache_path: Path | None = None,
    plots: bool = True,
    progress: ProgressCallback | None = None,
    protocol: str = DEFAULT_PROTOCOL,
    caption_model: str | None = None,
    reference_captions: Path | None = None,
) -> Report:
    """Score ``predictions`` against the dataset at ``data`` and write the report under ``out``.

    Args:
        data: the UniM dataset (a folder or an ``instances.jsonl``; see ``load_unim``).
        predictions: a ``predictions.jsonl``; its item paths are relative to its folder.
        out: the report folder (``report.json``, ``report.md``, ``plots/``), created if needed.
        judge: the judge spec for the judged metrics (``None``: the offline proxy judge).
        metrics: the metric families to run (default: all of ``DEFAULT_FAMILIES``; a default
            family that cannot be loaded is reported as unavailable, a named one is an error).
        workers: threads scoring instances in parallel.
        media_root: the dataset's media root when it is not the default for ``data``.
        selection: which instances to evaluate.
        cache_path: the judge cache database (``None``: ``judge-cache.sqlite`` beside the
            artifact store, ``UNIMA_JUDGE_CACHE_PATH``).
        plots: whether to draw the PNG plots (needs matplotlib).
        progress: called with ``(done, total)`` after each instance.
        protocol: what the judges see: ``unim`` (the released code's protocol) or ``unima``
            (unima's variant); docs/metrics.md, "Judges and provenance".
        caption_model: a chat model spec that captions every item for the judges (X2Caption,
            seeing the media); ``None``: offline perception captions, labelled as such.
        reference_captions: the release's pre-captioned answers (a ``qapairs_caption/`` folder)
            that the official protocol's SC judge reads as the reference text; ``None``: the
            one inside ``data`` when ``data`` is a release folder, else unima captions the
            references. Ignored under ``protocol="unima"``.

    Returns:
        The report, also written to ``out``.

    Raises:
        InputError: the dataset or the predictions file cannot be read.
        ConfigError: a named metric family is unknown or cannot be loaded, or ``workers < 1``.
    """
    if workers < 1:
        raise ConfigError(f"workers must be at least 1, got {workers}")
    protocol = check_protocol(protocol)
    if reference_captions is not None and not Path(reference_captions).exists():
        raise ConfigError(
            f"the reference captions folder {reference_captions} does not exist; give the "
            f"release's {CAPTION_FOLDER}/ folder or leave the option out"
        )
    if reference_captions is None:
        reference_captions = reference_captions_folder(Path(data))
    if protocol != "unim":
        reference_captions = None
    selection = selection or Selection()
    loader = UnimLoader()
    load = loader.load(Path(data), media_root=media_root, on_invalid="skip", check_files=False)
    instances = loader.select(load.instances, selection)
    predictions_path = Path(predictions)
    # Files are resolved per item by InstanceContext (an unusable file fails that item only).
    predictions_load = load_predictions(predictions_path, check_files=False)
    predicted = predictions_load.predictions
    dataset_keys = {instance.key for instance in load.instances}
    unmatched = sorted(key for key in predicted if key not in dataset_keys)

    if cache_path is None:
        # Persistent by default, so a rerun with the same judge costs no judge calls.
        cache_path = load_settings().resolved_judge_cache_path()
    options = MetricOptions(
        judge=judge,
        cache_path=cache_path,
        extra={
            "protocol": protocol,
            "caption_model": caption_model or None,
            "reference_captions": str(reference_captions) if reference_captions else None,
        },
    )
    families, statuses = load_families(metrics, options)
    scorer = InstanceScorer(families, statuses, Path(predictions_load.root).resolve(), load.root)
    try:
        scores = scorer.score_all(instances, predicted, workers=workers, progress=progress)
        for family in families:
            statuses[family.name].counters = dict(family.counters())
    finally:
        for family in families:
            family.close()

    report = build_report(
        scores,
        families=statuses,
        judge=judge,
        source={
            "data": str(Path(data).resolve()),
            "media_root": str(load.root),
            "fingerprint": load.fingerprint,
            "instances_in_dataset": len(load.instances),
            "invalid_instances": [
                {
                    "key": list(item.key) if item.key else None,
                    "source": item.source,
                    "reason": item.reason,
                }
                for item in load.invalid
            ],
            "filters": filters_json(selection),
            "predictions": str(predictions_path.resolve()),
            "predictions_warnings": list(predictions_load.warnings),
            "predictions_duplicates": predictions_load.duplicates,
            "predictions_lines": len(predicted),
            "predictions_problems": list(predictions_load.problems),
            "unmatched_predictions": [list(key) for key in unmatched],
            "protocol": protocol,
            "captions": caption_model or OFFLINE_CAPTIONS,
            "reference_text": (
                f"released captions: {Path(reference_captions).resolve()}"
                if reference_captions
                else "captioned by unima"
            ),
        },
    )
    write_report(report, Path(out), plots=plots)
    return report


def filters_json(selection: Selection) -> dict[str, Any]:
    """The selection as ``report.json`` records it (the sample and seed only when sampling)."""
    unused = {"sample", "seed"} if selection.sample is None else set()
    return selection.model_dump(mode="json", exclude=unused)


def load_families(
    names: Sequence[str] | None, options: MetricOptions
) -> tuple[list[Metric], dict[str, FamilyStatus]]:
    """Build the metric families; the defaults that fail to load are reported, not raised.

    Returns:
        The loaded families in run order, and a status for every family asked for.

    Raises:
        ConfigError: a family named in ``names`` is unknown or cannot be loaded.
    """
    explicit = names is not None
    wanted = list(dict.fromkeys(names)) if names else list(DEFAULT_FAMILIES)
    if not wanted:
        raise ConfigError("no metric family asked for; name at least one (e.g. 'structure')")
    wanted.sort(
        key=lambda name: (
            DEFAULT_FAMILIES.index(name) if name in DEFAULT_FAMILIES else len(DEFAULT_FAMILIES)
        )
    )
    families: list[Metric] = []
    statuses: dict[str, FamilyStatus] = {}
    for name in wanted:
        produces = DEFAULT_PRODUCES.get(name, ())
        try:
            family_class = METRICS.get(name)
            produces = tuple(getattr(family_class, "produces", produces))
            family, description = _build_family(family_class, options)
        except Exception as error:  # a broken default family must not stop the run
            if explicit:
                if isinstance(error, ConfigError):
                    raise
                raise ConfigError(
                    f"metric family {name!r} cannot be loaded: {type(error).__name__}: {error}"
                ) from error
            reason = (
                str(error)
                if isinstance(error, MissingExtraError)
                else f"cannot be loaded: {type(error).__name__}: {error}"
            )
        else:
            families.append(family)
            statuses[name] = FamilyStatus(
                name, True, produces=tuple(family.produces), description=description
            )
            continue
        logger.info("metric family %s is unavailable: %s", name, reason)
        statuses[name] = FamilyStatus(name, False, reason=reason, produces=produces)
    return families, statuses


def _build_family(
    family_class: type[Metric], options: MetricOptions
) -> tuple[Metric, dict[str, Any]]:
    """A family and its description.

    Describing a family builds its judge, so a judge whose extra is missing fails here (and
    its family is reported unavailable) rather than on every instance.
    """
    family = family_class(options)
    try:
        return family, family.describe()
    except Exception:
        family.close()
        raise


class InstanceScorer:
    """Runs the loaded families on instances; thread-safe."""

    def __init__(
        self,
        families: Sequence[Metric],
        statuses: dict[str, FamilyStatus],
        prediction_root: Path,
        media_root: Path,
    ) -> None:
        self.families = list(families)
        self.statuses = statuses
        self.prediction_root = prediction_root
        self.media_root = media_root
        self._lock = threading.Lock()

    def score_all(
        self,
        instances: Sequence[UnimInstance],
        predicted: dict[InstanceKey, Prediction],
        *,
        workers: int = 1,
        progress: ProgressCallback | None = None,
    ) -> list[InstanceScores]:
        """Scores of every instance, in the order of ``instances``."""
        total = len(instances)
        done = 0

        def tick() -> None:
            nonlocal done
            with self._lock:
                done += 1
                current = done
            if progress is not None:
                progress(current, total)

        def one(instance: UnimInstance) -> InstanceScores:
            scores = self.score(instance, predicted.get(instance.key))
            tick()
            return scores

        if workers == 1:
            return [one(instance) for instance in instances]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="unima-eval") as pool:
            return list(pool.map(one, instances))

    def score(self, instance: UnimInstance, prediction: Prediction | None) -> InstanceScores:
        """The scores of one instance (a family that raises is counted and its values left out)."""
        context = InstanceContext(
            key=instance.key,
            instance=instance,
            prediction=prediction,
            prediction_root=self.prediction_root,
            media_root=self.media_root,
        )
        problems: list[str] = []
        for family in self.families:
            try:
                values = family.score(context)
            except Exception as error:  # one instance must not stop the run
                logger.exception("metric family %s failed on %s", family.name, instance.key)
                with self._lock:
                    self.statuses[family.name].errors += 1
                problems.append(f"{family.name} failed: {type(error).__name__}: {error}")
                failure = {
                    "error": str(error),
                    "error_type": type(error).__name__,
                    "family": family.name,
                }
                values = [
                    MetricValue(name, None, family.name, dict(failure)) for name in family.produces
                ]
            for value in values:
                context.previous[value.name] = value
        if SUPPORTING_RATE_FAMILY in self.statuses:
            current = context.previous.get(SUPPORTING_RATE)
            if current is None or current.value is None:
                context.previous[SUPPORTING_RATE] = supporting_rate(context, current)
        problems.extend(str(problem) for problem in context.item_problems())
        output_modalities = tuple(sorted(instance.output_modalities))
        return InstanceScores(
            key=instance.key,
            field=instance.field,
            domain=instance.domain,
            subdomain=instance.subdomain,
            difficulty=instance.difficulty_level,
            input_modalities=tuple(sorted(instance.input_modalities)),
            output_modalities=output_modalities,
            values=dict(context.previous),
            problems=problems,
            answered=context.answered,
            has_prediction=prediction is not None,
        )


def supporting_rate(context: InstanceContext, failed: MetricValue | None) -> MetricValue:
    """tau of one instance where the semantic family gave none (it did not run or raised).

    tau needs only the prediction and the reference's item list, so no instance drops out of it.
    """
    value = supporting_rate_value(
        context, note="computed by the runner: the semantic family gave no tau here"
    )
    if failed is not None and failed.details.get("error"):
        value.details["family_error"] = failed.details["error"]
    return value


__all__ = [
    "DEFAULT_FAMILIES",
    "FamilyStatus",
    "InstanceScorer",
    "evaluate",
    "load_families",
    "supporting_rate",
]
