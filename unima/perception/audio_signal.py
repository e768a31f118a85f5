"""Decoded audio for perception: bounded ffmpeg decoding, loudness, silence and speech regions.

Audio and the audio tracks of videos are decoded by an ffmpeg subprocess (its own process, killed
after a timeout, so a hostile file cannot hang or crash the agent) into 16 kHz mono float32
samples, with the hardening of the reliability notes (§3.1): only the ``file`` protocol, the
demuxer forced from the sniffed format (a playlist disguised as MP4 is never followed), the path
given as ``file:PATH`` so it can never be read as an option, and ``-t`` bounding how much is
decoded. The samples then go to faster-whisper as an array, so no in-process decoder (PyAV) ever
sees the untrusted file.

Loudness is measured on the decoded samples (RMS and peak in dBFS; -120 dBFS stands for digital
silence, so every value stays JSON-serialisable). Speech regions come from the Silero VAD model
that faster-whisper ships; they let perception say "no speech" for music, noise and silence
instead of transcribing whisper's hallucinations.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from unima.backends.ffmpeg import QUIET, run_ffmpeg
from unima.perception.readers.media import DEMUXERS

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
SILENCE_WINDOW_S = 0.05
SILENCE_THRESHOLD_DBFS = -50.0
# The floor reported for digital silence (log of zero), so meta never holds -inf.
FLOOR_DBFS = -120.0
DECODE_TIMEOUT_S = 60.0


def ffmpeg_input(path: Path, file_format: str, *, seek_s: float | None = None) -> list[str]:
    """The hardened ffmpeg input arguments for a sniffed media file.

    Args:
        path: The media file (absolute or relative; ``file:`` keeps it from being an option).
        file_format: The sniffed format (``"mp4"``, ``"wav"`` ...); its demuxer is forced.
        seek_s: Where to start reading, in seconds (an input seek, before ``-i``).
    """
    arguments = ["-protocol_whitelist", "file"]
    if seek_s is not None:
        arguments += ["-ss", f"{math.floor(max(seek_s, 0.0) * 1000) / 1000:.3f}"]
    if file_format in DEMUXERS:
        arguments += ["-f", DEMUXERS[file_format]]
    return [*arguments, "-i", f"file:{path}"]


def decode_samples(
    path: Path, file_format: str, *, max_seconds: float, timeout_s: float = DECODE_TIMEOUT_S
) -> np.ndarray:
    """Decode at most ``max_seconds`` of the first audio stream into 16 kHz mono float32 samples.

    Raises:
        ToolError: When ffmpeg fails or runs past ``timeout_s`` (the file is damaged, or it has
            no audio stream).
    """
    command = [*QUIET, *ffmpeg_input(path, file_format), "-map", "0:a:0", "-vn", "-sn", "-dn"]
    command += ["-t", f"{max_seconds:.3f}", "-ac", "1", "-ar", str(SAMPLE_RATE)]
    command += ["-f", "f32le", "pipe:1"]
    completed = run_ffmpeg(command, timeout_s=timeout_s)
    usable = len(completed.stdout) - len(completed.stdout) % 4
    samples = np.frombuffer(completed.stdout[:usable], dtype=np.float32)
    # A hostile stream can decode to NaN or huge values; keep the signal in [-1, 1].
    return np.clip(np.nan_to_num(samples, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)


@dataclass(frozen=True)
class Loudness:
    """How loud a signal is and how much of it is silent.

    Attributes:
        rms_dbfs: Root-mean-square level of the whole signal, in dB relative to full scale.
        peak_dbfs: Level of the loudest sample, in dBFS.
        silence_ratio: Share of ``SILENCE_WINDOW_S`` windows whose RMS is below the threshold.
        windows: How many windows were measured.
    """

    rms_dbfs: float
    peak_dbfs: float
    silence_ratio: float
    windows: int


def to_dbfs(amplitude: float) -> float:
    """An amplitude in [0, 1] as dBFS, floored at ``FLOOR_DBFS``, rounded to 0.1 dB."""
    if amplitude <= 0.0 or not math.isfinite(amplitude):
        return FLOOR_DBFS
    return round(max(20.0 * math.log10(amplitude), FLOOR_DBFS), 1)


def measure_loudness(
    samples: np.ndarray,
    *,
    sample_rate: int = SAMPLE_RATE,
    window_s: float = SILENCE_WINDOW_S,
    threshold_dbfs: float = SILENCE_THRESHOLD_DBFS,
) -> Loudness:
    """RMS and peak level of ``samples`` and the share of silent windows.

    A trailing window shorter than ``window_s`` counts too: a clip shorter than one window is
    one window.
    """
    if samples.size == 0:
        return Loudness(FLOOR_DBFS, FLOOR_DBFS, 1.0, 0)
    signal = samples.astype(np.float64)
    rms = float(np.sqrt(np.mean(signal**2)))
    peak = float(np.max(np.abs(signal)))
    window = max(1, round(window_s * sample_rate))
    count = math.ceil(signal.size / window)
    padded = np.zeros(count * window)
    padded[: signal.size] = signal
    energy = (padded**2).reshape(count, window).sum(axis=1)
    lengths = np.full(count, window, dtype=np.float64)
    lengths[-1] = signal.size - (count - 1) * window
    window_rms = np.sqrt(energy / lengths)
    threshold = 10.0 ** (threshold_dbfs / 20.0)
    silent = int(np.count_nonzero(window_rms < threshold))
    return Loudness(to_dbfs(rms), to_dbfs(peak), round(silent / count, 4), count)


def speech_regions(samples: np.ndarray) -> list[tuple[float, float]] | None:
    """Stretches of speech in 16 kHz samples, as ``(start_s, end_s)``, found by Silero VAD.

    Returns:
        The regions (empty for music, noise or silence), or ``None`` when the VAD model is not
        available; the caller then transcribes without the gate.
    """
    if samples.size == 0:
        return []
    try:  # faster-whisper loads ctranslate2 and onnxruntime; only speech needs it
        from faster_whisper.vad import get_speech_timestamps
    except ImportError as error:
        logger.info("no voice activity detection (%s); transcribing without it", error)
        return None
    try:
        stamps = get_speech_timestamps(samples, sampling_rate=SAMPLE_RATE)
    except (RuntimeError, ValueError, OSError) as error:  # onnxruntime failures
        logger.warning("voice activity detection failed: %s", error)
        return None
    return [
        (round(stamp["start"] / SAMPLE_RATE, 2), round(stamp["end"] / SAMPLE_RATE, 2))
        for stamp in stamps
    ]


__all__ = [
    "FLOOR_DBFS",
    "SAMPLE_RATE",
    "SILENCE_THRESHOLD_DBFS",
    "SILENCE_WINDOW_S",
    "Loudness",
    "decode_samples",
    "ffmpeg_input",
    "measure_loudness",
    "speech_regions",
    "to_dbfs",
]
