"""Loading a model folder for training, LoRA, and saving the merged result.

Everything is local: ``local_files_only=True`` on every load (unima never downloads models).
A text model is ``AutoModelForCausalLM`` with its tokenizer; a vision-language model
(``vision: true``, Qwen2.5-VL style) is ``AutoModelForImageTextToText`` with its processor.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unima.errors import ConfigError, MissingExtraError
from unima.train.trainers.config import LoraSettings, TmpoConfig

FINAL_FOLDER = "final"


@dataclass(frozen=True)
class Precision:
    """How a run holds and computes its weights: the load dtype and the mixed-precision flag."""

    device: str
    dtype_name: str
    bf16: bool
    fp16: bool


def require_training_libraries() -> None:
    """Import the ``train`` extra's libraries once, or say how to install them.

    Raises:
        MissingExtraError: torch, transformers, trl, peft or datasets is absent.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    for module in ("torch", "transformers", "trl", "peft", "datasets", "accelerate"):
        try:
            __import__(module)
        except ImportError as error:
            raise MissingExtraError("unima train tmpo", "train", module) from error


def model_folder(path: Path, *, what: str = "model") -> Path:
    """``path`` if it holds a saved model (``config.json``), else a ``ConfigError``."""
    if not path.is_dir():
        raise ConfigError(
            f"the {what} folder {str(path)!r} does not exist; pass a local folder written by "
            "save_pretrained or a downloaded Hugging Face snapshot (unima never downloads models)"
        )
    if not (path / "config.json").is_file():
        raise ConfigError(f"the {what} folder {str(path)!r} has no config.json")
    return path


def precision(config: TmpoConfig) -> Precision:
    """The device and dtype a run uses (``auto``: bfloat16 on a GPU that has it, else float32).

    Raises:
        ConfigError: ``device: cuda`` without a visible GPU, or a half dtype on the CPU.
    """
    import torch

    device = config.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device is cuda but no CUDA GPU is visible; use device: cpu or auto")
    dtype = config.dtype
    if dtype == "auto":
        dtype = "bfloat16" if device == "cuda" and torch.cuda.is_bf16_supported() else "float32"
    if device == "cpu" and dtype != "float32":
        raise ConfigError(f"dtype {dtype} needs a GPU; use dtype: float32 (or auto) on the CPU")
    # float16 weights cannot be trained with gradient scaling, so they load as float32 and
    # the computation runs in float16 autocast; bfloat16 loads and trains as is.
    return Precision(device, dtype, bf16=dtype == "bfloat16", fp16=dtype == "float16")


def load_model(folder: Path, config: TmpoConfig, run_precision: Precision) -> tuple[Any, Any]:
    """The (model, tokenizer or processor) of ``folder`` for training.

    Raises:
        ConfigError: not a model folder, no chat template, or a load that fails (named).
    """
    import torch
    from transformers import (
        AutoModelForCausalLM,
        AutoModelForImageTextToText,
        AutoProcessor,
        AutoTokenizer,
    )

    model_folder(folder)
    dtype = torch.bfloat16 if run_precision.bf16 else torch.float32
    try:
        if config.vision:
            processing: Any = AutoProcessor.from_pretrained(folder, local_files_only=True)
            model: Any = AutoModelForImageTextToText.from_pretrained(
                folder, local_files_only=True, dtype=dtype
            )
            tokenizer = processing.tokenizer
        else:
            processing = AutoTokenizer.from_pretrained(folder, local_files_only=True)
            model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True, dtype=dtype)
            tokenizer = processing
    except (OSError, ValueError, KeyError) as error:
        raise ConfigError(f"cannot load the model in {str(folder)!r}: {error}") from None
    if not getattr(processing, "chat_template", None) and not getattr(
        tokenizer, "chat_template", None
    ):
        raise ConfigError(
            f"the model in {str(folder)!r} has no chat template; TMPO trains chat turns, so use "
            "an instruct or chat model (or save a tokenizer with one)"
        )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    # No .to(device): the trainer places the model (on this process's GPU under accelerate).
    return model, processing


def lora_config(settings: LoraSettings) -> Any:
    """peft's ``LoraConfig`` for a causal LM, or ``None`` for full fine-tuning."""
    if not settings.enabled:
        return None
    from peft import LoraConfig

    return LoraConfig(
        task_type="CAUSAL_LM",
        r=settings.r,
        lora_alpha=settings.alpha,
        lora_dropout=settings.dropout,
        target_modules=settings.target_modules,
        bias="none",
    )


def save_merged(model: Any, processing: Any, folder: Path) -> Path:
    """Merge LoRA adapters (if any) into the weights and save model and tokenizer/processor.

    The folder then loads with ``AutoModelForCausalLM`` alone, as ``transformers:PATH`` does (a
    vision-language model's with ``AutoModelForImageTextToText`` and ``AutoProcessor``).
    """
    from peft import PeftModel

    merged = model.merge_and_unload() if isinstance(model, PeftModel) else model
    folder.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(folder, safe_serialization=True)
    processing.save_pretrained(folder)
    return folder
