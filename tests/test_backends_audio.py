"""The audio and media backends: word error rate, Piper, faster-whisper and ffmpeg, for real."""

from __future__ import annotations

import io
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from hitemotion_fixtures import write_tone
from PIL import Image

from unima.backends import ffmpeg, piper_voice, whisper
from unima.errors import ConfigError, InputError, ToolError
from unima.perception import model_media
from unima.reasoners.tom import prosody

SENTENCE = "The quick brown fox jumps over the lazy dog."
RAW_INPUT = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "64x48"]


@pytest.fixture(scope="module")
def sentence_wav(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, piper_voice.SpeechInfo]:
    path = tmp_path_factory.mktemp("speech") / "sentence.wav"
    return path, piper_voice.synthesize(SENTENCE, path)


@pytest.fixture(scope="module")
def test_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two seconds of 320x240 test pattern at 10 fps with a 440 Hz tone."""
    path = tmp_path_factory.mktemp("video") / "pattern.mp4"
    command = [*ffmpeg.QUIET, "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10"]
    command += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=22050", "-t", "2"]
    command += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"]
    command += ["-movflags", "+faststart", str(path)]
    ffmpeg.run_ffmpeg(command, timeout_s=60)
    return path


# --- word error rate -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "hypothesis", "expected"),
    [
        ("the cat sat on the mat", "the cat sat on the mat", 0.0),
        ("The cat, sat on the MAT!", "the cat sat on the mat", 0.0),
        ("don't stop", "dont stop", 0.0),
        ("text-to-speech works", "text to speech works", 0.0),
        ("the cat sat on the mat", "the dog sat on the mat", 1 / 6),  # one substitution
        ("the cat sat on the mat", "the cat sat on mat", 1 / 6),  # one deletion
        ("the cat sat", "the big cat sat", 1 / 3),  # one insertion
        ("one two three four", "", 1.0),
        ("a b", "c d e f", 2.0),  # two substitutions and two insertions
        ("I have 3 apples", "I have three apples", 0.25),  # numbers are not normalised
        ("", "", 0.0),
        ("", "something", 1.0),
    ],
)
def test_word_error_rate(reference: str, hypothesis: str, expected: float) -> None:
    assert whisper.word_error_rate(reference, hypothesis) == pytest.approx(expected)


def test_normalize_words_drops_case_punctuation_and_apostrophes() -> None:
    assert whisper.normalize_words("Hello, World! It's   well-known…") == [
        "hello",
        "world",
        "its",
        "well",
        "known",
    ]


# --- piper ------------------------------------------------------------------------------------


def test_synthesize_writes_a_mono_wav(sentence_wav: tuple[Path, piper_voice.SpeechInfo]) -> None:
    path, info = sentence_wav
    with wave.open(str(path)) as reader:
        assert reader.getnchannels() == 1
        assert reader.getsampwidth() == 2
        assert reader.getframerate() == info.sample_rate == 22050
        assert reader.getnframes() / reader.getframerate() == pytest.approx(info.duration_s)
    assert 1.0 < info.duration_s < 6.0


def test_voice_is_loaded_once_and_slower_speech_is_longer(tmp_path: Path) -> None:
    assert piper_voice.load_voice() is piper_voice.load_voice()
    assert piper_voice.voice_name() == "en_US-joe-medium"
    normal = piper_voice.synthesize("Slow and steady.", tmp_path / "normal.wav")
    slow = piper_voice.synthesize("Slow and steady.", tmp_path / "slow.wav", length_scale=2.0)
    assert slow.duration_s > normal.duration_s * 1.5


def test_sentence_silence_is_inserted_between_sentences(tmp_path: Path) -> None:
    text = "First sentence here. Second sentence here."
    tight = piper_voice.synthesize(text, tmp_path / "tight.wav", sentence_silence_s=0.0)
    spaced = piper_voice.synthesize(text, tmp_path / "spaced.wav", sentence_silence_s=1.0)
    assert spaced.duration_s - tight.duration_s == pytest.approx(1.0, abs=0.15)


def test_concurrent_synthesis_from_threads(tmp_path: Path) -> None:
    texts = ["Apples are red.", "Bananas are yellow.", "Grapes are purple."]
    with ThreadPoolExecutor(max_workers=3) as pool:
        infos = list(
            pool.map(
                lambda item: piper_voice.synthesize(item[1], tmp_path / f"{item[0]}.wav"),
                enumerate(texts),
            )
        )
    for index, info in enumerate(infos):
        assert info.duration_s > 0.5
        assert ffmpeg.probe_media(tmp_path / f"{index}.wav").duration_s == pytest.approx(
            info.duration_s, abs=0.02
        )


def test_missing_voice_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(piper_voice.VOICE_ENV, str(tmp_path / "nobody.onnx"))
    with pytest.raises(ConfigError, match=r"nobody\.onnx"):
        piper_voice.load_voice()


def test_text_without_words_is_a_tool_error(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="no speech"):
        piper_voice.synthesize("   ", tmp_path / "empty.wav")


# --- whisper ----------------------------------------------------------------------------------


def test_transcribe_piper_speech(sentence_wav: tuple[Path, piper_voice.SpeechInfo]) -> None:
    path, info = sentence_wav
    transcript = whisper.transcribe(path)
    words = whisper.normalize_words(transcript.text)
    for word in ("quick", "brown", "fox", "lazy", "dog"):
        assert word in words
    assert transcript.language == "en"
    assert transcript.duration_s == pytest.approx(info.duration_s, abs=0.05)
    assert transcript.segments
    assert all(0.0 <= segment.start < segment.end for segment in transcript.segments)
    assert whisper.word_error_rate(SENTENCE, transcript.text) <= 0.2


def test_transcribe_samples_in_memory(sentence_wav: tuple[Path, piper_voice.SpeechInfo]) -> None:
    samples = ffmpeg.decode_audio(sentence_wav[0], sample_rate=16000)
    transcript = whisper.transcribe(samples, language="en")
    assert "fox" in whisper.normalize_words(transcript.text)


def test_decode_audio_stops_at_max_seconds(tmp_path: Path) -> None:
    path = tmp_path / "ten_seconds.wav"
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(16000)
        writer.writeframes(b"\x00\x10" * 16000 * 10)
    assert ffmpeg.decode_audio(path).size == 160_000
    assert ffmpeg.decode_audio(path, max_seconds=2.5).size == 40_000
    assert ffmpeg.decode_audio(path, sample_rate=8000, max_seconds=1).size == 8_000


def test_prosody_and_model_audio_decode_only_what_they_keep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[float | None] = []

    def decode(path: Path, *, sample_rate: int = 16000, max_seconds: float | None = None):
        asked.append(max_seconds)
        return np.zeros(int(sample_rate * 90), dtype=np.float32)  # more than asked for

    monkeypatch.setattr(prosody, "decode_audio", decode)
    monkeypatch.setattr(model_media, "decode_audio", decode)
    prosody.prosody_of_file(tmp_path / "long.wav")
    clip = model_media.wav_bytes(tmp_path / "long.wav", max_seconds=5)
    assert asked == [prosody.MAX_SECONDS, 5]
    with wave.open(io.BytesIO(clip)) as reader:
        assert reader.getnframes() == 5 * 16000


def test_a_stretch_whisper_calls_no_speech_is_not_words() -> None:
    hum = whisper.Segment(0.0, 2.0, "You", avg_logprob=-0.999, no_speech_prob=0.911)
    assert not whisper.heard_words(hum)
    confident = whisper.Segment(0.0, 2.0, "Stop right there.", avg_logprob=-0.3, no_speech_prob=0.7)
    assert whisper.heard_words(confident)
    speech = whisper.Segment(0.0, 2.0, "quiet words", avg_logprob=-1.4, no_speech_prob=0.05)
    assert whisper.heard_words(speech)
    assert whisper.heard_words(whisper.Segment(0.0, 1.0, "no probabilities"))


def test_a_voice_like_tone_in_a_video_transcribes_to_nothing(tmp_path: Path) -> None:
    # The HitEmotion fixtures' quiet "subdued" voice: a harmonic tone in syllable bursts, in an
    # H.264 + AAC clip. Whisper decodes it as "You" (no-speech 0.91, log-probability -0.999).
    frame = tmp_path / "frame.png"
    Image.new("RGB", (64, 64), (40, 60, 160)).save(frame)
    write_tone(tmp_path / "tone.wav", "subdued")
    clip = tmp_path / "clip.mp4"
    command = [*ffmpeg.QUIET, "-loop", "1", "-framerate", "4", "-i", str(frame)]
    command += ["-i", str(tmp_path / "tone.wav"), "-t", "1.5", "-c:v", "libx264"]
    command += ["-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(clip)]
    ffmpeg.run_ffmpeg(command, timeout_s=60)
    samples = ffmpeg.decode_audio(clip)  # as perception hands them to whisper
    raw, _ = whisper.load_model().transcribe(samples, beam_size=5)
    assert [segment.text.strip() for segment in raw] == ["You"]  # what the filter must catch
    transcript = whisper.transcribe(samples)
    assert transcript.text == "" and transcript.segments == ()


def test_transcribe_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such audio file"):
        whisper.transcribe(tmp_path / "absent.wav")
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("plain text, not audio")
    with pytest.raises(InputError, match="could not transcribe"):
        whisper.transcribe(not_audio)


def test_bad_whisper_model_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"model\.bin"):
        whisper.load_model(tmp_path)


# --- ffmpeg -----------------------------------------------------------------------------------


def test_probe_media_on_a_video_with_sound(test_video: Path) -> None:
    info = ffmpeg.probe_media(test_video)
    assert info.has_video and info.has_audio
    assert (info.width, info.height) == (320, 240)
    assert info.fps == pytest.approx(10.0)
    assert info.video_codec == "h264"
    assert info.audio_codec == "aac"
    assert info.sample_rate == 22050
    assert info.duration_s == pytest.approx(2.0, abs=0.1)


def test_probe_media_on_piper_audio(sentence_wav: tuple[Path, piper_voice.SpeechInfo]) -> None:
    path, speech = sentence_wav
    info = ffmpeg.probe_media(path)
    assert not info.has_video and info.has_audio
    assert info.audio_codec == "pcm_s16le"
    assert info.duration_s == pytest.approx(speech.duration_s, abs=0.02)


def test_cover_art_does_not_count_as_video() -> None:
    report = (
        "Input #0, mp3, from 'song.mp3':\n"
        "  Duration: 00:03:05.12, start: 0.025057, bitrate: 320 kb/s\n"
        "  Stream #0:0: Audio: mp3 (mp3float), 44100 Hz, stereo, fltp, 320 kb/s\n"
        "  Stream #0:1: Video: mjpeg (Baseline), yuvj420p(pc), 500x500 [SAR 1:1], 90k tbr (attached pic)\n"
    )
    info = ffmpeg.parse_media_info(report)
    assert info.has_audio and not info.has_video
    assert info.duration_s == pytest.approx(185.12)
    assert info.sample_rate == 44100


def test_probe_media_rejects_non_media(tmp_path: Path) -> None:
    text_file = tmp_path / "notes.mp4"
    text_file.write_text("not a video at all\n" * 20)
    with pytest.raises(InputError, match=r"notes\.mp4"):
        ffmpeg.probe_media(text_file)
    with pytest.raises(InputError, match="no such media file"):
        ffmpeg.probe_media(tmp_path / "absent.mp4")


def test_decode_check_and_frames(test_video: Path, tmp_path: Path) -> None:
    report = ffmpeg.decode_check(test_video)
    assert report.errors == ()
    assert report.video_frames == 20
    assert report.decoded_duration_s == pytest.approx(2.0, abs=0.1)
    frame = ffmpeg.decode_frame(test_video, 1.0, width=320, height=240)
    assert frame.shape == (240, 320, 3)
    assert frame.std() > 20  # the test pattern is colourful

    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(test_video.read_bytes()[: test_video.stat().st_size // 2])
    damaged = ffmpeg.decode_check(truncated)
    assert damaged.errors
    assert damaged.decoded_duration_s is not None and damaged.decoded_duration_s < 1.9


def test_run_ffmpeg_failure_is_a_tool_error_with_stderr(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match=r"status \d+: .*absent\.wav"):
        ffmpeg.run_ffmpeg(
            ["-nostdin", "-i", str(tmp_path / "absent.wav"), str(tmp_path / "out.wav")]
        )


def test_run_ffmpeg_timeout_is_a_tool_error() -> None:
    endless = ["-nostdin", "-f", "lavfi", "-i", "anullsrc", "-f", "null", "-"]
    with pytest.raises(ToolError, match=r"did not finish within 0\.5 s"):
        ffmpeg.run_ffmpeg(endless, timeout_s=0.5)


def test_pipe_to_ffmpeg_encodes_frames_and_reports_failures(tmp_path: Path) -> None:
    output = tmp_path / "gray.mp4"
    frames = (bytes([value]) * (64 * 48 * 3) for value in range(0, 250, 10))
    ffmpeg.pipe_to_ffmpeg(
        [*RAW_INPUT, "-r", "5", "-i", "pipe:0", "-c:v", "libx264", str(output)],
        frames,
        timeout_s=60,
    )
    info = ffmpeg.probe_media(output)
    assert (info.width, info.height) == (64, 48)
    assert info.duration_s == pytest.approx(5.0, abs=0.3)
    with pytest.raises(ToolError, match="status"):
        ffmpeg.pipe_to_ffmpeg(
            [*RAW_INPUT, "-i", "pipe:0", "-c:v", "no-such-codec", str(tmp_path / "bad.mp4")],
            iter([b"\x00" * (64 * 48 * 3)] * 3),
            timeout_s=30,
        )


def test_speech_is_reproducible_by_default(tmp_path: Path) -> None:
    first = piper_voice.synthesize("The same words, twice.", tmp_path / "first.wav")
    second = piper_voice.synthesize("The same words, twice.", tmp_path / "second.wav")
    assert first == second
    assert (tmp_path / "first.wav").read_bytes() == (tmp_path / "second.wav").read_bytes()
