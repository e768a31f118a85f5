"""The self-check of a composed video: streams, size, duration, full decode and decoded frames.

A header alone can lie (a truncated MP4 written with ``+faststart`` still advertises its full
duration), so the file is decoded end to end and the decoded length is compared with the plan.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from unima.backends import ffmpeg
from unima.errors import UnimaError
from unima.types import Verification

# Below this pixel standard deviation a decoded frame is taken to be blank.
MINIMUM_FRAME_STD = 2.0
# Mean absolute pixel difference above which two frames of one scene count as different.
MINIMUM_MOTION = 0.5
# The quietest soundtrack accepted (root mean square of samples in [-1, 1]).
MINIMUM_AUDIO_RMS = 0.005


def duration_tolerance(duration_s: float, fps: int) -> float:
    """How far a video's duration may be from its plan: two frames, 0.25 s or 3 %."""
    return max(0.25, 2.0 / fps, 0.03 * duration_s)


def verify_video(
    path: Path,
    *,
    width: int,
    height: int,
    fps: int,
    duration_s: float,
    has_audio: bool,
    motion_window_s: tuple[float, float] | None = None,
) -> Verification:
    """Check the MP4 at ``path`` against what was planned.

    Args:
        path: the video file.
        width, height, fps: the planned picture.
        duration_s: the planned duration.
        has_audio: whether a soundtrack was planned (its presence or absence is checked).
        motion_window_s: two times within one scene whose frames must differ (animation), or
            ``None`` to skip that check.
    """
    checks: dict[str, Any] = {
        "planned_duration_s": round(duration_s, 3),
        "planned_audio": has_audio,
    }
    problems: list[str] = []
    try:
        info = ffmpeg.probe_media(path)
    except UnimaError as error:
        return Verification(
            passed=False, checks=checks, problems=(f"video does not open: {error}",)
        )
    checks.update(
        duration_s=info.duration_s,
        has_video=info.has_video,
        has_audio=info.has_audio,
        width=info.width,
        height=info.height,
        fps=info.fps,
        video_codec=info.video_codec,
        audio_codec=info.audio_codec,
    )
    tolerance = duration_tolerance(duration_s, fps)
    if not info.has_video:
        problems.append("the file has no video stream")
    elif (info.width, info.height) != (width, height):
        problems.append(f"video is {info.width}x{info.height}, expected {width}x{height}")
    if info.duration_s is None or abs(info.duration_s - duration_s) > tolerance:
        problems.append(
            f"duration {info.duration_s} s is not within {tolerance:.2f} s of the planned "
            f"{duration_s:.2f} s"
        )
    if info.has_audio != has_audio:
        problems.append(
            "the video has an audio stream but no narration was planned"
            if info.has_audio
            else "narration was planned but the video has no audio stream"
        )

    try:
        report = ffmpeg.decode_check(path)
    except UnimaError as error:
        problems.append(f"video does not decode: {error}")
        return Verification(passed=False, checks=checks, problems=tuple(problems))
    checks.update(
        decoded_duration_s=report.decoded_duration_s,
        decoded_frames=report.video_frames,
        decode_errors=list(report.errors[:5]),
    )
    if report.errors:
        problems.append(f"decoding reported {len(report.errors)} errors: {report.errors[0]}")
    if report.decoded_duration_s is None or report.decoded_duration_s < duration_s - tolerance:
        problems.append(
            f"only {report.decoded_duration_s} s of the planned {duration_s:.2f} s decode "
            "(truncated or damaged file)"
        )
    if problems or not info.has_video:
        return Verification(passed=False, checks=checks, problems=tuple(problems))

    last_frame_s = max(0.0, round(duration_s * fps) - 1) / fps

    def frame_at(seconds: float) -> np.ndarray:
        # Seek to the timestamp of the frame on screen at ``seconds``: ffmpeg returns the first
        # frame at or after the seek point, and there is none after the last frame's.
        snapped = min(math.floor(seconds * fps + 1e-6) / fps, last_frame_s)
        return ffmpeg.decode_frame(path, snapped, width=width, height=height).astype(np.float32)

    try:
        middle = frame_at(duration_s / 2)
        checks["middle_frame_std"] = round(float(middle.std()), 3)
        checks["middle_frame_mean"] = round(float(middle.mean()), 3)
        if checks["middle_frame_std"] < MINIMUM_FRAME_STD:
            problems.append(f"the middle frame is blank (pixel std {checks['middle_frame_std']})")
        if motion_window_s is not None:
            early, late = (frame_at(seconds) for seconds in motion_window_s)
            checks["motion"] = round(float(np.abs(early - late).mean()), 3)
            if checks["motion"] < MINIMUM_MOTION:
                problems.append(
                    f"animation was planned but frames at {motion_window_s[0]:.2f} s and "
                    f"{motion_window_s[1]:.2f} s are the same (difference {checks['motion']})"
                )
        if has_audio:
            samples = ffmpeg.decode_audio(path, sample_rate=8000)
            rms = (
                float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
                if samples.size
                else 0.0
            )
            checks["audio_rms"] = round(rms, 5)
            if rms < MINIMUM_AUDIO_RMS:
                problems.append(f"the soundtrack is silent (RMS {rms:.5f})")
    except UnimaError as error:
        problems.append(f"could not decode frames or audio: {error}")
    return Verification(passed=not problems, checks=checks, problems=tuple(problems))
