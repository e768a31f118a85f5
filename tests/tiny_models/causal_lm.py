"""A tiny random chat model: a 2-layer Llama and a byte-level BPE tokenizer with a chat template.

The tokenizer is trained on a few sentences of TMPO's vocabulary (the ToM step titles, the
think/answer tags, emotion words) plus any texts the caller passes, so a prompt costs a few
hundred tokens rather than one per character; byte-level BPE spells any text, so nothing is
unknown and decoding gives the text back. The tags are ordinary tokens (not special ones): TRL
decodes completions without special tokens, and the rewards must still see the tags. The chat
template is a minimal one in the ChatML spirit, with ``<|end|>`` closing each turn and ending
generation. Everything is seeded: the same arguments give the same folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

TAGS = ("<think>", "</think>", "<answer>", "</answer>")
SPECIAL = ("<pad>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>")
CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'text' %}{{ part['text'] }}{% endif %}{% endfor %}{% endif %}"
    "<|end|>\n{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
SENTENCES = (
    "Perceptual simulation: the speaker says she is not happy and her voice is loud.",
    "Affective integration: the cues point to anger rather than joy or sadness.",
    "Perspective taking: from her point of view the news is unfair.",
    "Emotion label: anger. Intent: complaint. Cause: the delay.",
    "Answer with one label from the options: happy, sad, angry, neutral, surprise, fear.",
    "Reason with a first-order Theory-of-Mind chain about what the subject feels now.",
    "The transcript reads: I can't believe this happened again. Rising pitch, fast speech.",
    "The image shows a smiling face with bright, warm colours and a caption in capitals.",
)


def save_tiny_causal_lm(
    folder: Path,
    *,
    texts: Sequence[str] = (),
    vocab_size: int = 640,
    hidden_size: int = 64,
    layers: int = 2,
    max_positions: int = 4096,
    seed: int = 0,
) -> Path:
    """Write a random Llama chat model (about 0.2 M parameters) and its tokenizer to ``folder``.

    Args:
        folder: where to save it (created).
        texts: more text to train the tokenizer on (e.g. the prompts it will read).
        vocab_size: the BPE vocabulary size (at most; a small corpus may give fewer).
        hidden_size: the model width (4 attention heads).
        layers: decoder layers.
        max_positions: the longest sequence the model accepts.
        seed: torch's seed for the random weights.
    """
    import torch
    from transformers import GenerationConfig, LlamaForCausalLM

    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = byte_level_tokenizer(
        [*SENTENCES, *texts], vocab_size=vocab_size, max_positions=max_positions
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(folder)

    end = tokenizer.convert_tokens_to_ids("<|end|>")
    pad = tokenizer.convert_tokens_to_ids("<pad>")
    config = tiny_llama_config(
        len(tokenizer), hidden_size, layers, max_positions, end, pad, tie_word_embeddings=True
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig(eos_token_id=end, pad_token_id=pad)
    model.save_pretrained(folder, safe_serialization=True)
    return folder


def byte_level_tokenizer(
    texts: Sequence[str],
    *,
    vocab_size: int,
    max_positions: int,
    extra_special: Sequence[str] = (),
) -> Any:
    """A byte-level BPE tokenizer trained on ``texts``, with the chat roles as special tokens,
    the chain tags as whole tokens and ``extra_special`` (an image token) added; no template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[*SPECIAL, *extra_special],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator(list(texts), trainer=trainer)
    backend.add_tokens(list(TAGS))
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token="<pad>",
        eos_token="<|end|>",
        additional_special_tokens=["<|system|>", "<|user|>", "<|assistant|>", *extra_special],
        model_max_length=max_positions,
    )


def tiny_llama_config(
    vocab_size: int,
    hidden_size: int,
    layers: int,
    max_positions: int,
    end: int,
    pad: int,
    **extra: Any,
) -> Any:
    """The small Llama text model both tiny models use (4 heads, MLP twice the width)."""
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=max_positions,
        bos_token_id=None,
        eos_token_id=end,
        pad_token_id=pad,
        **extra,
    )
