"""Audio perception on real files: Piper speech in six formats, silence, tones, bad input."""

from __future__ import annotations

import math
import struct
import subprocess
import time
import wave
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unima.errors import ConfigError, InputError
from unima.perception import perceive
from unima.perception.audio import AudioPerceiver, max_seconds_from_environment
from unima.perception.audio_signal import FLOOR_DBFS, measure_loudness, to_dbfs
from unima.types import Perception

SENTENCE = "The quick brown fox jumps over the lazy dog."
KEY_WORDS = {"quick", "brown", "fox", "jumps", "lazy", "dog"}
# Bad input must be answered well within the audio decode caps (30 s probe, 60 s decode).
DEADLINE_S = 30.0


def ffmpeg(*arguments: str) -> None:
    import imageio_ffmpeg

    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", *arguments],
        check=True,
        timeout=60,
    )


def words(text: str) -> set[str]:
    from unima.backends.whisper import normalize_words

    return set(normalize_words(text))


def write_wav(path: Path, samples: list[int], *, rate: int = 16000, channels: int = 1) -> Path:
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(channels)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return path


def tone(seconds: float, *, rate: int = 16000, frequency: float = 440.0) -> list[int]:
    return [
        round(12000 * math.sin(2 * math.pi * frequency * index / rate))
        for index in range(round(seconds * rate))
    ]


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sentence spoken by Piper as WAV, and converted by ffmpeg to the other formats."""
    from unima.backends.piper_voice import synthesize

    folder = tmp_path_factory.mktemp("speech")
    files = {"wav": folder / "speech.wav"}
    synthesize(SENTENCE, files["wav"])
    encoders = {
        "mp3": ["-c:a", "libmp3lame", "-b:a", "64k"],
        "flac": ["-c:a", "flac"],
        "ogg": ["-c:a", "libvorbis"],
        "m4a": ["-c:a", "aac", "-b:a", "64k"],
        "webm": ["-c:a", "libopus", "-b:a", "48k"],
    }
    for extension, codec in encoders.items():
        files[extension] = folder / f"speech.{extension}"
        ffmpeg("-i", str(files["wav"]), *codec, str(files[extension]))
    return files


def perceive_audio(path: Path, perceiver: AudioPerceiver | None = None) -> Perception:
    """Perceive ``path`` as audio (a WebM is sniffed as video unless audio is expected)."""
    from unima.inputs.parts import part_from_file

    part = part_from_file(path, modality="audio")
    return (perceiver or AudioPerceiver()).perceive(part)


def test_speech_wav_is_transcribed_with_timed_segments(speech: dict[str, Path]) -> None:
    perception = perceive(speech["wav"])
    assert perception.modality == "audio"
    assert perception.backend == AudioPerceiver.backend
    assert words(perception.text) >= KEY_WORDS
    meta = perception.meta
    assert (meta["sample_rate"], meta["channels"], meta["codec"]) == (22050, 1, "pcm_s16le")
    assert meta["duration_s"] == pytest.approx(meta["analysed_seconds"], abs=0.05)
    assert 1.5 < meta["duration_s"] < 6.0
    assert meta["speech"] is True and meta["language"] == "en" and meta["truncated"] is False
    segments = meta["segments"]
    assert segments and all(0 <= item["start"] < item["end"] for item in segments)
    assert segments[-1]["end"] <= meta["duration_s"] + 0.5
    assert words(" ".join(item["text"] for item in segments)) >= KEY_WORDS
    assert 0.0 <= meta["silence_ratio"] < 0.5
    assert -40 < meta["loudness"]["rms_dbfs"] < meta["loudness"]["peak_dbfs"] <= 0
    assert perception.summary.startswith(
        f"A {meta['duration_s']:.1f} s mono recording (22.05 kHz) of speech: “"
    )
    assert "fox" in perception.summary.lower() and "% silence" in perception.summary
    assert perception.failures == ()


@pytest.mark.parametrize("extension", ["mp3", "flac", "ogg", "m4a", "webm"])
def test_every_audio_format_is_transcribed(speech: dict[str, Path], extension: str) -> None:
    perception = perceive_audio(speech[extension])
    assert perception.meta["format"] in {extension, "mp4"}
    # Lossy codecs may cost whisper a word; five of the six key words must survive.
    assert len(KEY_WORDS & words(perception.text)) >= 5, perception.text
    assert perception.meta["speech"] is True
    with wave.open(str(speech["wav"])) as original:
        seconds = original.getnframes() / original.getframerate()
    assert perception.meta["duration_s"] == pytest.approx(seconds, abs=0.2)
    assert perception.meta["analysed_seconds"] == pytest.approx(seconds, abs=0.2)
    assert not any(failure.startswith("transcript") for failure in perception.failures)


def test_silent_wav_has_no_speech(tmp_path: Path) -> None:
    silent = write_wav(tmp_path / "silent.wav", [0] * (2 * 44100 * 2), rate=44100, channels=2)
    perception = perceive(silent)
    meta = perception.meta
    assert meta["silence_ratio"] == 1.0
    assert meta["speech"] is False and meta["segments"] == [] and perception.text == ""
    assert meta["loudness"] == {"rms_dbfs": FLOOR_DBFS, "peak_dbfs": FLOOR_DBFS}
    assert meta["channels"] == 2 and meta["sample_rate"] == 44100
    assert perception.summary.startswith("A 2.0 s stereo recording (44.1 kHz) that is silent")


def test_tone_and_noise_are_sound_without_speech(tmp_path: Path) -> None:
    import random

    generator = random.Random(7)
    music = [
        value + generator.randint(-3000, 3000)
        for value in tone(3.0, frequency=330.0)  # a noisy tone: music-like, no words
    ]
    perception = perceive(write_wav(tmp_path / "tone.wav", music))
    assert perception.text == "" and perception.meta["speech"] is False
    assert perception.meta["speech_regions"] == []
    assert perception.meta["silence_ratio"] == 0.0
    assert "with no speech" in perception.summary


def test_long_audio_is_transcribed_up_to_the_limit(speech: dict[str, Path]) -> None:
    perception = perceive_audio(speech["wav"], AudioPerceiver(max_seconds=1.0))
    meta = perception.meta
    assert meta["truncated"] is True and meta["max_seconds"] == 1.0
    assert meta["analysed_seconds"] == pytest.approx(1.0, abs=0.01)
    assert meta["duration_s"] > 1.5
    assert "Only the first 1 s were analysed" in perception.summary
    assert "dog" not in words(perception.text)  # the end of the sentence was never heard


def test_transcription_limit_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIMA_PERCEPTION_AUDIO_SECONDS", "42.5")
    assert max_seconds_from_environment() == 42.5
    for bad in ("0", "-3", "soon", "inf"):
        monkeypatch.setenv("UNIMA_PERCEPTION_AUDIO_SECONDS", bad)
        with pytest.raises(ConfigError, match="UNIMA_PERCEPTION_AUDIO_SECONDS"):
            max_seconds_from_environment()
    with pytest.raises(ConfigError, match="max_seconds"):
        AudioPerceiver(max_seconds=0)


def test_loudness_of_known_signals() -> None:
    import numpy as np

    rate = 16000
    sine = (0.5 * np.sin(2 * np.pi * 440 * np.arange(rate) / rate)).astype(np.float32)
    loudness = measure_loudness(sine)
    assert loudness.rms_dbfs == pytest.approx(20 * math.log10(0.5 / math.sqrt(2)), abs=0.1)
    assert loudness.peak_dbfs == pytest.approx(-6.0, abs=0.1)
    assert loudness.silence_ratio == 0.0 and loudness.windows == 20
    half_silent = np.concatenate([sine, np.zeros(rate, dtype=np.float32)])
    assert measure_loudness(half_silent).silence_ratio == 0.5
    assert measure_loudness(np.zeros(0, dtype=np.float32)).silence_ratio == 1.0
    assert to_dbfs(0.0) == FLOOR_DBFS and to_dbfs(float("nan")) == FLOOR_DBFS


# --- bad input: a typed error or a partial perception, always quickly -------------------------


def perceive_within_deadline(path: Path) -> Perception | InputError:
    started = time.monotonic()
    try:
        result: Perception | InputError = perceive_audio(path)
    except InputError as error:
        result = error
    assert time.monotonic() - started < DEADLINE_S
    return result


def test_zero_length_audio_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty") as caught:
        perceive(empty)
    assert "empty.wav" in str(caught.value)


def test_header_only_wav_is_refused_or_empty(tmp_path: Path) -> None:
    header_only = write_wav(tmp_path / "header.wav", [])
    result = perceive_within_deadline(header_only)
    if isinstance(result, Perception):
        assert result.text == "" and result.meta.get("speech") is not True
        assert "no audio samples could be decoded" in " ".join(result.failures)
    else:
        assert "header.wav" in str(result)


def test_wav_header_lying_about_its_length(speech: dict[str, Path], tmp_path: Path) -> None:
    data = speech["wav"].read_bytes()
    assert data[36:40] == b"data"
    for declared in (len(data) * 10, 0xFFFFFFF0):  # ten times the data, and about 4 GB
        liar = tmp_path / f"liar-{declared}.wav"
        liar.write_bytes(data[:40] + struct.pack("<I", declared) + data[44:])
        result = perceive_within_deadline(liar)
        if isinstance(result, Perception):
            # Either the real length was found, or the shortfall is recorded as a failure.
            real = result.meta["analysed_seconds"]
            assert result.meta["duration_s"] < real + 1 or any(
                "header says" in failure for failure in result.failures
            )
            assert {"fox", "dog"} <= words(result.text)
        else:
            assert liar.name in str(result)


@pytest.mark.parametrize(
    ("rate", "channels", "message"),
    [
        (0, 1, "cannot read it"),
        (16000, 0, "0 audio channels"),
        (16000, 65535, "65535 channels"),
        (1_000_000_000, 2, "sample rate of 1000000000 Hz"),
    ],
)
def test_impossible_wav_headers_are_refused(
    tmp_path: Path, rate: int, channels: int, message: str
) -> None:
    body = b"\x00\x01" * 4000
    byte_rate = (rate * 2 * max(channels, 1)) & 0xFFFFFFFF
    header = b"RIFF" + struct.pack("<I", 36 + len(body)) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, channels, rate, byte_rate, 2, 16)
    broken = tmp_path / f"broken-{rate}-{channels}.wav"
    broken.write_bytes(header + b"data" + struct.pack("<I", len(body)) + body)
    result = perceive_within_deadline(broken)
    assert isinstance(result, InputError)
    assert message in str(result) and broken.name in str(result)


def test_truncated_mp3_gives_what_it_has(speech: dict[str, Path], tmp_path: Path) -> None:
    data = speech["mp3"].read_bytes()
    truncated = tmp_path / "truncated.mp3"
    truncated.write_bytes(data[: len(data) // 2])
    result = perceive_within_deadline(truncated)
    assert isinstance(result, Perception)
    assert (
        0 < result.meta["analysed_seconds"] < perceive_audio(speech["mp3"]).meta["analysed_seconds"]
    )


def test_audio_over_the_duration_limit_is_refused(tmp_path: Path) -> None:
    long_silence = tmp_path / "forty-minutes.flac"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "2400", "-c:a", "flac",
           str(long_silence))  # fmt: skip
    with pytest.raises(InputError, match="over the 1800-second limit"):
        perceive_within_deadline_raising(long_silence)


def perceive_within_deadline_raising(path: Path) -> None:
    result = perceive_within_deadline(path)
    if isinstance(result, InputError):
        raise result


@pytest.fixture(scope="module")
def fuzz_seeds(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    folder = tmp_path_factory.mktemp("seeds")
    wav = write_wav(folder / "seed.wav", tone(0.3, rate=8000), rate=8000)
    mp3 = folder / "seed.mp3"
    ffmpeg("-i", str(wav), "-c:a", "libmp3lame", str(mp3))
    return [wav.read_bytes(), mp3.read_bytes()]


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    choice=st.integers(0, 1),
    edits=st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)), max_size=12),
    cut=st.one_of(st.none(), st.integers(1, 4000)),
)
def test_fuzzed_audio_never_crashes_or_hangs(
    fuzz_seeds: list[bytes],
    tmp_path: Path,
    choice: int,
    edits: list[tuple[int, int]],
    cut: int | None,
) -> None:
    data = bytearray(fuzz_seeds[choice])
    for position, value in edits:
        data[position % len(data)] = value
    mutated = tmp_path / "fuzzed.bin"
    mutated.write_bytes(bytes(data[:cut] if cut else data))
    result = perceive_within_deadline(mutated)
    assert isinstance(result, Perception | InputError)
    if isinstance(result, Perception):
        assert result.modality == "audio"
