"""Perceptual simulation offline: each observable cue of the inputs as a ``MentalState``.

Cues, each with its evidence:

- words: the subject's words quoted in the question ("The person in video says: ..."), text
  inputs, transcripts of audio and video, OCR of images and keyframes, read with the affect
  lexicon and its negation rule (``lexicon``); never the question's own instructions, which
  are full of emotion words;
- prosody: pitch, contour, energy and rate of audio inputs and of videos' audio tracks
  (``prosody``);
- colour: brightness, saturation and warmth of images and keyframes, read after Valdez and
  Mehrabian (1994), "Effects of color on emotions": brighter reads more pleasant, more
  saturated more arousing; warm hues are counted pleasant, cool ones less so.

Each mapping to valence and arousal is a coarse, documented rule; the confidences say how
little a colour or a pitch contour tells on its own.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from unima.errors import UnimaError
from unima.reasoners.base import RequestView
from unima.reasoners.tom.lexicon import word_cues
from unima.reasoners.tom.prosody import Prosody, prosody_of_file
from unima.trace.schema import MentalState
from unima.types import Part, Perception

logger = logging.getLogger(__name__)
STEP = "perceptual_simulation"
WORD_CONFIDENCE = 0.6
NEGATED_CONFIDENCE = 0.5
PROSODY_CONFIDENCE = 0.4
COLOUR_CONFIDENCE = 0.3
MAX_WORD_CUES = 12
MAX_KEYFRAMES = 6
THUMBNAIL = (64, 64)
# Lead-ins of the subject's words in HitEmotion's prompts, and where its instructions begin.
SAID = re.compile(
    r"(?:says|said|Transcript|Utterance|Tweet|Text|Punchline|Context)\s*:\s*(?P<words>.+?)"
    r"(?=\s*You are a multimodal|\n|$)",
    re.IGNORECASE | re.DOTALL,
)
UTTERANCE_LINE = re.compile(r"^\s*\[?\d+\]?\s*:?\s*[\w .'-]{1,40}:\s*(?P<words>.+)$", re.MULTILINE)
QUOTED = re.compile(r"[\"“](?P<words>[^\"”]{3,400})[\"”]")
INSTRUCTIONS = re.compile(r"You are a multimodal affective computing expert", re.IGNORECASE)


@dataclass(frozen=True)
class Cue:
    """One cue: its mental state and, for a word naming one, the emotion category."""

    state: MentalState
    category: str = ""


def perceived_cues(view: RequestView, level: int) -> list[Cue]:
    """Every cue the question's quoted words and the perceived inputs offer."""
    cues = text_cues(subject_text(view.request.text), level, modality="text", tag=None)
    for part in view.request.parts:
        perception = view.perceptions.get(part.tag or "")
        try:
            cues += _part_cues(part, perception, level)
        except (UnimaError, OSError, ValueError) as error:
            # A file that cannot be read gives no cue; the chain goes on with the others.
            logger.warning("ToM cues of <%s> unavailable: %s", part.tag, error)
    return cues


def subject_text(question: str) -> str:
    """The words of the subject quoted in a question, without its instructions."""
    head = INSTRUCTIONS.split(question, maxsplit=1)[0]
    pieces = [match.group("words") for match in SAID.finditer(head)]
    pieces += [match.group("words") for match in UTTERANCE_LINE.finditer(head)]
    if not pieces:
        pieces = [match.group("words") for match in QUOTED.finditer(question)]
    return " ".join(" ".join(piece.split()) for piece in pieces)


def text_cues(text: str, level: int, *, modality: str, tag: str | None) -> list[Cue]:
    cues = []
    for found in word_cues(text)[:MAX_WORD_CUES]:
        if found.negated:
            state = f"negated '{found.word}': mildly {'unpleasant' if found.valence < 0 else 'pleasant'}"
        else:
            state = f"'{found.word}' signals {found.category or 'affect'}"
        cues.append(
            Cue(
                MentalState(
                    level=level,
                    step=STEP,
                    cue="negated affect word" if found.negated else "affect word",
                    modality=modality,
                    evidence=found.span,
                    state=state,
                    confidence=NEGATED_CONFIDENCE if found.negated else WORD_CONFIDENCE,
                    tag=tag,
                    valence=round(found.valence, 3),
                    arousal=round(found.arousal, 3),
                ),
                category=found.category,
            )
        )
    return cues


def _part_cues(part: Part, perception: Perception | None, level: int) -> list[Cue]:
    meta = perception.meta if perception is not None else {}
    heard = perception.text if perception is not None else ""
    if part.modality == "text":
        return text_cues(part.text or heard, level, modality="text", tag=part.tag)
    if part.modality == "image":
        cues = text_cues(heard, level, modality="image", tag=part.tag)
        if part.path:
            cues.append(colour_cue(Path(part.path), level, tag=part.tag, modality="image"))
        return cues
    if part.modality == "audio":
        cues = transcript_cues(meta, heard, level, modality="audio", tag=part.tag)
        if part.path:
            cues.append(prosody_cue(Path(part.path), meta.get("segments"), level, part.tag))
        return cues
    if part.modality == "video":
        cues = transcript_cues(meta, heard, level, modality="video", tag=part.tag)
        on_screen = meta.get("on_screen_text")
        if isinstance(on_screen, list):
            words = " ".join(str(line) for line in on_screen)
            cues += text_cues(words, level, modality="video", tag=part.tag)
        if part.path:
            prosody = _optional_prosody(Path(part.path), meta.get("segments"), level, part.tag)
            cues += [prosody] if prosody is not None else []
        for keyframe in (meta.get("keyframes") or [])[:MAX_KEYFRAMES]:
            if isinstance(keyframe, dict) and keyframe.get("path"):
                cues.append(
                    colour_cue(
                        Path(str(keyframe["path"])),
                        level,
                        tag=part.tag,
                        modality="video",
                        time_s=_number(keyframe.get("time_s")),
                    )
                )
        return cues
    return []


def transcript_cues(
    meta: dict[str, Any], heard: str, level: int, *, modality: str, tag: str | None
) -> list[Cue]:
    """Word cues of a transcript, each with the time span of its segment when perception
    kept the segments (``meta["segments"]``: start, end, text), else of the whole text."""
    segments = meta.get("segments")
    if not isinstance(segments, list) or not segments:
        return text_cues(heard, level, modality=modality, tag=tag)
    cues = []
    for segment in segments:
        if not isinstance(segment, dict):
            continue
        start, end = _number(segment.get("start")), _number(segment.get("end"))
        for cue in text_cues(str(segment.get("text", "")), level, modality=modality, tag=tag):
            timed = cue.state.model_copy(update={"start_s": start, "end_s": end})
            cues.append(Cue(timed, cue.category))
    return cues[:MAX_WORD_CUES]


def prosody_cue(
    path: Path, segments: Any, level: int, tag: str | None, *, modality: str = "audio"
) -> Cue:
    """The prosody of ``path`` as one cue: arousal from energy, pitch range and contour."""
    prosody = prosody_of_file(path, segments if isinstance(segments, list) else None)
    valence, arousal = prosody_affect(prosody)
    category = prosody_category(prosody, arousal)
    typical = f"; the pattern vocal expression of {category} typically shows" if category else ""
    return Cue(
        MentalState(
            level=level,
            step=STEP,
            cue="prosody",
            modality=modality,
            evidence=describe_prosody(prosody),
            start_s=prosody.first_voiced_s,
            end_s=prosody.last_voiced_s,
            state=_prosody_state(prosody, arousal) + typical,
            confidence=PROSODY_CONFIDENCE if prosody.pitch_hz is not None else 0.2,
            tag=tag,
            valence=valence,
            arousal=arousal,
        ),
        category=category,
    )


def _optional_prosody(path: Path, segments: Any, level: int, tag: str | None) -> Cue | None:
    try:
        return prosody_cue(path, segments, level, tag, modality="video")
    except UnimaError:  # a video without an audio track
        return None


def prosody_affect(prosody: Prosody) -> tuple[float, float]:
    """Valence and arousal read from prosody.

    Arousal: energy from -45 dBFS (0) to -10 dBFS (1) counts 60 %, pitch range up to an
    octave 20 %, contour steepness up to 6 semitones a second 20 %; a fast or slow speaking
    rate moves it by 0.1. Valence is a weak cue: a rising contour reads engaged (up to +0.25),
    a flat, quiet delivery subdued (-0.15).
    """
    energy = _unit((prosody.energy_dbfs + 45.0) / 35.0)
    spread = _unit(prosody.pitch_range_st / 12.0)
    steepness = _unit(abs(prosody.pitch_slope_st_per_s) / 6.0)
    arousal = 0.6 * energy + 0.2 * spread + 0.2 * steepness
    if prosody.words_per_s is not None:
        arousal += 0.1 if prosody.words_per_s > 3.5 else -0.1 if prosody.words_per_s < 1.5 else 0.0
    arousal = _unit(arousal)
    valence = 0.25 * max(-1.0, min(1.0, prosody.pitch_slope_st_per_s / 6.0))
    if arousal < 0.3:
        valence -= 0.15
    return round(max(-1.0, min(1.0, valence)), 3), round(arousal, 3)


def prosody_category(prosody: Prosody, arousal: float) -> str:
    """The emotion whose vocal profile the prosody matches, after the cue profiles reviewed by
    Juslin and Laukka (2003), "Communication of emotions in vocal expression and music
    performance": joy is loud with a wide, rising pitch; anger loud with a level or falling
    one; sadness quiet, low and falling; a quiet, level voice is calm. Empty otherwise."""
    if prosody.pitch_hz is None:
        return ""
    slope = prosody.pitch_slope_st_per_s
    if arousal >= 0.6:
        return "joy" if slope > 1.0 else "anger"
    if arousal < 0.3:
        return "sadness" if slope < -1.0 else "calm"
    return ""


def describe_prosody(prosody: Prosody) -> str:
    pieces = [f"energy {prosody.energy_dbfs:.1f} dBFS"]
    if prosody.pitch_hz is not None:
        pieces += [
            f"pitch {prosody.pitch_hz:.0f} Hz",
            f"range {prosody.pitch_range_st:.1f} st",
            f"slope {prosody.pitch_slope_st_per_s:+.1f} st/s",
        ]
    else:
        pieces.append("no voiced pitch")
    if prosody.words_per_s is not None:
        pieces.append(f"{prosody.words_per_s:.1f} words/s")
    return ", ".join(pieces)


def _prosody_state(prosody: Prosody, arousal: float) -> str:
    level = "high" if arousal >= 0.6 else "low" if arousal < 0.3 else "moderate"
    contour = (
        "rising"
        if prosody.pitch_slope_st_per_s > 1.0
        else "falling"
        if prosody.pitch_slope_st_per_s < -1.0
        else "flat"
    )
    return f"{level} arousal: {'loud' if prosody.energy_dbfs > -20 else 'quiet' if prosody.energy_dbfs < -30 else 'moderate'} delivery, {contour} pitch"


def colour_cue(
    path: Path, level: int, *, tag: str | None, modality: str, time_s: float | None = None
) -> Cue:
    """The colours of an image or keyframe as one cue (see the module docstring)."""
    brightness, saturation, warmth = colour_statistics(path)
    valence = max(-1.0, min(1.0, 0.5 * (2 * brightness - 1) + 0.35 * warmth * saturation))
    arousal = _unit(0.5 + 0.6 * (saturation - 0.5) - 0.31 * (brightness - 0.5))
    tone = "bright" if brightness > 0.6 else "dark" if brightness < 0.4 else "mid-toned"
    hue = "warm" if warmth > 0.2 else "cool" if warmth < -0.2 else "neutral-hued"
    reading = "pleasant" if valence > 0.15 else "unpleasant" if valence < -0.15 else "neutral"
    at = f" at {time_s:.2f} s" if time_s is not None else ""
    return Cue(
        MentalState(
            level=level,
            step=STEP,
            cue=f"colour{at}",
            modality=modality,
            evidence=f"brightness {brightness:.2f}, saturation {saturation:.2f}, warmth {warmth:+.2f}",
            start_s=time_s,
            end_s=time_s,
            state=f"{tone}, {hue} colours read {reading}",
            confidence=COLOUR_CONFIDENCE,
            tag=tag,
            valence=round(valence, 3),
            arousal=round(arousal, 3),
        )
    )


def colour_statistics(path: Path) -> tuple[float, float, float]:
    """Mean brightness and saturation (0..1), and warmth (-1 all cool .. 1 all warm hues).

    Raises:
        ValueError: the file is not an image Pillow reads.
    """
    try:
        with Image.open(path) as picture:
            picture.draft("RGB", THUMBNAIL)
            small = picture.convert("RGB").resize(THUMBNAIL)
    except (UnidentifiedImageError, OSError) as error:
        raise ValueError(f"cannot read the colours of {path.name}: {error}") from error
    hsv = np.asarray(small.convert("HSV"), dtype=np.float64) / 255.0
    hue, saturation, value = hsv[..., 0] * 360.0, hsv[..., 1], hsv[..., 2]
    coloured = (saturation > 0.2) & (value > 0.15)
    warm = coloured & ((hue < 70.0) | (hue >= 330.0))
    cool = coloured & (hue >= 170.0) & (hue < 280.0)
    count = max(int(coloured.sum()), 1)
    warmth = (int(warm.sum()) - int(cool.sum())) / count if coloured.any() else 0.0
    return float(value.mean()), float(saturation.mean()), float(warmth)


def _unit(value: float) -> float:
    return max(0.0, min(1.0, value))


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None
