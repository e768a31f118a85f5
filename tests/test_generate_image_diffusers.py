"""The diffusers image backend on a tiny random Stable Diffusion pipeline the test builds.

Run the same on a GPU in half precision with ``.venv/bin/pytest -m gpu
tests/test_generate_image_diffusers.py``.
"""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("diffusers", reason="needs the diffusers extra")
torch = pytest.importorskip("torch", reason="needs the diffusers extra")

from PIL import Image  # noqa: E402

from tests.tiny_models.stable_diffusion import save_tiny_stable_diffusion  # noqa: E402
from unima import UniMA, load_trace  # noqa: E402
from unima.config import load_settings  # noqa: E402
from unima.errors import ConfigError  # noqa: E402
from unima.testing import fake_toolbox  # noqa: E402
from unima.tools.base import ToolContext  # noqa: E402
from unima.tools.image.diffusion import (  # noqa: E402
    DiffusersImageTool,
    DiffusionImageArguments,
    depiction_prompt,
    multiple_of,
)
from unima.tools.models.loading import SHARED_MODELS  # noqa: E402

SMALL = {"image_width": 64, "image_height": 64, "image_steps": 2}
REQUEST = "Show me a picture of a plated dish of spaghetti carbonara."


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_stable_diffusion(tmp_path_factory.mktemp("models") / "tiny-sd")


@pytest.fixture
def tool(model_folder: Path) -> DiffusersImageTool:
    tool = DiffusersImageTool(str(model_folder))
    yield tool
    tool.close()


def context(tmp_path: Path, **settings: object) -> ToolContext:
    work_dir = Path(tempfile.mkdtemp(prefix="work-", dir=tmp_path))
    return ToolContext(work_dir=work_dir, settings=load_settings(**{**SMALL, **settings}))


def test_an_illustration_is_generated_from_its_prompt(
    tool: DiffusersImageTool, tmp_path: Path
) -> None:
    arguments = tool.parse_arguments(
        {"kind": "illustration", "title": "Carbonara", "prompt": "a plate of spaghetti carbonara"}
    )
    output = tool.run(arguments, context(tmp_path))
    with Image.open(output.path) as image:
        assert image.format == "PNG" and image.size == (64, 64)
    assert output.meta["prompt"] == "a plate of spaghetti carbonara"
    model = output.meta["model"]
    assert model["backend"] == "diffusers" and model["model"] == "tiny-sd"
    assert model["device"] == "cpu" and model["dtype"] == "float32"
    assert model["seconds"] > 0 and len(model["revision"]) == 16
    verification = tool.verify(output, arguments, context(tmp_path))
    assert verification.passed, verification.problems


def test_the_same_seed_gives_the_same_picture_and_another_seed_another(
    tool: DiffusersImageTool, tmp_path: Path
) -> None:
    def generate(seed: int) -> bytes:
        arguments = tool.parse_arguments(
            {"kind": "illustration", "title": "Carbonara", "seed": seed}
        )
        with Image.open(tool.run(arguments, context(tmp_path)).path) as image:
            return image.tobytes()

    assert generate(1) == generate(1)
    assert generate(1) != generate(2)


def test_charts_and_diagrams_are_still_drawn_exactly(
    tool: DiffusersImageTool, tmp_path: Path
) -> None:
    arguments = tool.parse_arguments(
        {"kind": "bar_chart", "title": "Sales", "labels": ["A", "B"], "values": [3, 5]}
    )
    output = tool.run(arguments, context(tmp_path))
    assert "model" not in output.meta and output.meta["kind"] == "bar_chart"
    assert tool.verify(output, arguments, context(tmp_path)).passed


def test_a_prompt_is_made_from_a_planners_illustration() -> None:
    arguments = DiffusionImageArguments(
        kind="illustration", title="A village", labels=["Oak tree", "Red house"], caption="Dusk"
    )
    prompt = depiction_prompt(arguments)
    assert prompt.startswith("A village, showing Oak tree, Red house, Dusk")
    assert multiple_of(960) == 960 and multiple_of(650) == 640 and multiple_of(3) == 16


def test_parallel_steps_share_one_loaded_pipeline(tool: DiffusersImageTool, tmp_path: Path) -> None:
    tool.close()
    arguments = [
        tool.parse_arguments({"kind": "illustration", "title": f"Scene {n}", "seed": n})
        for n in range(4)
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        outputs = list(pool.map(lambda a: tool.run(a, context(tmp_path)), arguments))
    keys = [
        key for key in SHARED_MODELS.loaded_keys() if key[:2] == ("generate_image", "diffusers")
    ]
    assert len(keys) == 1
    assert len({output.meta["model"]["load_s"] for output in outputs}) == 1


def test_a_request_for_a_picture_is_answered_with_a_generated_one(
    model_folder: Path, tmp_path: Path
) -> None:
    others = {name: tool for name, tool in fake_toolbox()._instances.items()}
    del others["generate_image"]
    agent = UniMA(
        tools=others,
        tool_backends={"generate_image": f"diffusers:{model_folder}"},
        trace_dir=tmp_path / "traces",
        **SMALL,
    )
    response = agent.respond(REQUEST)
    assert response.status == "ok", response.problems
    artifact = response.artifacts["image1"]
    assert "spaghetti carbonara" in artifact.meta["prompt"].lower()
    assert artifact.meta["model"]["backend"] == "diffusers"
    assert artifact.relevance is not None and artifact.relevance.passed
    assert response.trace_path is not None
    starts = [e for e in load_trace(response.trace_path).events if e.kind == "step_start"]
    assert starts[0].data["backend"] == "diffusers"
    assert "diffusers" in starts[0].data["backend_version"]
    ends = [e for e in load_trace(response.trace_path).events if e.kind == "step_end"]
    assert ends[0].data["status"] == "ok"

    again = agent.respond(REQUEST)
    assert again.trace_path is not None
    ends = [e for e in load_trace(again.trace_path).events if e.kind == "step_end"]
    assert ends[0].data["status"] == "cached"
    assert again.artifacts["image1"].sha256 == artifact.sha256
    agent.close()


def test_a_changed_model_folder_is_not_served_from_the_cache(
    model_folder: Path, tmp_path: Path
) -> None:
    tool = DiffusersImageTool(str(model_folder))
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "model_index.json").write_text("{}")
    assert DiffusersImageTool(str(copy)).backend_version() != tool.backend_version()


def test_a_folder_that_is_not_a_pipeline_fails_at_construction(tmp_path: Path) -> None:
    (tmp_path / "model_index.json").write_text("{not json")
    agent = UniMA(
        tool_backends={"generate_image": f"diffusers:{tmp_path}"},
        trace_dir=tmp_path / "traces",
        **SMALL,
    )
    tool = agent.toolbox.get("generate_image")
    arguments = tool.parse_arguments({"kind": "illustration", "title": "A cat"})
    with pytest.raises(Exception, match="could not load") as raised:
        tool.run(arguments, context(tmp_path))
    assert getattr(raised.value, "recoverable", True) is False


def test_cuda_on_a_machine_without_it_fails_before_the_run(
    model_folder: Path, tmp_path: Path
) -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ConfigError, match="no CUDA device"):
        UniMA(tool_backends={"generate_image": f"diffusers:{model_folder}"}, model_device="cuda")


@pytest.mark.gpu
def test_half_precision_on_cuda(model_folder: Path, tmp_path: Path) -> None:
    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    tool = DiffusersImageTool(str(model_folder))
    arguments = tool.parse_arguments({"kind": "illustration", "title": "Carbonara"})
    output = tool.run(arguments, context(tmp_path, model_device="cuda", model_dtype="float16"))
    assert output.meta["model"]["device"] == "cuda"
    assert output.meta["model"]["dtype"] == "float16"
    assert tool.verify(output, arguments, context(tmp_path)).passed
    tool.close()
    assert torch.cuda.memory_allocated() < 50 * 2**20


def test_settings_that_change_the_picture_change_the_cache_key(model_folder: Path) -> None:
    from unima.graph.execute import step_cache_key

    tool = DiffusersImageTool(str(model_folder))
    arguments = tool.parse_arguments({"kind": "illustration", "title": "Carbonara"})

    def key(**settings: object) -> str:
        return step_cache_key(
            tool, arguments, seed=0, dependencies={}, settings=load_settings(**settings)
        )

    assert key(image_steps=2) == key(image_steps=2)
    assert key(image_steps=2) != key(image_steps=4)
    assert key(image_steps=2) != key(image_steps=2, image_guidance=7.5)
    assert key(image_steps=2) != key(image_steps=2, model_dtype="bfloat16")
    # A setting the backend does not read leaves the key alone.
    assert key(image_steps=2) == key(image_steps=2, video_frames=9)
