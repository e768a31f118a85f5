"""A tiny random Coqui VITS model (text encoder, flow, HiFi-GAN decoder), saved as Coqui saves one.

The folder holds ``config.json`` and ``model.pth`` (``{"model": state_dict}``), and for a
multi-speaker or multilingual model ``speaker_ids.json`` / ``language_ids.json``, which the config
names by absolute path, as a trained or downloaded Coqui model's does. The tokenizer spells
characters (no phonemizer), so nothing but coqui-tts and torch is needed; the voice is noise.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

# The decoder upsamples each spectrogram frame to hop_length (256) samples: 8 * 8 * 4.
UPSAMPLE_RATES = [8, 8, 4]
# Spectrogram frames per token the duration predictor starts from, as a trained voice speaks
# (random weights would give about one, the least VITS rounds up to, which no speed shortens).
FRAMES_PER_TOKEN = 3.0


def save_tiny_vits(
    folder: Path,
    *,
    speakers: Sequence[str] = (),
    languages: Sequence[str] = (),
    seed: int = 0,
    moved_from: str | None = None,
) -> Path:
    """Write a random ~1 MB VITS model to ``folder`` and return the folder.

    Args:
        folder: where to save it (created).
        speakers: speaker names, for a multi-speaker model (a speaker embedding per name).
        languages: language names, for a multilingual model (a language embedding per name).
        seed: torch's seed for the random weights.
        moved_from: a folder the config's side-file paths name instead of ``folder``, as in a
            model copied from where it was trained (the files themselves are in ``folder``).
    """
    import torch
    from TTS.tts.configs.vits_config import VitsArgs, VitsConfig
    from TTS.tts.models.vits import Vits

    folder.mkdir(parents=True, exist_ok=True)
    arguments = VitsArgs(
        hidden_channels=16,
        hidden_channels_ffn_text_encoder=32,
        num_heads_text_encoder=2,
        num_layers_text_encoder=1,
        num_layers_posterior_encoder=1,
        num_layers_flow=1,
        resblock_kernel_sizes_decoder=[3],
        resblock_dilation_sizes_decoder=[[1, 3, 5]],
        upsample_rates_decoder=UPSAMPLE_RATES,
        upsample_kernel_sizes_decoder=[16, 16, 8],
        upsample_initial_channel_decoder=16,
        use_sdp=False,
        init_discriminator=False,
        speaker_embedding_channels=8,
    )
    if speakers:
        (folder / "speaker_ids.json").write_text(
            json.dumps({name: index for index, name in enumerate(speakers)})
        )
        arguments.use_speaker_embedding = True
        arguments.speakers_file = str(folder / "speaker_ids.json")
    if languages:
        (folder / "language_ids.json").write_text(
            json.dumps({name: index for index, name in enumerate(languages)})
        )
        arguments.use_language_embedding = True
        arguments.language_ids_file = str(folder / "language_ids.json")
    config = VitsConfig(
        model_args=arguments,
        use_phonemes=False,
        text_cleaner="basic_cleaners",
        phoneme_language=None if languages else "en",
        test_sentences=[],
    )
    torch.manual_seed(seed)
    model = Vits(config)
    with torch.no_grad():  # the predictor gives log durations
        model.duration_predictor.proj.bias.fill_(math.log(FRAMES_PER_TOKEN))
    config.save_json(str(folder / "config.json"))
    torch.save({"model": model.state_dict()}, folder / "model.pth")
    if moved_from is not None:
        text = (folder / "config.json").read_text()
        (folder / "config.json").write_text(text.replace(str(folder), moved_from))
    return folder
