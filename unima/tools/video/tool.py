"""``compose_video`` with the composer backend: captioned scenes, optional images and narration.

Scenes are drawn by ``frames`` and streamed as raw frames into ffmpeg (H.264, yuv420p,
``+faststart``); narration, synthesized with Piper or taken from an audio step, is muxed in as
AAC. When the narration outlasts the scenes, every scene is stretched by the same factor so the
picture covers the whole narration. The check probes and fully decodes the file, compares its
size, duration and streams with the plan, and looks at decoded frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from unima.backends import ffmpeg, piper_voice
from unima.errors import ToolError, UnimaError
from unima.tools.base import Tool, ToolArguments, ToolContext, ToolOutput
from unima.tools.common import ensure_arguments, library_versions, one_line, slugify
from unima.tools.video.arguments import VideoArguments
from unima.tools.video.checks import verify_video
from unima.tools.video.frames import Clip, ScenePlan, render_frames
from unima.types import Artifact, Modality, Verification

MAX_TOTAL_S = 120.0
# A scene made only from an image step (no caption given) lasts this long.
IMAGE_SCENE_S = 3.0
# Picture kept on screen after the narration ends.
NARRATION_TAIL_S = 0.5


def _dependency(context: ToolContext, step_id: str, modality: str, tool: str) -> Artifact:
    artifact = context.dependencies.get(step_id)
    if artifact is None:
        available = ", ".join(sorted(context.dependencies)) or "none"
        raise ToolError(
            f"step {step_id!r} is not among this step's dependencies (available: {available}); "
            "add it to depends_on",
            tool=tool,
            recoverable=False,
        )
    if artifact.modality != modality or not Path(artifact.path).is_file():
        raise ToolError(
            f"step {step_id!r} gave a {artifact.modality} file at {artifact.path!r}, "
            f"expected an existing {modality} file",
            tool=tool,
            recoverable=False,
        )
    return artifact


def plan_durations(
    durations: list[float], narration_s: float | None, *, tool: str = "compose_video"
) -> tuple[list[float], list[str]]:
    """Scene durations stretched to cover the narration and capped at ``MAX_TOTAL_S``.

    Returns the new durations and notes saying what was changed.

    Raises:
        ToolError: when the narration alone is longer than the cap.
    """
    notes: list[str] = []
    total = sum(durations)
    if narration_s is not None:
        if narration_s + NARRATION_TAIL_S > MAX_TOTAL_S:
            raise ToolError(
                f"narration lasts {narration_s:.1f} s, longer than the {MAX_TOTAL_S:g} s video "
                "cap; shorten the narration",
                tool=tool,
            )
        if narration_s + NARRATION_TAIL_S > total:
            factor = (narration_s + NARRATION_TAIL_S) / total
            durations = [duration * factor for duration in durations]
            notes.append(
                f"scenes stretched x{factor:.2f} to cover {narration_s:.1f} s of narration"
            )
            total = sum(durations)
    if total > MAX_TOTAL_S:
        factor = MAX_TOTAL_S / total
        durations = [duration * factor for duration in durations]
        notes.append(f"scenes shortened x{factor:.2f} to the {MAX_TOTAL_S:g} s cap")
    return durations, notes


def scene_frame_counts(durations: list[float], fps: int) -> list[int]:
    """Frames per scene, at least one each, rounded on the running total.

    Rounding each scene on its own could lose up to half a frame per scene (seconds, at low
    frame rates), leaving narration uncovered; rounding the cumulative end times keeps the
    total within half a frame of the planned duration.
    """
    counts: list[int] = []
    elapsed = 0.0
    frames_so_far = 0
    for duration in durations:
        elapsed += duration
        count = max(1, round(elapsed * fps) - frames_so_far)
        counts.append(count)
        frames_so_far += count
    return counts


class ComposerVideoTool(Tool):
    """An MP4 of captioned scenes over images or gradients, with optional narration."""

    name: ClassVar[str] = "compose_video"
    modality: ClassVar[Modality] = "video"
    backend: ClassVar[str] = "composer"
    description: ClassVar[str] = (
        "Compose a short MP4: captioned scenes, optionally over images from earlier steps, "
        "with spoken narration or an earlier step's audio as the soundtrack."
    )
    Arguments: ClassVar[type[ToolArguments]] = VideoArguments

    def backend_version(self) -> str:
        return library_versions("pillow", "imageio-ffmpeg", "piper-tts")

    def run(self, arguments: Any, context: ToolContext) -> ToolOutput:
        """Render the scenes, add the soundtrack, and write one MP4 into ``context.work_dir``."""
        return self.compose(arguments, context)

    def compose(
        self, arguments: Any, context: ToolContext, clips: Sequence[Clip] = ()
    ) -> ToolOutput:
        """``run``, with ``clips[index]`` (when given and not empty) shown as scene ``index``
        in place of its drawn background: the seam for backends that generate the pictures."""
        arguments = ensure_arguments(VideoArguments, arguments)
        images = [
            Path(_dependency(context, step_id, "image", self.name).path)
            for step_id in arguments.image_steps
        ]
        audio_path: Path | None = None
        narration_s: float | None = None
        if arguments.narration.strip():
            audio_path = context.work_dir / "narration.wav"
            try:
                narration_s = piper_voice.synthesize(
                    one_line(arguments.narration), audio_path
                ).duration_s
            except UnimaError as error:
                raise ToolError(
                    f"could not synthesize the narration: {error}", tool=self.name
                ) from error
        elif arguments.narration_step:
            audio_path = Path(
                _dependency(context, arguments.narration_step, "audio", self.name).path
            )
            try:
                narration_s = ffmpeg.probe_media(audio_path).duration_s
            except UnimaError as error:
                raise ToolError(
                    f"audio of step {arguments.narration_step!r} is unreadable: {error}",
                    tool=self.name,
                    recoverable=False,
                ) from error
            if not narration_s:
                raise ToolError(
                    f"audio of step {arguments.narration_step!r} has no duration", tool=self.name
                )

        count = max(len(arguments.scenes), len(images))
        captions = [scene.caption for scene in arguments.scenes] + [""] * (
            count - len(arguments.scenes)
        )
        durations = [scene.duration_s for scene in arguments.scenes]
        durations += [IMAGE_SCENE_S] * (count - len(durations))
        durations, notes = plan_durations(durations, narration_s, tool=self.name)
        frame_counts = scene_frame_counts(durations, arguments.fps)
        scenes = [
            ScenePlan(
                caption=captions[index],
                frames=frame_counts[index],
                background=images[index] if index < len(images) else None,
                clip=clips[index] if index < len(clips) else (),
            )
            for index in range(count)
        ]
        total_frames = sum(scene.frames for scene in scenes)
        duration_s = total_frames / arguments.fps

        path = context.work_dir / f"{slugify(arguments.title, 'video')}.mp4"
        size = f"{arguments.width}x{arguments.height}"
        command = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", size, "-r", str(arguments.fps)]
        command += ["-i", "pipe:0"]
        if audio_path is not None:
            command += ["-i", str(audio_path), "-map", "0:v:0", "-map", "1:a:0"]
            command += ["-c:a", "aac", "-b:a", "128k"]
        command += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"]
        command += ["-movflags", "+faststart", "-t", f"{duration_s:.3f}", str(path)]
        pixels_factor = arguments.width * arguments.height / (640 * 360)
        frames = render_frames(
            scenes,
            title=arguments.title,
            width=arguments.width,
            height=arguments.height,
            animate=arguments.animate,
            seed=context.seed,
        )
        try:
            ffmpeg.pipe_to_ffmpeg(
                command, frames, timeout_s=60.0 + total_frames * 0.02 * pixels_factor
            )
        except OSError as error:
            raise ToolError(f"could not read a scene image: {error}", tool=self.name) from error
        starts = [
            sum(scene.frames for scene in scenes[:index]) / arguments.fps for index in range(count)
        ]
        return ToolOutput(
            path=path,
            mime="video/mp4",
            meta={
                "title": one_line(arguments.title),
                "duration_s": round(duration_s, 3),
                "width": arguments.width,
                "height": arguments.height,
                "fps": arguments.fps,
                "frames": total_frames,
                "has_audio": audio_path is not None,
                "narration_s": round(narration_s, 3) if narration_s is not None else None,
                "scene_starts_s": [round(start, 3) for start in starts],
                "scene_durations_s": [round(scene.frames / arguments.fps, 3) for scene in scenes],
                "captions": captions,
                "animate": arguments.animate,
                "notes": notes,
            },
        )

    def verify(self, output: ToolOutput, arguments: Any, context: ToolContext) -> Verification:
        """Probe and decode the MP4, compare it with the plan, and look at decoded frames."""
        arguments = ensure_arguments(VideoArguments, arguments)
        meta = output.meta
        planned_audio = bool(arguments.narration.strip() or arguments.narration_step)
        return verify_video(
            Path(output.path),
            width=arguments.width,
            height=arguments.height,
            fps=arguments.fps,
            duration_s=float(
                meta.get("duration_s")
                or sum(scene.duration_s for scene in arguments.scenes)
                or IMAGE_SCENE_S * len(arguments.image_steps)
            ),
            has_audio=planned_audio,
            motion_window_s=_motion_window(meta) if arguments.animate else None,
        )


def _motion_window(meta: dict[str, Any]) -> tuple[float, float] | None:
    """Two times inside the longest scene, to check that animated frames change."""
    durations = meta.get("scene_durations_s") or []
    starts = meta.get("scene_starts_s") or []
    if not durations or len(starts) != len(durations):
        return None
    index = max(range(len(durations)), key=durations.__getitem__)
    start, duration = starts[index], durations[index]
    if duration * meta.get("fps", 1) < 3:
        return None
    return start + 0.2 * duration, start + 0.8 * duration
