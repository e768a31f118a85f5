"""No-reference audio signal quality (method ``signal``).

The released code scores audio with a handcrafted statistical "v4.7" score (unim.md §2.1); its
exact constants are not published, so this scorer keeps its main signals with measures from
published standards and papers, on 16 kHz mono samples decoded by the hardened ffmpeg path of
perception:

- snr: a speech-to-noise ratio in the manner of NIST's ``stnr`` (SPQA package): signal level is
  the 95th percentile of 20 ms frame powers, noise level the 10th percentile; mapped by a
  logistic centred on 15 dB (width 4 dB).
- clipping: the share of samples at or above 0.98 of full scale; 1 % clipped scores 0.
- loudness: integrated loudness per ITU-R BS.1770-4 (K-weighting, 400 ms blocks with 75 %
  overlap, absolute gate -70 LUFS and relative gate -10 LU); 1 inside [-26, -12] LUFS (from the
  EBU R 128 broadcast target -23 to the streaming targets near -14), falling to 0 20 LU away.
- silence: the share of 50 ms windows under -50 dBFS; up to half silent scores 1, all silent 0.
- intelligibility (speech only, when Silero VAD finds at least a second of speech): whisper's
  confidence, ``exp`` of the duration-weighted mean ``avg_logprob`` of its segments (the
  per-token log-likelihood faster-whisper reports), mapped ``(p - 0.2) / 0.6``.

Weights: snr 0.30, clipping 0.20, loudness 0.15, silence 0.15, intelligibility 0.20 (left out
and renormalised for non-speech audio). A file that decodes to silence or to nothing scores 0.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from unima.backends import whisper as whisper_backend
from unima.errors import ConfigError, UnimaError
from unima.eval.quality.common import band, clamp, combine, failed_value, logistic, quality_value
from unima.eval.records import MetricValue
from unima.perception.audio_signal import decode_samples, measure_loudness, speech_regions

if TYPE_CHECKING:
    import numpy as np

METHOD = "signal"
WEIGHTS = {
    "snr": 0.30,
    "clipping": 0.20,
    "loudness": 0.15,
    "silence": 0.15,
    "intelligibility": 0.20,
}
SAMPLE_RATE = 16_000
MAX_SECONDS = 300.0
MAX_LISTEN_SECONDS = 60.0
FRAME_S = 0.02
FLOOR_DB = -100.0
CLIP_LEVEL = 0.98
CLIP_RATE_ZERO = 0.01
LOUDNESS_BAND = (-26.0, -12.0)
LOUDNESS_FALL = 20.0
MIN_SPEECH_S = 1.0


def frame_snr_db(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> float:
    """STNR-style signal-to-noise ratio: 95th minus 10th percentile of 20 ms frame powers."""

    frame = max(1, round(FRAME_S * sample_rate))
    count = samples.size // frame
    if count < 2:
        return 0.0
    frames = samples[: count * frame].astype(np.float64).reshape(count, frame)
    power = np.maximum((frames**2).mean(axis=1), 10.0 ** (FLOOR_DB / 10.0))
    decibels = 10.0 * np.log10(power)
    signal, noise = np.percentile(decibels, [95.0, 10.0])
    return float(min(signal - noise, 60.0))


def _k_weighting_response(frequencies: np.ndarray, sample_rate: int) -> np.ndarray:
    """Magnitude response of the BS.1770 K-weighting (shelf then high-pass) at ``frequencies``.

    The two biquads are designed for ``sample_rate`` from the standard's analog parameters (as
    pyloudnorm does), so 16 kHz samples are weighted like 48 kHz ones.
    """

    def biquad(b: tuple[float, float, float], a: tuple[float, float, float]) -> np.ndarray:
        z = np.exp(-1j * 2.0 * np.pi * frequencies / sample_rate)
        return np.abs((b[0] + b[1] * z + b[2] * z**2) / (a[0] + a[1] * z + a[2] * z**2))

    gain_db, q, centre = 3.99984385397, 0.7071752369554193, 1681.9744509555319
    amplitude = 10.0 ** (gain_db / 40.0)
    w0 = 2.0 * math.pi * centre / sample_rate
    alpha, cosine, root = math.sin(w0) / (2.0 * q), math.cos(w0), math.sqrt(amplitude)
    shelf = biquad(
        (
            amplitude * ((amplitude + 1) + (amplitude - 1) * cosine + 2 * root * alpha),
            -2 * amplitude * ((amplitude - 1) + (amplitude + 1) * cosine),
            amplitude * ((amplitude + 1) + (amplitude - 1) * cosine - 2 * root * alpha),
        ),
        (
            (amplitude + 1) - (amplitude - 1) * cosine + 2 * root * alpha,
            2 * ((amplitude - 1) - (amplitude + 1) * cosine),
            (amplitude + 1) - (amplitude - 1) * cosine - 2 * root * alpha,
        ),
    )
    q, centre = 0.5003270373253953, 38.13547087613982
    w0 = 2.0 * math.pi * centre / sample_rate
    alpha, cosine = math.sin(w0) / (2.0 * q), math.cos(w0)
    high_pass = biquad(
        ((1 + cosine) / 2, -(1 + cosine), (1 + cosine) / 2),
        (1 + alpha, -2 * cosine, 1 - alpha),
    )
    response: np.ndarray = shelf * high_pass
    return response


def integrated_loudness(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> float:
    """Gated integrated loudness in LUFS (ITU-R BS.1770-4); ``FLOOR_DB`` for silence.

    The K-weighting is applied in the frequency domain: loudness depends on energy only, so the
    filter's phase does not matter.
    """

    if samples.size == 0:
        return FLOOR_DB
    signal = samples.astype(np.float64)
    spectrum = np.fft.rfft(signal)
    frequencies = np.fft.rfftfreq(signal.size, 1.0 / sample_rate)
    weighted = np.fft.irfft(spectrum * _k_weighting_response(frequencies, sample_rate), signal.size)
    block, step = round(0.4 * sample_rate), round(0.1 * sample_rate)
    if weighted.size < block:
        powers = np.array([np.mean(weighted**2)])
    else:
        starts = np.arange(0, weighted.size - block + 1, step)
        cumulative = np.concatenate([[0.0], np.cumsum(weighted**2)])
        powers = (cumulative[starts + block] - cumulative[starts]) / block
    with np.errstate(divide="ignore"):
        levels = -0.691 + 10.0 * np.log10(powers)
    gated = powers[levels > -70.0]
    if gated.size == 0:
        return FLOOR_DB
    relative_gate = -0.691 + 10.0 * math.log10(float(gated.mean())) - 10.0
    kept = powers[(levels > -70.0) & (levels > relative_gate)]
    return float(-0.691 + 10.0 * math.log10(float(kept.mean())))


def whisper_confidence(samples: np.ndarray) -> tuple[float | None, str]:
    """Whisper's mean token probability over the speech, and the transcript's start.

    Returns ``(None, reason)`` when no whisper model is available.
    """

    clip = samples[: round(MAX_LISTEN_SECONDS * SAMPLE_RATE)]
    try:
        segments = whisper_backend.transcribe(clip, beam_size=1).segments
    except ConfigError as error:
        return None, f"no whisper model: {error}"
    weighted, duration = 0.0, 0.0
    for segment in segments:
        length = max(float(segment.end) - float(segment.start), 1e-3)
        weighted += float(segment.avg_logprob or 0.0) * length
        duration += length
    text = " ".join(segment.text.strip() for segment in segments).strip()
    if duration == 0.0:
        return 0.0, text
    return math.exp(weighted / duration), text


def assess_samples(
    samples: np.ndarray, *, listen: bool = True
) -> tuple[dict[str, float | None], dict[str, Any]]:
    """Sub-scores (0-1) and measurements of 16 kHz mono samples in [-1, 1]."""

    level = measure_loudness(samples)
    clip_rate = float(np.mean(np.abs(samples) >= CLIP_LEVEL)) if samples.size else 0.0
    snr = frame_snr_db(samples)
    loudness = integrated_loudness(samples)
    subscores: dict[str, float | None] = {
        "snr": logistic(snr, 15.0, 4.0),
        "clipping": clamp(1.0 - clip_rate / CLIP_RATE_ZERO),
        "loudness": band(loudness, *LOUDNESS_BAND, LOUDNESS_FALL),
        "silence": band(level.silence_ratio, 0.0, 0.5, 0.5),
        "intelligibility": None,
    }
    measurements: dict[str, Any] = {
        "duration_s": samples.size / SAMPLE_RATE,
        "snr_db": snr,
        "clip_rate": clip_rate,
        "integrated_loudness_lufs": loudness,
        "silence_ratio": level.silence_ratio,
        "peak_dbfs": level.peak_dbfs,
    }
    regions = speech_regions(samples) if listen else None
    speech_s = sum(end - start for start, end in regions) if regions else 0.0
    measurements["speech_s"] = speech_s
    if listen and speech_s >= MIN_SPEECH_S:
        confidence, text = whisper_confidence(samples)
        measurements["whisper_confidence"] = confidence
        measurements["transcript_start"] = text[:120]
        if confidence is not None:
            subscores["intelligibility"] = clamp((confidence - 0.2) / 0.6)
    return subscores, measurements


def score_samples(samples: np.ndarray, *, listen: bool = True) -> MetricValue:
    """GQ of decoded samples (also used for the audio track of a video)."""
    subscores, measurements = assess_samples(samples, listen=listen)
    if measurements["duration_s"] == 0.0 or measurements["silence_ratio"] >= 1.0:
        value = failed_value("audio", METHOD, "the audio is empty or silent")
        value.details["measurements"] = measurements
        return value
    score = combine(subscores, WEIGHTS)
    return quality_value(
        "audio", METHOD, score, subscores=subscores, weights=WEIGHTS, measurements=measurements
    )


def score_audio(path: Path, file_format: str, *, listen: bool = True) -> MetricValue:
    """GQ of an audio file: ``gq:audio/signal``; an undecodable file scores 0."""

    try:
        samples = decode_samples(path, file_format, max_seconds=MAX_SECONDS)
    except UnimaError as error:
        return failed_value("audio", METHOD, f"the audio cannot be decoded: {error}")
    return score_samples(samples, listen=listen)
