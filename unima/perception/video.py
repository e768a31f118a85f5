"""Video perception: stream facts, keyframes, on-screen text, the narration, a contact sheet.

Steps, each recorded as a failure and skipped past when it breaks (a partial perception):

1. The bounded ``ffmpeg -i`` probe of ``readers.media`` (forced demuxer, ``file`` protocol
   only, limits on duration, resolution and streams): an unreadable or out-of-bounds file is an
   ``InputError`` here.
2. Keyframes (``unima.perception.keyframes``): one per scene from frame differences, or uniform
   samples; each is saved as a PNG in a folder of its own under the scratch folder and named in
   ``meta["keyframes"]`` by path (never embedded).
3. OCR of each keyframe with RapidOCR (``unima.backends.ocr``); lines are deduplicated across
   keyframes into ``meta["on_screen_text"]``.
4. The audio track, when there is one, is decoded and heard like an audio file
   (``unima.perception.audio.listen``): loudness, silence, a timed whisper transcript.
5. A contact sheet of the keyframes (``meta["contact_sheet"]``) for the trace.

Isolation: every decode of the untrusted file is an ffmpeg subprocess with a timeout, so a hang
or a decoder crash (the torchvision and decord segfaults of the reliability notes, §3.1) ends that
process, not unima. Nothing in this process parses the file: Pillow and RapidOCR only see raw
RGB frames that ffmpeg produced, so ``run_isolated`` has no decoder left to wrap here.

The scratch folder is ``scratch_dir``, else ``UNIMA_PERCEPTION_SCRATCH_DIR``, else a private
temporary folder made once per process. Keyframes are kept after perception (the trace refers
to them); each perception gets a new folder, so concurrent perceptions never share files.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from PIL import Image

from unima.backends.ocr import lines_to_text, recognize
from unima.errors import ConfigError, InputError, ToolError
from unima.perception.audio import (
    AudioPerceiver,
    Listening,
    check_audio_stream,
    listen,
    max_seconds_from_environment,
)
from unima.perception.audio_signal import decode_samples
from unima.perception.base import Findings, Perceiver, file_facts, format_of, part_path
from unima.perception.contact_sheet import format_time, save_contact_sheet
from unima.perception.keyframes import decode_keyframe, keyframe_size, plan_keyframes
from unima.perception.phrasing import article, quote
from unima.perception.readers.media import describe_audio_video
from unima.types import Part, Perception

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

SCRATCH_ENV = "UNIMA_PERCEPTION_SCRATCH_DIR"
DEFAULT_MAX_KEYFRAMES = 12
# OCR lines below this confidence are mostly texture read as letters.
MIN_OCR_CONFIDENCE = 0.6
MAX_TEXTS_IN_SUMMARY = 6
QUOTE_WORDS = 30

_scratch_lock = threading.Lock()
_process_scratch: Path | None = None


def scratch_root(scratch_dir: Path | None = None) -> Path:
    """Where keyframe folders go: ``scratch_dir``, ``UNIMA_PERCEPTION_SCRATCH_DIR`` or a private
    per-process temporary folder (mode 0700, so other users cannot plant files in it)."""
    global _process_scratch
    if scratch_dir is not None:
        return Path(scratch_dir)
    configured = os.environ.get(SCRATCH_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    with _scratch_lock:
        if _process_scratch is None or not _process_scratch.is_dir():
            _process_scratch = Path(tempfile.mkdtemp(prefix="unima-perception-"))
        return _process_scratch


def text_key(text: str) -> str:
    """The form under which two OCR lines count as the same text (case, spacing, punctuation)."""
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


class VideoPerceiver(Perceiver):
    """Videos: probe facts, keyframes with OCR, a transcript of the audio track, a contact sheet.

    Thread-safe: it keeps no state between calls (each perception writes to a new folder); the
    OCR, VAD and whisper models are loaded once per process by their backends.

    Args:
        scratch_dir: The folder keyframe folders are made in (see ``scratch_root``).
        max_keyframes: The most keyframes taken, OCR'd and put on the contact sheet.
        max_audio_seconds: How much of the audio track is transcribed; ``None`` reads
            ``UNIMA_PERCEPTION_AUDIO_SECONDS`` (default 300 s).
    """

    modality: ClassVar[str] = "video"
    backend: ClassVar[str] = "ffmpeg+rapidocr+faster-whisper"

    def __init__(
        self,
        *,
        scratch_dir: Path | None = None,
        max_keyframes: int = DEFAULT_MAX_KEYFRAMES,
        max_audio_seconds: float | None = None,
    ) -> None:
        if max_keyframes < 1:
            raise ConfigError(f"max_keyframes must be at least 1, not {max_keyframes!r}")
        self.scratch_dir = scratch_dir
        self.max_keyframes = max_keyframes
        self.max_audio_seconds = max_audio_seconds

    def perceive(self, part: Part) -> Perception:
        findings = Findings(part)
        findings.meta.update(file_facts(part))
        path = part_path(part)
        file_format = format_of(part)
        probe_summary = describe_audio_video(path, file_format, "video", findings)
        streams = findings.meta.get("streams", [])
        video = next((item for item in streams if item["type"] == "video"), None)
        audio = next((item for item in streams if item["type"] == "audio"), None)
        if video is None and audio is not None:
            return self._perceive_sound_only(part, findings)
        if video is None:  # no stream at all, or the probe could not run
            findings.summary = probe_summary
            return findings.to_perception(self.backend)
        findings.meta.update(
            {
                "duration_s": findings.meta.get("duration_seconds"),
                "width": video.get("width"),
                "height": video.get("height"),
                "fps": video.get("fps"),
                "video_codec": video.get("codec"),
                "audio_codec": audio.get("codec") if audio else None,
            }
        )
        frames, times = self._keyframes(path, file_format, findings)
        self._read_on_screen_text(frames, findings)
        heard = self._hear_audio_track(path, file_format, audio, findings) if audio else None
        if frames:
            self._save_contact_sheet(frames, times, findings)
        findings.text = video_text(heard, findings.meta.get("on_screen_text", []))
        findings.summary = video_summary(findings.meta, heard, file_format)
        return findings.to_perception(self.backend)

    def _perceive_sound_only(self, part: Part, findings: Findings) -> Perception:
        """A "video" with only sound (an audio-only WebM or MP4): perceive it as audio."""
        heard = AudioPerceiver(max_seconds=self.max_audio_seconds).perceive(part)
        return heard.model_copy(
            update={
                "modality": part.modality,
                "summary": f"A video file without pictures (no video stream). {heard.summary}",
                "failures": (*findings.failures, *heard.failures),
            }
        )

    def _keyframes(
        self, path: Path, file_format: str, findings: Findings
    ) -> tuple[list[np.ndarray], list[float]]:
        """Plan, decode and save the keyframes; return the frames kept and their times."""
        meta = findings.meta
        try:
            plan = plan_keyframes(
                path, file_format, meta.get("duration_s"), max_keyframes=self.max_keyframes
            )
        except ToolError as error:
            findings.fail("keyframes", error)
            return [], []
        meta["keyframe_method"] = plan.method
        meta["scenes"] = len(plan.scenes) if plan.scenes else None
        if plan.note:
            meta["keyframe_note"] = plan.note[:300]
        root = scratch_root(self.scratch_dir)
        root.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=f"video-{meta['sha256'][:12]}-", dir=root))
        meta["keyframe_dir"] = str(folder)
        size = keyframe_size(meta.get("width"), meta.get("height"))
        frames: list[np.ndarray] = []
        times: list[float] = []
        records: list[dict[str, Any]] = []
        for time_s in plan.times:
            try:
                frame = decode_keyframe(path, file_format, time_s, size)
            except ToolError as error:
                findings.fail(f"keyframe at {time_s:.2f} s", error)
                continue
            target = folder / f"keyframe-{len(frames) + 1:02d}-{time_s:08.2f}s.png"
            Image.fromarray(frame).save(target, format="PNG")
            frames.append(frame)
            times.append(time_s)
            records.append({"time_s": time_s, "path": str(target)})
        meta["keyframes"] = records
        return frames, times

    def _read_on_screen_text(self, frames: list[np.ndarray], findings: Findings) -> None:
        """OCR every keyframe; keep each line once, in order of first appearance."""
        seen: dict[str, str] = {}
        for record, frame in zip(findings.meta.get("keyframes", []), frames, strict=True):
            try:
                lines = [line for line in recognize(frame) if line.confidence >= MIN_OCR_CONFIDENCE]
            except (ConfigError, InputError, RuntimeError, ValueError, OSError) as error:
                findings.fail(f"OCR at {record['time_s']:.2f} s", error)
                continue
            record["text"] = lines_to_text(lines)
            for line in lines:
                key = text_key(line.text)
                if key and key not in seen:
                    seen[key] = line.text
        findings.meta["on_screen_text"] = list(seen.values())

    def _hear_audio_track(
        self, path: Path, file_format: str, stream: dict[str, Any], findings: Findings
    ) -> Listening | None:
        limit = self.max_audio_seconds or max_seconds_from_environment()
        try:
            # An impossible audio header spoils the track, not the pictures: skip the track.
            check_audio_stream(stream, str(path))
            samples = decode_samples(path, file_format, max_seconds=limit)
        except (InputError, ToolError) as error:
            findings.fail("audio track", error)
            return None
        heard = listen(samples, findings)
        duration = findings.meta.get("duration_s")
        audio_meta = heard.as_meta()
        audio_meta["truncated"] = duration is not None and duration > limit
        findings.meta["audio"] = audio_meta
        # The segments sit at the top level too, where audio perceptions keep them.
        findings.meta["segments"] = audio_meta["segments"]
        return heard

    def _save_contact_sheet(
        self, frames: list[np.ndarray], times: list[float], findings: Findings
    ) -> None:
        target = Path(findings.meta["keyframe_dir"]) / "contact-sheet.png"
        try:
            width, height = save_contact_sheet(frames, times, target)
        except (OSError, ValueError) as error:
            findings.fail("contact sheet", error)
            return
        findings.meta["contact_sheet"] = str(target)
        findings.meta["contact_sheet_size"] = [width, height]


def video_text(heard: Listening | None, on_screen: list[str]) -> str:
    """The text found in a video: the transcript, then the on-screen text one line each."""
    pieces = []
    if heard is not None and heard.transcript is not None and heard.transcript.text:
        pieces.append(heard.transcript.text)
    if on_screen:
        pieces.append("On-screen text:\n" + "\n".join(on_screen))
    return "\n\n".join(pieces)


def video_summary(meta: dict[str, Any], heard: Listening | None, file_format: str) -> str:
    """One paragraph: length, size, rate, then the narration, the on-screen text, the scenes."""
    duration = meta.get("duration_s")
    length = f"{duration:.1f} s " if duration is not None else ""
    size = f"{meta['width']}x{meta['height']} " if meta.get("width") else ""
    fps = f" at {meta['fps']:g} fps" if meta.get("fps") else ""
    phrase = f"{length}{size}{file_format.upper()} video{fps} ({meta.get('video_codec')})"
    sentence = f"{article(phrase).capitalize()} {phrase}"
    if heard is None:
        sentence += " without audio" if meta.get("audio_codec") is None else ""
    elif heard.has_speech and heard.transcript is not None:
        sentence += f" with narration: “{quote(heard.transcript.text, QUOTE_WORDS)}”"
    elif heard.silent:
        sentence += " with a silent audio track"
    else:
        sentence += " with sound but no speech"
    clauses = [sentence]
    on_screen = meta.get("on_screen_text") or []
    if on_screen:
        shown = ", ".join(f"“{text}”" for text in on_screen[:MAX_TEXTS_IN_SUMMARY])
        more = (
            f" and {len(on_screen) - MAX_TEXTS_IN_SUMMARY} more"
            if len(on_screen) > MAX_TEXTS_IN_SUMMARY
            else ""
        )
        clauses.append(f"on-screen text: {shown}{more}")
    keyframes = meta.get("keyframes") or []
    if keyframes:
        at = ", ".join(format_time(record["time_s"]) for record in keyframes)
        scenes = meta.get("scenes")
        if meta.get("keyframe_method") == "scene-change" and scenes:
            clauses.append(f"{scenes} scenes (keyframes at {at})")
        else:
            noun = "keyframe" if len(keyframes) == 1 else "keyframes"
            clauses.append(f"{len(keyframes)} {noun} sampled uniformly (at {at})")
    return "; ".join(clauses) + "."


__all__ = ["VideoPerceiver", "scratch_root", "text_key", "video_summary", "video_text"]
