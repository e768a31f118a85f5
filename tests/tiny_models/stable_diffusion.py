"""A tiny Stable Diffusion pipeline (UNet, VAE, CLIP text encoder, scheduler), saved to a folder."""

from __future__ import annotations

from pathlib import Path

from tests.tiny_models.autoencoder import tiny_vae
from tests.tiny_models.clip_text import HIDDEN_SIZE, tiny_clip_text


def save_tiny_stable_diffusion(folder: Path, seed: int = 0) -> Path:
    """Write a random ~1 MB ``StableDiffusionPipeline`` to ``folder`` and return the folder."""
    import torch
    from diffusers import (
        EulerDiscreteScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )

    torch.manual_seed(seed)
    unet = UNet2DConditionModel(
        sample_size=8,
        in_channels=4,
        out_channels=4,
        layers_per_block=1,
        block_out_channels=(8, 16),
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=HIDDEN_SIZE,
        attention_head_dim=2,
        norm_num_groups=4,
    )
    vae = tiny_vae()
    text_encoder, tokenizer = tiny_clip_text(folder.with_name(folder.name + "-tokenizer"))
    pipeline = StableDiffusionPipeline(
        unet=unet,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        scheduler=EulerDiscreteScheduler(steps_offset=1),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipeline.save_pretrained(folder)
    return folder
