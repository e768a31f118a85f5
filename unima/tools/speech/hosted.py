"""``synthesize_speech`` with hosted backends: a script spoken by an OpenAI Audio API server.

Specs: ``synthesize_speech=openai:tts-1`` (or ``openai:gpt-4o-mini-tts``, on api.openai.com,
with ``UNIMA_TOOL_API_KEY`` or ``OPENAI_API_KEY``) and
``synthesize_speech=openai-compatible:http://127.0.0.1:8880/v1:kokoro`` (any server answering
``POST /audio/speech``: Kokoro-FastAPI, LocalAI, openedai-speech). The voice is
``UNIMA_SPEECH_SPEAKER`` (default ``alloy``). Endpoint, key, client, byte cap and errors are
``unima.tools.models.hosted``'s.

The clip is asked for as WAV and rewritten by ffmpeg as plain 16-bit PCM (a streamed WAV's
header gives no length, and a server may send another format anyway), then converted to MP3
when the step asks for it. The check is the Piper backend's (``unima.tools.speech.checks``):
the clip is decoded, measured and transcribed back, and must say the script.
"""

from __future__ import annotations

import time
import wave
from pathlib import Path
from typing import Any, ClassVar

from unima.backends import ffmpeg
from unima.errors import ToolError
from unima.tools.base import Tool, ToolArguments, ToolContext, ToolOutput
from unima.tools.common import ensure_arguments
from unima.tools.models.hosted import HostedModel
from unima.tools.models.loading import settings_read
from unima.tools.speech.arguments import SpeechArguments
from unima.tools.speech.checks import DEFAULT_MAX_WER, verify_speech
from unima.tools.speech.tool import MIME_TYPES
from unima.types import Modality, Verification

DEFAULT_VOICE = "alloy"
# ffmpeg gets this long on top of the clip's own length to rewrite or convert it.
CONVERT_MARGIN_S = 60.0


class OpenAISpeechTool(Tool):
    """Speech from a script with an OpenAI voice, checked by transcribing it back.

    Args:
        location: the model name (``tts-1``, ``gpt-4o-mini-tts``); None: ``tts-1``.
        max_reply_bytes: a reply over this many bytes is refused.
    """

    name: ClassVar[str] = "synthesize_speech"
    modality: ClassVar[Modality] = "audio"
    backend: ClassVar[str] = "openai"
    description: ClassVar[str] = (
        "Speak a script aloud in a natural English voice and return the audio clip "
        "(narration, an answer read out, a pronunciation)."
    )
    Arguments: ClassVar[type[ToolArguments]] = SpeechArguments
    location_help: ClassVar[str | None] = "an OpenAI speech model name (tts-1, gpt-4o-mini-tts)"
    feature: ClassVar[str] = "the openai speech backend"
    default_model: ClassVar[str] = "tts-1"

    def __init__(self, location: str | None = None, *, max_reply_bytes: int | None = None) -> None:
        super().__init__(location)
        self.hosted = HostedModel(
            self.backend,
            location,
            feature=self.feature,
            default_model=self.default_model,
            example="kokoro",
            max_reply_bytes=max_reply_bytes,
        )

    def check_ready(self, settings: Any) -> None:
        self.hosted.check_ready(settings)

    def backend_version(self) -> str:
        return self.hosted.version()

    def cache_settings(self, settings: Any) -> dict[str, Any]:
        return settings_read(settings, "speech_speaker")

    def close(self) -> None:
        self.hosted.close()

    def run(self, arguments: Any, context: ToolContext) -> ToolOutput:
        """Have the server speak the script into ``speech.wav`` (or ``speech.mp3``)."""
        arguments = ensure_arguments(SpeechArguments, arguments)
        settings = context.settings
        loaded = self.hosted.client(settings)
        voice = settings.speech_speaker or DEFAULT_VOICE
        started = time.perf_counter()

        def speak() -> bytes:
            response = loaded.value.openai.audio.speech.create(
                model=self.hosted.model,
                voice=voice,
                input=arguments.script,
                response_format="wav",
                speed=arguments.speed,
                timeout=settings.step_timeout_s,
            )
            return bytes(response.read())

        data = self.hosted.call(
            self.name, "synthesize_speech", speak, timeout_s=settings.step_timeout_s
        )
        seconds = time.perf_counter() - started
        if not data:
            raise ToolError(
                f"{self.hosted.model} at {self.hosted.base_url} answered with no audio",
                tool=self.name,
            )
        received = context.work_dir / "reply.audio"
        received.write_bytes(data)
        wav_path = context.work_dir / "speech.wav"
        try:
            command = [*ffmpeg.QUIET, "-y", "-i", str(received), "-vn", "-ac", "1"]
            command += ["-codec:a", "pcm_s16le", str(wav_path)]
            ffmpeg.run_ffmpeg(command, timeout_s=CONVERT_MARGIN_S)
        except ToolError as error:
            raise ToolError(
                f"{self.hosted.model} at {self.hosted.base_url} sent {len(data)} bytes that "
                f"are not audio: {error}",
                tool=self.name,
            ) from error
        finally:
            received.unlink(missing_ok=True)
        with wave.open(str(wav_path), "rb") as reader:
            sample_rate = reader.getframerate()
            duration_s = reader.getnframes() / sample_rate
        path = wav_path
        if arguments.format == "mp3":
            path = context.work_dir / "speech.mp3"
            command = [*ffmpeg.QUIET, "-y", "-i", str(wav_path), "-codec:a", "libmp3lame"]
            command += ["-q:a", "3", str(path)]
            ffmpeg.run_ffmpeg(command, timeout_s=CONVERT_MARGIN_S + duration_s)
            wav_path.unlink(missing_ok=True)
        return ToolOutput(
            path=path,
            mime=MIME_TYPES[arguments.format],
            meta={
                "duration_s": round(duration_s, 3),
                "sample_rate": sample_rate,
                "voice": voice,
                "speed": arguments.speed,
                "format": arguments.format,
                "script": arguments.script,
                "model": self.hosted.record(loaded, seconds),
            },
        )

    def verify(self, output: ToolOutput, arguments: Any, context: ToolContext) -> Verification:
        """Decode the clip, check its length and loudness, transcribe it and score the WER."""
        arguments = ensure_arguments(SpeechArguments, arguments)
        max_wer = getattr(context.settings, "speech_max_wer", DEFAULT_MAX_WER)
        return verify_speech(
            Path(output.path), arguments.script, speed=arguments.speed, max_wer=max_wer
        )


class CompatibleSpeechTool(OpenAISpeechTool):
    """Speech from any server speaking the OpenAI Audio API, checked by transcribing it back.

    Args:
        location: ``BASE_URL:MODEL``, e.g. ``http://127.0.0.1:8880/v1:kokoro``.
        max_reply_bytes: a reply over this many bytes is refused.
    """

    backend: ClassVar[str] = "openai-compatible"
    location_help: ClassVar[str | None] = (
        "BASE_URL:MODEL of a server with the OpenAI Audio API, e.g. http://127.0.0.1:8880/v1:kokoro"
    )
    feature: ClassVar[str] = "the openai-compatible speech backend"
