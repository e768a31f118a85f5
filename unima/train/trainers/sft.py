"""Stage 1 of TMPO: supervised fine-tuning on the gold chains with TRL's ``SFTTrainer``.

The model learns ``prompt → <think>…</think><answer>…</answer>``: each chain is a user turn
and an assistant turn rendered with the model's chat template, the loss on the assistant turn
only. LoRA adapters (peft) by default, every weight with ``lora.enabled: false``. The stage ends
with the adapters merged into ``<output>/sft/final``, the start of GRPO and a model
``transformers:PATH`` loads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from unima.train.trainers.config import TmpoConfig
from unima.train.trainers.examples import sft_examples, to_dataset
from unima.train.trainers.models import (
    load_model,
    lora_config,
    model_folder,
    precision,
    require_training_libraries,
)
from unima.train.trainers.runs import StageResult
from unima.train.trainers.stage import plan_stage, run_training, trainer_arguments


def train_sft(
    config: TmpoConfig,
    *,
    config_path: Path | None = None,
    restart: bool = False,
    callbacks: list[Any] | None = None,
) -> StageResult:
    """Run stage 1 and return what it did (see the module docstring).

    Args:
        config: the checked configuration (``load_config``).
        config_path: the file it came from (hashed into the run record).
        restart: delete the stage's checkpoints instead of resuming from the last one.
        callbacks: extra ``transformers.TrainerCallback`` objects (progress, tests).

    Raises:
        MissingExtraError: the ``train`` extra is not installed.
        ConfigError: no model folder, no chat template, a bad device or dtype.
        InputError: no chains, or none left after the filters.
    """
    start_model = model_folder(config.model)
    examples = sft_examples(config.data, vision=config.vision)
    require_training_libraries()
    from transformers import set_seed
    from trl import SFTConfig, SFTTrainer

    run_precision = precision(config)
    plan = plan_stage(config, "sft", restart=restart)
    set_seed(config.seed)
    model, processing = load_model(start_model, config, run_precision)
    arguments = SFTConfig(
        **trainer_arguments(config.sft, config, run_precision, plan.stage_dir),
        max_length=config.sft.max_length,
        completion_only_loss=True,
        # A vision model's images must reach the collator; text rows carry only their turns.
        remove_unused_columns=not config.vision,
    )
    trainer = SFTTrainer(
        model=model,
        args=arguments,
        train_dataset=to_dataset(examples.rows),
        processing_class=processing,
        peft_config=lora_config(config.lora),
        callbacks=list(callbacks or []),
    )
    return run_training(
        trainer,
        plan,
        config=config,
        config_path=config_path,
        start_model=start_model,
        data_files=examples.data_files,
        examples=len(examples.rows),
        run_precision=run_precision,
        processing=processing,
    )
