"""The self-check of a spoken clip: decoded, measured and heard back with faster-whisper.

It fails when the clip does not decode, its length does not fit the script's word count, it is
silent, or the transcript's word error rate against the script is over ``max_wer``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from unima.backends import ffmpeg, whisper
from unima.errors import UnimaError
from unima.types import Verification

DEFAULT_MAX_WER = 0.35
# Speaking rates outside these bounds (words per second at speed 1.0, scaled by the speed) mean
# the clip does not hold the script: far too short is cut off, far too long is padding or noise.
# They are loose because numbers and abbreviations are one written word but several spoken ones.
MINIMUM_WORDS_PER_SECOND = 0.4
MAXIMUM_WORDS_PER_SECOND = 7.0
# Below this root-mean-square level (-40 dBFS) a clip is taken to be silent.
MINIMUM_RMS = 0.01
TEXT_IN_PROBLEMS = 120


def _shorten(text: str, limit: int = TEXT_IN_PROBLEMS) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def verify_speech(
    path: Path,
    script: str,
    *,
    speed: float = 1.0,
    max_wer: float = DEFAULT_MAX_WER,
    language: str | None = None,
) -> Verification:
    """Check that the audio file at ``path`` is ``script`` spoken at about ``speed``.

    Checks, in order: it decodes to a non-empty clip; its length is plausible for the script's
    word count; it is not silent; its transcript's word error rate is at most ``max_wer``.
    ``language`` (an ISO code, default English) is what the transcription listens for; speech
    in another language cannot be heard back by an English-only Whisper model (the bundled
    tiny.en), so that check is then skipped and recorded as skipped, not failed.
    """
    language = (language or "en").lower()
    checks: dict[str, Any] = {"max_wer": max_wer, "language": language}
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
        if language != "en" and whisper.english_only():
            checks["transcript_skipped"] = (
                f"the Whisper model is English-only and the speech is {language!r}; set "
                "UNIMA_WHISPER_MODEL to a multilingual model to hear it back"
            )
            return Verification(passed=not problems, checks=checks, problems=tuple(problems))
        transcript = whisper.transcribe(samples, language=language)
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
