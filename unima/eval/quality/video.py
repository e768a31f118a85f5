"""No-reference video quality: frames, temporal stability, decodability, sound (``frames-temporal``).

The released code uses DOVER (unim.md §2.1), a trained network whose weights must be downloaded;
offline, this scorer composes measures already defined elsewhere in this package:

- frames: the image scorer (``unima.eval.quality.image``, NR-IQA from published measures) on
  four frames at 12.5 %, 37.5 %, 62.5 % and 87.5 % of the duration, averaged.
- temporal: luminance flicker, the median absolute change of mean luminance between
  consecutive frames of a 4 fps analysis pass (hard cuts excluded), mapped
  ``1 / (1 + (delta / 3)^2)`` (a 3 grey-level pumping halves the score).
- decodability: the share of the analysis frames the duration promises that actually decode (a
  truncated or corrupt file stops early).
- audio: the audio scorer's value of the sound track divided by 100 (left out when silent video
  is all there is: a video need not have sound).

Weights: frames 0.50, temporal 0.20, decodability 0.15, audio 0.15. A file with no decodable
video frame scores 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from unima.backends.ffmpeg import probe_media
from unima.errors import UnimaError
from unima.eval.quality.audio import score_samples
from unima.eval.quality.common import combine, failed_value, quality_value
from unima.eval.quality.image import score_pixels
from unima.eval.records import MetricValue
from unima.perception.audio_signal import decode_samples
from unima.perception.keyframes import (
    HARD_CUT_SCORE,
    MAX_ANALYSIS_FRAMES,
    analysis_frames,
    analysis_rate,
    decode_keyframe,
    frame_differences,
    keyframe_size,
)

METHOD = "frames-temporal"
WEIGHTS = {"frames": 0.50, "temporal": 0.20, "decodability": 0.15, "audio": 0.15}
FRAME_POSITIONS = (0.125, 0.375, 0.625, 0.875)
FLICKER_HALF = 3.0
MAX_AUDIO_SECONDS = 60.0


def luminance_flicker(frames: Any) -> float:
    """Median absolute change of mean luminance between consecutive frames, hard cuts excluded."""

    if len(frames) < 2:
        return 0.0
    luminance = (frames.astype(np.float64) @ np.array([0.299, 0.587, 0.114])).mean(axis=(1, 2))
    changes = np.abs(np.diff(luminance))
    keep = frame_differences(frames) < HARD_CUT_SCORE
    return float(np.median(changes[keep])) if keep.any() else 0.0


def score_video(path: Path, file_format: str, *, listen: bool = True) -> MetricValue:
    """GQ of a video file: ``gq:video/frames-temporal``; an undecodable file scores 0."""

    try:
        info = probe_media(path)
        duration = float(info.duration_s or 0.0)
        if not info.has_video or duration <= 0.0:
            return failed_value("video", METHOD, "the file has no video stream with a duration")
        rate = analysis_rate(duration)
        tiny = analysis_frames(path, file_format, rate)
        size = keyframe_size(info.width, info.height)
        frame_scores = [
            score_pixels(decode_keyframe(path, file_format, duration * position, size))[0]
            for position in FRAME_POSITIONS
        ]
    except UnimaError as error:
        return failed_value("video", METHOD, f"the video cannot be decoded: {error}")
    expected = max(1, min(MAX_ANALYSIS_FRAMES, int(duration * rate)))
    flicker = luminance_flicker(tiny)
    audio_score: float | None = None
    if info.has_audio:
        try:
            samples = decode_samples(path, file_format, max_seconds=MAX_AUDIO_SECONDS)
            audio_value = score_samples(samples, listen=listen).value
            audio_score = None if audio_value is None else audio_value / 100.0
        except UnimaError:
            audio_score = 0.0  # a sound track that is announced but does not decode
    subscores: dict[str, float | None] = {
        "frames": float(np.mean(frame_scores)) / 100.0,
        "temporal": 1.0 / (1.0 + (flicker / FLICKER_HALF) ** 2),
        "decodability": min(1.0, len(tiny) / expected),
        "audio": audio_score,
    }
    measurements: dict[str, Any] = {
        "duration_s": duration,
        "width": info.width,
        "height": info.height,
        "frame_scores": [round(value, 2) for value in frame_scores],
        "luminance_flicker": flicker,
        "analysis_frames": len(tiny),
        "expected_analysis_frames": expected,
        "has_audio": info.has_audio,
    }
    return quality_value(
        "video",
        METHOD,
        combine(subscores, WEIGHTS),
        subscores=subscores,
        weights=WEIGHTS,
        measurements=measurements,
    )
