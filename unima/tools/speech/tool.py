"""``synthesize_speech`` with the Piper backend: a script spoken by a neural voice.

The check (``checks``) listens back: the clip is decoded, measured (length against the word
count, loudness) and transcribed with faster-whisper, and the transcript's word error rate
against the script must stay under ``Settings.speech_max_wer``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from unima.backends import ffmpeg, piper_voice
from unima.errors import ToolError, UnimaError
from unima.tools.base import Tool, ToolArguments, ToolContext, ToolOutput
from unima.tools.common import ensure_arguments
from unima.tools.speech.arguments import SpeechArguments
from unima.tools.speech.checks import DEFAULT_MAX_WER, verify_speech
from unima.types import Modality, Verification

MIME_TYPES = {"wav": "audio/wav", "mp3": "audio/mpeg"}


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
