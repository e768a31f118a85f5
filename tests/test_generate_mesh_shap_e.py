"""The Shap-E mesh backend on a tiny Shap-E pipeline the test builds (see
``tests/tiny_models/shap_e.py``: random prior and text encoder, a renderer whose field is a lumpy
ball, so every generation goes through the real latent -> field -> marching cubes path).

Run the same on a GPU in half precision with ``.venv/bin/pytest -m gpu
tests/test_generate_mesh_shap_e.py``.
"""

from __future__ import annotations

import importlib.util
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy
import pytest

pytest.importorskip("diffusers", reason="needs the diffusers extra")
torch = pytest.importorskip("torch", reason="needs the diffusers extra")

import trimesh  # noqa: E402
from trimesh.visual import ColorVisuals  # noqa: E402

from tests.tiny_models.shap_e import save_tiny_shap_e  # noqa: E402
from unima import UniMA, load_trace  # noqa: E402
from unima.config import load_settings  # noqa: E402
from unima.errors import ConfigError, MissingExtraError, ToolError  # noqa: E402
from unima.testing import fake_toolbox  # noqa: E402
from unima.tools import TOOL_BACKENDS  # noqa: E402
from unima.tools.base import ToolContext  # noqa: E402
from unima.tools.mesh.shap_e import ShapEMeshArguments, ShapEMeshTool, name_prompt  # noqa: E402

SMALL: dict[str, Any] = {"mesh_steps": 2}
REQUEST = "Make a 3D model of a rocket."


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_shap_e(tmp_path_factory.mktemp("models") / "tiny-shap-e")


@pytest.fixture
def tool(model_folder: Path) -> Iterator[ShapEMeshTool]:
    tool = ShapEMeshTool(str(model_folder))
    yield tool
    tool.close()


def context(tmp_path: Path, **settings: object) -> ToolContext:
    work_dir = Path(tempfile.mkdtemp(prefix="work-", dir=tmp_path))
    return ToolContext(work_dir=work_dir, settings=load_settings(**{**SMALL, **settings}))


def test_a_shape_is_generated_from_its_prompt_and_loads_back(
    tool: ShapEMeshTool, tmp_path: Path
) -> None:
    assert TOOL_BACKENDS.get("generate_mesh/shap-e") is ShapEMeshTool
    arguments = tool.parse_arguments(
        {"name": "Rocket", "prompt": "a red rocket with three fins", "format": "ply"}
    )
    output = tool.run(arguments, context(tmp_path))
    assert output.path.suffix == ".ply" and output.mime == "application/ply"
    verification = tool.verify(output, arguments, context(tmp_path))
    assert verification.passed, verification.problems
    # The tiny renderer's field is one closed lump about 1.2 across.
    assert verification.checks["watertight"] and verification.checks["bodies"] == 1
    assert verification.checks["faces"] == output.meta["faces"] > 1000
    assert all(1.0 < extent < 1.4 for extent in verification.checks["extents"])
    mesh = trimesh.load(str(output.path), force="mesh")
    assert isinstance(mesh, trimesh.Trimesh)
    assert mesh.volume > 0  # the triangles face outwards
    # Its colours run from blue at the bottom to red at the top, and reach the file.
    assert isinstance(mesh.visual, ColorVisuals)
    colors = mesh.visual.vertex_colors.astype(int)
    top, bottom = mesh.vertices[:, 2].argmax(), mesh.vertices[:, 2].argmin()
    assert colors[top][0] > colors[bottom][0] and colors[top][2] < colors[bottom][2]

    assert output.meta["prompt"] == "a red rocket with three fins"
    assert output.meta["units"] == "mm" and output.meta["scale"] == 1.0
    model = output.meta["model"]
    assert model["backend"] == "shap-e" and model["model"] == "tiny-shap-e"
    assert model["device"] == "cpu" and model["dtype"] == "float32"
    assert model["seconds"] > 0 and len(model["revision"]) == 16


def test_a_planners_parts_give_the_size_and_place_and_its_name_the_prompt(
    tool: ShapEMeshTool, tmp_path: Path
) -> None:
    # What the trimesh backend's planner writes: a 40 x 40 x 120 mm column standing on z = 0.
    arguments = tool.parse_arguments(
        {
            "name": "water_tower",
            "parts": [
                {"shape": "cylinder", "radius": 20, "height": 100, "position": [0, 0, 50]},
                {"shape": "sphere", "radius": 20, "position": [0, 0, 100]},
            ],
        }
    )
    output = tool.run(arguments, context(tmp_path))
    assert output.path.suffix == ".glb" and output.meta["prompt"] == "water tower"
    verification = tool.verify(output, arguments, context(tmp_path))
    assert verification.passed, verification.problems
    (low, high) = numpy.array(verification.checks["bounds"])
    assert max(high - low) == pytest.approx(120, rel=1e-3)
    assert (low + high) / 2 == pytest.approx([0, 0, 60], abs=0.5)
    assert output.meta["scale"] > 50


def test_the_same_seed_gives_the_same_shape_and_another_seed_another(
    tool: ShapEMeshTool, tmp_path: Path
) -> None:
    def generate(seed: int, run_seed: int) -> bytes:
        arguments = tool.parse_arguments(
            {"name": "Vase", "prompt": "a vase", "format": "stl", "seed": seed}
        )
        work_dir = context(tmp_path).work_dir
        ran = ToolContext(work_dir=work_dir, seed=run_seed, settings=load_settings(**SMALL))
        output = tool.run(arguments, ran)
        assert output.meta["seed"] == seed + run_seed  # the step's seed adds to the run's
        return output.path.read_bytes()

    first = generate(1, run_seed=0)
    assert generate(0, run_seed=1) == first
    assert generate(2, run_seed=0) != first


def test_a_name_becomes_a_prompt() -> None:
    assert name_prompt("waterMolecule") == "water molecule"
    assert name_prompt("Eiffel-Tower.v2") == "eiffel tower v2"
    assert name_prompt("___") == "an object"
    assert ShapEMeshArguments(name="Cup").parts == []


def test_a_request_for_a_3d_model_is_answered_with_a_generated_one(
    model_folder: Path, tmp_path: Path
) -> None:
    others = {name: tool for name, tool in fake_toolbox()._instances.items()}
    del others["generate_mesh"]
    agent = UniMA(
        tools=others,
        tool_backends={"generate_mesh": f"shap-e:{model_folder}"},
        trace_dir=tmp_path / "traces",
        **SMALL,
    )
    response = agent.respond(REQUEST)
    assert response.status == "ok", response.problems
    artifact = response.artifacts["threeD1"]
    assert artifact.meta["model"]["backend"] == "shap-e"
    assert "rocket" in artifact.meta["prompt"]
    assert artifact.verification is not None and artifact.verification.passed
    assert response.trace_path is not None
    events = load_trace(response.trace_path).events
    starts = [event for event in events if event.kind == "step_start"]
    assert starts[0].data["backend"] == "shap-e"
    assert "diffusers" in starts[0].data["backend_version"]
    ends = [event for event in events if event.kind == "step_end"]
    assert ends[0].data["status"] == "ok"
    recorded = ends[0].data["artifact"]["meta"]["model"]
    assert recorded["model"] == "tiny-shap-e" and recorded["device"] == "cpu"
    assert {"revision", "dtype", "seconds", "load_s"} <= recorded.keys()

    again = agent.respond(REQUEST)
    assert again.trace_path is not None
    ends = [event for event in load_trace(again.trace_path).events if event.kind == "step_end"]
    assert ends[0].data["status"] == "cached"
    assert again.artifacts["threeD1"].sha256 == artifact.sha256
    agent.close()


def test_a_missing_folder_fails_at_construction(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        UniMA(tool_backends={"generate_mesh": f"shap-e:{tmp_path / 'nowhere'}"})


def test_a_folder_without_model_index_fails_at_construction(tmp_path: Path) -> None:
    (tmp_path / "weights.bin").write_bytes(b"\0")
    with pytest.raises(ConfigError, match=r"no model_index\.json"):
        UniMA(tool_backends={"generate_mesh": f"shap-e:{tmp_path}"})


@pytest.mark.parametrize(
    ("index", "problem"),
    [
        ('{"_class_name": "StableDiffusionPipeline"}', "holds a StableDiffusionPipeline"),
        ("{not json", "cannot read"),
    ],
)
def test_a_folder_of_another_pipeline_fails_at_construction(
    index: str, problem: str, tmp_path: Path
) -> None:
    (tmp_path / "model_index.json").write_text(index)
    with pytest.raises(ConfigError, match=problem):
        UniMA(tool_backends={"generate_mesh": f"shap-e:{tmp_path}"})


def test_cuda_on_a_machine_without_it_fails_at_construction(
    model_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    monkeypatch.setenv("UNIMA_MODEL_DEVICE", "cuda")
    with pytest.raises(ConfigError, match="no CUDA device"):
        UniMA(tool_backends={"generate_mesh": f"shap-e:{model_folder}"})


def test_without_diffusers_the_error_names_the_extra(
    model_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = importlib.util.find_spec

    def without_diffusers(name: str, *rest: object) -> object:
        return None if name == "diffusers" else found(name, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.util, "find_spec", without_diffusers)
    with pytest.raises(MissingExtraError, match=r'pip install "unima\[diffusers\]"'):
        ShapEMeshTool(str(model_folder)).check_ready(load_settings())


def test_a_renderer_without_its_marching_cubes_table_is_refused(
    model_folder: Path, tmp_path: Path
) -> None:
    from diffusers import ShapEPipeline

    pipeline = ShapEPipeline.from_pretrained(str(model_folder), local_files_only=True)
    pipeline.shap_e_renderer.mesh_decoder.masks.zero_()
    pipeline.save_pretrained(tmp_path / "no-table")
    tool = ShapEMeshTool(str(tmp_path / "no-table"))
    arguments = tool.parse_arguments({"name": "Cup"})
    with pytest.raises(ToolError, match="no marching-cubes table") as raised:
        tool.run(arguments, context(tmp_path))
    assert raised.value.recoverable is False


@pytest.mark.gpu
def test_half_precision_on_cuda(model_folder: Path, tmp_path: Path) -> None:
    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    tool = ShapEMeshTool(str(model_folder))
    arguments = tool.parse_arguments({"name": "Rocket", "prompt": "a rocket"})
    output = tool.run(arguments, context(tmp_path, model_device="cuda", model_dtype="float16"))
    assert output.meta["model"]["device"] == "cuda"
    assert output.meta["model"]["dtype"] == "float16"
    verification = tool.verify(output, arguments, context(tmp_path))
    assert verification.passed, verification.problems
    assert verification.checks["watertight"] and verification.checks["bodies"] == 1
    tool.close()
    assert torch.cuda.memory_allocated() < 50 * 2**20
