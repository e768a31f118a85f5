"""What SFT and GRPO share: the stage folder, resuming, the TRL arguments both take, the run
record around training, and the merged ``final`` model."""

from __future__ import annotations

import datetime
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unima.train.trainers.config import StageSettings, TmpoConfig
from unima.train.trainers.models import FINAL_FOLDER, Precision, save_merged
from unima.train.trainers.records import RECORD_NAME, write_record
from unima.train.trainers.runs import (
    StageResult,
    clear_checkpoints,
    last_checkpoint,
    last_loss,
    reward_means,
    stage_folder,
)


@dataclass(frozen=True)
class StagePlan:
    """Where a stage runs and whether it resumes."""

    stage: str
    stage_dir: Path
    resume_from: Path | None


def plan_stage(config: TmpoConfig, stage: str, *, restart: bool = False) -> StagePlan:
    """The stage folder, emptied of checkpoints with ``restart``, else its last checkpoint.

    Under a distributed launch only the first process (``RANK`` 0) deletes.
    """
    folder = stage_folder(config.output_dir, stage)
    if restart and os.environ.get("RANK", "0") == "0":
        clear_checkpoints(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return StagePlan(stage, folder, None if restart else last_checkpoint(folder))


def trainer_arguments(
    settings: StageSettings, config: TmpoConfig, run_precision: Precision, stage_dir: Path
) -> dict[str, Any]:
    """The ``TrainingArguments`` fields SFTConfig and GRPOConfig both take."""
    return {
        "output_dir": str(stage_dir),
        "seed": config.seed,
        "data_seed": config.seed,
        "learning_rate": settings.learning_rate,
        "num_train_epochs": settings.epochs,
        "max_steps": settings.max_steps or -1,
        "per_device_train_batch_size": settings.batch_size,
        "gradient_accumulation_steps": settings.gradient_accumulation_steps,
        "warmup_steps": settings.warmup_steps,
        "weight_decay": settings.weight_decay,
        "max_grad_norm": settings.max_grad_norm,
        "logging_steps": settings.logging_steps,
        "save_strategy": "steps",
        "save_steps": settings.save_steps,
        "save_total_limit": settings.save_total_limit,
        checkpointing_argument(): settings.gradient_checkpointing,
        "use_cpu": run_precision.device == "cpu",
        "bf16": run_precision.bf16,
        "fp16": run_precision.fp16,
        "report_to": "none",
        "dataloader_num_workers": 0,
    }


def checkpointing_argument() -> str:
    """transformers' name for activation (gradient) checkpointing: newer releases renamed
    ``gradient_checkpointing`` to ``activation_checkpointing`` and warn on the old name."""
    import dataclasses

    from transformers import TrainingArguments

    names = {field.name for field in dataclasses.fields(TrainingArguments)}
    return (
        "activation_checkpointing"
        if "activation_checkpointing" in names
        else "gradient_checkpointing"
    )


def run_training(
    trainer: Any,
    plan: StagePlan,
    *,
    config: TmpoConfig,
    config_path: Path | None,
    start_model: Path,
    data_files: dict[str, str],
    examples: int,
    run_precision: Precision,
    processing: Any,
) -> StageResult:
    """Train (resuming if planned), save the merged model in ``final``, write the run record."""
    started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")

    def record(status: str, result: StageResult | None = None) -> Path:
        return write_record(
            plan.stage_dir,
            stage=plan.stage,
            config=config,
            config_path=config_path,
            start_model=start_model,
            data_files=data_files,
            device=run_precision.device,
            dtype=run_precision.dtype_name,
            status=status,
            result=result,
            started=started,
        )

    # Under accelerate or DeepSpeed every process runs this; one writes the record and model.
    main_process = bool(trainer.is_world_process_zero())
    if main_process:
        record("running")
    clock = time.perf_counter()
    output = trainer.train(
        resume_from_checkpoint=str(plan.resume_from) if plan.resume_from else None
    )
    seconds = time.perf_counter() - clock
    final_dir = plan.stage_dir / FINAL_FOLDER
    if main_process:
        save_merged(trainer.model, processing, final_dir)
    trainer.accelerator.wait_for_everyone()
    history = list(trainer.state.log_history)
    result = StageResult(
        stage=plan.stage,
        steps=int(trainer.state.global_step),
        loss=float(output.training_loss),
        last_loss=last_loss(history),
        examples=examples,
        stage_dir=plan.stage_dir,
        final_dir=final_dir,
        record_path=plan.stage_dir / RECORD_NAME,
        seconds=seconds,
        resumed_from=plan.resume_from,
        reward_means=reward_means(history),
    )
    if main_process:
        record("finished", result)
    return result
