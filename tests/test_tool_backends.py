"""Choosing tool backends: spec strings from the API, the CLI and the environment, and the
typed errors a bad choice gets before any work is done."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from unima import UniMA
from unima.cli.app import app
from unima.errors import ConfigError
from unima.graph.toolbox import Toolbox
from unima.testing import fake_toolbox
from unima.tools.models.loading import (
    SharedModels,
    folder_fingerprint,
    require_folder,
    require_module,
    resolve_device,
    resolve_dtype,
)
from unima.tools.models.specs import (
    BackendChoice,
    parse_assignment,
    parse_assignments,
    parse_environment,
)


def test_a_spec_keeps_the_colons_of_its_location() -> None:
    assert BackendChoice.parse("diffusers:/models/sd-turbo") == BackendChoice(
        "diffusers", "/models/sd-turbo"
    )
    assert BackendChoice.parse("openai-compatible:http://127.0.0.1:8000/v1:flux") == BackendChoice(
        "openai-compatible", "http://127.0.0.1:8000/v1:flux"
    )
    assert BackendChoice.parse("procedural") == BackendChoice("procedural")
    assert str(BackendChoice("diffusers", "/m")) == "diffusers:/m"
    assert parse_assignment("generate_image=diffusers:C:/m") == (
        "generate_image",
        BackendChoice("diffusers", "C:/m"),
    )


@pytest.mark.parametrize(
    "text", ["generate_image", "=diffusers", "generate_image=", "x=diffusers:"]
)
def test_unreadable_specs_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError, match=r"cannot read|names no location"):
        parse_assignment(text)


def test_a_tool_set_twice_is_an_error_not_last_one_wins() -> None:
    with pytest.raises(ConfigError, match="set twice"):
        parse_assignments(["generate_image=procedural", "generate_image=diffusers:/m"])


def test_the_environment_takes_semicolons_newlines_or_json() -> None:
    expected = {"generate_image": "diffusers:/m/sd", "synthesize_speech": "openai:tts-1"}
    assert parse_environment("generate_image=diffusers:/m/sd; synthesize_speech=openai:tts-1") == (
        expected
    )
    assert parse_environment("generate_image=diffusers:/m/sd\nsynthesize_speech=openai:tts-1") == (
        expected
    )
    assert (
        parse_environment(
            '{"generate_image": "diffusers:/m/sd", "synthesize_speech": "openai:tts-1"}'
        )
        == expected
    )
    assert parse_environment("") == {} and parse_environment(None) == {}
    with pytest.raises(ConfigError, match="JSON"):
        parse_environment('{"generate_image": 3}')


def test_unknown_tools_and_backends_name_what_is_known() -> None:
    with pytest.raises(
        ConfigError,
        match="unknown backend 'difusers' for generate_image; known: "
        "diffusers, openai, openai-compatible, procedural",
    ):
        Toolbox(backends={"generate_image": "difusers:/m"})
    with pytest.raises(ConfigError, match="unknown tool 'make_picture'"):
        Toolbox(backends={"make_picture": "diffusers:/m"})


def test_a_backend_that_takes_no_location_refuses_one() -> None:
    toolbox = Toolbox(backends={"generate_image": "procedural:/somewhere"})
    with pytest.raises(ConfigError, match="takes no location"):
        toolbox.get("generate_image")


def test_the_toolbox_reports_each_tools_spec() -> None:
    toolbox = Toolbox(backends={"generate_image": "diffusers:/models/sd"})
    specs = toolbox.backend_specs()
    assert specs["generate_image"] == "diffusers:/models/sd"
    assert specs["synthesize_speech"] == "piper"


def test_a_missing_model_folder_fails_at_construction(tmp_path: Path) -> None:
    pytest.importorskip("diffusers")
    with pytest.raises(ConfigError, match="does not exist"):
        UniMA(tool_backends={"generate_image": f"diffusers:{tmp_path / 'nowhere'}"})
    with pytest.raises(ConfigError, match=r"no model_index\.json"):
        UniMA(tool_backends={"generate_image": f"diffusers:{tmp_path}"})


def test_the_environment_variable_chooses_backends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("diffusers")
    monkeypatch.setenv("UNIMA_TOOL_BACKENDS", f"generate_image=diffusers:{tmp_path / 'gone'}")
    with pytest.raises(ConfigError, match="does not exist"):
        UniMA()
    # The API's choice is on top of the environment's.
    agent = UniMA(tool_backends={"generate_image": "procedural"})
    assert agent.toolbox.backend_specs()["generate_image"] == "procedural"


def test_the_cli_refuses_a_bad_backend_before_any_work(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "run",
            "Draw a cat.",
            "--llm",
            "heuristic",
            "--trace-dir",
            str(tmp_path / "traces"),
            "--backend",
            "generate_image=nonsense",
        ],
    )
    assert result.exit_code != 0
    assert "unknown backend 'nonsense' for generate_image" in result.output
    assert not (tmp_path / "traces").exists()
    result = runner.invoke(app, ["run", "Draw a cat.", "--backend", "generate_image"])
    assert result.exit_code != 0 and "TOOL=BACKEND" in result.output


def test_a_missing_extra_names_the_pip_command() -> None:
    with pytest.raises(ConfigError, match=r'pip install "unima\[diffusers\]"'):
        require_module("surely_not_a_module_unima", "the diffusers image backend", "diffusers")


def test_folders_and_devices_are_checked_with_the_fix_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs a model folder"):
        require_folder(None, "the x backend", "a folder")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="is not a folder"):
        require_folder(str(tmp_path / "file"), "the x backend", "a folder")
    assert require_folder(str(tmp_path), "the x backend", "a folder") == tmp_path.resolve()
    with pytest.raises(ConfigError, match="unknown device 'gpu'"):
        resolve_device("gpu", "the x backend")
    assert resolve_device("cpu", "the x backend") == "cpu"
    assert resolve_dtype("auto", "cpu", "x") == "float32"
    assert resolve_dtype("auto", "cuda", "x") == "float16"
    with pytest.raises(ConfigError, match="unknown dtype 'half'"):
        resolve_dtype("half", "cpu", "x")


def test_cuda_asked_for_on_a_machine_without_it_is_a_config_error() -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ConfigError, match=r"torch sees no CUDA device.*UNIMA_MODEL_DEVICE=cpu"):
        resolve_device("cuda", "the x backend")
    assert resolve_device("auto", "the x backend") == "cpu"


def test_a_folder_fingerprint_changes_with_its_files(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"layers": 2}')
    first = folder_fingerprint(tmp_path)
    assert folder_fingerprint(tmp_path) == first
    (tmp_path / "config.json").write_text('{"layers": 3}')
    assert folder_fingerprint(tmp_path) != first


def test_a_shared_model_loads_once_for_many_threads() -> None:
    models = SharedModels()
    loads: list[int] = []
    started = threading.Barrier(8)

    def load() -> object:
        loads.append(1)
        return object()

    results: list[Any] = []

    def ask() -> None:
        started.wait()
        results.append(models.get(("backend", "folder"), load).value)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1
    assert all(result is results[0] for result in results)
    assert models.close(("backend",)) == 1
    assert models.loaded_keys() == []
    models.get(("backend", "folder"), load)
    assert len(loads) == 2  # loaded again after close


def test_closing_an_agent_closes_its_tools() -> None:
    closed: list[str] = []
    toolbox = fake_toolbox()
    for name in toolbox.names():
        tool = toolbox.get(name)
        tool.close = lambda name=name: closed.append(name)  # type: ignore[method-assign]
    UniMA(tools=toolbox).close()
    assert sorted(closed) == sorted(toolbox.names())
