"""TMPO on a real small chat model on a GPU: SFT then GRPO, a few steps each.

Run with a local model folder (nothing is downloaded), e.g. Qwen2.5-0.5B-Instruct::

    UNIMA_TMPO_MODEL=/models/Qwen2.5-0.5B-Instruct .venv/bin/pytest -m gpu tests/test_train_tmpo_gpu.py

Without ``UNIMA_TMPO_MODEL`` or without a GPU the test is skipped and says why.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

from tests.tmpo_fixtures import write_chains, write_config
from unima.train.trainers.config import load_config

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:`is_gradient_checkpointing` is deprecated:FutureWarning"),
]
REWARD_NAMES = {"structure", "content", "process", "consistency"}


@pytest.fixture
def model_folder() -> Path:
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA GPU visible")
    folder = os.environ.get("UNIMA_TMPO_MODEL")
    if not folder:
        pytest.skip(
            "set UNIMA_TMPO_MODEL to a local chat model folder (e.g. Qwen2.5-0.5B-Instruct)"
        )
    return Path(folder)


def test_sft_then_grpo_on_a_real_model(model_folder: Path, tmp_path: Path) -> None:
    from langchain_core.messages import HumanMessage

    from unima.llm.chat_models import chat_model_from_spec
    from unima.train.trainers.grpo import train_grpo
    from unima.train.trainers.sft import train_sft

    chains = write_chains(tmp_path / "chains")
    config_path = write_config(
        tmp_path,
        model_folder,
        chains,
        device="cuda",
        lora={"r": 8, "alpha": 16, "dropout": 0.0},
        sft={"learning_rate": 2e-4, "max_steps": 4, "max_length": 512},
        grpo={
            "learning_rate": 1e-5,
            "max_steps": 2,
            "batch_size": 4,
            "num_generations": 4,
            "max_completion_length": 96,
            "temperature": 0.9,
        },
    )
    config = load_config(config_path)
    sft = train_sft(config, config_path=config_path)
    assert sft.steps == 4 and math.isfinite(sft.loss)
    grpo = train_grpo(config, config_path=config_path)
    assert grpo.steps == 2 and math.isfinite(grpo.loss)
    assert set(grpo.reward_means) == REWARD_NAMES
    chat = chat_model_from_spec(f"transformers:{grpo.final_dir}", max_tokens=32)
    reply = chat.invoke([HumanMessage("Say hello.")])
    assert str(reply.content).strip()
