"""A tiny random vision-language chat model: a LLaVA (a 2-layer CLIP vision tower, a projector
and a 2-layer Llama) with its image processor and a byte-level BPE tokenizer.

Why LLaVA and not Qwen2-VL: transformers 5's Qwen-VL processors carry a video processor, and
every video processor needs torchvision, which unima's ``train`` extra does not install; a
``LlavaProcessor`` is an image processor (the PIL one) and a tokenizer, nothing more. TRL's
vision support handles both families (its SFT collator runs the processor over each batch's
images; GRPO slices ``pixel_values`` per prompt, one tensor per image for LLaVA).

Everything is shrunk so an image costs a handful of tokens: images are resized and cropped to
32x32 pixels, cut into 8x8 patches, and the 16 patch features (the class token dropped) become
16 ``<image>`` tokens in the text. The tokenizer is trained like ``causal_lm``'s (TMPO's
vocabulary plus the caller's texts); ``<image>`` is a special token, the chat template writes it
once per image part of a message (the parts TRL's ``prepare_multimodal_messages`` makes from an
``images`` column), and the processor repeats it once per patch. Everything is seeded: the same
arguments give the same folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tests.tiny_models.causal_lm import SENTENCES, byte_level_tokenizer, tiny_llama_config

IMAGE_TOKEN = "<image>"
CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}<image>\n"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}{% endfor %}{% endif %}"
    "<|end|>\n{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
IMAGE_SIZE = 32
PATCH_SIZE = 8
IMAGE_TOKENS = (IMAGE_SIZE // PATCH_SIZE) ** 2


def save_tiny_vision_lm(
    folder: Path,
    *,
    texts: Sequence[str] = (),
    vocab_size: int = 640,
    hidden_size: int = 64,
    layers: int = 2,
    vision_width: int = 32,
    max_positions: int = 4096,
    seed: int = 0,
) -> Path:
    """Write a random LLaVA chat model (about 0.3 M parameters) and its processor to ``folder``;
    it loads with ``AutoModelForImageTextToText`` and ``AutoProcessor``.

    Args:
        folder: where to save it (created).
        texts: more text to train the tokenizer on (e.g. the prompts it will read).
        vocab_size: the BPE vocabulary size (at most; a small corpus may give fewer).
        hidden_size: the language model's width (4 attention heads).
        layers: decoder layers.
        vision_width: the vision tower's width (2 layers of 2 heads).
        max_positions: the longest sequence the model accepts.
        seed: torch's seed for the random weights.
    """
    import torch
    from transformers import (
        CLIPVisionConfig,
        GenerationConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaImageProcessorPil,
        LlavaProcessor,
    )

    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = byte_level_tokenizer(
        [*SENTENCES, *texts],
        vocab_size=vocab_size,
        max_positions=max_positions,
        extra_special=(IMAGE_TOKEN,),
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    image_processor = LlavaImageProcessorPil(
        size={"shortest_edge": IMAGE_SIZE},
        crop_size={"height": IMAGE_SIZE, "width": IMAGE_SIZE},
    )
    processor = LlavaProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        patch_size=PATCH_SIZE,
        vision_feature_select_strategy="default",
        chat_template=CHAT_TEMPLATE,
        image_token=IMAGE_TOKEN,
        # CLIP adds a class token; the "default" strategy drops it again.
        num_additional_image_tokens=1,
    )
    processor.save_pretrained(folder)

    end = tokenizer.convert_tokens_to_ids("<|end|>")
    pad = tokenizer.convert_tokens_to_ids("<pad>")
    config = LlavaConfig(
        vision_config=CLIPVisionConfig(
            hidden_size=vision_width,
            intermediate_size=vision_width * 2,
            projection_dim=vision_width,
            num_hidden_layers=2,
            num_attention_heads=2,
            image_size=IMAGE_SIZE,
            patch_size=PATCH_SIZE,
        ),
        text_config=tiny_llama_config(len(tokenizer), hidden_size, layers, max_positions, end, pad),
        image_token_index=tokenizer.convert_tokens_to_ids(IMAGE_TOKEN),
        image_seq_length=IMAGE_TOKENS,
        vision_feature_select_strategy="default",
        vision_feature_layer=-2,
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    model = LlavaForConditionalGeneration(config)
    model.generation_config = GenerationConfig(eos_token_id=end, pad_token_id=pad)
    model.save_pretrained(folder, safe_serialization=True)
    return folder
