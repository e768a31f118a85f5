"""Settings, read from ``UNIMA_*`` environment variables (pydantic-settings).

Every limit that protects the machine is here so a user can tune it in one place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """unima's settings. Each field reads ``UNIMA_<FIELD>`` from the environment."""

    model_config = SettingsConfigDict(env_prefix="UNIMA_", extra="ignore")

    trace_dir: Path = Path("traces")
    artifact_dir: Path = Field(
        default=Path(".unima/artifacts"),
        description="Content-addressed store for generated files.",
    )
    reasoner: str = Field(
        default="auto",
        description="Reasoner spec: auto (the embedded model when the 'embedded' extra is "
        "installed, else heuristic), embedded, heuristic, guided:<chat spec> or a chat spec.",
    )
    reasoning: Literal["direct", "tom"] = Field(
        default="direct",
        description="How emotion questions are reasoned: direct (as any other question) or "
        "tom (the Theory-of-Mind chain of their HitEmotion level, each mental state in the "
        "trace, answered as <think>...</think><answer>...</answer>).",
    )
    perception_llm: str | None = Field(
        default=None,
        description="A vision chat model spec that adds a caption to each perceived input.",
    )
    tool_backends: str | None = Field(
        default=None,
        description="Tool backends as TOOL=BACKEND[:LOCATION] specs separated by ';' (or a "
        'JSON object), e.g. "generate_image=diffusers:/models/sd-turbo".',
    )
    model_device: str = Field(
        default="auto",
        description="Where tool models run: auto (CUDA when torch sees a GPU, else CPU), cpu, "
        "cuda, cuda:N or mps.",
    )
    model_dtype: str = Field(
        default="auto",
        description="Tool models' weight type: auto (float16 on CUDA, float32 elsewhere), "
        "float32, float16 or bfloat16.",
    )
    image_steps: int | None = Field(
        default=None, ge=1, le=500, description="Diffusion steps per image (default: the model's)."
    )
    image_guidance: float | None = Field(
        default=None, ge=0, le=50, description="Classifier-free guidance scale of image models."
    )
    image_negative_prompt: str = Field(
        default="", max_length=1000, description="What image models should avoid drawing."
    )
    image_width: int | None = Field(
        default=None, ge=64, le=4096, description="Generated image width (default: the step's)."
    )
    image_height: int | None = Field(
        default=None, ge=64, le=4096, description="Generated image height (default: the step's)."
    )
    video_steps: int | None = Field(
        default=None, ge=1, le=500, description="Diffusion steps per video clip."
    )
    video_frames: int | None = Field(
        default=None, ge=1, le=1024, description="Frames per generated clip (default: model's)."
    )
    video_guidance: float | None = Field(
        default=None, ge=0, le=50, description="Guidance scale of video models."
    )
    speech_speaker: str | None = Field(
        default=None, description="Speaker (or voice) of multi-speaker speech models."
    )
    speech_language: str | None = Field(
        default=None, description="Language of multilingual speech models (e.g. en)."
    )
    mesh_steps: int | None = Field(
        default=None, ge=1, le=500, description="Diffusion steps per generated 3D shape."
    )
    mesh_guidance: float | None = Field(
        default=None, ge=0, le=50, description="Guidance scale of 3D shape models."
    )
    tool_api_key: str | None = Field(
        default=None,
        description="Key of hosted tool backends (openai, openai-compatible); openai falls "
        "back to OPENAI_API_KEY, which is never sent to an openai-compatible server.",
    )
    tool_max_reply_bytes: int = Field(
        default=64 * 2**20,
        ge=1024,
        description="A hosted tool backend's reply (or linked file) over this many bytes is "
        "refused unread.",
    )
    max_judge_rounds: int = Field(default=2, ge=0, le=10)
    max_parallel_steps: int = Field(default=4, ge=1, le=64)
    step_timeout_s: float = Field(default=180.0, gt=0)
    max_items_per_modality: int = Field(default=5, ge=1)
    max_items_total: int = Field(default=12, ge=1)
    llm_repair_attempts: int = Field(default=2, ge=0, le=5)
    llm_timeout_s: float = Field(
        default=120.0,
        gt=0,
        description="Wall-clock deadline of one model call (reasoner, perception model); "
        "bytes trickled by a slow server do not extend it.",
    )
    llm_budget_s: float | None = Field(
        default=600.0,
        gt=0,
        description="Total seconds the model calls of one run may take; past it, later calls "
        "are skipped and the heuristic fallback answers. None: no budget.",
    )
    llm_max_reply_bytes: int = Field(
        default=4 * 2**20,
        ge=1024,
        description="A model reply over this many bytes is refused unread.",
    )
    llm_max_tokens: int = Field(
        default=4096, ge=1, description="max_tokens sent with every model request."
    )
    embedded_model_path: Path | None = Field(
        default=None,
        description="A GGUF file the `embedded` chat model runs instead of the packaged one.",
    )
    embedded_threads: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="CPU threads of the embedded model. Default: 2 when at least 3 cores are "
        "free to this process, else 1; llama.cpp's threads spin-wait on each other, so two "
        "threads on a 2-core machine with one other busy process reply at 11 tokens/s where "
        "one thread keeps 19 (30 with two idle cores).",
    )
    embedded_context: int = Field(
        default=2048,
        ge=256,
        le=32768,
        description="Context window (prompt + reply tokens) of the embedded model; 4096 "
        "costs about 56 MiB more.",
    )
    model_cache_dir: Path | None = Field(
        default=None,
        description="Where the embedded extra's model parts are joined into one file; "
        "default: ~/.cache/unima/models ($XDG_CACHE_HOME/unima/models when set).",
    )
    speech_max_wer: float = Field(default=0.35, ge=0.0, le=1.0)
    sandbox_timeout_s: float = Field(default=60.0, gt=0)
    unsafe_exec: bool = Field(
        default=False,
        description="Allow code to run with no isolation when no sandbox tier works.",
    )
    seed: int = 0
    cache: bool = Field(
        default=True,
        description=(
            "Reuse artifacts of identical tool steps, and replies of greedy model calls "
            "asked the same prompt."
        ),
    )
    cache_path: Path | None = Field(
        default=None,
        description="The cache database; default: cache.sqlite beside the artifact store.",
    )
    cache_max_bytes: int = Field(
        default=5 << 30, ge=0, description="Prune the cache past this size."
    )

    checkpoint: bool = Field(default=True, description="Checkpoint runs so they can resume.")
    checkpoint_path: Path | None = Field(
        default=None,
        description="The checkpoint database; default: checkpoints.sqlite beside the artifact store.",
    )

    def resolved_checkpoint_path(self) -> Path:
        return self.checkpoint_path or Path(self.artifact_dir).parent / "checkpoints.sqlite"

    judge_cache_path: Path | None = Field(
        default=None,
        description="The evaluation judge cache; default: judge-cache.sqlite beside the artifact store.",
    )

    def resolved_judge_cache_path(self) -> Path:
        return self.judge_cache_path or Path(self.artifact_dir).parent / "judge-cache.sqlite"

    def resolved_cache_path(self) -> Path:
        return self.cache_path or Path(self.artifact_dir).parent / "cache.sqlite"

    def resolved_reply_cache_path(self) -> Path:
        """The model reply cache (``unima.llm.reply_cache``), beside the artifact cache."""
        return self.resolved_cache_path().with_name("replies.sqlite")


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with keyword overrides applied on top."""
    return Settings(**overrides)  # type: ignore[arg-type]
