"""Records every metric family shares: values, the per-instance context, the metric interface.

A metric sees one ``InstanceContext`` at a time: the dataset instance (with its reference
output), the model's prediction (or ``None`` when the predictions file has no line for it), and
the two roots their relative paths resolve against. It answers a list of ``MetricValue`` (one
family may produce several names, e.g. ``StS_abs`` and ``StS_rel``). The runner collects them
into one ``InstanceScores`` per instance; the report averages each name over the instances
where its value is not ``None``.

The abs / rel convention (docs/metrics.md, "abs and rel"; use ``abs_rel``): for an instance the
model declined (its prediction is ``failed`` or empty: ``InstanceContext.answered`` is false), the
``*_abs`` value is ``None`` (left out of the average) and the ``*_rel`` value is 0; for an
answered instance ``*_rel`` is ``*_abs`` weighted by the instance's supporting rate tau_i (the
share of the reference's generated items the answer supports: ``supporting_rate``). Hence
``rel <= abs``, with equality when the model supported everything (tau = 100), as in the paper's
Tables 3-5, and ``rel / abs`` differs by metric (``unima.eval.paper_tables`` tests the rule on
every published row). An instance with no prediction line at all is a failure of the run, not a
choice of the model: it scores 0 in both.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import os
import stat
import tempfile
import threading
import warnings
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pygments.lexers import guess_lexer
from pygments.util import ClassNotFound

from unima.bench.datasets.unim.names import is_file_reference
from unima.bench.records import InstanceKey
from unima.errors import InputError
from unima.inputs.paths import check_relative_path_text, resolve_media_path
from unima.registry import Registry
from unima.types import MEDIA_MODALITIES, PLACEHOLDER_PATTERN, placeholder_tags, tag_modality

if TYPE_CHECKING:
    from unima.bench.datasets.unim import Prediction, UnimInstance

Dimension = Literal["structure", "semantic", "coherence"]

# The 13 metric names of the paper's Tables 3-5, in the order reports print them.
METRIC_NAMES: tuple[str, ...] = (
    "StS_abs",
    "StS_rel",
    "LeS_abs",
    "LeS_rel",
    "SC",
    "GQ",
    "SQCS_abs",
    "SQCS_rel",
    "tau",
    "HC",
    "SH",
    "ICS_abs",
    "ICS_rel",
)
# The dimension each metric name belongs to (the paper's three dimensions).
METRIC_DIMENSIONS: dict[str, Dimension] = {
    **dict.fromkeys(("StS_abs", "StS_rel", "LeS_abs", "LeS_rel"), "structure"),
    **dict.fromkeys(("SC", "GQ", "SQCS_abs", "SQCS_rel", "tau"), "semantic"),
    **dict.fromkeys(("HC", "SH", "ICS_abs", "ICS_rel"), "coherence"),
}


@dataclass(frozen=True)
class MetricValue:
    """One number for one instance.

    Attributes:
        name: the metric name (``StS_abs``, ``SC`` ...; see ``METRIC_NAMES``).
        value: on 0-100; ``None`` when the instance is not scorable for this name (then the
            instance is left out of that name's average, and ``details`` says why).
        judge: what produced the number: ``"structure"``, ``"proxy:all-MiniLM-L6-v2"``,
            ``"llm:gpt-4o-mini"``, ``"gq:image/brisque"`` ...
        details: JSON-serialisable facts behind the number (counts, raw judge scores, reasons).
    """

    name: str
    value: float | None
    judge: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "judge": self.judge, "details": self.details}


@dataclass(frozen=True)
class ItemProblem:
    """Why an item's file could not be used (missing, outside its root, not a regular file)."""

    side: Literal["reference", "prediction", "input"]
    tag: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.side} {self.tag} ({self.path!r}): {self.reason}"


@dataclass
class InstanceContext:
    """Everything a metric may read about one instance.

    Attributes:
        key: ``(domain, subdomain, id)``.
        instance: the dataset instance, reference output included.
        prediction: the model's prediction, or ``None`` when it has none.
        prediction_root: the folder prediction paths are relative to (the predictions file's).
        media_root: the dataset's media root; the instance's files are under
            ``instance.media_root(media_root)``.
        previous: values produced earlier for this instance by the metric families that ran
            before (registry order: structure, quality, semantic, coherence), so a coupled
            score (SQCS from SC and GQ) can read them. Filled by the runner.
    """

    key: InstanceKey
    instance: UnimInstance
    prediction: Prediction | None
    prediction_root: Path
    media_root: Path
    previous: dict[str, MetricValue] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _reference: dict[str, Path] | None = field(default=None, repr=False, compare=False)
    _predicted: dict[str, Path | None] | None = field(default=None, repr=False, compare=False)
    _inputs: dict[str, Path | None] = field(default_factory=dict, repr=False, compare=False)
    _problems: list[ItemProblem] = field(default_factory=list, repr=False, compare=False)

    @property
    def answered(self) -> bool:
        """Whether the model answered: a prediction exists, is not ``failed``, and is not empty."""
        prediction = self.prediction
        if prediction is None or prediction.status == "failed":
            return False
        return bool(prediction.content.strip() or prediction.modal)

    @property
    def supporting_rate(self) -> float:
        """tau_i on 0-1: the share of the reference's generated items the answer supports.

        For each media modality the reference output asks for (``R_m`` items), the prediction
        supports ``min(P_m, R_m)`` of them, ``P_m`` being its usable items of that modality (files
        that resolve, inline code); tau_i = sum_m min(P_m, R_m) / sum_m R_m. A reference with no
        media items is supported by any answer (1). A declined instance or one without a
        prediction line supports nothing (0). It weights every ``*_rel`` value
        (``abs_rel``) and, times 100, is the instance's ``tau`` (docs/metrics.md, "abs and rel").
        """
        if not self.answered:
            return 0.0
        reference = self.instance.output
        required = Counter(
            tag_modality(tag)
            for tag in (reference.modal if reference is not None else {})
            if _is_media_tag(tag)
        )
        if not required:
            return 1.0
        usable = Counter(
            tag_modality(tag) for tag, path in self.predicted_items().items() if path is not None
        )
        supported = sum(min(usable[modality], count) for modality, count in required.items())
        return supported / sum(required.values())

    def reference_items(self) -> dict[str, Path]:
        """The reference output's media items: tag to the absolute path of its file.

        Only tags of the six media modalities whose file resolves inside the instance's media
        folder are returned; the others are listed in ``item_problems()``. Literal ``text*``
        values are not items; an inline ``code*`` value (the code itself) is returned as a file
        holding that code (``inline_item_file``).
        """
        with self._lock:
            if self._reference is None:
                self._reference = {}
                output = self.instance.output
                root = self.instance.media_root(self.media_root)
                for tag, value in (output.modal if output is not None else {}).items():
                    if not _is_media_tag(tag):
                        continue
                    path = self._item("reference", tag, root, value)
                    if path is not None:
                        self._reference[tag] = path
            return dict(self._reference)

    def predicted_items(self) -> dict[str, Path | None]:
        """The prediction's media items: tag to its file, or ``None`` when it cannot be used.

        ``None`` means the file is missing, escapes the predictions folder, or is not a regular
        file (the reason is in ``item_problems()``); such an item scores as a failure. An inline
        ``code*`` value (``"code1": "def f(): ..."``, the form ``Prediction`` accepts) is the code
        itself, not a path: it is returned as a file holding that code (``inline_item_file``), so
        every metric reads it like the same code in a file.
        """
        with self._lock:
            if self._predicted is None:
                self._predicted = {}
                modal = self.prediction.modal if self.prediction is not None else {}
                for tag, value in modal.items():
                    if _is_media_tag(tag):
                        self._predicted[tag] = self._item(
                            "prediction", tag, self.prediction_root, value
                        )
            return dict(self._predicted)

    def predicted_texts(self) -> dict[str, str]:
        """The prediction's inline ``text*`` items (``"text1": "..."``): tag to the text itself."""
        modal = self.prediction.modal if self.prediction is not None else {}
        return {tag: value for tag, value in modal.items() if _is_text_tag(tag)}

    def input_references(self, content: str, bound: Collection[str] = ()) -> dict[str, Path | None]:
        """The instance's input items that ``content`` mentions: tag to the input's file.

        UniM numbers outputs after inputs (``unima.spec.parser.first_output_index``), so a
        placeholder naming an input item (``As <image1> shows`` when the request gave image1) is
        a reference to that input, not a generated item, unless the answer binds the tag to a
        file of its own (``bound``). ``None`` means the input's file cannot be used (the reason
        is in ``item_problems()``).

        Args:
            content: a text with ``<tagN>`` placeholders (a prediction's or a reference's).
            bound: the tags that text's own side binds to items (they are not references).
        """
        inputs = self.instance.input.modal
        tags = [
            tag
            for tag in dict.fromkeys(placeholder_tags(content))
            if tag in inputs and tag not in bound
        ]
        if not tags:
            return {}
        root = self.instance.media_root(self.media_root)
        with self._lock:
            for tag in tags:
                if tag not in self._inputs:
                    self._inputs[tag] = self._item("input", tag, root, inputs[tag])
            return {tag: self._inputs[tag] for tag in tags}

    def item_problems(self) -> list[ItemProblem]:
        """Problems met so far while resolving item files.

        Only the items some metric asked for are resolved: a structure-only run checks the
        predicted files, not the reference's.
        """
        with self._lock:
            return list(self._problems)

    def _item(
        self, side: Literal["reference", "prediction", "input"], tag: str, root: Path, value: str
    ) -> Path | None:
        if is_file_reference(tag, value):
            return self._resolve(side, tag, root, value)
        if not value.strip():
            self._problems.append(ItemProblem(side, tag, value, "the inline code is empty"))
            return None
        return inline_item_file(tag, value)

    def _resolve(
        self, side: Literal["reference", "prediction", "input"], tag: str, root: Path, relative: str
    ) -> Path | None:
        try:
            return resolver_for(root).resolve(relative)
        except InputError as error:  # UnsafePathError included: outside the root is a failure
            self._problems.append(ItemProblem(side, tag, str(relative), str(error)))
            return None


class MediaResolver:
    """``resolve_media_path`` for many files under one root, with the same rules, faster.

    The real path of the root is computed once, and folders already checked to be real folders
    (not links) are remembered, so a file costs about one ``lstat`` and one ``open``. A path
    with a symbolic link anywhere takes ``resolve_media_path`` itself, which follows the link and
    refuses it when it leads out of the root.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._real_root = os.path.realpath(self.root)
        self._root_ok = os.path.isdir(self._real_root)
        self._real_folders: set[str] = set()

    def resolve(self, relative: str) -> Path:
        """The absolute path of the regular file ``relative`` names under the root.

        Raises:
            UnsafePathError: the path is not a plain relative path or leads out of the root.
            InputError: the root or the file is missing, or the file is not a regular file.
        """
        text = check_relative_path_text(relative)
        if not self._root_ok:
            return resolve_media_path(self.root, text)  # raises the root error
        folder = text.rpartition("/")[0]
        if folder and not self._folder_is_real(folder):
            return resolve_media_path(self.root, text)
        path = os.path.join(self._real_root, text)
        try:
            descriptor = os.open(path, _OPEN_FLAGS)
        except OSError:
            # Missing, a link as the last part (ELOOP), a folder, no permission: the full check
            # follows links and gives the precise error.
            return resolve_media_path(self.root, text)
        try:
            mode = os.fstat(descriptor).st_mode
        finally:
            os.close(descriptor)
        if not stat.S_ISREG(mode):
            return resolve_media_path(self.root, text)
        return Path(path)

    def _folder_is_real(self, folder: str) -> bool:
        """Whether every component of ``folder`` is a real folder (no link) under the root."""
        if folder in self._real_folders:
            return True
        parent, _, _ = folder.rpartition("/")
        if parent and not self._folder_is_real(parent):
            return False
        try:
            mode = os.lstat(os.path.join(self._real_root, folder)).st_mode
        except OSError:
            return False
        if not stat.S_ISDIR(mode):
            return False
        self._real_folders.add(folder)  # set.add is atomic: safe across threads
        return True


_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_RESOLVERS: dict[str, MediaResolver] = {}
_RESOLVERS_LOCK = threading.Lock()
_MAX_RESOLVERS = 4096


def resolver_for(root: Path) -> MediaResolver:
    """The shared resolver of ``root`` (one per root per process; the cache is bounded)."""
    key = str(root)
    resolver = _RESOLVERS.get(key)
    if resolver is None:
        resolver = MediaResolver(root)
        with _RESOLVERS_LOCK:
            if len(_RESOLVERS) >= _MAX_RESOLVERS:
                _RESOLVERS.clear()
            _RESOLVERS[key] = resolver
    return resolver


_INLINE_LOCK = threading.Lock()
_inline_folder: tempfile.TemporaryDirectory[str] | None = None


def inline_item_file(tag: str, text: str) -> Path:
    """A file holding an inline item's text (``"code1": "def f(): ..."``), made once per content.

    The metrics read items from files (perception, the GQ scorers); an inline item is written
    to a private folder of this process (removed at exit), named by its content's sha256 and
    given the suffix of its language (``.py`` for Python, else what pygments guesses, else
    ``.txt``), so the code scores exactly like the same code in a file.
    """
    global _inline_folder
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    with _INLINE_LOCK:
        if _inline_folder is None:
            _inline_folder = tempfile.TemporaryDirectory(prefix="unima-inline-")
        folder = Path(_inline_folder.name) / digest
        path = folder / f"{tag}{_inline_suffix(text)}"
        if not path.is_file():
            folder.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


def _inline_suffix(text: str) -> str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for odd escapes is not a failure
            ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    else:
        return ".py"
    try:
        lexer = guess_lexer(text[:20000])
    except ClassNotFound:
        return ".txt"
    for pattern in getattr(lexer, "filenames", None) or ():
        suffix = pattern.removeprefix("*")
        if suffix.startswith(".") and suffix[1:].isalnum():
            return suffix
    return ".txt"


def abs_rel(value: float | None, context: InstanceContext) -> tuple[float | None, float | None]:
    """The ``(abs, rel)`` pair of a per-instance score under the suite's convention.

    Args:
        value: the score of an answered instance (ignored otherwise).
        context: the instance.

    Returns:
        ``(0, 0)`` without a prediction; ``(None, 0)`` when the model declined (failed or empty
        prediction); otherwise ``(value, value * tau_i)``, ``tau_i`` being the instance's
        supporting rate (``InstanceContext.supporting_rate``), and ``(None, None)`` when
        ``value`` is ``None``.
    """
    if context.prediction is None:
        return 0.0, 0.0
    if not context.answered:
        return None, 0.0
    if value is None:
        return None, None
    return value, round(value * context.supporting_rate, 4)


def supporting_rate_value(context: InstanceContext, note: str = "") -> MetricValue:
    """The instance's ``tau`` (0-100) with what it counted, for the semantic family and the runner."""
    prediction = context.prediction
    reference = context.instance.output
    details: dict[str, Any] = {
        "status": prediction.status if prediction is not None else "no prediction",
        "required_items": sorted(
            tag for tag in (reference.modal if reference is not None else {}) if _is_media_tag(tag)
        ),
        "usable_items": sorted(
            tag for tag, path in context.predicted_items().items() if path is not None
        )
        if context.answered
        else [],
    }
    if note:
        details["note"] = note
    return MetricValue("tau", round(100.0 * context.supporting_rate, 4), "supporting-rate", details)


def _is_media_tag(tag: str) -> bool:
    match = PLACEHOLDER_PATTERN.fullmatch(f"<{tag}>")
    return match is not None and match.group(1) in MEDIA_MODALITIES


def _is_text_tag(tag: str) -> bool:
    return tag.startswith("text") and tag[4:].isdigit()


@dataclass(frozen=True)
class MetricOptions:
    """What the runner passes to every metric family when it builds it.

    Attributes:
        judge: the judge spec (``None`` or ``"proxy"``: the offline proxy judge;
            ``"openai:MODEL"``; ``"openai-compatible:URL:MODEL"``).
        cache_path: the judge cache database (``None``: the family's default).
        extra: family-specific options, by name.
    """

    judge: str | None = None
    cache_path: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Metric(ABC):
    """One metric family. Subclasses set the class attributes and implement ``score``.

    ``score`` must be thread-safe: the runner calls it from several worker threads (one
    instance per call). Build expensive state lazily, once, under a lock.

    Args:
        options: the runner's options (judge spec, cache path, family options).
    """

    name: ClassVar[str]
    dimension: ClassVar[Dimension]
    # The metric names this family produces (a subset of METRIC_NAMES), so a report can say
    # which names are missing when the family is unavailable.
    produces: ClassVar[tuple[str, ...]] = ()

    def __init__(self, options: MetricOptions | None = None) -> None:
        self.options = options or MetricOptions()

    @abstractmethod
    def score(self, context: InstanceContext) -> list[MetricValue]:
        """The values of this family for one instance (``None`` values for not scorable)."""

    def describe(self) -> dict[str, Any]:
        """What the report records about this family: judges, models, versions."""
        return {"name": self.name, "dimension": self.dimension}

    def counters(self) -> dict[str, int]:
        """Run-wide counts the report must show (e.g. ``unparseable_replies``)."""
        return {}

    def close(self) -> None:
        """Release what ``score`` opened (caches, clients); nothing by default."""
        return


METRICS: Registry[type[Metric]] = Registry("metric")
METRICS.register("structure", "unima.eval.structure:StructureMetric")
METRICS.register("quality", "unima.eval.quality:QualityMetric")
METRICS.register("semantic", "unima.eval.semantic:SemanticMetric")
METRICS.register("coherence", "unima.eval.coherence:CoherenceMetric")


@dataclass
class InstanceScores:
    """All values of one instance, with what the report groups by."""

    key: InstanceKey
    field: str
    domain: str
    subdomain: str
    difficulty: int | None
    input_modalities: tuple[str, ...]
    output_modalities: tuple[str, ...]
    values: dict[str, MetricValue] = dataclasses.field(default_factory=dict)
    problems: list[str] = dataclasses.field(default_factory=list)
    answered: bool = True
    has_prediction: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "key": list(self.key),
            "field": self.field,
            "domain": self.domain,
            "subdomain": self.subdomain,
            "difficulty": self.difficulty,
            "input_modalities": list(self.input_modalities),
            "output_modalities": list(self.output_modalities),
            "has_prediction": self.has_prediction,
            "answered": self.answered,
            "values": {name: value.to_json() for name, value in self.values.items()},
            "problems": list(self.problems),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InstanceScores:
        return cls(
            key=(data["key"][0], data["key"][1], data["key"][2]),
            field=data["field"],
            domain=data["domain"],
            subdomain=data["subdomain"],
            difficulty=data["difficulty"],
            input_modalities=tuple(data["input_modalities"]),
            output_modalities=tuple(data["output_modalities"]),
            values={
                name: MetricValue(name, item["value"], item["judge"], item.get("details", {}))
                for name, item in data["values"].items()
            },
            problems=list(data["problems"]),
            answered=data["answered"],
            has_prediction=data["has_prediction"],
        )
