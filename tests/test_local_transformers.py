"""The local transformers chat model, on a tiny random Llama and a word-level tokenizer.

The GPU test runs the same model on CUDA: ``.venv/bin/pytest -m gpu tests/test_local_transformers.py``.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("transformers", reason="needs the transformers extra")
torch = pytest.importorskip("torch", reason="needs the transformers extra")

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage  # noqa: E402

from unima import UniMA, load_trace  # noqa: E402
from unima.errors import ConfigError, MissingExtraError  # noqa: E402
from unima.llm import local_transformers  # noqa: E402
from unima.llm.chat_models import chat_model_from_spec, parse_chat_spec  # noqa: E402
from unima.llm.local_transformers import (  # noqa: E402
    TransformersChatModel,
    fold_system_turns,
    render_chat,
)
from unima.testing import fake_toolbox  # noqa: E402

SPECIAL_TOKENS = ["[UNK]", "[PAD]", "<s>", "</s>", "<|system|>", "<|user|>", "<|assistant|>"]
WORDS = (
    "the moon pulls water tides rise fall ocean earth sun image diagram explain include one "
    'a of and is to in { } [ ] : , . " content steps'
).split()
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}<|{{ message['role'] }}|> "
    "{{ message['content'] }} {{ eos_token }} {% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)
NO_SYSTEM_TEMPLATE = (
    "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
    "{% endif %}" + CHAT_TEMPLATE
)
MESSAGES = [SystemMessage("You explain science."), HumanMessage("Explain the tides of the moon.")]


def build_tokenizer() -> Any:
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocabulary = {token: index for index, token in enumerate(SPECIAL_TOKENS + WORDS)}
    core = Tokenizer(models.WordLevel(vocab=vocabulary, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        unk_token="[UNK]",
        pad_token="[PAD]",
        bos_token="<s>",
        eos_token="</s>",
        additional_special_tokens=SPECIAL_TOKENS[4:],
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def build_checkpoint(folder: Path) -> Path:
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = build_tokenizer()
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=256,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_checkpoint(tmp_path_factory.mktemp("tiny-llama"))


def test_spec_resolves_to_a_transformers_chat_model(checkpoint: Path) -> None:
    spec = f"transformers:{checkpoint}"
    assert parse_chat_spec(spec) == ("transformers", None, str(checkpoint))
    assert parse_chat_spec("transformers:C:/models/a:b") == ("transformers", None, "C:/models/a:b")
    model = chat_model_from_spec(spec)
    assert isinstance(model, TransformersChatModel)
    assert model.model_path == str(checkpoint) and model.temperature == 0.0
    assert model.model_name == f"transformers:{checkpoint.name}"


def test_greedy_replies_are_text_and_deterministic(checkpoint: Path) -> None:
    model = TransformersChatModel(model_path=str(checkpoint), max_new_tokens=6, device="cpu")
    first = model.invoke(MESSAGES)
    second = model.invoke(MESSAGES)
    assert isinstance(first, AIMessage) and isinstance(first.content, str)
    assert first.content == second.content
    assert 0 < first.response_metadata["new_tokens"] <= 6
    # Only the new tokens are decoded: the prompt's words never come back verbatim.
    assert "science" not in first.content and "<|assistant|>" not in first.content


def test_checkpoint_is_loaded_once_across_models_and_threads(
    checkpoint: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transformers import AutoModelForCausalLM

    monkeypatch.setattr(local_transformers, "_LOADED", {})
    loads: list[str] = []
    original = AutoModelForCausalLM.from_pretrained

    def counting(*arguments: Any, **options: Any) -> Any:
        loads.append(str(arguments[0]))
        return original(*arguments, **options)

    monkeypatch.setattr(AutoModelForCausalLM, "from_pretrained", counting)
    results: list[tuple[Any, Any]] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(
                local_transformers.load_checkpoint(str(checkpoint), "cpu")
            )
        )
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    TransformersChatModel(model_path=str(checkpoint), max_new_tokens=2, device="cpu").invoke(
        MESSAGES
    )
    assert len(loads) == 1
    assert all(result[1] is results[0][1] for result in results)


def test_system_turn_is_folded_when_the_template_refuses_it(checkpoint: Path) -> None:
    tokenizer = build_tokenizer()
    tokenizer.chat_template = NO_SYSTEM_TEMPLATE
    turns = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "explain tides"},
    ]
    prompt = render_chat(tokenizer, turns)
    assert "<|system|>" not in prompt
    assert "<|user|> be brief\n\nexplain tides </s>" in prompt
    assert prompt.endswith("<|assistant|>")
    assert fold_system_turns([{"role": "system", "content": "only"}]) == [
        {"role": "user", "content": "only"}
    ]


def test_unima_falls_back_to_the_heuristic_plan_on_unusable_replies(checkpoint: Path) -> None:
    model = TransformersChatModel(model_path=str(checkpoint), max_new_tokens=8, device="cpu")
    response = UniMA(reasoner=model, tools=fake_toolbox(), llm_repair_attempts=1).respond(
        "Explain tides. Include one image."
    )
    assert response.status == "ok" and response.trace_path is not None
    assert list(response.artifacts) == ["image1"]
    trace = load_trace(response.trace_path)
    assert trace.reasoner == f"llm:transformers:{checkpoint.name}"
    assert "plan_fallback" in [event.kind for event in trace.events]
    assert trace.plans[-1].reasoner == "heuristic"


def test_missing_or_incomplete_paths_are_named(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(ConfigError, match="no-such-model"):
        TransformersChatModel(model_path=str(missing)).invoke(MESSAGES)
    empty = tmp_path / "empty-model"
    empty.mkdir()
    with pytest.raises(ConfigError, match=r"empty-model.*config\.json"):
        chat_model_from_spec(f"transformers:{empty}").invoke(MESSAGES)


def test_missing_transformers_names_the_extra(
    checkpoint: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "transformers", None)
    monkeypatch.setattr(local_transformers, "_LOADED", {})
    with pytest.raises(MissingExtraError, match=r"unima\[transformers\]"):
        local_transformers.load_checkpoint(str(checkpoint), "cpu")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_tiny_model_runs_on_cuda(checkpoint: Path) -> None:
    model = TransformersChatModel(model_path=str(checkpoint), max_new_tokens=6, device="auto")
    first = model.invoke(MESSAGES)
    second = model.invoke(MESSAGES)
    _tokenizer, loaded = local_transformers.load_checkpoint(str(checkpoint), "cuda")
    assert loaded.device.type == "cuda"
    assert loaded.dtype in (torch.bfloat16, torch.float16)
    assert isinstance(first.content, str) and first.content == second.content
    assert 0 < first.response_metadata["new_tokens"] <= 6
