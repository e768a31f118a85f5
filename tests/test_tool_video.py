"""``compose_video`` with the composer: real MP4s, probed and decoded."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from pydantic import ValidationError

from unima.backends import ffmpeg, piper_voice
from unima.errors import ToolError
from unima.tools import TOOL_BACKENDS
from unima.tools.base import ToolContext, ToolOutput
from unima.tools.video.checks import verify_video
from unima.tools.video.tool import (
    MAX_TOTAL_S,
    ComposerVideoTool,
    VideoArguments,
    plan_durations,
    scene_frame_counts,
)
from unima.types import Artifact

SCENES = [
    {"caption": "Water evaporates from the ocean.", "duration_s": 1.5},
    {"caption": "Clouds form and drift inland.", "duration_s": 1.0},
]


@pytest.fixture(scope="module")
def tool() -> ComposerVideoTool:
    return ComposerVideoTool()


@pytest.fixture(scope="module")
def scenes_only(
    tmp_path_factory: pytest.TempPathFactory, tool: ComposerVideoTool
) -> tuple[ToolOutput, VideoArguments]:
    arguments = VideoArguments.model_validate({"title": "Water cycle", "scenes": SCENES})
    output = tool.run(arguments, ToolContext(work_dir=tmp_path_factory.mktemp("scenes")))
    return output, arguments


def _artifact(path: Path, modality: str, mime: str) -> Artifact:
    return Artifact(modality=modality, path=str(path), mime=mime, sha256="0" * 64)  # type: ignore[arg-type]


def test_registered_under_its_planner_name() -> None:
    assert TOOL_BACKENDS.get("compose_video/composer") is ComposerVideoTool


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"title": "empty"}, "scenes"),
        ({"scenes": SCENES, "width": 641}, "odd"),
        ({"scenes": SCENES, "narration": "hi", "narration_step": "s1"}, "not both"),
        ({"scenes": [{"caption": "", "duration_s": 1}]}, "caption"),
        ({"scenes": [{"caption": "a", "duration_s": 31}]}, "duration_s"),
        ({"scenes": SCENES, "fps": 0}, "fps"),
        ({"scenes": SCENES * 11}, "scenes"),
    ],
)
def test_bad_arguments_are_rejected(
    tool: ComposerVideoTool, raw: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        tool.parse_arguments(raw)


def test_plan_durations_stretches_for_narration_and_caps() -> None:
    durations, notes = plan_durations([1.0, 3.0], narration_s=7.5)
    assert durations == pytest.approx([2.0, 6.0])  # (7.5 + 0.5 tail) / 4 s = x2
    assert "stretched" in notes[0]
    assert plan_durations([1.0, 3.0], narration_s=2.0) == ([1.0, 3.0], [])
    capped, notes = plan_durations([30.0] * 8, narration_s=None)
    assert sum(capped) == pytest.approx(MAX_TOTAL_S) and "cap" in notes[0]
    with pytest.raises(ToolError, match="shorten the narration"):
        plan_durations([1.0], narration_s=MAX_TOTAL_S + 1)


def test_scene_frame_counts_round_on_the_running_total() -> None:
    assert scene_frame_counts([1.4] * 10, fps=1) == [1, 2, 1, 2, 1, 1, 2, 1, 2, 1]
    assert sum(scene_frame_counts([1.4] * 10, fps=1)) == 14
    assert scene_frame_counts([0.5, 0.5], fps=1) == [1, 1]  # every scene shows at least once
    assert scene_frame_counts([2.0, 1.5], fps=12) == [24, 18]


def test_scenes_only_has_no_audio_and_verifies(
    tool: ComposerVideoTool, scenes_only: tuple[ToolOutput, VideoArguments]
) -> None:
    output, arguments = scenes_only
    assert output.path.name == "water-cycle.mp4" and output.mime == "video/mp4"
    assert output.meta["frames"] == 30 and output.meta["duration_s"] == pytest.approx(2.5)
    info = ffmpeg.probe_media(output.path)
    assert info.has_video and not info.has_audio
    assert (info.width, info.height, info.fps) == (640, 360, 12.0)

    verification = tool.verify(output, arguments, ToolContext(work_dir=output.path.parent))
    assert verification.passed, verification.problems
    assert verification.checks["decoded_frames"] == 30
    assert verification.checks["middle_frame_std"] > 10
    assert verification.checks["motion"] > 0.5  # the Ken Burns pan moves the picture


def test_verify_fails_when_planned_narration_is_missing(
    tool: ComposerVideoTool, scenes_only: tuple[ToolOutput, VideoArguments]
) -> None:
    output, arguments = scenes_only
    with_narration = arguments.model_copy(update={"narration": "Hello there."})
    verification = tool.verify(output, with_narration, ToolContext(work_dir=output.path.parent))
    assert not verification.passed
    assert any("no audio stream" in problem for problem in verification.problems)


def test_verify_fails_on_a_truncated_mp4(
    tool: ComposerVideoTool, scenes_only: tuple[ToolOutput, VideoArguments], tmp_path: Path
) -> None:
    output, arguments = scenes_only
    truncated = tmp_path / "truncated.mp4"
    data = output.path.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    damaged = ToolOutput(path=truncated, mime=output.mime, meta=output.meta)
    verification = tool.verify(damaged, arguments, ToolContext(work_dir=tmp_path))
    assert not verification.passed
    assert any("truncated" in problem or "errors" in problem for problem in verification.problems)
    assert verification.checks["decoded_duration_s"] < 2.4


def test_verify_fails_on_a_blank_video(tmp_path: Path) -> None:
    path = tmp_path / "black.mp4"
    command = [*ffmpeg.QUIET, "-f", "lavfi", "-i", "color=c=black:size=320x240:rate=10"]
    command += ["-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)]
    ffmpeg.run_ffmpeg(command, timeout_s=60)
    verification = verify_video(
        path,
        width=320,
        height=240,
        fps=10,
        duration_s=2.0,
        has_audio=False,
        motion_window_s=(0.4, 1.6),
    )
    assert not verification.passed
    assert any("blank" in problem for problem in verification.problems)
    assert any("are the same" in problem for problem in verification.problems)


def test_a_short_low_frame_rate_video_verifies(tool: ComposerVideoTool, tmp_path: Path) -> None:
    long_caption = ("Plants turn light, water and carbon dioxide into sugar and oxygen. " * 5)[:300]
    arguments = tool.parse_arguments(
        {
            "title": "Photosynthesis",
            "scenes": [{"caption": long_caption, "duration_s": 1.0}],
            "fps": 4,
        }
    )
    context = ToolContext(work_dir=tmp_path)
    output = tool.run(arguments, context)
    verification = tool.verify(output, arguments, context)
    assert verification.passed, verification.problems
    assert verification.checks["decoded_frames"] == 4


def test_narration_adds_audio_and_stretches_the_video(
    tool: ComposerVideoTool, tmp_path: Path
) -> None:
    arguments = tool.parse_arguments(
        {
            "title": "Rain",
            "scenes": [{"caption": "Rain falls.", "duration_s": 1.0}],
            "narration": "Rain falls from the clouds and flows back into the rivers and the sea.",
            "fps": 8,
            "width": 320,
            "height": 180,
        }
    )
    context = ToolContext(work_dir=tmp_path)
    output = tool.run(arguments, context)
    narration_s = output.meta["narration_s"]
    assert narration_s > 2.0
    assert output.meta["duration_s"] >= narration_s
    assert "stretched" in output.meta["notes"][0]
    info = ffmpeg.probe_media(output.path)
    assert info.has_audio and info.audio_codec == "aac"
    assert info.duration_s is not None and info.duration_s >= narration_s

    verification = tool.verify(output, arguments, context)
    assert verification.passed, verification.problems
    assert verification.checks["audio_rms"] > 0.02


def test_image_steps_and_narration_step(tool: ComposerVideoTool, tmp_path: Path) -> None:
    picture = tmp_path / "halves.png"
    image = Image.new("RGB", (400, 300), (220, 20, 20))
    ImageDraw.Draw(image).rectangle((200, 0, 400, 300), fill=(20, 20, 220))
    image.save(picture)
    voice = tmp_path / "voice.wav"
    speech = piper_voice.synthesize("Red on the left, blue on the right.", voice)
    context = ToolContext(
        work_dir=tmp_path / "work",
        dependencies={
            "draw": _artifact(picture, "image", "image/png"),
            "speak": _artifact(voice, "audio", "audio/wav"),
        },
    )
    context.work_dir.mkdir()
    arguments = tool.parse_arguments(
        {
            "image_steps": ["draw"],
            "narration_step": "speak",
            "animate": False,
            "width": 320,
            "height": 240,
            "fps": 6,
        }
    )
    output = tool.run(arguments, context)
    # One captionless image scene of 3 s, longer than the speech: nothing stretched.
    assert output.meta["duration_s"] == pytest.approx(3.0)
    assert output.meta["duration_s"] > speech.duration_s
    verification = tool.verify(output, arguments, context)
    assert verification.passed, verification.problems
    assert "motion" not in verification.checks  # a still picture was asked for

    frame = ffmpeg.decode_frame(output.path, 1.5, width=320, height=240).astype(int)
    left, right = frame[120, 40], frame[120, 280]
    assert left[0] > 150 and left[2] < 90  # red half
    assert right[2] > 150 and right[0] < 90  # blue half


def test_missing_or_wrong_dependencies_are_tool_errors(
    tool: ComposerVideoTool, tmp_path: Path
) -> None:
    voice = tmp_path / "voice.wav"
    voice.write_bytes(b"RIFF")
    context = ToolContext(
        work_dir=tmp_path, dependencies={"speak": _artifact(voice, "audio", "audio/wav")}
    )
    with pytest.raises(ToolError, match=r"'draw' is not among .*available: speak") as caught:
        tool.run(tool.parse_arguments({"image_steps": ["draw"]}), context)
    assert caught.value.recoverable is False
    with pytest.raises(ToolError, match="expected an existing image file"):
        tool.run(tool.parse_arguments({"image_steps": ["speak"]}), context)
    with pytest.raises(ToolError, match="unreadable"):
        tool.run(tool.parse_arguments({"scenes": SCENES, "narration_step": "speak"}), context)
