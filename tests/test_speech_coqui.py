"""``synthesize_speech`` with the Coqui backend.

Three kinds of test:

- Typed errors before a run (no folder, no config.json or checkpoint, a multilingual model with
  no language, coqui-tts installed but unloadable): they need no model and run everywhere.
- The tool with coqui-tts replaced at its one seam (``coqui.import_coqui``) by ``FakeCoquiApi``,
  whose ``TTS`` speaks with the Piper voice: real speech, so the clip the backend writes is heard
  back as the script, end to end through ``UniMA``.
- A tiny random VITS model the test builds (``tests/tiny_models/vits.py``), through the real
  coqui-tts. They run wherever ``import TTS.api`` works and are skipped, with coqui-tts' reason,
  where it does not (a torch without a matching torchaudio). A random voice speaks noise, so
  there the check runs and reports that the transcript does not match the script.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import wave
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from tests.tiny_models.vits import save_tiny_vits
from unima import UniMA, load_trace
from unima.backends import ffmpeg, piper_voice
from unima.config import Settings, load_settings
from unima.errors import ConfigError, MissingExtraError, ToolError
from unima.graph.execute import step_cache_key
from unima.tools import TOOL_BACKENDS
from unima.tools.base import ToolContext
from unima.tools.models.loading import folder_fingerprint
from unima.tools.speech import coqui
from unima.tools.speech.arguments import SpeechArguments
from unima.tools.speech.coqui import CoquiSpeechTool
from unima.trace.schema import TraceEvent
from unima.types import Response

SCRIPT = "Solar panels turn sunlight into electricity. They work best on clear days."
REQUEST = "Describe the water cycle. Include a narrated audio clip."
# Imported afresh against a broken torchaudio: coqui-tts, its trainer, the torch-built libraries.
COQUI_MODULES = {"TTS", "trainer", "torchaudio", "torchcodec"}


def _coqui_load_error() -> str | None:
    """Why coqui-tts cannot load here, as the backend says it; None where it loads."""
    try:
        coqui.import_coqui()
    except ConfigError as error:
        return str(error)
    return None


COQUI_LOAD_ERROR = _coqui_load_error()
needs_coqui = pytest.mark.skipif(COQUI_LOAD_ERROR is not None, reason=str(COQUI_LOAD_ERROR))
# `make test` does not install the coqui extra; these tests need it installed (and broken).
COQUI_INSTALLED = importlib.util.find_spec("TTS") is not None
needs_coqui_installed = pytest.mark.skipif(
    not COQUI_INSTALLED, reason='coqui-tts is not installed (pip install "unima[coqui]")'
)


# -- a coqui-tts stand-in ----------------------------------------------------------------------


class FakeCoquiApi:
    """Stands for the ``TTS.api`` module: its ``TTS(model_path=, config_path=)`` reads the
    config like coqui-tts does and speaks with the Piper voice at the model's ``length_scale``.

    Args:
        speakers: the model's speakers (several: a multi-speaker model).
        languages: the model's languages (several: a multilingual model).
        model: the config's model name; ``"tacotron2"`` has no speed of its own.
        failure: an error every synthesis raises.
    """

    def __init__(
        self,
        speakers: tuple[str, ...] = (),
        languages: tuple[str, ...] = ("en",),
        model: str = "vits",
        failure: Exception | None = None,
    ) -> None:
        self.speakers = list(speakers)
        self.languages = list(languages)
        self.model = model
        self.failure = failure
        self.loads: list[dict[str, Any]] = []
        self.models: list[FakeTTS] = []
        self.calls: list[dict[str, Any]] = []

    def TTS(self, *, model_path: str, config_path: str, progress_bar: bool) -> FakeTTS:
        self.loads.append(
            {"model_path": model_path, "config": json.loads(Path(config_path).read_text())}
        )
        self.models.append(FakeTTS(self))
        return self.models[-1]


class FakeTTS:
    """The loaded model: the parts of ``TTS.api.TTS`` the backend uses."""

    def __init__(self, api: FakeCoquiApi) -> None:
        self.api = api
        model = SimpleNamespace(
            config=SimpleNamespace(model=api.model),
            language_manager=SimpleNamespace(language_names=api.languages),
        )
        if api.model == "vits":
            model.length_scale = 1.0
        self.synthesizer = SimpleNamespace(output_sample_rate=22050, tts_model=model)
        self.is_multi_speaker = len(api.speakers) > 1
        self.speakers = api.speakers if self.is_multi_speaker else None
        self.is_multi_lingual = len(api.languages) > 1
        self.languages = api.languages if self.is_multi_lingual else None
        self.device = "cpu"

    def to(self, device: str) -> FakeTTS:
        self.device = device
        return self

    def tts(
        self, text: str, speaker: str | None = None, language: str | None = None
    ) -> list[float]:
        length_scale = getattr(self.synthesizer.tts_model, "length_scale", 1.0)
        self.api.calls.append(
            {"text": text, "speaker": speaker, "language": language, "length_scale": length_scale}
        )
        if self.api.failure is not None:
            raise self.api.failure
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / "piper.wav"
            piper_voice.synthesize(text, path, length_scale=length_scale)
            with wave.open(str(path), "rb") as reader:
                assert reader.getframerate() == 22050
                frames = reader.readframes(reader.getnframes())
        # At half scale, to see the backend peak-normalise the clip as coqui-tts' writer does.
        return list(np.frombuffer(frames, dtype="<i2").astype(np.float32) / 65536)


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> FakeCoquiApi:
    api = FakeCoquiApi()
    monkeypatch.setattr(coqui, "import_coqui", lambda: api)
    return api


def fake_model_folder(folder: Path, config: dict[str, Any] | None = None) -> Path:
    """A folder with what ``check_ready`` looks for: a Coqui config and a checkpoint."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config or {"model": "vits"}))
    (folder / "model.pth").write_bytes(b"weights")
    return folder


@pytest.fixture
def tool(tmp_path: Path) -> Iterator[CoquiSpeechTool]:
    tool = CoquiSpeechTool(str(fake_model_folder(tmp_path / "voice")))
    yield tool
    tool.close()


def context(tmp_path: Path, **settings: object) -> ToolContext:
    work_dir = Path(tempfile.mkdtemp(prefix="work-", dir=tmp_path))
    return ToolContext(work_dir=work_dir, settings=load_settings(model_device="cpu", **settings))


def step_events(response: Response, kind: str) -> list[TraceEvent]:
    """The events of ``kind`` (``step_start``, ``step_end``) in the response's trace."""
    assert response.trace_path is not None
    return [event for event in load_trace(response.trace_path).events if event.kind == kind]


# -- registration and typed errors before a run -----------------------------------------------


def test_registered_under_its_planner_name() -> None:
    assert TOOL_BACKENDS.get("synthesize_speech/coqui") is CoquiSpeechTool
    assert CoquiSpeechTool.name == "synthesize_speech"
    assert CoquiSpeechTool.modality == "audio"


def test_importing_the_backend_loads_no_model_library() -> None:
    code = (
        "import sys, unima.tools.speech.coqui; "
        "print(sorted({'TTS', 'torch', 'torchaudio'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_no_folder_is_refused_at_construction() -> None:
    with pytest.raises(ConfigError, match="needs a model folder"):
        UniMA(tool_backends={"synthesize_speech": "coqui"})


def test_a_missing_folder_is_refused_at_construction(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        UniMA(tool_backends={"synthesize_speech": f"coqui:{tmp_path / 'absent'}"})


def test_a_folder_without_config_json_is_refused(tmp_path: Path) -> None:
    (tmp_path / "model.pth").write_bytes(b"weights")
    with pytest.raises(ConfigError, match=r"has no config\.json"):
        UniMA(tool_backends={"synthesize_speech": f"coqui:{tmp_path}"})


def test_a_folder_without_a_checkpoint_is_refused(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"model": "vits"}')
    (tmp_path / "weights.bin").write_bytes(b"weights")
    with pytest.raises(ConfigError, match=r"has no checkpoint; expected one of model\.pth"):
        UniMA(tool_backends={"synthesize_speech": f"coqui:{tmp_path}"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"model": "vits",', "is not valid JSON"),
        ('{"audio": {}}', "is not a Coqui TTS model config"),
        ('["vits"]', "is not a Coqui TTS model config"),
    ],
)
def test_a_config_that_is_not_a_coqui_config_is_refused(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "config.json").write_text(text)
    (tmp_path / "model.pth").write_bytes(b"weights")
    with pytest.raises(ConfigError, match=message):
        CoquiSpeechTool(str(tmp_path)).check_ready(Settings())


def test_a_config_with_comments_is_read_as_coqui_reads_it(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(
        '{\n  // the model\n  "model": "vits", /* old style */\n  "url": "http://a/b"\n}'
    )
    assert coqui.read_config(tmp_path) == {"model": "vits", "url": "http://a/b"}


@pytest.mark.parametrize(
    ("config", "files", "language", "message"),
    [
        (
            {"model": "xtts", "languages": ["en", "fr", "de"]},
            {},
            None,
            r"multilingual; set speech_language \(UNIMA_SPEECH_LANGUAGE\) to one of its "
            r"languages: 'de', 'en', 'fr'",
        ),
        (
            {"model": "xtts", "languages": ["en", "fr", "de"]},
            {},
            "pt",
            r"speech_language \(UNIMA_SPEECH_LANGUAGE\) is 'pt', which the model does not speak; "
            r"its languages: 'de', 'en', 'fr'",
        ),
        (
            {
                "model": "vits",
                "model_args": {
                    "use_language_embedding": True,
                    "language_ids_file": "/where/it/was/trained/language_ids.json",
                },
            },
            {"language_ids.json": {"en": 0, "pt-br": 1}},
            None,
            "languages: 'en', 'pt-br'",
        ),
        (
            {"model": "vits", "phoneme_language": "en"},
            {},
            "fr",
            r"speaks only 'en', but speech_language \(UNIMA_SPEECH_LANGUAGE\) is 'fr'",
        ),
    ],
)
def test_the_language_is_checked_against_the_model_before_a_run(
    tmp_path: Path,
    config: dict[str, Any],
    files: dict[str, Any],
    language: str | None,
    message: str,
) -> None:
    folder = fake_model_folder(tmp_path / "model", config)
    for name, content in files.items():
        (folder / name).write_text(json.dumps(content))
    with pytest.raises(ConfigError, match=message):
        UniMA(tool_backends={"synthesize_speech": f"coqui:{folder}"}, speech_language=language)


def test_language_tags_match_by_their_language_part() -> None:
    assert coqui.choose_language(["en-us"], "en") is None  # one language, and it agrees
    assert coqui.choose_language(["en", "fr", "zh-cn"], "zh") == "zh-cn"
    assert coqui.choose_language(["en", "fr"], "EN-gb") == "en"
    with pytest.raises(ConfigError, match="its languages: 'en', 'pt-br', 'pt-pt'"):
        coqui.choose_language(["en", "pt-br", "pt-pt"], "pt")  # which one is not for us to say


@needs_coqui_installed
@pytest.mark.skipif(COQUI_LOAD_ERROR is None, reason="coqui-tts loads on this machine")
def test_coqui_that_cannot_load_is_a_config_error_at_construction(tmp_path: Path) -> None:
    folder = fake_model_folder(tmp_path / "model")
    with pytest.raises(ConfigError, match="installed but cannot load") as raised:
        UniMA(tool_backends={"synthesize_speech": f"coqui:{folder}"})
    message = str(raised.value)
    assert message == COQUI_LOAD_ERROR
    assert "torchaudio" in message and "synthesize_speech backend (piper)" in message


@pytest.fixture
def broken_torchaudio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A torchaudio built for CUDA on a CPU-only torch, as pip installs it from PyPI: found,
    but its library fails to load. coqui-tts is imported afresh against it."""
    site = tmp_path / "site"
    (site / "torchaudio").mkdir(parents=True)
    (site / "torchaudio" / "__init__.py").write_text(
        "raise OSError('Could not load this library: /site/torchaudio/lib/_torchaudio.so') "
        "from OSError('libc10_cuda.so: cannot open shared object file: No such file or "
        "directory')\n"
    )
    (site / "torchcodec").mkdir()
    (site / "torchcodec" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(site))
    for name in list(sys.modules):
        if name.split(".")[0] in COQUI_MODULES:
            monkeypatch.delitem(sys.modules, name)
    yield
    for name in list(sys.modules):  # the half-imported modules; monkeypatch restores the rest
        if name.split(".")[0] in COQUI_MODULES:
            del sys.modules[name]


@needs_coqui_installed
@pytest.mark.usefixtures("broken_torchaudio")
def test_a_torchaudio_that_cannot_load_is_named_in_the_config_error(tmp_path: Path) -> None:
    folder = fake_model_folder(tmp_path / "model")
    with pytest.raises(ConfigError) as raised:
        UniMA(tool_backends={"synthesize_speech": f"coqui:{folder}"})
    message = str(raised.value)
    assert "coqui-tts" in message and "is installed but cannot load" in message
    assert "_torchaudio.so <- libc10_cuda.so: cannot open shared object file" in message
    assert "built for the installed torch" in message


def test_without_coqui_tts_the_extra_is_named_at_construction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "TTS", None)  # find_spec reports it missing
    folder = fake_model_folder(tmp_path / "model")
    with pytest.raises(MissingExtraError, match=r'pip install "unima\[coqui\]"'):
        UniMA(tool_backends={"synthesize_speech": f"coqui:{folder}"})


# -- the backend with coqui-tts replaced -------------------------------------------------------


def test_the_script_is_spoken_and_heard_back(
    tool: CoquiSpeechTool, fake_api: FakeCoquiApi, tmp_path: Path
) -> None:
    step = context(tmp_path, speech_max_wer=0.3)
    arguments = tool.parse_arguments({"script": SCRIPT})
    output = tool.run(arguments, step)

    assert output.path == step.work_dir / "speech.wav" and output.mime == "audio/wav"
    assert output.meta["sample_rate"] == 22050 and output.meta["voice"] == "voice"
    assert output.meta["speaker"] is None and output.meta["language"] is None
    assert 2.0 < output.meta["duration_s"] < 10.0
    assert ffmpeg.probe_media(output.path).duration_s == pytest.approx(
        output.meta["duration_s"], abs=0.02
    )
    with wave.open(str(output.path), "rb") as reader:
        samples = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    assert np.abs(samples).max() >= 32000  # peak-normalised, as coqui-tts writes its clips
    record = output.meta["model"]
    assert record["backend"] == "coqui" and record["model"] == "voice"
    assert record["device"] == "cpu" and record["dtype"] == "float32"
    assert record["revision"] == folder_fingerprint(tmp_path / "voice")
    assert fake_api.loads[0]["model_path"] == str(tmp_path / "voice" / "model.pth")
    assert fake_api.calls == [
        {"text": SCRIPT, "speaker": None, "language": None, "length_scale": 1.0}
    ]

    verification = tool.verify(output, arguments, step)
    assert verification.passed, verification.problems
    assert verification.checks["max_wer"] == 0.3 and verification.checks["wer"] <= 0.15
    assert "sunlight" in verification.checks["transcript"].lower()


def test_the_model_loads_once_for_every_step_until_closed(
    tool: CoquiSpeechTool, fake_api: FakeCoquiApi, tmp_path: Path
) -> None:
    arguments = tool.parse_arguments({"script": "One two three."})
    for _ in range(3):
        tool.run(arguments, context(tmp_path))
    assert len(fake_api.loads) == 1
    tool.close()
    tool.run(arguments, context(tmp_path))
    assert len(fake_api.loads) == 2


def test_speed_goes_through_the_models_length_scale_and_mp3_is_encoded(
    tool: CoquiSpeechTool, fake_api: FakeCoquiApi, tmp_path: Path
) -> None:
    normal = tool.run(tool.parse_arguments({"script": SCRIPT}), context(tmp_path))
    arguments = tool.parse_arguments({"script": SCRIPT, "speed": 1.6, "format": "mp3"})
    step = context(tmp_path)
    output = tool.run(arguments, step)

    assert fake_api.calls[-1]["length_scale"] == pytest.approx(1 / 1.6)
    (model,) = fake_api.models
    assert model.synthesizer.tts_model.length_scale == 1.0  # put back after the call
    assert output.path.name == "speech.mp3" and output.mime == "audio/mpeg"
    assert not (step.work_dir / "speech.wav").exists()
    assert ffmpeg.probe_media(output.path).audio_codec == "mp3"
    assert output.meta["duration_s"] < normal.meta["duration_s"] * 0.75
    assert tool.verify(output, arguments, step).passed


def test_a_model_without_a_speed_of_its_own_is_sped_up_afterwards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = FakeCoquiApi(model="tacotron2")
    monkeypatch.setattr(coqui, "import_coqui", lambda: api)
    tool = CoquiSpeechTool(str(fake_model_folder(tmp_path / "tacotron")))
    try:
        normal = tool.run(tool.parse_arguments({"script": SCRIPT}), context(tmp_path))
        arguments = tool.parse_arguments({"script": SCRIPT, "speed": 2.0})
        step = context(tmp_path)
        output = tool.run(arguments, step)
    finally:
        tool.close()
    assert [call["length_scale"] for call in api.calls] == [1.0, 1.0]
    assert output.meta["duration_s"] == pytest.approx(normal.meta["duration_s"] / 2, abs=0.01)
    assert ffmpeg.probe_media(output.path).duration_s == pytest.approx(
        output.meta["duration_s"], abs=0.05
    )
    assert tool.verify(output, arguments, step).passed


def test_a_multi_speaker_multilingual_model_speaks_with_the_chosen_voice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = FakeCoquiApi(speakers=("p225", "p226"), languages=("en", "fr-fr"))
    monkeypatch.setattr(coqui, "import_coqui", lambda: api)
    tool = CoquiSpeechTool(str(fake_model_folder(tmp_path / "vctk")))
    arguments = tool.parse_arguments({"script": SCRIPT})
    try:
        with pytest.raises(
            ToolError, match=r"2 speakers; choose one with speech_speaker"
        ) as raised:
            tool.run(arguments, context(tmp_path, speech_language="en"))
        assert not raised.value.recoverable and "'p225', 'p226'" in str(raised.value)
        with pytest.raises(ToolError, match=r"set speech_language \(UNIMA_SPEECH_LANGUAGE\)"):
            tool.run(arguments, context(tmp_path, speech_speaker="p226"))
        with pytest.raises(ToolError, match="is 'p999', which is not one of the model's speakers"):
            tool.run(arguments, context(tmp_path, speech_speaker="p999", speech_language="en"))
        output = tool.run(
            arguments, context(tmp_path, speech_speaker="P226", speech_language="EN-us")
        )
    finally:
        tool.close()
    assert api.calls[-1]["speaker"] == "p226" and api.calls[-1]["language"] == "en"
    assert output.meta["speaker"] == "p226" and output.meta["language"] == "en"


def test_a_speaker_set_for_a_single_voice_model_is_refused(
    tool: CoquiSpeechTool, fake_api: FakeCoquiApi, tmp_path: Path
) -> None:
    with pytest.raises(ToolError, match=r"single voice, but speech_speaker .* is 'alloy'"):
        tool.run(
            tool.parse_arguments({"script": SCRIPT}), context(tmp_path, speech_speaker="alloy")
        )


def test_a_failed_synthesis_is_a_tool_error(
    tool: CoquiSpeechTool, fake_api: FakeCoquiApi, tmp_path: Path
) -> None:
    fake_api.failure = RuntimeError("kernel size can't be greater than actual input size")
    with pytest.raises(ToolError, match="could not speak the script: RuntimeError: kernel size"):
        tool.run(tool.parse_arguments({"script": SCRIPT}), context(tmp_path))


def test_a_moved_model_finds_its_side_files_in_its_folder(
    fake_api: FakeCoquiApi, tmp_path: Path
) -> None:
    folder = fake_model_folder(
        tmp_path / "moved",
        {
            "model": "vits",
            "d_vector_file": ["/trained/here/speakers.json"],
            "model_args": {
                "speakers_file": "/trained/here/speaker_ids.json",
                "language_ids_file": "/trained/here/language_ids.json",
                "d_vector_file": None,
            },
        },
    )
    for name in ("speakers.json", "speaker_ids.json"):
        (folder / name).write_text("{}")
    relocated = coqui.relocated_config(folder, tmp_path)
    assert relocated == tmp_path / "config.json"
    config = json.loads(relocated.read_text())
    assert config["d_vector_file"] == [str(folder / "speakers.json")]
    assert config["model_args"]["speakers_file"] == str(folder / "speaker_ids.json")
    # No such file anywhere: left as it is, for coqui-tts to name if the model needs it.
    assert config["model_args"]["language_ids_file"] == "/trained/here/language_ids.json"
    assert coqui.relocated_config(fake_model_folder(tmp_path / "plain"), tmp_path) == (
        tmp_path / "plain" / "config.json"
    )

    tool = CoquiSpeechTool(str(folder))
    try:
        tool.run(tool.parse_arguments({"script": "Hello."}), context(tmp_path))
    finally:
        tool.close()
    (load,) = fake_api.loads  # what coqui-tts was given to load
    assert load["config"]["model_args"]["speakers_file"] == str(folder / "speaker_ids.json")
    assert json.loads((folder / "config.json").read_text())["d_vector_file"] == [
        "/trained/here/speakers.json"  # the model's own folder is left as it was
    ]


def test_backend_version_names_the_library_and_the_model_and_the_voice_is_in_the_key(
    tool: CoquiSpeechTool, fake_api: FakeCoquiApi, tmp_path: Path
) -> None:
    version = tool.backend_version()
    assert version.startswith("coqui-tts ") or not COQUI_INSTALLED
    assert f"model {folder_fingerprint(tmp_path / 'voice')}" in version
    arguments = tool.parse_arguments({"script": "Hello there."})

    def key(**settings: object) -> str:
        return step_cache_key(
            tool, arguments, seed=0, dependencies={}, settings=load_settings(**settings)
        )

    # A clip spoken by another speaker or in another language is never served for this one.
    assert key(speech_speaker="p225") != key(speech_speaker="p226")
    assert key(speech_language="en") != key(speech_language="fr")
    assert key(speech_speaker="p225") == key(speech_speaker="p225", image_steps=3)


def test_end_to_end_a_narrated_clip_from_the_coqui_backend_then_a_cache_hit(
    fake_api: FakeCoquiApi, tmp_path: Path
) -> None:
    folder = fake_model_folder(tmp_path / "ljspeech")
    agent = UniMA(tool_backends={"synthesize_speech": f"coqui:{folder}"}, model_device="cpu")
    try:
        response = agent.respond(REQUEST)
        clip = response.artifacts["audio1"]
        assert response.status == "ok" and clip.mime == "audio/wav"
        assert clip.verification is not None and clip.verification.passed
        assert clip.verification.checks["wer"] <= 0.35
        assert clip.meta["model"]["backend"] == "coqui"
        (start,) = step_events(response, "step_start")
        assert start.data["backend"] == "coqui"
        assert f"model {folder_fingerprint(folder)}" in start.data["backend_version"]

        again = agent.respond(REQUEST)
        (end,) = step_events(again, "step_end")
        assert end.data["status"] == "cached"
        assert again.artifacts["audio1"].sha256 == clip.sha256
        assert len(fake_api.loads) == 1 and len(fake_api.calls) == 1
    finally:
        agent.close()


# -- a tiny VITS through the real coqui-tts -----------------------------------------------------


@pytest.fixture(scope="module")
def tiny_vits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if COQUI_LOAD_ERROR is not None:
        pytest.skip(COQUI_LOAD_ERROR)
    return save_tiny_vits(tmp_path_factory.mktemp("models") / "tiny-vits")


@needs_coqui
def test_a_tiny_vits_writes_a_clip_whose_noise_the_check_reports(
    tiny_vits: Path, tmp_path: Path
) -> None:
    tool = CoquiSpeechTool(str(tiny_vits))
    tool.check_ready(load_settings(model_device="cpu"))
    arguments = SpeechArguments(script=SCRIPT)
    step = context(tmp_path)
    try:
        output = tool.run(arguments, step)
        again = tool.run(arguments, context(tmp_path))
        faster = tool.run(SpeechArguments(script=SCRIPT, speed=2.0), context(tmp_path))
    finally:
        tool.close()
    assert output.meta["sample_rate"] == 22050 and output.meta["language"] is None
    # 148 tokens (both sentences' characters, a blank around each) at 3 to 4 frames of 256
    # samples, and coqui-tts' 10,000 samples of silence after each sentence: 6.1 to 7.8 s.
    assert 5.5 < output.meta["duration_s"] < 8.5
    assert ffmpeg.probe_media(output.path).duration_s == pytest.approx(
        output.meta["duration_s"], abs=0.02
    )
    assert again.path.read_bytes() == output.path.read_bytes()  # seeded noise
    assert faster.meta["duration_s"] < output.meta["duration_s"] * 0.7

    verification = tool.verify(output, arguments, step)
    assert not verification.passed
    assert "wer" in verification.checks  # it was transcribed, and did not match
    assert any("transcript does not match" in problem for problem in verification.problems)


@needs_coqui
def test_a_copied_multilingual_multi_speaker_vits_loads_and_asks_for_its_voice(
    tmp_path: Path,
) -> None:
    folder = save_tiny_vits(
        tmp_path / "tiny-vctk",
        speakers=("ana", "ben"),
        languages=("en", "fr"),
        moved_from="/where/it/was/trained",
    )
    tool = CoquiSpeechTool(str(folder))
    with pytest.raises(ConfigError, match="its languages: 'en', 'fr'"):
        tool.check_ready(load_settings(model_device="cpu"))
    try:
        with pytest.raises(ToolError, match="2 speakers; choose one"):
            tool.run(SpeechArguments(script=SCRIPT), context(tmp_path, speech_language="fr"))
        output = tool.run(
            SpeechArguments(script=SCRIPT),
            context(tmp_path, speech_language="fr", speech_speaker="ben"),
        )
    finally:
        tool.close()
    assert output.meta["speaker"] == "ben" and output.meta["language"] == "fr"
    assert output.meta["duration_s"] > 1.0


@needs_coqui
def test_end_to_end_the_tiny_vits_fails_its_check_without_failing_the_run(
    tiny_vits: Path,
) -> None:
    agent = UniMA(
        tool_backends={"synthesize_speech": f"coqui:{tiny_vits}"},
        model_device="cpu",
        max_judge_rounds=0,
    )
    try:
        response = agent.respond(REQUEST)
    finally:
        agent.close()
    assert response.status != "ok"
    ends = step_events(response, "step_end")
    assert ends and all(event.data["status"] == "failed" for event in ends)
    assert "transcript does not match the script" in ends[0].data["error"]
    assert ends[0].data["artifact"]["meta"]["model"]["backend"] == "coqui"


STUBS = Path(__file__).resolve().parent / "stubs"
REAL_COQUI_TESTS = (
    "test_a_tiny_vits_writes_a_clip_whose_noise_the_check_reports",
    "test_a_copied_multilingual_multi_speaker_vits_loads_and_asks_for_its_voice",
    "test_end_to_end_the_tiny_vits_fails_its_check_without_failing_the_run",
)


@pytest.mark.slow
@needs_coqui_installed
@pytest.mark.skipif(
    COQUI_LOAD_ERROR is None or "torchaudio" not in str(COQUI_LOAD_ERROR),
    reason="coqui-tts loads here (the real tests ran above) or fails for another reason",
)
def test_the_real_coqui_tests_pass_where_torchaudio_is_stubbed(tmp_path: Path) -> None:
    """The real tiny-VITS tests, in a subprocess whose torchaudio and torchcodec are the test
    stand-ins (tests/stubs/README.md: PyPI has no CPU torchaudio for this torch)."""
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(STUBS), os.environ.get("PYTHONPATH")])),
    }
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-rs",
            __file__,
            "-k",
            " or ".join(REAL_COQUI_TESTS),
        ],
        cwd=Path(__file__).resolve().parent.parent,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = completed.stdout[-3000:] + completed.stderr[-2000:]
    assert completed.returncode == 0, report
    assert f"{len(REAL_COQUI_TESTS)} passed" in completed.stdout, report
    assert "skipped" not in completed.stdout.splitlines()[-1], report
