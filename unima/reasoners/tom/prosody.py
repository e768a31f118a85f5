"""Prosody from the audio signal: pitch, its contour, energy and speaking rate.

Audio perception measures loudness and transcribes; it does not track pitch. Here the decoded
16 kHz mono samples (``unima.backends.ffmpeg.decode_audio``) are cut into 40 ms frames every
20 ms; a frame well above the recording's quiet floor is voiced when its normalised
autocorrelation peaks above 0.5 at a lag between 60 and 500 Hz, and that lag is its pitch.
Over the voiced frames: median pitch, range (10th to 90th percentile, in semitones) and slope
(a line fitted to pitch against time, in semitones per second, positive when rising). Energy is
the RMS level in dBFS of the voiced frames; the speaking rate is words per second of the
transcript's timed segments. Plain numpy, no model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from unima.backends.ffmpeg import decode_audio

SAMPLE_RATE = 16_000
FRAME_S = 0.040
HOP_S = 0.020
LOWEST_PITCH_HZ = 60.0
HIGHEST_PITCH_HZ = 500.0
VOICING_THRESHOLD = 0.5
# A frame quieter than this below the loudest frames is silence, not voice.
QUIET_BELOW_PEAK_DB = 30.0
MAX_SECONDS = 60.0


@dataclass(frozen=True)
class Prosody:
    """Prosodic measurements of one recording.

    Attributes:
        seconds: how much audio was analysed.
        voiced_ratio: the share of frames with a pitch.
        pitch_hz: median pitch of the voiced frames (``None`` when nothing is voiced).
        pitch_range_st: 10th to 90th percentile pitch span, in semitones.
        pitch_slope_st_per_s: the fitted pitch contour's slope, semitones per second.
        energy_dbfs: RMS level of the voiced (else all non-silent) frames.
        first_voiced_s: where voicing starts, seconds.
        last_voiced_s: where it ends.
        words_per_s: speaking rate from the transcript's segments (``None`` without them).
    """

    seconds: float
    voiced_ratio: float
    pitch_hz: float | None
    pitch_range_st: float
    pitch_slope_st_per_s: float
    energy_dbfs: float
    first_voiced_s: float | None
    last_voiced_s: float | None
    words_per_s: float | None = None


def prosody_of_file(path: str | Path, segments: list[dict[str, Any]] | None = None) -> Prosody:
    """Decode ``path``'s first audio stream and measure its prosody (see ``measure_prosody``).

    Raises:
        ToolError: ffmpeg could not decode the file.
    """
    samples = decode_audio(path, sample_rate=SAMPLE_RATE, max_seconds=MAX_SECONDS)
    return measure_prosody(samples[: int(MAX_SECONDS * SAMPLE_RATE)], segments=segments)


def measure_prosody(
    samples: np.ndarray,
    *,
    sample_rate: int = SAMPLE_RATE,
    segments: list[dict[str, Any]] | None = None,
) -> Prosody:
    """Pitch, contour, energy and rate of mono float ``samples`` in [-1, 1]."""
    samples = np.asarray(samples, dtype=np.float64)
    frame = int(FRAME_S * sample_rate)
    hop = int(HOP_S * sample_rate)
    seconds = samples.size / sample_rate
    rate = words_per_second(segments or [])
    if samples.size < frame:
        return Prosody(seconds, 0.0, None, 0.0, 0.0, -120.0, None, None, rate)
    starts = np.arange(0, samples.size - frame + 1, hop)
    frames = np.stack([samples[start : start + frame] for start in starts])
    rms = np.sqrt(np.mean(frames**2, axis=1))
    levels = 20 * np.log10(np.maximum(rms, 1e-6))
    loud = levels >= levels.max() - QUIET_BELOW_PEAK_DB
    loud &= levels > -60.0
    pitches = np.full(len(frames), np.nan)
    for index in np.flatnonzero(loud):
        pitches[index] = _frame_pitch(frames[index], sample_rate)
    voiced = ~np.isnan(pitches)
    times = (starts + frame / 2) / sample_rate
    chosen = voiced if voiced.any() else loud
    energy = (
        float(20 * math.log10(max(float(np.sqrt(np.mean(rms[chosen] ** 2))), 1e-6)))
        if chosen.any()
        else -120.0
    )
    if not voiced.any():
        return Prosody(seconds, 0.0, None, 0.0, 0.0, round(energy, 1), None, None, rate)
    semitones = 12 * np.log2(pitches[voiced] / 100.0)
    slope = float(np.polyfit(times[voiced], semitones, 1)[0]) if voiced.sum() >= 3 else 0.0
    low, high = np.percentile(semitones, [10, 90])
    return Prosody(
        seconds=round(seconds, 3),
        voiced_ratio=round(float(voiced.mean()), 3),
        pitch_hz=round(float(np.median(pitches[voiced])), 1),
        pitch_range_st=round(float(high - low), 2),
        pitch_slope_st_per_s=round(slope, 2),
        energy_dbfs=round(energy, 1),
        first_voiced_s=round(float(times[voiced][0]), 2),
        last_voiced_s=round(float(times[voiced][-1]), 2),
        words_per_s=rate,
    )


def _frame_pitch(frame: np.ndarray, sample_rate: int) -> float:
    """The frame's pitch by normalised autocorrelation, or NaN when it is not voiced."""
    frame = frame - frame.mean()
    energy = float(np.dot(frame, frame))
    if energy <= 0:
        return math.nan
    correlation = np.correlate(frame, frame, mode="full")[frame.size - 1 :] / energy
    shortest = int(sample_rate / HIGHEST_PITCH_HZ)
    longest = min(int(sample_rate / LOWEST_PITCH_HZ), frame.size - 1)
    if longest <= shortest:
        return math.nan
    window = correlation[shortest : longest + 1]
    lag = int(np.argmax(window)) + shortest
    if correlation[lag] < VOICING_THRESHOLD:
        return math.nan
    # Parabolic interpolation around the peak for a pitch finer than one sample of lag.
    if shortest < lag < longest:
        before, peak, after = correlation[lag - 1], correlation[lag], correlation[lag + 1]
        denominator = before - 2 * peak + after
        if denominator != 0:
            return float(sample_rate / (lag + 0.5 * (before - after) / denominator))
    return float(sample_rate / lag)


def words_per_second(segments: list[dict[str, Any]]) -> float | None:
    """Words per second over the transcript's timed segments (``start``, ``end``, ``text``)."""
    words = 0
    seconds = 0.0
    for segment in segments:
        try:
            duration = float(segment["end"]) - float(segment["start"])
        except (KeyError, TypeError, ValueError):
            continue
        if duration > 0:
            words += len(str(segment.get("text", "")).split())
            seconds += duration
    return round(words / seconds, 2) if seconds > 0 and words else None
