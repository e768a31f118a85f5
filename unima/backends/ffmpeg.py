"""ffmpeg, through the static binary that ``imageio-ffmpeg`` ships.

No ``ffprobe`` ships with it, so ``probe_media`` reads the stream summary that ``ffmpeg -i``
prints on stderr, and ``decode_check`` decodes the whole file to find what a header cannot show
(a truncated file still reports its full duration). Every subprocess runs with a timeout, and a
failure raises ``ToolError`` carrying the last lines ffmpeg printed.
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from unima.errors import ConfigError, InputError, ToolError

if TYPE_CHECKING:
    import numpy as np  # only the decoders need numpy; most callers just run ffmpeg

STDERR_TAIL_LINES = 8
# Leading arguments for a non-interactive run that prints only errors.
QUIET = ("-nostdin", "-v", "error")

_DURATION = re.compile(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)")
_STREAM = re.compile(r"^\s*Stream #\d+:\d+\S*: (Video|Audio): ([^\s,]+)(.*)$", re.MULTILINE)
_SIZE = re.compile(r"(?<![\w.])(\d{1,5})x(\d{1,5})(?![\w.])")
_FPS = re.compile(r"(\d+(?:\.\d+)?) fps")
_TBR = re.compile(r"(\d+(?:\.\d+)?) tbr")
_SAMPLE_RATE = re.compile(r"(\d+) Hz")


@functools.lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """Return the path of the ffmpeg binary (``IMAGEIO_FFMPEG_EXE`` overrides the bundled one)."""
    try:
        import imageio_ffmpeg  # a missing package is a ConfigError, not an import failure
    except ImportError as error:
        raise ConfigError(
            "ffmpeg comes from the 'imageio-ffmpeg' package, which is not installed. "
            "Install it with: pip install imageio-ffmpeg"
        ) from error
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError as error:
        raise ConfigError(
            f"no usable ffmpeg binary: {error}. Set IMAGEIO_FFMPEG_EXE to an ffmpeg executable."
        ) from error


def _stderr_tail(stderr: bytes | str, lines: int = STDERR_TAIL_LINES) -> str:
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " | ".join(kept[-lines:]) or "(ffmpeg printed nothing)"


def run_ffmpeg(
    args: Sequence[str],
    *,
    timeout_s: float = 60.0,
    input_bytes: bytes | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``ffmpeg -hide_banner ARGS`` and return the finished process.

    Args:
        args: the arguments after the binary name.
        timeout_s: the process is killed after this many seconds.
        input_bytes: bytes fed to ffmpeg's stdin (for ``-i pipe:0``).
        check: raise ``ToolError`` when ffmpeg exits with a non-zero status.

    Raises:
        ToolError: on timeout, or on failure when ``check`` is set; the message carries the last
            lines of ffmpeg's stderr.
    """
    command = [ffmpeg_exe(), "-hide_banner", *map(str, args)]
    try:
        completed = subprocess.run(
            command,
            input=input_bytes,
            stdin=None if input_bytes is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise ToolError(
            f"ffmpeg did not finish within {timeout_s:g} s: {_stderr_tail(error.stderr or b'')}",
            tool="ffmpeg",
        ) from error
    if check and completed.returncode != 0:
        raise ToolError(
            f"ffmpeg exited with status {completed.returncode}: {_stderr_tail(completed.stderr)}",
            tool="ffmpeg",
        )
    return completed


@dataclass(frozen=True)
class MediaInfo:
    """What ``ffmpeg -i`` reports about a media file (the first video and audio streams)."""

    duration_s: float | None
    has_video: bool
    has_audio: bool
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    sample_rate: int | None = None


def parse_media_info(report: str) -> MediaInfo:
    """Parse the input summary ``ffmpeg -i`` prints on stderr into a ``MediaInfo``.

    Cover art in audio files (a video stream marked ``attached pic``) does not count as video.
    """
    duration_s: float | None = None
    if match := _DURATION.search(report):
        hours, minutes, seconds = match.groups()
        duration_s = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    video: tuple[str, str] | None = None
    audio: tuple[str, str] | None = None
    for kind, codec, rest in _STREAM.findall(report):
        if kind == "Video" and video is None and "attached pic" not in rest:
            video = (codec, rest)
        elif kind == "Audio" and audio is None:
            audio = (codec, rest)
    width = height = None
    fps = None
    if video is not None:
        if size := _SIZE.search(video[1]):
            width, height = int(size.group(1)), int(size.group(2))
        if rate := _FPS.search(video[1]) or _TBR.search(video[1]):
            fps = float(rate.group(1))
    sample_rate = None
    if audio is not None and (rate := _SAMPLE_RATE.search(audio[1])):
        sample_rate = int(rate.group(1))
    return MediaInfo(
        duration_s=duration_s,
        has_video=video is not None,
        has_audio=audio is not None,
        width=width,
        height=height,
        fps=fps,
        video_codec=video[0] if video else None,
        audio_codec=audio[0] if audio else None,
        sample_rate=sample_rate,
    )


def probe_media(path: str | Path, *, timeout_s: float = 30.0) -> MediaInfo:
    """Describe the streams of the media file at ``path``.

    Raises:
        InputError: when the file is missing or ffmpeg finds no audio or video stream in it.
        ToolError: when ffmpeg does not answer within ``timeout_s``.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("no such media file", source=str(path))
    # With no output named ffmpeg exits 1 after printing the input summary; that is expected.
    completed = run_ffmpeg(["-nostdin", "-i", str(path)], timeout_s=timeout_s, check=False)
    report = completed.stderr.decode("utf-8", "replace")
    info = parse_media_info(report)
    if not (info.has_video or info.has_audio):
        raise InputError(
            f"ffmpeg found no audio or video stream: {_stderr_tail(report, 3)}", source=str(path)
        )
    return info


@dataclass(frozen=True)
class DecodeReport:
    """The result of decoding a whole file: how far decoding got and what went wrong."""

    decoded_duration_s: float | None
    video_frames: int
    errors: tuple[str, ...]


def decode_check(path: str | Path, *, timeout_s: float = 120.0) -> DecodeReport:
    """Decode every stream of ``path`` to nowhere and report the decoded length and errors.

    A truncated file decodes only part of its advertised duration and logs errors here, which
    the header summary of ``probe_media`` cannot reveal.
    """
    command = [*QUIET, "-nostats", "-progress", "pipe:1", "-i", str(path), "-f", "null", "-"]
    completed = run_ffmpeg(command, timeout_s=timeout_s, check=False)
    progress: dict[str, str] = {}
    for line in completed.stdout.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition("=")
        progress[key.strip()] = value.strip()
    errors = [line.strip() for line in completed.stderr.decode("utf-8", "replace").splitlines()]
    errors = [line for line in errors if line]
    if completed.returncode != 0 and not errors:
        errors.append(f"ffmpeg exited with status {completed.returncode}")
    out_time_us = progress.get("out_time_us", "")
    frames = progress.get("frame", "0")
    return DecodeReport(
        decoded_duration_s=int(out_time_us) / 1e6 if out_time_us.lstrip("-").isdigit() else None,
        video_frames=int(frames) if frames.isdigit() else 0,
        errors=tuple(errors),
    )


def decode_audio(
    path: str | Path,
    *,
    sample_rate: int = 16000,
    timeout_s: float = 60.0,
    max_seconds: float | None = None,
) -> np.ndarray:
    """Decode the first audio stream of ``path`` to mono float32 samples in [-1, 1].

    ``max_seconds`` stops ffmpeg after that much audio: a caller that keeps only the start of an
    hour-long track neither waits for nor holds the rest.
    """
    import numpy as np  # as in decode_audio

    command = [*QUIET, "-i", str(path), "-vn"]
    if max_seconds is not None:
        command += ["-t", f"{max_seconds:.3f}"]
    command += ["-ac", "1", "-ar", str(sample_rate)]
    command += ["-f", "f32le", "pipe:1"]
    completed = run_ffmpeg(command, timeout_s=timeout_s)
    return np.frombuffer(completed.stdout, dtype=np.float32)


def decode_frame(
    path: str | Path, at_s: float, *, width: int, height: int, timeout_s: float = 30.0
) -> np.ndarray:
    """Decode the video frame shown at ``at_s`` seconds as an RGB array of ``height x width``.

    ffmpeg returns the first frame whose timestamp is at or after ``at_s``; to get the frame on
    screen at a time between two frames, pass the earlier frame's timestamp.

    Raises:
        ToolError: when no frame could be decoded at that time.
    """
    import numpy as np

    # Truncated, not rounded, to milliseconds: rounding up could skip past the wanted frame.
    seek = f"{math.floor(max(at_s, 0.0) * 1000) / 1000:.3f}"
    command = [*QUIET, "-ss", seek, "-i", str(path), "-frames:v", "1"]
    command += ["-s", f"{width}x{height}", "-pix_fmt", "rgb24", "-f", "rawvideo", "pipe:1"]
    completed = run_ffmpeg(command, timeout_s=timeout_s)
    expected = width * height * 3
    if len(completed.stdout) < expected:
        raise ToolError(
            f"no video frame decoded at {at_s:.2f} s of {path} "
            f"(got {len(completed.stdout)} of {expected} bytes)",
            tool="ffmpeg",
        )
    return np.frombuffer(completed.stdout[:expected], dtype=np.uint8).reshape(height, width, 3)


def pipe_to_ffmpeg(args: Sequence[str], chunks: Iterable[bytes], *, timeout_s: float) -> None:
    """Run ``ffmpeg -hide_banner ARGS`` feeding ``chunks`` to its stdin (e.g. raw video frames).

    Frames stream straight into the encoder, so a long video never exists as image files.
    stderr goes to a temporary file rather than a pipe, so a chatty encoder cannot fill a pipe
    buffer and deadlock against our writes; a watchdog kills ffmpeg after ``timeout_s``.

    Raises:
        ToolError: when ffmpeg fails, stops reading early, or runs past ``timeout_s``.
    """
    command = [ffmpeg_exe(), "-hide_banner", "-y", *map(str, args)]
    with tempfile.TemporaryFile() as stderr_file:
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=stderr_file
        )
        timed_out = threading.Event()

        def kill_on_timeout() -> None:
            timed_out.set()
            process.kill()

        watchdog = threading.Timer(timeout_s, kill_on_timeout)
        watchdog.daemon = True
        started = time.monotonic()
        watchdog.start()
        assert process.stdin is not None
        try:
            for chunk in chunks:
                process.stdin.write(chunk)
            process.stdin.close()
        except BrokenPipeError:
            pass  # ffmpeg stopped reading; its status and stderr below say why
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            if not process.stdin.closed:
                with contextlib.suppress(BrokenPipeError):
                    process.stdin.close()
        try:
            returncode = process.wait(timeout=max(1.0, timeout_s - (time.monotonic() - started)))
        except subprocess.TimeoutExpired:
            process.kill()
            returncode = process.wait()
            timed_out.set()
        finally:
            watchdog.cancel()
        stderr_file.seek(0)
        stderr = stderr_file.read()
    if timed_out.is_set():
        raise ToolError(
            f"ffmpeg did not finish encoding within {timeout_s:g} s: {_stderr_tail(stderr)}",
            tool="ffmpeg",
        )
    if returncode != 0:
        raise ToolError(
            f"ffmpeg exited with status {returncode}: {_stderr_tail(stderr)}", tool="ffmpeg"
        )
