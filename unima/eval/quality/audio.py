"""Audio GQ: the released "v4.7" statistical score (judge ``gq:audio/signal-v4.7``).

Audio items are scored as the released UniM GQ code scores them (``generate_quality/audio.py``
of liyanlin06/UniM and Shize-ZHANG/Any2Any-Evaluation-Suite: "purely statistical audio quality
scoring v4.7", no model, no training), ported from its description with its constants; the
measurements are in ``unima.eval.quality.audio_features``.

1. Decoding: the first audio stream at its own rate through the hardened ffmpeg path, channels
   averaged, resampled to 48 kHz with soxr (librosa's default), the mean removed, and leading and
   trailing digital silence (``|x| <= 1e-4``) trimmed to a 200 ms margin.
2. Effective SNR: the most favourable of three estimates, held in [-10, 50] dB: mean 20 ms frame
   level over a noise floor (the 20th percentile of quiet, flat frames, else the 10th percentile
   of all); tonal over noise-like frames by spectral flatness; and, for music, harmonic plus
   percussive over residual energy (librosa HPSS). A clip is music when its spectral contrast
   score is at least 0.22 or its chroma score at least 0.6. Mapped by a logistic of slope 0.33
   centred on 22 dB (music) or 28 dB.
3. Ten scores combined by a weighted geometric mean: SNR 3.5; structure (1 - median spectral
   flatness) 2.5; dynamic range (logistic at 8 dB, width 2) 1; loudness (BS.1770 LUFS, 1 in
   [-22, -14], ``exp(-d / 2)`` outside) 1; level (mean of clipping, DC and -60 dB silence
   scores) 1; transients 1; crest factor (1 in [10, 18] dB, ``exp(-d)`` outside) 0.8;
   bandwidth (``0.8 + 0.2 x`` with ``x`` the 95 % power frequency over 21.6 kHz) 0.3; spectral
   contrast (15-40 dB) 2.4; chroma variance (0.005-0.05) 1.2.
4. Multiplied by penalties: hard clipping ``1 / (1 + 400 r)``; middle gaps and coverage; noisy
   frames ``1 / (1 + 10 p)``; hiss (the 4-12 kHz spectral slope); 7-16 kHz energy for
   unstructured sound; low contrast at low SNR; and a music bonus at low SNR. ``q`` is held in
   [0, 1] and ``GQ = 100 q^0.7``.

The released code also computes a periodicity bonus that it never applies; it is reported in the
measurements (``periodic_bonus_unapplied``) and left out of the score, as there.

An item is failed (GQ ``None``, the reason in the details, as the released code writes ``null``)
when it does not decode, has no audio, lasts under one 400 ms loudness block after trimming
(pyloudnorm refuses such a clip, so the released scorer fails on it), or librosa is not
installed. Only the first ``MAX_SECONDS`` are scored (the released code reads the whole file);
``truncated`` says when that happened.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path
from typing import Any

import numpy as np

from unima.backends.ffmpeg import QUIET, run_ffmpeg
from unima.errors import InputError, MissingExtraError, UnimaError
from unima.eval.quality import audio_features as features
from unima.eval.quality.common import failed_value, quality_value
from unima.eval.records import MetricValue
from unima.perception.audio_signal import DECODE_TIMEOUT_S, ffmpeg_input

METHOD = "signal-v4.7"
SAMPLE_RATE = features.SAMPLE_RATE
MAX_SECONDS = 300.0
WEIGHTS = {
    "snr": 3.5,
    "structure": 2.5,
    "dynamic_range": 1.0,
    "loudness": 1.0,
    "level": 1.0,
    "transients": 1.0,
    "crest": 0.8,
    "bandwidth": 0.3,
    "contrast": 2.4,
    "chroma": 1.2,
}
LOUDNESS_RANGE = (-22.0, -14.0)
# Below this effective SNR the low-contrast penalty and the music bonus apply.
LOW_SNR_DB = 18.0
WAVE_FLOAT = 3
WAVE_EXTENSIBLE = 0xFFFE


def decode_channels_mean(path: Path, file_format: str) -> tuple[np.ndarray, int]:
    """The first audio stream at its own rate, channels averaged: ``(samples, sample_rate)``.

    ffmpeg writes 32-bit float WAV to a pipe; its header gives the rate and channel count, so
    the channels are averaged here (ffmpeg's own mono downmix weights a stereo pair by 0.707,
    not the mean the released code takes).

    Raises:
        ToolError: When ffmpeg fails (a damaged file, no audio stream).
        InputError: When ffmpeg's output is not the float WAV asked for.
    """
    command = [*QUIET, *ffmpeg_input(path, file_format), "-map", "0:a:0", "-vn", "-sn", "-dn"]
    command += ["-t", f"{MAX_SECONDS:.3f}", "-c:a", "pcm_f32le", "-f", "wav", "pipe:1"]
    completed = run_ffmpeg(command, timeout_s=DECODE_TIMEOUT_S)
    samples, channels, sample_rate = parse_float_wav(completed.stdout)
    frames = samples.size // channels
    interleaved = samples[: frames * channels].reshape(frames, channels)
    mono = interleaved.mean(axis=1, dtype=np.float32) if channels > 1 else interleaved[:, 0]
    # A hostile stream can decode to NaN or huge values.
    return np.nan_to_num(mono, nan=0.0, posinf=1.0, neginf=-1.0), sample_rate


def parse_float_wav(data: bytes) -> tuple[np.ndarray, int, int]:
    """``(interleaved float32 samples, channels, sample rate)`` of a float WAV from a pipe.

    A piped WAV has no sizes filled in (``0xFFFFFFFF``), so the data chunk runs to the end.

    Raises:
        InputError: When the bytes are not a 32-bit float WAV with a data chunk.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise InputError("ffmpeg did not write a WAV stream")
    offset, channels, sample_rate = 12, 0, 0
    while offset + 8 <= len(data):
        chunk, size = data[offset : offset + 4], struct.unpack_from("<I", data, offset + 4)[0]
        body = offset + 8
        if chunk == b"fmt ":
            tag, channels, sample_rate = struct.unpack_from("<HHI", data, body)
            bits = struct.unpack_from("<H", data, body + 14)[0]
            if tag not in (WAVE_FLOAT, WAVE_EXTENSIBLE) or bits != 32:
                raise InputError(f"ffmpeg wrote WAV format {tag} at {bits} bits, not float32")
        elif chunk == b"data":
            if channels < 1 or sample_rate < 1:
                raise InputError("the WAV stream has data before a valid format chunk")
            payload = data[body:] if size == 0xFFFFFFFF else data[body : body + size]
            usable = len(payload) - len(payload) % 4
            return np.frombuffer(payload[:usable], dtype="<f4"), channels, sample_rate
        offset = body + size + (size % 2)
    raise InputError("the WAV stream has no data chunk")


def assess(samples: np.ndarray) -> tuple[float, dict[str, float], dict[str, Any]]:
    """``(GQ, scores, measurements)`` of trimmed, mean-removed 48 kHz mono samples.

    Raises:
        InputError: For a clip shorter than one 400 ms loudness block.
        MissingExtraError: When librosa is not installed.
    """
    loudness = features.integrated_loudness(samples)  # first: it refuses too short a clip
    frequencies, magnitudes = features.magnitude_spectrogram(samples)
    power = np.mean(magnitudes**2, axis=1)
    flatness, frame_flatness = features.spectral_flatness(magnitudes)
    structure = float(np.clip(1.0 - flatness, 0.0, 1.0))
    bandwidth = float(
        np.clip(
            features.percentile_frequency(frequencies, power, 0.95) / (0.9 * SAMPLE_RATE / 2), 0, 1
        )
    )

    levels = features.frame_rms(
        samples,
        int(features.LEVEL_FRAME_S * SAMPLE_RATE),
        int(features.LEVEL_HOP_S * SAMPLE_RATE),
    )
    if levels.size == 0:
        levels = np.array([1e-12])
    count = min(levels.size, frame_flatness.size)
    levels, frame_flatness = levels[:count], frame_flatness[:count]
    levels_db = features.decibels(levels)
    quiet_and_flat = (levels_db < -45.0) & (frame_flatness > 0.6)
    if np.sum(quiet_and_flat) >= 10:
        noise_floor = np.percentile(levels[quiet_and_flat], 20)
    else:
        noise_floor = np.percentile(levels, 10)
    snr_frames = float(
        np.clip(features.decibels((np.mean(levels) + 1e-12) / (noise_floor + 1e-12)), -10, 50)
    )
    snr_flatness, noisy_share = features.flatness_snr(levels, levels_db, frame_flatness)

    contrast, contrast_db = features.contrast_score(magnitudes)
    chroma, chroma_variance = features.chroma_score(samples)
    periodic, periodic_peak = features.periodicity(samples)
    is_music = contrast >= 0.22 or chroma >= 0.6
    snr_hpss = features.hpss_snr(magnitudes) if is_music else None
    estimates = [value for value in (snr_frames, snr_flatness, snr_hpss) if value is not None]
    snr = float(np.clip(max(estimates), -10, 50))

    dynamic_range = features.dynamic_range_db(samples)
    clip_ratio = features.hard_clip_ratio(samples)
    dc_offset = float(abs(np.mean(samples)))
    silent_share = features.silence_ratio(samples)
    level = float(
        np.mean(
            [
                np.clip(1.0 - clip_ratio / 0.02, 0, 1),
                np.clip(1.0 - dc_offset / 1e-3, 0, 1),
                np.clip(1.0 - silent_share / 0.4, 0, 1),
            ]
        )
    )
    transients = features.transient_share(samples)
    crest = features.crest_db(samples)
    scores = {
        "snr": features.logistic_score(snr, 22.0 if is_music else 28.0, 0.33),
        "structure": structure,
        "dynamic_range": float(1.0 / (1.0 + np.exp(-(dynamic_range - 8.0) / 2.0))),
        "loudness": features.band_score(loudness, *LOUDNESS_RANGE, 2.0),
        "level": level,
        "transients": float(np.clip(1.0 - transients / 0.2, 0, 1)),
        "crest": features.band_score(crest, 10.0, 18.0, 1.0),
        "bandwidth": max(0.01, 0.8 + 0.2 * bandwidth),
        "contrast": max(0.01, contrast),
        "chroma": max(0.01, chroma),
    }
    base = features.weighted_geometric_mean(list(scores.values()), list(WEIGHTS.values()))

    hiss, hiss_slope = features.hiss_penalty(frequencies, power)
    high_band = features.band_energy_ratio(frequencies, power, 7000.0, 16000.0)
    gap = features.mid_gap(samples)
    gap_penalty = gap.penalty
    if gap.silent_share > 0.35:
        gap_penalty *= 1.0 / (1.0 + 4.0 * (gap.silent_share - 0.35))
    factors = {
        "clipping": 1.0 / (1.0 + 400.0 * clip_ratio),
        "gaps": float(np.clip(gap_penalty, 0.0, 1.0)),
        "noise": 1.0 / (1.0 + 10.0 * noisy_share),
        "hiss": hiss,
        "high_band": (1.0 / (1.0 + 8.0 * max(0.0, high_band - 0.22))) if structure < 0.4 else 1.0,
        "low_contrast": (
            1.0 / (1.0 + 3.2 * max(0.0, 0.12 - contrast))
            if snr < LOW_SNR_DB and contrast < 0.12
            else 1.0
        ),
        "music_bonus": (
            1.0 + 0.12 * contrast + 0.08 * chroma if is_music and snr < LOW_SNR_DB else 1.0
        ),
    }
    quality = float(np.clip(base * math.prod(factors.values()), 0.0, 1.0))
    measurements: dict[str, Any] = {
        "duration_s": samples.size / SAMPLE_RATE,
        "q01": quality,
        "geometric_mean": base,
        "factors": {name: round(value, 4) for name, value in factors.items()},
        "snr_db": snr,
        "snr_frames_db": snr_frames,
        "snr_flatness_db": snr_flatness,
        "snr_hpss_db": snr_hpss,
        "is_music": is_music,
        "spectral_flatness": flatness,
        "bandwidth_share": bandwidth,
        "dynamic_range_db": dynamic_range,
        "integrated_loudness_lufs": loudness if math.isfinite(loudness) else None,
        "clip_ratio": clip_ratio,
        "dc_offset": dc_offset,
        "silence_ratio": silent_share,
        "transient_share": transients,
        "crest_db": crest,
        "contrast_db": contrast_db,
        "chroma_variance": chroma_variance,
        "noisy_frame_share": noisy_share,
        "hiss_slope": hiss_slope,
        "high_band_share": high_band,
        "longest_mid_gap_s": gap.longest_gap_s,
        "mid_silent_share": gap.silent_share,
        "periodic_score": periodic,
        "periodic_peak": periodic_peak,
        "periodic_bonus_unapplied": structure >= 0.5 and snr >= 15.0,
    }
    return 100.0 * quality**0.7, scores, measurements


def score_samples(
    samples: np.ndarray, *, sample_rate: int = 16_000, listen: bool = True
) -> MetricValue:
    """GQ of decoded mono samples (also the sound track of a video, decoded at 16 kHz).

    ``listen`` is kept for callers of the former scorer; the released score does not listen.
    """
    del listen
    if samples.size == 0:
        return failed_value("audio", METHOD, "the audio stream decodes to no samples")
    try:
        prepared = features.trim_edges(features.to_analysis_rate(samples, sample_rate))
        score, scores, measurements = assess(prepared)
    except (InputError, MissingExtraError) as error:
        return failed_value("audio", METHOD, f"the audio cannot be scored: {error}")
    return quality_value(
        "audio", METHOD, score, subscores=scores, weights=WEIGHTS, measurements=measurements
    )


def score_audio(path: Path, file_format: str, *, listen: bool = True) -> MetricValue:
    """GQ of an audio file: ``gq:audio/signal-v4.7``; a file that cannot be scored is ``None``.

    ``listen`` is accepted for the callers of the former scorer and has no effect.
    """
    try:
        samples, sample_rate = decode_channels_mean(path, file_format)
    except UnimaError as error:  # ffmpeg failed or is missing, or wrote no float WAV
        return failed_value("audio", METHOD, f"the audio cannot be decoded: {error}")
    value = score_samples(samples, sample_rate=sample_rate, listen=listen)
    if value.value is not None:
        truncated = samples.size >= int(MAX_SECONDS * sample_rate) - sample_rate // 100
        value.details["measurements"]["truncated"] = truncated
    return value
