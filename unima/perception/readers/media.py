"""Images through Pillow, audio and video through one bounded ``ffmpeg -i`` probe.

Images: only the allowlisted decoders may open the file (``formats=``), ``Image.MAX_IMAGE_PIXELS``
stays on and a tighter app cap applies, and the first frame is decoded so a truncated or corrupt
file is refused here rather than later in a tool. Audio and video: ffmpeg reads the header with
the file protocol only and a forced demuxer, under a timeout, and the ``Duration:`` and
``Stream`` lines of its report are parsed (``count_frames_and_secs`` would decode everything).
"""

from __future__ import annotations

import re
import subprocess
import warnings
from pathlib import Path
from typing import Any

import imageio_ffmpeg
from PIL import Image, ImageStat

from unima.errors import InputError
from unima.perception.base import Findings
from unima.perception.phrasing import article

MAX_IMAGE_PIXELS_APP = 50_000_000
MAX_IMAGE_SIDE = 16_384
MAX_IMAGE_FRAMES = 500
PILLOW_FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF")

PROBE_TIMEOUT_SECONDS = {"audio": 30.0, "video": 60.0}
MAX_DURATION_SECONDS = {"audio": 30 * 60.0, "video": 2 * 3600.0}
MAX_VIDEO_SIDE = 4096
MAX_AUDIO_CHANNELS = 8
MAX_STREAMS = 8
# Sniffed format -> ffmpeg demuxer, so ffmpeg never guesses (a playlist disguised as MP4 ...).
DEMUXERS = {
    "wav": "wav",
    "mp3": "mp3",
    "flac": "flac",
    "ogg": "ogg",
    "ogv": "ogg",
    "m4a": "mov",
    "mp4": "mov",
    "mov": "mov",
    "webm": "matroska",
    "mkv": "matroska",
    "mka": "matroska",
    "avi": "avi",
}

_DURATION = re.compile(r"Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)")
_STREAM = re.compile(r"Stream #\d+:\d+\S*: (Video|Audio|Subtitle|Data|Attachment): (.*)")
_CHANNELS = re.compile(r"\d+ Hz, ([^,]+)")


def describe_image(path: Path, findings: Findings, *, scanned_document: bool = False) -> str:
    """Fill ``findings.meta`` with the image's facts and return its summary sentence.

    Raises:
        InputError: For an image Pillow cannot decode, a decompression bomb, or one over the
            app's pixel, side or frame caps.
    """
    shown = str(path)
    try:
        # Pillow *warns* between 1x and 2x its pixel limit (a 150-megapixel PNG), which a user's
        # interpreter prints raw before the refusal: raise it here instead, and refuse below.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(path, formats=list(PILLOW_FORMATS))
        with opened as image:
            width, height = image.size
            frames = int(getattr(image, "n_frames", 1))
            _check_image_bounds(width, height, frames, Image.MAX_IMAGE_PIXELS, shown)
            image.load()
            findings.meta.update(
                {
                    "width": width,
                    "height": height,
                    "mode": image.mode,
                    "image_format": image.format,
                    "frames": frames,
                }
            )
            try:
                thumbnail = image.copy()
                thumbnail.thumbnail((64, 64))
                thumbnail = thumbnail.convert("RGB")
                findings.meta["mean_rgb"] = [
                    round(value, 1) for value in ImageStat.Stat(thumbnail).mean
                ]
            except (OSError, ValueError) as error:
                findings.fail("mean colour", error)
            label = image.format or "image"
            mode = image.mode
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise InputError(f"refused as a decompression bomb ({error})", source=shown) from None
    except InputError:
        raise
    # Pillow reports bad data as many exception types: a PNG bomb guard as ValueError
    # (Pillow#9814), a TIFF frame without dimensions as TypeError from ``n_frames``, a broken
    # EXIF block as a UserWarning where warnings are errors (``-W error``, pytest's config).
    # The block above only runs Pillow, so any exception from it means undecodable input.
    except Exception as error:
        raise InputError(
            f"the image cannot be decoded ({type(error).__name__}: {error})", source=shown
        ) from None
    animated = f", {frames} frames" if frames > 1 else ""
    phrase = f"{width}x{height} {mode} {label} image{animated}."
    if scanned_document:
        return f"A document given as an image: {article(phrase)} {phrase}"
    return f"{article(phrase).capitalize()} {phrase}"


def _check_image_bounds(
    width: int, height: int, frames: int, pillow_limit: int | None, shown: str
) -> None:
    pixels = width * height
    if pillow_limit is not None and pixels > pillow_limit:
        raise InputError(
            f"refused as a decompression bomb: {width}x{height} is over Pillow's {pillow_limit}-pixel limit",
            source=shown,
        )
    if pixels > MAX_IMAGE_PIXELS_APP or max(width, height) > MAX_IMAGE_SIDE:
        raise InputError(
            f"{width}x{height} is over the limit of {MAX_IMAGE_PIXELS_APP} pixels and {MAX_IMAGE_SIDE} per side",
            source=shown,
        )
    if frames > MAX_IMAGE_FRAMES:
        raise InputError(
            f"the image has {frames} frames, over the limit of {MAX_IMAGE_FRAMES}", source=shown
        )


def probe_media(path: Path, file_format: str, timeout: float) -> dict[str, Any]:
    """Run ``ffmpeg -i`` on ``path`` and parse duration and streams from its report.

    Raises:
        InputError: When ffmpeg cannot read the file as ``file_format``.
        subprocess.TimeoutExpired: When the probe takes longer than ``timeout``.
    """
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-protocol_whitelist",
        "file",
    ]
    if file_format in DEMUXERS:
        command += ["-f", DEMUXERS[file_format]]
    # "file:" makes the path a path: never an option, never another protocol.
    command += ["-i", f"file:{path}"]
    completed = subprocess.run(
        command, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False
    )
    report = completed.stderr.decode("utf-8", "replace")[:1_000_000]
    if "Input #0" not in report:
        last = [line for line in report.splitlines() if line.strip()][-1:] or ["no report"]
        raise InputError(
            f"ffmpeg cannot read it as {file_format}: {last[0].strip()[:300]}", source=str(path)
        )
    return parse_probe_report(report)


def parse_probe_report(report: str) -> dict[str, Any]:
    """Duration (seconds or None) and the streams of an ``ffmpeg -i`` report."""
    match = _DURATION.search(report)
    duration = (
        int(match.group(1)) * 3600 + int(match.group(2)) * 60 + float(match.group(3))
        if match
        else None
    )
    streams: list[dict[str, Any]] = []
    for kind, details in _STREAM.findall(report):
        stream: dict[str, Any] = {"type": kind.lower(), "codec": details.split()[0].strip(",")}
        if kind == "Video":
            # "\b" and no leading zero keep hex codec tags ("avc1 / 0x31637661") out.
            size = re.search(r"\b([1-9]\d{0,4})x([1-9]\d{0,4})\b", details)
            fps = re.search(r"([\d.]+) fps", details)
            if size:
                stream["width"], stream["height"] = int(size.group(1)), int(size.group(2))
            if fps:
                stream["fps"] = float(fps.group(1))
        elif kind == "Audio":
            rate = re.search(r"(\d+) Hz", details)
            layout = _CHANNELS.search(details)
            if rate:
                stream["sample_rate"] = int(rate.group(1))
            if layout:
                stream["channel_layout"] = layout.group(1).strip()
                stream["channels"] = _channel_count(stream["channel_layout"])
        streams.append(stream)
    return {"duration_seconds": duration, "streams": streams}


def _channel_count(layout: str) -> int | None:
    named = {"mono": 1, "stereo": 2, "2.1": 3, "quad": 4, "5.0": 5, "5.1": 6, "6.1": 7, "7.1": 8}
    if layout in named or layout.split("(")[0] in named:
        return named.get(layout, named.get(layout.split("(")[0]))
    count = re.match(r"(\d+) channels", layout)
    return int(count.group(1)) if count else None


def describe_audio_video(path: Path, file_format: str, modality: str, findings: Findings) -> str:
    """Probe an audio or video file into ``findings`` and return its summary sentence.

    Raises:
        InputError: When ffmpeg cannot read the file or it is over the duration, size,
            channel or stream limits.
    """
    try:
        probe = probe_media(path, file_format, PROBE_TIMEOUT_SECONDS[modality])
    except subprocess.TimeoutExpired:
        findings.fail("ffmpeg probe", f"timed out after {PROBE_TIMEOUT_SECONDS[modality]:.0f} s")
        return _sentence(f"{file_format.upper()} {modality} file that could not be probed in time.")
    except (OSError, RuntimeError, ImportError) as error:  # ffmpeg missing or not executable
        findings.fail("ffmpeg probe", error)
        return _sentence(f"{file_format.upper()} {modality} file (ffmpeg unavailable, not probed).")
    duration = probe["duration_seconds"]
    videos = [stream for stream in probe["streams"] if stream["type"] == "video"]
    audios = [stream for stream in probe["streams"] if stream["type"] == "audio"]
    _check_media_bounds(path, modality, duration, probe["streams"], videos, audios)
    findings.meta.update(
        {
            "duration_seconds": duration,
            "streams": probe["streams"],
            "has_audio": bool(audios),
            "has_video": bool(videos),
        }
    )
    length = f"{duration:.1f}-second " if duration is not None else ""
    if modality == "audio":
        if not audios:
            findings.fail("streams", "no audio stream found")
            return _sentence(f"{length}{file_format.upper()} file with no audio stream.")
        return _sentence(
            f"{length}{_audio_words(audios[0])} {file_format.upper()} audio clip ({audios[0]['codec']})."
        )
    if not videos:
        findings.fail("streams", "no video stream found")
        return _sentence(f"{length}{file_format.upper()} file with no video stream.")
    video = videos[0]
    size = f"{video['width']}x{video['height']} " if "width" in video else ""
    fps = f" at {video['fps']:g} fps" if "fps" in video else ""
    track = (
        f"with {article(_audio_words(audios[0]))} {_audio_words(audios[0])} audio track"
        if audios
        else "without audio"
    )
    return _sentence(f"{length}{size}{file_format.upper()} video{fps} ({video['codec']}), {track}.")


def _sentence(phrase: str) -> str:
    return f"{article(phrase).capitalize()} {phrase}"


def _audio_words(stream: dict[str, Any]) -> str:
    words = [
        stream.get("channel_layout", ""),
        f"{stream['sample_rate']} Hz" if "sample_rate" in stream else "",
    ]
    return " ".join(word for word in words if word) or "audio"


def _check_media_bounds(
    path: Path,
    modality: str,
    duration: float | None,
    streams: list[dict[str, Any]],
    videos: list[dict[str, Any]],
    audios: list[dict[str, Any]],
) -> None:
    shown = str(path)
    if duration is not None and duration > MAX_DURATION_SECONDS[modality]:
        raise InputError(
            f"lasts {duration:.0f} s, over the {MAX_DURATION_SECONDS[modality]:.0f}-second limit for {modality}",
            source=shown,
        )
    if len(streams) > MAX_STREAMS:
        raise InputError(
            f"has {len(streams)} streams, over the limit of {MAX_STREAMS}", source=shown
        )
    for video in videos:
        if max(video.get("width", 0), video.get("height", 0)) > MAX_VIDEO_SIDE:
            raise InputError(
                f"video of {video['width']}x{video['height']} is over {MAX_VIDEO_SIDE} pixels per side",
                source=shown,
            )
    for audio in audios:
        if (audio.get("channels") or 0) > MAX_AUDIO_CHANNELS:
            raise InputError(
                f"audio with {audio['channels']} channels is over the limit of {MAX_AUDIO_CHANNELS}",
                source=shown,
            )
