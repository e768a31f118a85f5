"""The training configuration, read from ``CONFIG.yaml`` (``unima train tmpo --config``).

One file serves both stages: the model folder, LoRA or full fine-tuning, the data, the seed,
device and dtype, then an ``sft`` and a ``grpo`` section with each stage's optimiser and length
settings. Relative paths are relative to the file's folder, so a config travels with its data.
Unknown keys are refused by name (a misspelt ``lerning_rate`` would otherwise silently train
with the default).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from unima.errors import ConfigError, MissingExtraError
from unima.train.rewards import RewardWeights

DEFAULT_WEIGHTS = RewardWeights()


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LoraSettings(_Section):
    """LoRA adapters (peft); ``enabled: false`` fine-tunes every weight instead."""

    enabled: bool = True
    r: int = Field(default=16, gt=0)
    alpha: int = Field(default=32, gt=0)
    dropout: float = Field(default=0.05, ge=0.0, lt=1.0)
    # "all-linear" is peft's shorthand for every linear layer but the output head.
    target_modules: list[str] | Literal["all-linear"] = "all-linear"


class DataSettings(_Section):
    """Where the examples come from.

    ``chains`` (``unima train chains``' ``chains.jsonl``) feeds SFT and, unless ``hitemotion``
    is given, GRPO's prompts (one per item). ``hitemotion`` (a release folder) gives GRPO its
    prompts straight from the labelled items, chains or not.
    """

    chains: Path | None = None
    hitemotion: Path | None = None
    media_root: Path | None = None
    tasks: list[str] = Field(default_factory=list)
    levels: list[int] = Field(default_factory=list)
    limit: int | None = Field(default=None, gt=0)


class StageSettings(_Section):
    """What both stages set on their TRL trainer."""

    learning_rate: float = Field(default=2e-4, gt=0.0)
    epochs: float = Field(default=1.0, gt=0.0)
    max_steps: int | None = Field(default=None, gt=0)
    batch_size: int = Field(default=4, gt=0)
    gradient_accumulation_steps: int = Field(default=1, gt=0)
    # Steps of linear warm-up, or a fraction of the run when below 1 (transformers' meaning).
    warmup_steps: float = Field(default=0.0, ge=0.0)
    weight_decay: float = Field(default=0.0, ge=0.0)
    max_grad_norm: float = Field(default=1.0, gt=0.0)
    logging_steps: int = Field(default=1, gt=0)
    save_steps: int = Field(default=50, gt=0)
    save_total_limit: int | None = Field(default=2, gt=0)
    gradient_checkpointing: bool = False


class SftSettings(StageSettings):
    """Stage 1: supervised fine-tuning on the gold chains (loss on the completion only)."""

    max_length: int = Field(default=2048, gt=0)


class RewardWeightSettings(_Section):
    """The weights mu_i of R = sum mu_i R_i (defaults: ``unima.train.rewards.RewardWeights``)."""

    structure: float = Field(default=DEFAULT_WEIGHTS.structure, ge=0.0)
    content: float = Field(default=DEFAULT_WEIGHTS.content, ge=0.0)
    process: float = Field(default=DEFAULT_WEIGHTS.process, ge=0.0)
    consistency: float = Field(default=DEFAULT_WEIGHTS.consistency, ge=0.0)

    def as_list(self) -> list[float]:
        """The weights in the order of ``trl_reward_functions`` (structure, content, process,
        consistency)."""
        return [self.structure, self.content, self.process, self.consistency]


class GrpoSettings(StageSettings):
    """Stage 2: GRPO from the SFT model, KL-regularised towards it.

    ``batch_size * gradient_accumulation_steps`` (times the number of processes) is the number
    of completions per generation round and must be a multiple of ``num_generations``.
    """

    learning_rate: float = Field(default=1e-5, gt=0.0)
    batch_size: int = Field(default=8, gt=0)
    init_from: Path | None = None
    num_generations: int = Field(default=8, ge=2)
    beta: float = Field(default=0.04, ge=0.0)
    max_completion_length: int = Field(default=512, gt=0)
    temperature: float = Field(default=1.0, gt=0.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    reward_weights: RewardWeightSettings = Field(default_factory=RewardWeightSettings)

    @model_validator(mode="after")
    def _whole_groups(self) -> GrpoSettings:
        completions = self.batch_size * self.gradient_accumulation_steps
        if completions % self.num_generations:
            raise ValueError(
                f"batch_size * gradient_accumulation_steps = {completions} completions per "
                f"round is not a multiple of num_generations = {self.num_generations}; GRPO "
                "compares whole groups of samples of one prompt"
            )
        return self


class TmpoConfig(_Section):
    """The whole ``CONFIG.yaml``.

    Attributes:
        model: the base model folder (``save_pretrained`` output or a Hub snapshot; never
            downloaded).
        vision: a vision-language model (Qwen2.5-VL style): loaded with its processor and given
            the items' images; otherwise a text-only causal LM reading perception's description.
        output_dir: the run folder; each stage writes ``<output_dir>/<stage>/``.
        seed: the seed of every random draw (data order, LoRA init, sampling).
        device: ``auto`` (CUDA when visible), ``cpu`` or ``cuda``.
        dtype: ``auto`` (bfloat16 on a GPU that has it, else float32) or a named dtype.
    """

    schema_version: Literal[1] = 1
    model: Path
    vision: bool = False
    output_dir: Path = Path("runs/tmpo")
    seed: int = 0
    device: Literal["auto", "cpu", "cuda"] = "auto"
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    lora: LoraSettings = Field(default_factory=LoraSettings)
    data: DataSettings = Field(default_factory=DataSettings)
    sft: SftSettings = Field(default_factory=SftSettings)
    grpo: GrpoSettings = Field(default_factory=GrpoSettings)


def load_config(path: Path) -> TmpoConfig:
    """Read and check ``CONFIG.yaml``; relative paths become relative to its folder.

    Raises:
        ConfigError: the file is missing, not YAML, not a mapping, has unknown keys (named) or
            bad values (each named with what is expected).
        MissingExtraError: pyyaml is not installed.
    """
    try:
        import yaml
    except ImportError as error:
        raise MissingExtraError("unima train tmpo", "train", "yaml") from error
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"training config {str(path)!r} is not a file")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ConfigError(f"training config {str(path)!r} is not readable YAML: {error}") from None
    if not isinstance(document, dict):
        raise ConfigError(
            f"training config {str(path)!r} must be a mapping of keys (model, sft, grpo, ...), "
            f"not {type(document).__name__}"
        )
    return config_from_mapping(document, base=path.resolve().parent, source=str(path))


def config_from_mapping(document: dict[str, Any], *, base: Path, source: str) -> TmpoConfig:
    """A ``TmpoConfig`` from a parsed mapping, paths resolved against ``base``.

    Raises:
        ConfigError: unknown keys or bad values, all of them named.
    """
    try:
        config = TmpoConfig.model_validate(document)
    except ValidationError as error:
        raise ConfigError(f"training config {source!r}: {describe_errors(error)}") from None
    return resolve_paths(config, base)


def describe_errors(error: ValidationError) -> str:
    """Unknown keys first, by dotted name, then each bad value with pydantic's reason."""
    unknown = [
        ".".join(str(part) for part in problem["loc"])
        for problem in error.errors()
        if problem["type"] == "extra_forbidden"
    ]
    other = [
        f"{'.'.join(str(part) for part in problem['loc']) or '(top)'}: {problem['msg']}"
        for problem in error.errors()
        if problem["type"] != "extra_forbidden"
    ]
    pieces = []
    if unknown:
        pieces.append("unknown keys " + ", ".join(unknown))
    return "; ".join(pieces + other)


def resolve_paths(config: TmpoConfig, base: Path) -> TmpoConfig:
    """``config`` with every relative path made absolute against ``base``."""

    def absolute(path: Path | None) -> Path | None:
        if path is None:
            return None
        path = path.expanduser()
        return path if path.is_absolute() else (base / path).resolve()

    data = config.data.model_copy(
        update={
            "chains": absolute(config.data.chains),
            "hitemotion": absolute(config.data.hitemotion),
            "media_root": absolute(config.data.media_root),
        }
    )
    grpo = config.grpo.model_copy(update={"init_from": absolute(config.grpo.init_from)})
    return config.model_copy(
        update={
            "model": absolute(config.model),
            "output_dir": absolute(config.output_dir),
            "data": data,
            "grpo": grpo,
        }
    )
