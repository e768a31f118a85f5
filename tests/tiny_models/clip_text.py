"""A tiny CLIP text encoder and byte-pair tokenizer, the text side of diffusion pipelines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# A byte-level BPE vocabulary of printable characters (with CLIP's end-of-word forms) and the
# special tokens; merges are empty, so every word is spelled out character by character.
CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789.,!?'-:;()"
HIDDEN_SIZE = 32


def tiny_clip_text(folder: Path) -> tuple[Any, Any]:
    """A (text encoder, tokenizer) pair: 2 layers of width 32, a 100-token vocabulary."""
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    vocabulary: dict[str, int] = {}
    for character in CHARACTERS:
        vocabulary[character] = len(vocabulary)
        vocabulary[character + "</w>"] = len(vocabulary)
    for special in ("<|startoftext|>", "<|endoftext|>"):
        vocabulary[special] = len(vocabulary)
    (folder / "vocab.json").write_text(json.dumps(vocabulary))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    tokenizer = CLIPTokenizer(
        str(folder / "vocab.json"), str(folder / "merges.txt"), model_max_length=16
    )
    config = CLIPTextConfig(
        vocab_size=len(vocabulary),
        hidden_size=HIDDEN_SIZE,
        intermediate_size=37,
        num_hidden_layers=2,
        num_attention_heads=4,
        max_position_embeddings=16,
        projection_dim=HIDDEN_SIZE,
        bos_token_id=vocabulary["<|startoftext|>"],
        eos_token_id=vocabulary["<|endoftext|>"],
        pad_token_id=vocabulary["<|endoftext|>"],
    )
    return CLIPTextModel(config).eval(), tokenizer
