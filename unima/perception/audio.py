"""Audio perception: stream facts, loudness, silence, and a timed speech transcript.

Steps, each recorded as a failure and skipped past when it breaks (a partial perception):

1. The bounded ``ffmpeg -i`` probe of ``readers.media`` (forced demuxer, ``file`` protocol
   only, limits on duration, channels and streams): an unreadable or out-of-bounds file is an
   ``InputError`` here.
2. The first ``max_seconds`` (``UNIMA_PERCEPTION_AUDIO_SECONDS``, 300 by default) are decoded
   by an ffmpeg subprocess to 16 kHz mono samples (``unima.perception.audio_signal``); longer
   files are analysed and transcribed up to that point and ``meta["truncated"]`` says so.
3. Loudness (RMS and peak dBFS) and the silence ratio come from those samples.
4. Silero VAD decides whether there is speech at all; only then does faster-whisper (the bundled
   tiny.en unless ``UNIMA_WHISPER_MODEL`` names another) transcribe it, with segment times.

``listen`` (steps 3-4 on samples) is shared with the video perceiver for audio tracks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from unima.backends import whisper
from unima.errors import ConfigError, InputError, ToolError
from unima.perception.audio_signal import (
    SAMPLE_RATE,
    decode_samples,
    measure_loudness,
    speech_regions,
)
from unima.perception.base import FilePerceiver, Findings, format_of
from unima.perception.phrasing import quote
from unima.perception.readers.media import describe_audio_video
from unima.types import Part

if TYPE_CHECKING:
    import numpy as np

    from unima.backends.whisper import Transcript

MAX_SECONDS_ENV = "UNIMA_PERCEPTION_AUDIO_SECONDS"
DEFAULT_MAX_SECONDS = 300.0
# Sample rates and channel counts a real recording has (reliability notes §3.4).
MIN_SAMPLE_RATE = 8_000
MAX_SAMPLE_RATE = 192_000
MAX_CHANNELS = 8
# A decoded length this far below the header's says the file is shorter than it claims.
SHORTFALL_TOLERANCE_S = 0.5
QUOTE_WORDS = 30


def max_seconds_from_environment() -> float:
    """How much audio perception decodes and transcribes (``UNIMA_PERCEPTION_AUDIO_SECONDS``).

    Raises:
        ConfigError: When the variable is set to something other than a positive number.
    """
    raw = os.environ.get(MAX_SECONDS_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"{MAX_SECONDS_ENV}={raw!r} must be a positive number of seconds")
    return value


def check_audio_stream(stream: dict[str, Any], shown: str) -> None:
    """Refuse an audio stream whose header declares an impossible rate or channel count.

    Raises:
        InputError: For a sample rate outside 8-192 kHz or a channel count outside 1-8.
    """
    rate = stream.get("sample_rate")
    if rate is not None and not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise InputError(
            f"declares a sample rate of {rate} Hz, outside the accepted "
            f"{MIN_SAMPLE_RATE}-{MAX_SAMPLE_RATE} Hz",
            source=shown,
        )
    channels = stream.get("channels")
    if channels is not None and not 1 <= channels <= MAX_CHANNELS:
        raise InputError(
            f"declares {channels} audio channels; 1 to {MAX_CHANNELS} are accepted", source=shown
        )


@dataclass
class Listening:
    """What ``listen`` heard in a stretch of samples (JSON-ready through ``as_meta``)."""

    seconds: float
    rms_dbfs: float
    peak_dbfs: float
    silence_ratio: float
    speech_regions: list[tuple[float, float]] | None = None
    transcript: Transcript | None = None
    segments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def silent(self) -> bool:
        return self.silence_ratio >= 0.99

    @property
    def has_speech(self) -> bool:
        return bool(self.transcript and self.transcript.text)

    def as_meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "analysed_seconds": round(self.seconds, 3),
            "loudness": {"rms_dbfs": self.rms_dbfs, "peak_dbfs": self.peak_dbfs},
            "silence_ratio": self.silence_ratio,
            "speech": self.has_speech,
            "segments": self.segments,
        }
        if self.speech_regions is not None:
            meta["speech_regions"] = [list(region) for region in self.speech_regions]
        if self.transcript is not None:
            meta["language"] = self.transcript.language
        return meta


def listen(samples: np.ndarray, findings: Findings, *, language: str | None = None) -> Listening:
    """Measure loudness and silence of 16 kHz mono ``samples`` and transcribe any speech.

    Transcription failures (a missing model, a decoder error) are recorded in ``findings``;
    the loudness facts are kept.
    """
    loudness = measure_loudness(samples)
    heard = Listening(
        seconds=samples.size / SAMPLE_RATE,
        rms_dbfs=loudness.rms_dbfs,
        peak_dbfs=loudness.peak_dbfs,
        silence_ratio=loudness.silence_ratio,
    )
    if samples.size == 0 or heard.silent:
        heard.speech_regions = []
        return heard
    heard.speech_regions = speech_regions(samples)
    if heard.speech_regions == []:
        return heard  # music, noise or room tone: nothing for whisper to (mis)hear
    try:
        transcript = whisper.transcribe(samples, language=language)
    except (ConfigError, InputError, RuntimeError, ValueError, OSError) as error:
        findings.fail("transcript", error)
        return heard
    heard.transcript = transcript
    heard.segments = [
        {"start": round(segment.start, 2), "end": round(segment.end, 2), "text": segment.text}
        for segment in transcript.segments
        if segment.text
    ]
    return heard


class AudioPerceiver(FilePerceiver):
    """Audio files: stream facts, loudness, silence ratio and a faster-whisper transcript.

    Thread-safe: it keeps no state between calls; the whisper and VAD models are loaded once per
    process by their backends.

    Args:
        max_seconds: How much of a file is decoded, measured and transcribed; ``None`` reads
            ``UNIMA_PERCEPTION_AUDIO_SECONDS`` (default 300 s) at each call.
        language: The spoken language (ISO code) when known; ``None`` lets whisper detect it.
    """

    modality: ClassVar[str] = "audio"
    backend: ClassVar[str] = "ffmpeg+silero-vad+faster-whisper"

    def __init__(self, *, max_seconds: float | None = None, language: str | None = None) -> None:
        if max_seconds is not None and not max_seconds > 0:
            raise ConfigError(f"max_seconds must be positive, not {max_seconds!r}")
        self.max_seconds = max_seconds
        self.language = language

    def describe(self, part: Part, path: Path, findings: Findings) -> None:
        file_format = format_of(part)
        probe_summary = describe_audio_video(path, file_format, "audio", findings)
        stream = next(
            (item for item in findings.meta.get("streams", []) if item["type"] == "audio"), None
        )
        if stream is None:  # no stream, or the probe could not run: the probe's facts are all
            findings.summary = probe_summary
            return
        check_audio_stream(stream, str(path))
        duration = findings.meta.get("duration_seconds")
        findings.meta.update(
            {
                "duration_s": duration,
                "sample_rate": stream.get("sample_rate"),
                "channels": stream.get("channels"),
                "channel_layout": stream.get("channel_layout"),
                "codec": stream.get("codec"),
            }
        )
        limit = self.max_seconds or max_seconds_from_environment()
        try:
            samples = decode_samples(path, file_format, max_seconds=limit)
        except ToolError as error:
            findings.fail("decode", error)
            findings.summary = f"{probe_summary[:-1]}; its samples could not be decoded."
            return
        if samples.size == 0:
            findings.fail("decode", "no audio samples could be decoded")
        heard = listen(samples, findings, language=self.language)
        findings.meta.update(heard.as_meta())
        truncated = duration is not None and duration > limit
        findings.meta["truncated"] = truncated
        file_truncated = (
            not truncated
            and duration is not None
            and heard.seconds < duration - SHORTFALL_TOLERANCE_S
        )
        findings.meta["file_truncated"] = file_truncated
        if truncated:
            findings.meta["max_seconds"] = limit
        elif file_truncated:
            findings.fail(
                "decode",
                f"the header says {duration:.1f} s but only {heard.seconds:.1f} s of audio decoded "
                "(a truncated file or a header that lies about its length)",
            )
        if heard.transcript is not None:
            findings.text = heard.transcript.text
        findings.summary = audio_summary(findings.meta, heard, truncated=truncated)


def audio_summary(meta: dict[str, Any], heard: Listening, *, truncated: bool) -> str:
    """One paragraph: length, channels, rate, then what is heard and how much is silence.

    A file that decodes shorter than its header says (``meta["file_truncated"]``) is given the
    length that decodes, and the summary says it is truncated.
    """
    duration = meta.get("duration_s")
    seconds = duration if duration is not None else heard.seconds
    if meta.get("file_truncated"):
        seconds = heard.seconds
    layout = {1: "mono", 2: "stereo"}.get(meta.get("channels") or 0) or (
        meta.get("channel_layout") or "audio"
    )
    rate = f" ({meta['sample_rate'] / 1000:g} kHz)" if meta.get("sample_rate") else ""
    opening = f"A {seconds:.1f} s {layout} recording{rate}"
    silence = f"{heard.silence_ratio:.0%} silence"
    if heard.seconds == 0:
        return f"{opening} with no decodable samples."
    if heard.silent:
        body = f"{opening} that is silent ({silence}, peak {heard.peak_dbfs:g} dBFS)."
    elif heard.has_speech and heard.transcript is not None:
        speakers = "speech" + (
            f" in {heard.transcript.language}" if heard.transcript.language != "en" else ""
        )
        body = (
            f"{opening} of {speakers}: “{quote(heard.transcript.text, QUOTE_WORDS)}”; "
            f"{silence}, {heard.rms_dbfs:g} dBFS RMS."
        )
    else:
        body = (
            f"{opening} with no speech (music, noise or other sound); "
            f"{silence}, {heard.rms_dbfs:g} dBFS RMS, peak {heard.peak_dbfs:g} dBFS."
        )
    if truncated:
        body += f" Only the first {heard.seconds:.0f} s were analysed and transcribed."
    if meta.get("file_truncated") and duration is not None:
        body += (
            f" The file is truncated: its header says {duration:.1f} s, "
            f"but only {heard.seconds:.1f} s decode."
        )
    return body


__all__ = [
    "AudioPerceiver",
    "Listening",
    "audio_summary",
    "check_audio_stream",
    "listen",
    "max_seconds_from_environment",
]
