"""``synthesize_speech`` with Piper: real synthesis, and a check that hears what was said."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

import pytest
from pydantic import ValidationError

from unima.backends import ffmpeg, piper_voice
from unima.config import load_settings
from unima.tools import TOOL_BACKENDS
from unima.tools.base import ToolContext, ToolOutput
from unima.tools.speech.arguments import SpeechArguments
from unima.tools.speech.tool import PiperSpeechTool

SCRIPT = "Solar panels turn sunlight into electricity. They work best on clear days."


@pytest.fixture(scope="module")
def tool() -> PiperSpeechTool:
    return PiperSpeechTool()


@pytest.fixture(scope="module")
def spoken(
    tmp_path_factory: pytest.TempPathFactory, tool: PiperSpeechTool
) -> tuple[ToolOutput, ToolContext]:
    context = ToolContext(work_dir=tmp_path_factory.mktemp("speech"))
    output = tool.run(tool.parse_arguments({"script": SCRIPT}), context)
    return output, context


def _write_wav(path: Path, samples: list[float], sample_rate: int = 16000) -> None:
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(b"".join(struct.pack("<h", round(value * 32767)) for value in samples))


def test_registered_under_its_planner_name() -> None:
    assert TOOL_BACKENDS.get("synthesize_speech/piper") is PiperSpeechTool
    assert PiperSpeechTool.name == "synthesize_speech"
    assert PiperSpeechTool.modality == "audio"


@pytest.mark.parametrize(
    "raw",
    [
        {"script": ""},
        {"script": "  ...  !! "},
        {"script": "x" * 4001},
        {"script": "hello", "speed": 2.5},
        {"script": "hello", "speed": 0.1},
        {"script": "hello", "format": "ogg"},
        {"script": "hello", "voice": "someone"},
    ],
)
def test_bad_arguments_are_rejected(tool: PiperSpeechTool, raw: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        tool.parse_arguments(raw)


def test_backend_version_names_piper_and_voice(tool: PiperSpeechTool) -> None:
    version = tool.backend_version()
    assert version.startswith("piper-tts ")
    assert "en_US-joe-medium" in version


def test_run_writes_wav_and_verify_hears_the_script(
    tool: PiperSpeechTool, spoken: tuple[ToolOutput, ToolContext]
) -> None:
    output, context = spoken
    assert output.path == context.work_dir / "speech.wav"
    assert output.mime == "audio/wav"
    assert output.meta["voice"] == "en_US-joe-medium"
    assert output.meta["sample_rate"] == 22050
    assert 2.0 < output.meta["duration_s"] < 10.0
    assert ffmpeg.probe_media(output.path).duration_s == pytest.approx(
        output.meta["duration_s"], abs=0.02
    )

    verification = tool.verify(output, SpeechArguments(script=SCRIPT), context)
    assert verification.passed, verification.problems
    assert verification.checks["wer"] <= 0.15
    assert "sunlight" in verification.checks["transcript"].lower()
    assert verification.checks["max_wer"] == 0.35  # settings is None: the default
    assert verification.checks["rms"] > 0.05
    assert verification.checks["script_words"] == 12


def test_mp3_format_and_faster_speed(
    tool: PiperSpeechTool, spoken: tuple[ToolOutput, ToolContext], tmp_path: Path
) -> None:
    context = ToolContext(work_dir=tmp_path, settings=load_settings(speech_max_wer=0.3))
    arguments = tool.parse_arguments({"script": SCRIPT, "format": "mp3", "speed": 1.5})
    output = tool.run(arguments, context)
    assert output.path.suffix == ".mp3" and output.mime == "audio/mpeg"
    assert not (tmp_path / "speech.wav").exists()
    assert ffmpeg.probe_media(output.path).audio_codec == "mp3"
    assert output.meta["duration_s"] < spoken[0].meta["duration_s"] * 0.85

    verification = tool.verify(output, arguments, context)
    assert verification.passed, verification.problems
    assert verification.checks["max_wer"] == 0.3


def test_verify_fails_on_silence(tool: PiperSpeechTool, tmp_path: Path) -> None:
    path = tmp_path / "silence.wav"
    _write_wav(path, [0.0] * 16000 * 4)
    output = ToolOutput(path=path, mime="audio/wav")
    verification = tool.verify(
        output, SpeechArguments(script=SCRIPT), ToolContext(work_dir=tmp_path)
    )
    assert not verification.passed
    assert any("silent" in problem for problem in verification.problems)
    assert verification.checks["rms"] == 0.0


def test_verify_fails_on_a_tone_too_short_for_the_script(
    tool: PiperSpeechTool, tmp_path: Path
) -> None:
    path = tmp_path / "beep.wav"
    _write_wav(path, [0.5 * math.sin(2 * math.pi * 440 * index / 16000) for index in range(8000)])
    output = ToolOutput(path=path, mime="audio/wav")
    verification = tool.verify(
        output, SpeechArguments(script=SCRIPT), ToolContext(work_dir=tmp_path)
    )
    assert not verification.passed
    assert any("implausible for 12 words" in problem for problem in verification.problems)


def test_verify_fails_on_different_speech(tool: PiperSpeechTool, tmp_path: Path) -> None:
    path = tmp_path / "other.wav"
    piper_voice.synthesize("My grandmother keeps three goats behind the old barn.", path)
    output = ToolOutput(path=path, mime="audio/wav")
    verification = tool.verify(
        output, SpeechArguments(script=SCRIPT), ToolContext(work_dir=tmp_path)
    )
    assert not verification.passed
    assert verification.checks["wer"] > 0.8
    assert "goats" in verification.checks["transcript"].lower()
    (problem,) = [problem for problem in verification.problems if "WER" in problem]
    assert "Solar panels" in problem and "goats" in problem.lower()


def test_verify_reports_undecodable_files(tool: PiperSpeechTool, tmp_path: Path) -> None:
    path = tmp_path / "broken.wav"
    path.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    verification = tool.verify(
        ToolOutput(path=path, mime="audio/wav"),
        SpeechArguments(script=SCRIPT),
        ToolContext(work_dir=tmp_path),
    )
    assert not verification.passed
    assert "decode" in verification.problems[0]


def test_speech_in_another_language_is_not_failed_by_an_english_only_model(
    tmp_path: Path,
) -> None:
    from unima.backends import whisper
    from unima.tools.speech.checks import verify_speech

    tool = PiperSpeechTool()
    arguments = tool.parse_arguments({"script": "The river flows to the sea."})
    output = tool.run(arguments, ToolContext(work_dir=tmp_path))
    assert whisper.english_only()  # the bundled tiny.en
    verification = verify_speech(output.path, "Le fleuve coule vers la mer.", language="fr")
    assert verification.passed, verification.problems
    assert "English-only" in verification.checks["transcript_skipped"]
    assert verification.checks["language"] == "fr"
    # English is still heard back and scored.
    english = verify_speech(output.path, "The river flows to the sea.")
    assert english.passed and "wer" in english.checks
