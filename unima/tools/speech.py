"""``synthesize_speech`` with the Piper backend: a script spoken by a neural voice.

The check listens back: the clip is decoded, measured (length against the word count, loudness)
and transcribed with faster-whisper, and the transcript's word error rate against the script
must stay under ``Settings.speech_max_wer``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, field_validator

from unima.backends import ffmpeg, piper_voice, whisper
from unima.errors import ToolError, UnimaError
from unima.tools.base import Tool, ToolArguments, ToolContext, ToolOutput
from unima.tools.common import clean_text, ensure_arguments
from unima.types import Modality, Verification

DEFAULT_MAX_WER = 0.35
# Speaking rates outside these bounds (words per second at speed 1.0, scaled by the speed) mean
# the clip does not hold the script: far too short is cut off, far too long is padding or noise.
# They are loose because numbers and abbreviations are one written word but several spoken ones.
MINIMUM_WORDS_PER_SECOND = 0.4
MAXIMUM_WORDS_PER_SECOND = 7.0
# Below this root-mean-square level (-40 dBFS) a clip is taken to be silent.
MINIMUM_RMS = 0.01
TEXT_IN_PROBLEMS = 120

MIME_TYPES = {"wav": "audio/wav", "mp3": "audio/mpeg"}


class SpeechArguments(ToolArguments):
    """Arguments of ``synthesize_speech``."""

    script: str = Field(
        min_length=1, max_length=4000, description="The exact words to speak, in English."
    )
    speed: float = Field(
        default=1.0, ge=0.5, le=2.0, description="Speaking speed: 1.0 normal, 2.0 twice as fast."
    )
    format: Literal["wav", "mp3"] = Field(default="wav", description="Audio file format.")

    @field_validator("script")
    @classmethod
    def _has_words(cls, script: str) -> str:
        script = clean_text(script).strip()
        if not any(character.isalnum() for character in script):
            raise ValueError(f"script {script[:40]!r} has no words to speak")
        return script


def _shorten(text: str, limit: int = TEXT_IN_PROBLEMS) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


class PiperSpeechTool(Tool):
    """Speech from a script with a Piper neural voice, checked by transcribing it back."""

    name: ClassVar[str] = "synthesize_speech"
    modality: ClassVar[Modality] = "audio"
    backend: ClassVar[str] = "piper"
    description: ClassVar[str] = (
        "Speak a script aloud in a natural English voice and return the audio clip "
        "(narration, an answer read out, a pronunciation)."
    )
    Arguments: ClassVar[type[ToolArguments]] = SpeechArguments

    def backend_version(self) -> str:
        try:
            voice = piper_voice.voice_name()
        except UnimaError:
            voice = "unavailable"
        return f"piper-tts {piper_voice.piper_version()}; voice {voice}"

    def run(self, arguments: Any, context: ToolContext) -> ToolOutput:
        """Synthesize the script to ``speech.wav`` (and convert it to MP3 when asked)."""
        arguments = ensure_arguments(SpeechArguments, arguments)
        wav_path = context.work_dir / "speech.wav"
        try:
            info = piper_voice.synthesize(
                arguments.script, wav_path, length_scale=1.0 / arguments.speed
            )
        except ToolError as error:
            raise ToolError(str(error), tool=self.name, recoverable=error.recoverable) from error
        path = wav_path
        if arguments.format == "mp3":
            path = context.work_dir / "speech.mp3"
            command = [*ffmpeg.QUIET, "-y", "-i", str(wav_path), "-codec:a", "libmp3lame"]
            command += ["-q:a", "3", str(path)]
            ffmpeg.run_ffmpeg(command, timeout_s=60.0 + info.duration_s)
            wav_path.unlink(missing_ok=True)
        return ToolOutput(
            path=path,
            mime=MIME_TYPES[arguments.format],
            meta={
                "duration_s": round(info.duration_s, 3),
                "sample_rate": info.sample_rate,
                "voice": piper_voice.voice_name(),
                "speed": arguments.speed,
                "format": arguments.format,
                "script": arguments.script,
            },
        )

    def verify(self, output: ToolOutput, arguments: Any, context: ToolContext) -> Verification:
        """Decode the clip, check its length and loudness, transcribe it and score the WER."""
        arguments = ensure_arguments(SpeechArguments, arguments)
        max_wer = getattr(context.settings, "speech_max_wer", DEFAULT_MAX_WER)
        return verify_speech(
            Path(output.path), arguments.script, speed=arguments.speed, max_wer=max_wer
        )


def verify_speech(
    path: Path, script: str, *, speed: float = 1.0, max_wer: float = DEFAULT_MAX_WER
) -> Verification:
    """Check that the audio file at ``path`` is ``script`` spoken at about ``speed``.

    Checks, in order: it decodes to a non-empty clip; its length is plausible for the script's
    word count; it is not silent; its transcript's word error rate is at most ``max_wer``.
    """
    checks: dict[str, Any] = {"max_wer": max_wer}
    problems: list[str] = []
    try:
        samples = ffmpeg.decode_audio(path, sample_rate=16000)
    except UnimaError as error:
        return Verification(
            passed=False, checks=checks, problems=(f"audio does not decode: {error}",)
        )
    duration_s = len(samples) / 16000
    checks["duration_s"] = round(duration_s, 3)
    if duration_s <= 0:
        return Verification(
            passed=False, checks=checks, problems=("audio decodes to zero samples",)
        )

    word_count = len(whisper.normalize_words(script))
    words_per_second = word_count / duration_s
    checks["script_words"] = word_count
    checks["words_per_second"] = round(words_per_second, 3)
    low, high = MINIMUM_WORDS_PER_SECOND * speed, MAXIMUM_WORDS_PER_SECOND * speed
    if not low <= words_per_second <= high:
        problems.append(
            f"{duration_s:.2f} s is implausible for {word_count} words at speed {speed:g} "
            f"({words_per_second:.2f} words/s, expected {low:.2f} to {high:.2f})"
        )

    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    checks["rms"] = round(rms, 5)
    checks["rms_dbfs"] = round(20 * math.log10(rms), 1) if rms > 0 else None
    if rms < MINIMUM_RMS:
        problems.append(f"audio is silent: RMS {rms:.5f} is below {MINIMUM_RMS}")
        return Verification(passed=False, checks=checks, problems=tuple(problems))

    try:
        transcript = whisper.transcribe(samples, language="en")
    except UnimaError as error:
        problems.append(f"could not transcribe the audio: {error}")
        return Verification(passed=False, checks=checks, problems=tuple(problems))
    wer = whisper.word_error_rate(script, transcript.text)
    checks["transcript"] = transcript.text
    checks["wer"] = round(wer, 4)
    if wer > max_wer:
        problems.append(
            f"transcript does not match the script: WER {wer:.2f} > {max_wer:.2f}; "
            f"script {_shorten(script)!r}, heard {_shorten(transcript.text)!r}"
        )
    return Verification(passed=not problems, checks=checks, problems=tuple(problems))
