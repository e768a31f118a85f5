"""Settings, read from ``UNIMA_*`` environment variables (pydantic-settings).

Every limit that protects the machine is here so a user can tune it in one place.
"""

from __future__ import annotations

from pathlib import Path

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
    reasoner: str = "heuristic"
    max_judge_rounds: int = Field(default=2, ge=0, le=10)
    max_parallel_steps: int = Field(default=4, ge=1, le=64)
    step_timeout_s: float = Field(default=180.0, gt=0)
    max_items_per_modality: int = Field(default=5, ge=1)
    max_items_total: int = Field(default=12, ge=1)
    llm_repair_attempts: int = Field(default=2, ge=0, le=5)
    llm_timeout_s: float = Field(default=120.0, gt=0)
    speech_max_wer: float = Field(default=0.35, ge=0.0, le=1.0)
    sandbox_timeout_s: float = Field(default=60.0, gt=0)
    unsafe_exec: bool = Field(
        default=False,
        description="Allow code to run with no isolation when no sandbox tier works.",
    )
    seed: int = 0


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with keyword overrides applied on top."""
    return Settings(**overrides)  # type: ignore[arg-type]
