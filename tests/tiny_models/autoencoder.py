"""The tiny Stable Diffusion VAE that the image and video test pipelines share."""

from __future__ import annotations

from typing import Any

# 16-pixel images to 8-pixel latents with 4 channels: one downsampling block pair.
IMAGE_SIZE = 16


def tiny_vae() -> Any:
    """A random two-block ``AutoencoderKL`` (weights from torch's current seed)."""
    from diffusers import AutoencoderKL

    return AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        block_out_channels=(8, 16),
        latent_channels=4,
        norm_num_groups=4,
        sample_size=IMAGE_SIZE,
    )
