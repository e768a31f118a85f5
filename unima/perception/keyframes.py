"""Keyframes of a video: scene changes found by frame differences, or uniform samples.

One ffmpeg subprocess decodes the video at a low rate (at most ``MAX_ANALYSIS_FRAMES`` frames,
4 per second for short clips) into tiny RGB frames; the mean absolute difference between
neighbours is the change score (the measure behind ffmpeg's ``scene`` filter). A cut is a score
over ``MIN_CUT_SCORE`` that also stands out from its neighbours (``CUT_CONTRAST`` times their
mean, the rule of PySceneDetect's adaptive detector), so continuous camera motion, which changes
every frame a lot, is not a string of cuts; a score over ``HARD_CUT_SCORE`` is a cut regardless.
Each scene gets one keyframe, at its middle (away from fades and transitions). When there is one scene (a talking head, a static slide), the
analysis pass fails or the video is too long to decode whole within the time limit, keyframes
are spread uniformly instead, and near-identical neighbours are dropped.

Keyframes are then decoded one by one at their time (an input seek, one short ffmpeg process
each) at a size fit for OCR. All decoding runs in ffmpeg subprocesses with timeouts and the
hardened input arguments of ``unima.perception.audio_signal.ffmpeg_input``; nothing decodes the
untrusted file inside this process.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from unima.backends.ffmpeg import QUIET, run_ffmpeg
from unima.errors import ToolError
from unima.perception.audio_signal import ffmpeg_input

ANALYSIS_WIDTH = 96
ANALYSIS_HEIGHT = 54
MAX_ANALYSIS_FRAMES = 240
MAX_ANALYSIS_RATE = 4.0
# Longer videos are sampled uniformly by seeking: decoding them whole for the analysis pass
# could take longer than its timeout. (Decoding only key frames is no way out: encoders do not
# reliably start one at each cut, so most cuts would be missed.)
MAX_SCENE_ANALYSIS_SECONDS = 300.0
ANALYSIS_TIMEOUT_S = 60.0
FRAME_TIMEOUT_S = 20.0
MIN_CUT_SCORE = 0.05
HARD_CUT_SCORE = 0.3
CUT_CONTRAST = 3.0
CONTRAST_WINDOW = 2
# Uniform keyframes whose tiny frames differ less than this are the same picture.
DUPLICATE_THRESHOLD = 0.02
KEYFRAME_MAX_SIDE = 960


@dataclass(frozen=True)
class Scene:
    """A stretch of video between two cuts.

    Attributes:
        start_s: When the scene starts (the first analysed frame after the cut).
        end_s: When the next scene starts, or the end of the video.
        cut_score: The difference score of the cut that opened it (0 for the first scene).
    """

    start_s: float
    end_s: float
    cut_score: float

    @property
    def middle_s(self) -> float:
        return (self.start_s + self.end_s) / 2


@dataclass(frozen=True)
class KeyframePlan:
    """Which times to take keyframes at, and how they were chosen.

    Attributes:
        times: Keyframe times in seconds, ascending.
        method: ``"scene-change"`` or ``"uniform"``.
        scenes: The scenes found (one for a single-scene video, none when not analysed).
        note: Why uniform sampling was used, when it was.
    """

    times: tuple[float, ...]
    method: str
    scenes: tuple[Scene, ...]
    note: str = ""


def analysis_rate(duration_s: float) -> float:
    """Frames per second for the analysis pass: 4, or fewer so the pass stays under the cap."""
    return min(MAX_ANALYSIS_RATE, MAX_ANALYSIS_FRAMES / max(duration_s, 1e-3))


def analysis_frames(
    path: Path, file_format: str, rate: float, *, timeout_s: float = ANALYSIS_TIMEOUT_S
) -> np.ndarray:
    """Decode the video at ``rate`` frames per second into tiny RGB frames.

    Returns:
        A ``uint8`` array of shape ``(frames, ANALYSIS_HEIGHT, ANALYSIS_WIDTH, 3)``; frame ``i``
        shows time ``i / rate``. A file that breaks part-way gives the frames before the break.

    Raises:
        ToolError: When ffmpeg fails before giving any frame, or runs past ``timeout_s``.
    """
    command = [*QUIET, *ffmpeg_input(path, file_format), "-map", "0:v:0", "-an", "-sn", "-dn"]
    command += ["-vf", f"fps={rate:.6f},scale={ANALYSIS_WIDTH}:{ANALYSIS_HEIGHT}"]
    command += ["-frames:v", str(MAX_ANALYSIS_FRAMES), "-pix_fmt", "rgb24", "-f", "rawvideo"]
    completed = run_ffmpeg([*command, "pipe:1"], timeout_s=timeout_s, check=False)
    frame_bytes = ANALYSIS_WIDTH * ANALYSIS_HEIGHT * 3
    count = len(completed.stdout) // frame_bytes
    if count == 0:
        detail = completed.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise ToolError(
            f"no video frame could be decoded for scene analysis ({detail[0][:300]})",
            tool="ffmpeg",
        )
    data = completed.stdout[: count * frame_bytes]
    return np.frombuffer(data, dtype=np.uint8).reshape(count, ANALYSIS_HEIGHT, ANALYSIS_WIDTH, 3)


def frame_differences(frames: np.ndarray) -> np.ndarray:
    """Mean absolute difference (0 to 1) between each frame and the one before it."""
    if len(frames) < 2:
        return np.zeros(0)
    changes = np.abs(np.diff(frames.astype(np.int16), axis=0)).reshape(len(frames) - 1, -1)
    scores: np.ndarray = changes.mean(axis=1) / 255.0
    return scores


def cut_indices(scores: np.ndarray) -> list[int]:
    """Indices into ``scores`` (``scores[i]`` compares frames ``i`` and ``i + 1``) that are cuts."""
    cuts = []
    for index, score in enumerate(scores):
        if score <= MIN_CUT_SCORE:
            continue
        low, high = max(0, index - CONTRAST_WINDOW), index + CONTRAST_WINDOW + 1
        neighbours = [float(value) for value in scores[low:index]] + [
            float(value) for value in scores[index + 1 : high]
        ]
        background = sum(neighbours) / len(neighbours) if neighbours else 0.0
        if score > HARD_CUT_SCORE or score > CUT_CONTRAST * background:
            cuts.append(index)
    return cuts


def detect_scenes(frames: np.ndarray, rate: float, duration_s: float) -> list[Scene]:
    """Split analysed frames (``rate`` per second) into scenes at their cuts."""
    end = max(duration_s, len(frames) / rate)
    scores = frame_differences(frames)
    starts: list[tuple[float, float]] = [(0.0, 0.0)]
    for index in cut_indices(scores):
        starts.append(((index + 1) / rate, float(scores[index])))
    return [
        Scene(
            start_s=round(start, 3),
            end_s=round(starts[number + 1][0] if number + 1 < len(starts) else end, 3),
            cut_score=round(score, 4),
        )
        for number, (start, score) in enumerate(starts)
    ]


def uniform_times(duration_s: float, count: int) -> list[float]:
    """``count`` times at the middles of equal slices of the video."""
    return [round(duration_s * (index + 0.5) / count, 3) for index in range(count)]


def uniform_count(duration_s: float, max_keyframes: int) -> int:
    """One keyframe per 5 s, at least 3 and at most ``max_keyframes``."""
    return max(1, min(max_keyframes, max(3, math.ceil(duration_s / 5.0))))


def plan_keyframes(
    path: Path, file_format: str, duration_s: float | None, *, max_keyframes: int
) -> KeyframePlan:
    """Choose keyframe times: one per scene, or uniform samples when that fails or says little.

    Args:
        path: The video file.
        file_format: Its sniffed format (forces the demuxer).
        duration_s: Its length from the probe; ``None`` when the header has none, in which case
            the analysis pass runs at one frame per second and its frame count gives the length.
        max_keyframes: The most keyframes to plan.

    Raises:
        ToolError: When the length is unknown and the analysis pass fails too (with a known
            length, a failed analysis falls back to uniform sampling).
    """
    if duration_s is None:
        frames = analysis_frames(path, file_format, 1.0)
        duration_s = float(len(frames))
    if duration_s > MAX_SCENE_ANALYSIS_SECONDS:
        times = uniform_times(duration_s, uniform_count(duration_s, max_keyframes))
        note = f"longer than {MAX_SCENE_ANALYSIS_SECONDS:.0f} s: sampled uniformly"
        return KeyframePlan(tuple(times), "uniform", (), note)
    rate = analysis_rate(duration_s)
    try:
        frames = analysis_frames(path, file_format, rate)
    except ToolError as error:
        times = uniform_times(duration_s, uniform_count(duration_s, max_keyframes))
        return KeyframePlan(tuple(times), "uniform", (), f"scene analysis failed: {error}")
    scenes = detect_scenes(frames, rate, duration_s)
    if len(scenes) > 1:
        chosen = sorted(scenes, key=lambda scene: -scene.cut_score)[:max_keyframes]
        times = sorted(scene.middle_s for scene in chosen)
        return KeyframePlan(tuple(round(time, 3) for time in times), "scene-change", tuple(scenes))
    times = uniform_times(duration_s, uniform_count(duration_s, max_keyframes))
    kept = _distinct_times(frames, rate, times)
    return KeyframePlan(tuple(kept), "uniform", tuple(scenes), "one scene: sampled uniformly")


def _distinct_times(frames: np.ndarray, rate: float, times: list[float]) -> list[float]:
    """Drop times whose analysed frame looks the same as the last kept one."""
    kept: list[float] = []
    last: np.ndarray | None = None
    for time in times:
        frame = frames[min(len(frames) - 1, int(time * rate))].astype(np.int16)
        if last is None or float(np.abs(frame - last).mean()) / 255.0 > DUPLICATE_THRESHOLD:
            kept.append(time)
            last = frame
    return kept


def keyframe_size(width: int | None, height: int | None) -> tuple[int, int]:
    """The decoded keyframe size: the video's own, shrunk to ``KEYFRAME_MAX_SIDE`` at most."""
    if not width or not height:
        return KEYFRAME_MAX_SIDE, KEYFRAME_MAX_SIDE * 9 // 16
    scale = min(1.0, KEYFRAME_MAX_SIDE / max(width, height))
    return max(2, round(width * scale)), max(2, round(height * scale))


def decode_keyframe(
    path: Path,
    file_format: str,
    time_s: float,
    size: tuple[int, int],
    *,
    timeout_s: float = FRAME_TIMEOUT_S,
) -> np.ndarray:
    """The frame shown at ``time_s`` as an RGB ``uint8`` array of ``size`` (width, height).

    Raises:
        ToolError: When ffmpeg fails, times out, or gives no complete frame.
    """
    width, height = size
    command = [*QUIET, *ffmpeg_input(path, file_format, seek_s=time_s), "-map", "0:v:0"]
    command += ["-an", "-sn", "-dn", "-frames:v", "1", "-vf", f"scale={width}:{height}"]
    command += ["-pix_fmt", "rgb24", "-f", "rawvideo", "pipe:1"]
    completed = run_ffmpeg(command, timeout_s=timeout_s, check=False)
    expected = width * height * 3
    if len(completed.stdout) < expected:
        detail = completed.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise ToolError(
            f"no frame decoded at {time_s:.2f} s ({detail[0][:300] or 'no output'})",
            tool="ffmpeg",
        )
    return np.frombuffer(completed.stdout[:expected], dtype=np.uint8).reshape(height, width, 3)


__all__ = [
    "KeyframePlan",
    "Scene",
    "analysis_frames",
    "analysis_rate",
    "cut_indices",
    "decode_keyframe",
    "detect_scenes",
    "frame_differences",
    "keyframe_size",
    "plan_keyframes",
    "uniform_times",
]
