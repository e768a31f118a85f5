"""A tiny Shap-E text-to-3D pipeline (prior, CLIP text encoder with projection, scheduler,
renderer), saved to a folder.

The sizes follow diffusers' own fast tests of ``ShapEPipeline``. The prior and the text encoder
are random; the renderer is not quite: random renderer weights give a signed distance of one sign
over the whole grid (no surface: diffusers then fails inside ``decode_to_mesh``) or a noise of
thousands of fragments. So its field is set by hand to a ball of radius about 0.6 with colours
running from blue at the bottom to red at the top, and the generated latent only nudges the
weights on the raw position (a few percent), so each prompt and seed gives a slightly different
lump. The tests see a real watertight mesh, made the way a trained model's is: latent ->
projected MLP weights -> signed distance on the 128^3 grid -> marching cubes -> vertex colours.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from tests.tiny_models.clip_text import HIDDEN_SIZE, tiny_clip_text
from tests.tiny_models.marching_cubes import marching_cubes_table

# The renderer's MLP width; its four projected weight matrices take 4 * RENDERER_WIDTH rows of
# the prior's latent, so the prior makes that many embeddings.
RENDERER_WIDTH = 8
NUM_EMBEDDINGS = 4 * RENDERER_WIDTH
EMBEDDING_WIDTH = 32
# The renderer's input: a point (x, y, z first) and its sine encodings (fixed by Shap-E).
ENCODED_POSITION_WIDTH = 93
# The shape the hand-set field draws: a ball of this radius (the volume spans -1 to 1).
BALL_RADIUS = 0.6
# Slope of the first layer on each axis, and the offset that keeps later values positive, where
# SiLU is close to the identity and so keeps their order.
AXIS_SLOPE = 3.0
OFFSET = 4.0
# How much the latent moves the first layer's weights on x, y and z.
LATENT_NUDGE = 0.05
# Hidden units: 0 carries the distance from the centre, 1 the height (for the colours).
DISTANCE_UNIT, HEIGHT_UNIT = 0, 1


def save_tiny_shap_e(folder: Path, seed: int = 0) -> Path:
    """Write a ~400 KB ``ShapEPipeline`` to ``folder`` and return the folder."""
    import torch
    from diffusers import HeunDiscreteScheduler, PriorTransformer, ShapEPipeline
    from transformers import CLIPTextModelWithProjection

    torch.manual_seed(seed)
    plain_encoder, tokenizer = tiny_clip_text(folder.with_name(folder.name + "-tokenizer"))
    # Shap-E conditions on the projected text embedding: the same config, with a projection.
    text_encoder = CLIPTextModelWithProjection(plain_encoder.config).eval()
    prior = PriorTransformer(
        num_attention_heads=2,
        attention_head_dim=16,
        embedding_dim=EMBEDDING_WIDTH,
        num_embeddings=NUM_EMBEDDINGS,
        embedding_proj_dim=HIDDEN_SIZE,
        time_embed_dim=4 * EMBEDDING_WIDTH,
        num_layers=1,
        clip_embed_dim=2 * EMBEDDING_WIDTH,
        additional_embeddings=0,
        time_embed_act_fn="gelu",
        norm_in_type="layer",
        encoder_hid_proj_type=None,
        added_emb_type=None,
    )
    scheduler = HeunDiscreteScheduler(
        beta_schedule="exp",
        num_train_timesteps=1024,
        prediction_type="sample",
        use_karras_sigmas=True,
        clip_sample=True,
        clip_sample_range=1.0,
    )
    pipeline: Any = ShapEPipeline(
        prior=prior,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        scheduler=scheduler,
        shap_e_renderer=ball_renderer(),
    )
    pipeline.save_pretrained(folder)
    return folder


def ball_renderer() -> Any:
    """A ``ShapERenderer`` whose signed distance is positive inside a ball (see the module
    docstring); its colour is red towards +z and blue towards -z."""
    import torch
    from diffusers.pipelines.shap_e import ShapERenderer

    renderer = ShapERenderer(
        param_shapes=(
            (RENDERER_WIDTH, ENCODED_POSITION_WIDTH),
            (RENDERER_WIDTH, RENDERER_WIDTH),
            (RENDERER_WIDTH, RENDERER_WIDTH),
            (RENDERER_WIDTH, RENDERER_WIDTH),
        ),
        d_latent=EMBEDDING_WIDTH,
        d_hidden=RENDERER_WIDTH,
        n_output=12,
        background=(0.1, 0.1, 0.1),
    )
    layers = renderer.mlp.mlp
    cases, masks = marching_cubes_table()
    with torch.no_grad():
        renderer.mesh_decoder.cases.copy_(cases)
        renderer.mesh_decoder.masks.copy_(masks)
        for layer in layers:
            layer.weight.zero_()
            layer.bias.zero_()
        # Layer 0: +-x, +-y, +-z on units 2-7, whose SiLUs summed pairwise (u * tanh(u / 2))
        # grow with the distance from the centre along each axis; unit 1 carries z.
        first = torch.zeros(RENDERER_WIDTH, ENCODED_POSITION_WIDTH)
        for axis in range(3):
            first[2 + 2 * axis, axis] = AXIS_SLOPE
            first[3 + 2 * axis, axis] = -AXIS_SLOPE
        first[HEIGHT_UNIT, 2] = 1.0
        layers[0].bias[HEIGHT_UNIT] = OFFSET
        # Layer 1 sums the six into the distance unit; layers 1-5 pass both units on.
        passing = torch.zeros(RENDERER_WIDTH, RENDERER_WIDTH)
        passing[DISTANCE_UNIT, DISTANCE_UNIT] = 1.0
        passing[HEIGHT_UNIT, HEIGHT_UNIT] = 1.0
        summing = passing.clone()
        summing[DISTANCE_UNIT, 2:8] = 1.0
        layers[1].bias[DISTANCE_UNIT] = OFFSET
        for layer in layers[4:6]:
            layer.weight[:, :RENDERER_WIDTH] = passing
        # Layers 0-3 take their weights from the latent: a projection whose layer norm is
        # switched off (weight 0) leaves its bias, the weights above, plus a nudge on x, y, z.
        designed = [first, summing, passing, passing]
        for name, weights in zip(renderer.params_proj.config.param_names, designed, strict=True):
            projection = renderer.params_proj.projections[name.replace(".", "__")]
            projection.proj.bias.copy_(weights.flatten())
            projection.norm.weight.zero_()
            projection.norm.bias.zero_()
            if name.endswith("mlp.0.weight"):
                projection.norm.weight[:3] = LATENT_NUDGE
            layers[int(name.split(".")[-2])].weight.copy_(weights)
        # Layer 6: signed distance = (value at the ball's radius) - distance value; colours.
        last = layers[6]
        last.weight[0, DISTANCE_UNIT] = -1.0
        surface = renderer.mlp(
            position=torch.tensor([[[BALL_RADIUS, 0.0, 0.0]]]),
            direction=None,
            ts=None,
            nerf_level="fine",
            rendering_mode="stf",
        ).signed_distance
        last.bias[0] = -math.atanh(float(surface.flatten()[0]))
        last.weight[3, HEIGHT_UNIT], last.bias[3] = 2.0, -2.0 * OFFSET  # red grows with z
        last.weight[5, HEIGHT_UNIT], last.bias[5] = -2.0, 2.0 * OFFSET  # blue shrinks with z
    return renderer
