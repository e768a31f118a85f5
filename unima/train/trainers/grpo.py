"""Stage 2 of TMPO: GRPO from the SFT model with the four process-level rewards (TRL).

For each prompt the policy samples ``num_generations`` completions; each is scored
R = mu_1 R_structure + mu_2 R_content + mu_3 R_process + mu_4 R_consistency
(``unima.train.rewards``; the weights are ``grpo.reward_weights``), advantages are the rewards
normalised within the prompt's group, and a KL term with weight ``beta`` keeps the policy near
the SFT model. TRL logs each reward's mean per step as ``rewards/<name>/mean``.

The start is the merged SFT model (``<output>/sft/final``, or ``grpo.init_from``). With LoRA a
fresh adapter is trained on it, so the reference model is that same network with the adapter
switched off: the KL is to the SFT model without a second copy in memory. Full fine-tuning
loads the reference from the same folder.

A vision-language model (``vision: true``) gets each prompt's images; a batch may mix prompts
with images and text-only ones (an item whose inputs are only audio or video), which TRL 1.16's
GRPOTrainer does not pass to the processor in the form it takes (``vision_grpo_trainer``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from unima.errors import ConfigError
from unima.train.rewards import trl_reward_functions
from unima.train.trainers.config import TmpoConfig
from unima.train.trainers.examples import grpo_examples, to_dataset
from unima.train.trainers.models import (
    FINAL_FOLDER,
    load_model,
    lora_config,
    model_folder,
    precision,
    require_training_libraries,
)
from unima.train.trainers.runs import StageResult, stage_folder
from unima.train.trainers.stage import plan_stage, run_training, trainer_arguments


def grpo_start(config: TmpoConfig) -> Path:
    """The model GRPO starts from: ``grpo.init_from``, else the SFT stage's ``final`` folder.

    Raises:
        ConfigError: that folder holds no model (run ``--stage sft`` first).
    """
    folder = config.grpo.init_from or stage_folder(config.output_dir, "sft") / FINAL_FOLDER
    if not (folder / "config.json").is_file():
        raise ConfigError(
            f"GRPO starts from the SFT model, but {str(folder)!r} holds none; run "
            "`unima train tmpo --stage sft` with this config first, or set grpo.init_from"
        )
    return model_folder(folder, what="SFT model")


def train_grpo(
    config: TmpoConfig,
    *,
    config_path: Path | None = None,
    restart: bool = False,
    callbacks: list[Any] | None = None,
) -> StageResult:
    """Run stage 2 and return what it did (see the module docstring).

    Args:
        config: the checked configuration (``load_config``).
        config_path: the file it came from (hashed into the run record).
        restart: delete the stage's checkpoints instead of resuming from the last one.
        callbacks: extra ``transformers.TrainerCallback`` objects (progress, tests).

    Raises:
        MissingExtraError: the ``train`` extra is not installed.
        ConfigError: no SFT model, a bad device or dtype.
        InputError: no prompts, or none left after the filters.
    """
    start_model = grpo_start(config)
    examples = grpo_examples(config.data, vision=config.vision)
    require_training_libraries()
    from transformers import set_seed
    from trl import GRPOConfig, GRPOTrainer

    run_precision = precision(config)
    plan = plan_stage(config, "grpo", restart=restart)
    set_seed(config.seed)
    model, processing = load_model(start_model, config, run_precision)
    settings = config.grpo
    arguments = GRPOConfig(
        **trainer_arguments(settings, config, run_precision, plan.stage_dir),
        num_generations=settings.num_generations,
        beta=settings.beta,
        max_completion_length=settings.max_completion_length,
        temperature=settings.temperature,
        top_p=settings.top_p,
        reward_weights=settings.reward_weights.as_list(),
    )
    trainer_class = vision_grpo_trainer() if config.vision else GRPOTrainer
    trainer = trainer_class(
        model=model,
        reward_funcs=list[Any](trl_reward_functions()),
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


def vision_grpo_trainer() -> Any:
    """TRL's ``GRPOTrainer`` made to take batches that mix prompts with and without images.

    TRL 1.16 marks a prompt without images as ``None`` in the image lists it collects while
    generating, then hands those lists to the processor to compute the forward pass's
    ``pixel_values``; the processor accepts an empty list for a text-only prompt but refuses
    ``None`` ("only a single or a list of entries is supported but got type=NoneType"). This
    subclass turns each ``None`` into an empty list after generation (generation itself, and
    vLLM, still see TRL's own form). Batches whose prompts all have images, or none has, are
    unchanged.
    """
    from trl import GRPOTrainer

    class VisionGRPOTrainer(GRPOTrainer):
        def _generate(self, prompts: list[Any]) -> tuple[Any, ...]:
            # (prompt_ids, completion_ids, tool_mask, completions, logprobs, extra_fields,
            #  images, tool_images): the images are the seventh.
            generated = tuple(super()._generate(prompts))
            images = generated[6]
            if images is None:
                return generated
            return (*generated[:6], [found or [] for found in images], *generated[7:])

    return VisionGRPOTrainer
