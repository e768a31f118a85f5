"""A tiny text-to-video pipeline (3D UNet, VAE, CLIP text encoder, scheduler), saved to a folder.

``TextToVideoSDPipeline`` is the smallest of diffusers' text-to-video pipelines: a UNet with
temporal layers over the frames of a Stable Diffusion VAE's latents. Here it is two blocks wide
with 8-pixel latents, so a 4-frame clip of 64 x 64 pixels takes a fraction of a second on a CPU.
"""

from __future__ import annotations

from pathlib import Path

from tests.tiny_models.autoencoder import tiny_vae
from tests.tiny_models.clip_text import HIDDEN_SIZE, tiny_clip_text

# Latent side; the shared tiny VAE upsamples once (x2), so clips are 16 x 16 pixels by default.
LATENT_SIZE = 8


def save_tiny_text_to_video(folder: Path, seed: int = 0) -> Path:
    """Write a random ~1 MB ``TextToVideoSDPipeline`` to ``folder`` and return the folder."""
    import torch
    from diffusers import (
        DDIMScheduler,
        TextToVideoSDPipeline,
        UNet3DConditionModel,
    )

    torch.manual_seed(seed)
    unet = UNet3DConditionModel(
        sample_size=LATENT_SIZE,
        in_channels=4,
        out_channels=4,
        layers_per_block=1,
        block_out_channels=(8, 16),
        down_block_types=("CrossAttnDownBlock3D", "DownBlock3D"),
        up_block_types=("UpBlock3D", "CrossAttnUpBlock3D"),
        cross_attention_dim=HIDDEN_SIZE,
        attention_head_dim=4,
        norm_num_groups=4,
    )
    vae = tiny_vae()
    text_encoder, tokenizer = tiny_clip_text(folder.with_name(folder.name + "-tokenizer"))
    pipeline = TextToVideoSDPipeline(
        unet=unet,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        scheduler=DDIMScheduler(
            beta_start=0.00085,
            beta_end=0.012,
            beta_schedule="scaled_linear",
            clip_sample=False,
            set_alpha_to_one=False,
        ),
    )
    # mypy reads diffusers' placeholder classes (the ones it exports without torch).
    pipeline.save_pretrained(folder)  # type: ignore[attr-defined]
    return folder
