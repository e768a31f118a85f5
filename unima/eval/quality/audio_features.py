"""The signal measurements of the released "v4.7" audio quality score, on 48 kHz mono samples.

Each function is one measurement of ``generate_quality/audio.py`` in liyanlin06/UniM (the same
file in Shize-ZHANG/Any2Any-Evaluation-Suite), ported from its description with the released
constants, so that ``unima.eval.quality.audio`` reproduces the released score. Frame loops of
the released code (``for start in range(0, len(x) - frame, hop)``) are vectorised over the same
frame starts; the spectral parts that the released code takes from librosa (HPSS, spectral
contrast, chroma CQT, soxr resampling) and scipy (the STFT) call the same libraries, imported on
first use because they are heavy (numba). Integrated loudness is pyloudnorm's BS.1770 meter
(not installed here) ported: its K-weighting biquads, 400 ms blocks with 75 % overlap, absolute
gate -70 LUFS and relative gate -10 LU.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from unima.errors import InputError, MissingExtraError

SAMPLE_RATE = 48_000
FEATURE = "GQ of audio (the released v4.7 score)"
EXTRA = "eval"
# Mean-removed samples quieter than this are "digital silence" for the edge trim.
TRIM_LEVEL = 1e-4
TRIM_PAD_S = 0.2
LEVEL_FRAME_S = 0.02
LEVEL_HOP_S = 0.01
LOUDNESS_BLOCK_S = 0.4
FRAME_BLOCK = 4096


def spectral_libraries() -> tuple[ModuleType, ModuleType]:
    """``(librosa, scipy.signal)``, imported on first use (librosa pulls in numba).

    Raises:
        MissingExtraError: When librosa or scipy is not installed (the ``eval`` extra).
    """
    try:
        import librosa  # heavy: numba and its JIT caches load with it
        import scipy.signal
    except ImportError as error:
        raise MissingExtraError(FEATURE, EXTRA, error.name or "librosa") from error
    return librosa, scipy.signal


def to_analysis_rate(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mono samples resampled to 48 kHz as librosa resamples by default (soxr, HQ)."""
    signal = np.asarray(samples, dtype=np.float32)
    if sample_rate == SAMPLE_RATE:
        return signal
    librosa, _ = spectral_libraries()
    resampled: np.ndarray = librosa.resample(signal, orig_sr=sample_rate, target_sr=SAMPLE_RATE)
    return resampled.astype(np.float32, copy=False)


def trim_edges(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The mean removed, then leading and trailing digital silence cut to a 200 ms margin."""
    centred = (samples - np.mean(samples)).astype(np.float32)
    loud = np.flatnonzero(np.abs(centred) > TRIM_LEVEL)
    if loud.size == 0:
        return centred
    pad = int(TRIM_PAD_S * sample_rate)
    start, stop = max(0, int(loud[0]) - pad), min(centred.size, int(loud[-1]) + pad)
    return centred[start:stop]


def frames(samples: np.ndarray, length: int, hop: int) -> np.ndarray:
    """A view of the frames of ``length`` starting every ``hop`` samples (no copy).

    These are the released code's frame starts, ``range(0, len(x) - length, hop)``, which
    leave out a last frame that would end exactly at the end of the signal.
    """
    count = len(range(0, samples.size - length, hop))
    if count == 0:
        return np.empty((0, length), dtype=samples.dtype)
    view: np.ndarray = np.lib.stride_tricks.sliding_window_view(samples, length)[::hop][:count]
    return view


def frame_means(samples: np.ndarray, length: int, hop: int, measure: Any) -> np.ndarray:
    """Per-frame mean of ``measure(frame)`` in float64, taken a block of frames at a time.

    Blocks keep the memory near the size of the signal: all frames at once would hold every
    sample twice (hop = half a frame) in float64.
    """
    view = frames(samples, length, hop)
    means = np.empty(view.shape[0], dtype=np.float64)
    for start in range(0, view.shape[0], FRAME_BLOCK):
        block = view[start : start + FRAME_BLOCK].astype(np.float64)
        means[start : start + FRAME_BLOCK] = np.mean(measure(block), axis=1)
    return means


def frame_rms(samples: np.ndarray, length: int, hop: int) -> np.ndarray:
    """Root-mean-square level of each frame, plus 1e-12 (so its logarithm is finite)."""
    rms: np.ndarray = np.sqrt(frame_means(samples, length, hop, np.square)) + 1e-12
    return rms


def decibels(amplitude: np.ndarray | float) -> Any:
    """``20 log10`` of an amplitude (already offset away from zero)."""
    return 20.0 * np.log10(amplitude)


def magnitude_spectrogram(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(frequencies, |STFT|)``: scipy's STFT, 2048-point periodic Hann window, hop 512.

    Zero boundary and padding as scipy's defaults, with scipy's ``1 / sum(window)`` scaling: the
    released code's spectrogram, whose absolute scale matters for the HPSS and contrast parts.
    """
    _, signal = spectral_libraries()
    window = signal.get_window("hann", 2048, fftbins=True)
    frequencies, _, spectrum = signal.stft(
        samples,
        fs=SAMPLE_RATE,
        nperseg=2048,
        noverlap=2048 - 512,
        window=window,
        padded=True,
        boundary="zeros",
    )
    return frequencies, np.abs(spectrum)


def spectral_flatness(magnitudes: np.ndarray) -> tuple[float, np.ndarray]:
    """Per-frame flatness (geometric over arithmetic mean of magnitudes) and its median."""
    offset = magnitudes + 1e-12
    geometric = np.exp(np.mean(np.log(offset), axis=0))
    per_frame: np.ndarray = geometric / np.mean(offset, axis=0)
    return float(np.median(per_frame)), per_frame


def percentile_frequency(frequencies: np.ndarray, power: np.ndarray, share: float) -> float:
    """The first frequency at which the cumulative power reaches ``share`` of the total."""
    cumulative = np.cumsum(power / (np.sum(power) + 1e-12))
    index = int(np.searchsorted(cumulative, share))
    return float(frequencies[min(index, frequencies.size - 1)])


def band_energy_ratio(frequencies: np.ndarray, power: np.ndarray, low: float, high: float) -> float:
    """Share of the power between ``low`` and ``high`` Hz (both included)."""
    inside = (frequencies >= low) & (frequencies <= high)
    return float(np.sum(power[inside]) / (np.sum(power) + 1e-12))


def dynamic_range_db(samples: np.ndarray) -> float:
    """95th minus 5th percentile of 50 ms frame levels (hop 25 ms); 0 for a shorter signal."""
    levels = decibels(frame_rms(samples, int(0.05 * SAMPLE_RATE), int(0.025 * SAMPLE_RATE)))
    if levels.size == 0:
        return 0.0
    low, high = np.percentile(levels, [5.0, 95.0])
    return float(high - low)


def silence_ratio(samples: np.ndarray, threshold_db: float = -60.0) -> float:
    """Share of 20 ms frames (hop 10 ms) whose level is under ``threshold_db``."""
    length, hop = int(LEVEL_FRAME_S * SAMPLE_RATE), int(LEVEL_HOP_S * SAMPLE_RATE)
    if samples.size < length:
        return 0.0
    levels = decibels(frame_rms(samples, length, hop))
    return float(np.sum(levels < threshold_db) / max(1, levels.size))


def hard_clip_ratio(samples: np.ndarray, level: float = 0.995, run: int = 4) -> float:
    """Runs of ``run`` consecutive samples at or over ``level``, per ``run`` samples of signal.

    A stretch of ``n`` clipped samples counts ``n // run`` runs, as the released counter does
    (it restarts after each complete run).
    """
    hits = np.abs(samples) >= level
    if not np.any(hits):
        return 0.0
    edges = np.diff(np.concatenate([[0], hits.astype(np.int8), [0]]))
    lengths = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    return float(np.sum(lengths // run) / (samples.size / max(1, run)))


@dataclass(frozen=True)
class GapMeasure:
    """The middle-of-the-clip gap and coverage measure (the released "v4.6" gap penalty).

    Attributes:
        penalty: gap penalty times coverage penalty, in [0, 1].
        longest_gap_s: the longest run of silent 20 ms frames in the middle, in seconds.
        coverage_penalty: ``1`` when at least 85 % of the middle frames are active.
        silent_share: share of silent middle frames.
    """

    penalty: float
    longest_gap_s: float
    coverage_penalty: float
    silent_share: float


NO_GAP = GapMeasure(1.0, 0.0, 1.0, 0.0)


def mid_gap(samples: np.ndarray) -> GapMeasure:
    """Silent stretches in the clip without its first and last 200 ms.

    A frame is silent when it is 20 dB under the median of the loudest 30 % of frames (the
    threshold held between -55 and -30 dBFS) or when over 97 % of its samples are under 1e-4.
    The longest silent run beyond 100 ms costs its share of 80 % of the middle's duration (at
    most 0.98); under 85 % active frames costs twice the shortfall (down to 0.1).
    """
    length, hop = int(LEVEL_FRAME_S * SAMPLE_RATE), int(LEVEL_HOP_S * SAMPLE_RATE)
    if samples.size < length:
        return NO_GAP
    edge = int(TRIM_PAD_S * SAMPLE_RATE)
    middle = samples[edge : max(edge + length, samples.size - edge)]
    levels = decibels(frame_rms(middle, length, hop))
    if levels.size == 0:
        return NO_GAP
    near_zero = frame_means(middle, length, hop, lambda block: np.abs(block) < TRIM_LEVEL)
    loudest = max(1, int(0.3 * levels.size))
    reference = float(np.median(np.sort(levels)[-loudest:]))
    threshold = float(np.clip(reference - 20.0, -55.0, -30.0))
    silent = (levels < threshold) | (near_zero > 0.97)
    longest_gap_s = longest_run(silent) * hop / SAMPLE_RATE
    if longest_gap_s <= 0.10:
        gap_penalty = 1.0
    else:
        span = max(1e-9, middle.size / SAMPLE_RATE * 0.8)
        gap_penalty = 1.0 - min(0.98, max(0.0, (longest_gap_s - 0.10) / span))
    active = float(np.mean(~silent))
    coverage = 1.0 if active >= 0.85 else max(0.1, 1.0 - 2.0 * (0.85 - active))
    return GapMeasure(
        float(np.clip(gap_penalty * coverage, 0.0, 1.0)),
        float(longest_gap_s),
        float(coverage),
        float(np.mean(silent)),
    )


def longest_run(flags: np.ndarray) -> int:
    """Length of the longest run of ``True`` in ``flags``."""
    if not np.any(flags):
        return 0
    edges = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    return int(np.max(np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)))


def band_score(value: float, low: float, high: float, softness: float) -> float:
    """1 inside ``[low, high]``, decaying as ``exp(-distance / softness)`` outside."""
    if value < low:
        return float(np.clip(math.exp(-(low - value) / softness), 0.0, 1.0))
    if value > high:
        return float(np.clip(math.exp(-(value - high) / softness), 0.0, 1.0))
    return 1.0


def logistic_score(value: float, middle: float, slope: float) -> float:
    """``1 / (1 + exp(-slope (value - middle)))``."""
    return float(1.0 / (1.0 + np.exp(-slope * (value - middle))))


def weighted_geometric_mean(scores: list[float], weights: list[float]) -> float:
    """``exp(sum w log s / sum w)`` with each score held in ``[1e-9, 1]``."""
    held = np.clip(np.array(scores, dtype=np.float64), 1e-9, 1.0)
    weight = np.array(weights, dtype=np.float64)
    return float(np.exp(np.sum(weight * np.log(held)) / np.sum(weight)))


def hiss_penalty(frequencies: np.ndarray, power: np.ndarray) -> tuple[float, float]:
    """``(penalty, slope)`` of log power against log frequency over 4-12 kHz.

    Natural sound falls off there (slope -0.5 or steeper: no penalty); a flat or rising slope
    is hiss: ``1 / (1 + 6 t)`` with ``t = (slope + 0.5) / 0.65``, held in ``[0.25, 1]``.
    """
    inside = (frequencies >= 4000.0) & (frequencies <= 12000.0)
    if np.sum(inside) < 10:
        return 1.0, 0.0
    log_frequency = np.log10(frequencies[inside] + 1e-9)
    log_power = np.log10(power[inside] + 1e-12)
    design = np.vstack([log_frequency, np.ones_like(log_frequency)]).T
    slope = float(np.linalg.lstsq(design, log_power, rcond=None)[0][0])
    if slope <= -0.5:
        return 1.0, slope
    excess = (slope + 0.5) / (0.15 + 0.5)
    return float(np.clip(1.0 / (1.0 + 6.0 * excess), 0.25, 1.0)), slope


def periodicity(samples: np.ndarray) -> tuple[float, float]:
    """``(score, median peak)`` of the normalised autocorrelation at 50-400 Hz pitch lags.

    30 ms frames every 10 ms; each frame's autocorrelation (over its own energy) is taken by FFT
    rather than the released direct correlation (the same sums, much faster); the score maps a
    median peak of 0.25-0.8 to 0-1. The released score computes this but never applies it (its
    periodic bonus is not multiplied in), so it is a diagnostic only.
    """
    length, hop = int(0.03 * SAMPLE_RATE), int(0.01 * SAMPLE_RATE)
    shortest, longest = int(SAMPLE_RATE / 400), int(SAMPLE_RATE / 50)
    view = frames(samples, max(128, length), max(64, hop))
    if view.shape[0] == 0 or longest <= shortest:
        return 0.0, 0.0
    size = 1 << int(np.ceil(np.log2(view.shape[1] + longest + 1)))
    peaks: list[np.ndarray] = []
    for start in range(0, view.shape[0], FRAME_BLOCK // 2):
        chunk = view[start : start + FRAME_BLOCK // 2].astype(np.float64)
        chunk = chunk - chunk.mean(axis=1, keepdims=True)
        energy = np.sum(chunk**2, axis=1) + 1e-12
        spectrum = np.fft.rfft(chunk, n=size, axis=1)
        correlation = np.fft.irfft(np.abs(spectrum) ** 2, n=size, axis=1)[:, : longest + 1]
        peaks.append(np.max(correlation[:, shortest : longest + 1], axis=1) / energy)
    median = float(np.median(np.concatenate(peaks)))
    return float(np.clip((median - 0.25) / (0.8 - 0.25), 0.0, 1.0)), median


def contrast_score(magnitudes: np.ndarray) -> tuple[float, float]:
    """``(score, dB)``: librosa's spectral contrast (6 octave bands from 200 Hz), median of the
    per-band medians over time, mapped 15-40 dB to 0-1; ``(0, 0)`` when librosa refuses it."""
    librosa, _ = spectral_libraries()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # as for the chroma: warnings do not stop it
            contrast = librosa.feature.spectral_contrast(S=magnitudes, sr=SAMPLE_RATE)
    except librosa.ParameterError:
        return 0.0, 0.0
    value = float(np.median(np.median(contrast, axis=1)))
    return float(np.clip((value - 15.0) / (40.0 - 15.0), 0.0, 1.0)), value


def chroma_score(samples: np.ndarray) -> tuple[float, float]:
    """``(score, variance)``: median over the 12 pitch classes of the variance in time of
    librosa's CQT chroma, mapped 0.005-0.05 to 0-1; ``(0, 0)`` when librosa refuses it."""
    librosa, _ = spectral_libraries()
    try:
        with warnings.catch_warnings():
            # librosa warns on silence (no pitch to tune to) and on short clips; the released
            # code runs on through such warnings, so they must not stop the score here either.
            warnings.simplefilter("ignore")
            chroma = librosa.feature.chroma_cqt(y=samples, sr=SAMPLE_RATE)
    except librosa.ParameterError:
        return 0.0, 0.0
    value = float(np.median(np.var(chroma, axis=1)))
    return float(np.clip((value - 0.005) / (0.05 - 0.005), 0.0, 1.0)), value


def flatness_snr(
    levels: np.ndarray, levels_db: np.ndarray, flatness: np.ndarray
) -> tuple[float | None, float]:
    """``(snr_db or None, noisy share)`` from frames split by spectral flatness.

    Over frames louder than -50 dBFS (at least 20 of them): tonal frames (flatness < 0.45)
    against noise-like ones (> 0.65), each by median level, when both have at least
    ``max(10, 5 %)`` of the frames; the noisy share is the share with flatness over 0.55.
    """
    loud = levels_db > -50.0
    if np.sum(loud) < 20:
        return None, 0.0
    flat = flatness[: loud.size][loud]
    level = levels[loud]
    tonal, noisy = flat < 0.45, flat > 0.65
    needed = max(10, int(0.05 * flat.size))
    snr: float | None = None
    if np.sum(tonal) >= needed and np.sum(noisy) >= needed:
        snr = float(decibels((np.median(level[tonal]) + 1e-12) / (np.median(level[noisy]) + 1e-12)))
    return snr, float(np.mean(flat > 0.55))


def median_filter(values: np.ndarray, width: int, axis: int) -> np.ndarray:
    """Running median of odd ``width`` along ``axis``, edges mirrored (``d c b a | a b c d``).

    The same values as ``scipy.ndimage.median_filter`` with ``mode="reflect"`` and a 1-D
    window (each output is one of the inputs), taken by partition over a sliding view in
    blocks, which is several times faster than scipy's general rank filter.
    """
    half = width // 2
    moved = np.moveaxis(values, axis, -1)
    padding = [(0, 0)] * (moved.ndim - 1) + [(half, half)]
    padded = np.pad(moved, padding, mode="symmetric")
    result = np.empty_like(moved)
    rows = max(1, (1 << 22) // max(1, moved.shape[-1] * width))
    for start in range(0, moved.shape[0], rows):
        window = np.lib.stride_tricks.sliding_window_view(padded[start : start + rows], width, -1)
        result[start : start + rows] = np.partition(window, half, axis=-1)[..., half]
    return np.moveaxis(result, -1, axis)


def hpss_snr(magnitudes: np.ndarray) -> float | None:
    """Energy of the harmonic plus percussive parts over the residual, in dB.

    The parts are librosa's default HPSS (Fitzgerald's median filtering, 31-frame harmonic and
    31-bin percussive medians, power-2 soft masks, margin 1), with the medians taken by
    ``median_filter`` (identical values, faster) and the masks by librosa's ``softmask``.
    ``None`` for an empty spectrogram (the released code's failed HPSS).
    """
    librosa, _ = spectral_libraries()
    if magnitudes.size == 0:
        return None
    harmonic_median = median_filter(magnitudes, 31, axis=-1)
    percussive_median = median_filter(magnitudes, 31, axis=-2)
    softmask = librosa.util.softmask
    harmonic = magnitudes * softmask(harmonic_median, percussive_median, power=2, split_zeros=True)
    percussive = magnitudes * softmask(
        percussive_median, harmonic_median, power=2, split_zeros=True
    )
    separated = harmonic + percussive
    residual = np.maximum(magnitudes - separated, 0.0)
    return float(10.0 * np.log10(np.sum(separated**2) / (np.sum(residual**2) + 1e-12)))


def transient_share(samples: np.ndarray) -> float:
    """Share of samples whose 10 ms envelope changes more than its 95th percentile change."""
    width = max(8, int(SAMPLE_RATE * 10 / 1000))
    envelope = np.convolve(np.abs(samples), np.ones(width) / width, mode="same")
    change = np.abs(np.diff(envelope))
    if change.size == 0:
        return 0.0
    return float(np.mean(change > np.percentile(change, 95)))


def crest_db(samples: np.ndarray) -> float:
    """Peak over RMS level, in dB."""
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) + 1e-12
    return float(decibels((float(np.max(np.abs(samples))) + 1e-12) / rms))


def _biquad(
    kind: str, gain_db: float, quality: float, centre: float
) -> tuple[np.ndarray, np.ndarray]:
    """RBJ audio-EQ-cookbook coefficients of pyloudnorm's K-weighting stages at 48 kHz."""
    amplitude = 10.0 ** (gain_db / 40.0)
    w0 = 2.0 * math.pi * centre / SAMPLE_RATE
    alpha, cosine, root = math.sin(w0) / (2.0 * quality), math.cos(w0), math.sqrt(amplitude)
    if kind == "high_shelf":
        b = [
            amplitude * ((amplitude + 1) + (amplitude - 1) * cosine + 2 * root * alpha),
            -2 * amplitude * ((amplitude - 1) + (amplitude + 1) * cosine),
            amplitude * ((amplitude + 1) + (amplitude - 1) * cosine - 2 * root * alpha),
        ]
        a = [
            (amplitude + 1) - (amplitude - 1) * cosine + 2 * root * alpha,
            2 * ((amplitude - 1) - (amplitude + 1) * cosine),
            (amplitude + 1) - (amplitude - 1) * cosine - 2 * root * alpha,
        ]
    else:
        b = [(1 + cosine) / 2, -(1 + cosine), (1 + cosine) / 2]
        a = [1 + alpha, -2 * cosine, 1 - alpha]
    return np.array(b) / a[0], np.array(a) / a[0]


def integrated_loudness(samples: np.ndarray) -> float:
    """Gated integrated loudness (LUFS) of 48 kHz mono samples, as pyloudnorm's meter gives it.

    K-weighting (a +4 dB shelf at 1500 Hz, Q 1/sqrt 2, then a high-pass at 38 Hz, Q 0.5, both
    applied causally); 400 ms blocks every 100 ms, ``round((T - 0.4) / 0.1) + 1`` of them; an
    absolute gate of -70 LUFS and a relative one 10 LU under the absolutely gated mean. ``-inf``
    when no block passes both gates (silence).

    Raises:
        InputError: For a signal shorter than one 400 ms block (pyloudnorm refuses it too).
    """
    if samples.size < LOUDNESS_BLOCK_S * SAMPLE_RATE:
        raise InputError(
            f"the audio lasts {samples.size / SAMPLE_RATE:.3f} s after trimming, shorter than "
            f"one {LOUDNESS_BLOCK_S * 1000:.0f} ms loudness block"
        )
    _, signal = spectral_libraries()
    weighted = samples.astype(np.float64)
    for stage in (
        _biquad("high_shelf", 4.0, 1 / math.sqrt(2), 1500.0),
        _biquad("", 0.0, 0.5, 38.0),
    ):
        weighted = signal.lfilter(stage[0], stage[1], weighted)
    duration = samples.size / SAMPLE_RATE
    count = int(np.round((duration - LOUDNESS_BLOCK_S) / (LOUDNESS_BLOCK_S * 0.25))) + 1
    cumulative = np.concatenate([[0.0], np.cumsum(weighted**2)])
    indices = np.arange(count)
    lower = (LOUDNESS_BLOCK_S * (indices * 0.25) * SAMPLE_RATE).astype(np.int64)
    upper = (LOUDNESS_BLOCK_S * (indices * 0.25 + 1) * SAMPLE_RATE).astype(np.int64)
    lower, upper = np.minimum(lower, weighted.size), np.minimum(upper, weighted.size)
    powers = (cumulative[upper] - cumulative[lower]) / (LOUDNESS_BLOCK_S * SAMPLE_RATE)
    with np.errstate(divide="ignore"):
        levels = -0.691 + 10.0 * np.log10(powers)
    above_absolute = levels >= -70.0
    if not np.any(above_absolute):
        return -math.inf
    relative = -0.691 + 10.0 * math.log10(float(np.mean(powers[above_absolute]))) - 10.0
    kept = powers[(levels > relative) & (levels > -70.0)]
    if kept.size == 0:
        return -math.inf
    return float(-0.691 + 10.0 * math.log10(float(np.mean(kept))))
