"""The trimesh mesh tool: every shape and format built for real, loaded back and checked."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy
import pytest
import trimesh
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from trimesh import creation

from unima.tools import TOOL_BACKENDS
from unima.tools.base import ToolContext, ToolOutput
from unima.tools.mesh.checks import count_bodies, verify_mesh
from unima.tools.mesh.tool import MeshArguments, MeshPart, TrimeshMeshTool, build_part

TOOL = TrimeshMeshTool()
# Each shape with the face count of the trimesh primitive it must be built from.
SHAPES: list[tuple[dict[str, Any], int]] = [
    ({"shape": "box", "size": [2, 1, 0.5]}, len(creation.box().faces)),
    (
        {"shape": "cylinder", "radius": 0.4, "height": 1},
        len(creation.cylinder(radius=1, height=1, sections=32).faces),
    ),
    ({"shape": "sphere", "radius": 0.5}, len(creation.icosphere(subdivisions=3).faces)),
    (
        {"shape": "cone", "radius": 0.5, "height": 1},
        len(creation.cone(radius=1, height=1, sections=32).faces),
    ),
    (
        {"shape": "capsule", "radius": 0.3, "height": 1.5},
        len(creation.capsule(height=1, radius=1, count=[32, 32]).faces),
    ),
    (
        {"shape": "torus", "radius": 1, "minor_radius": 0.25},
        len(creation.torus(major_radius=1, minor_radius=0.25).faces),
    ),
    ({"shape": "wedge", "size": [2, 1, 1]}, 8),
]


def build(tmp_path: Path, **raw: object) -> tuple[MeshArguments, ToolOutput, ToolContext]:
    arguments = TOOL.parse_arguments({"name": "Test model", **raw})
    assert isinstance(arguments, MeshArguments)
    work_dir = Path(tempfile.mkdtemp(prefix="work-", dir=tmp_path))
    context = ToolContext(work_dir=work_dir)
    return arguments, TOOL.run(arguments, context), context


def test_registered_under_its_tool_name() -> None:
    assert TOOL_BACKENDS.get("generate_mesh/trimesh") is TrimeshMeshTool
    assert (TOOL.name, TOOL.modality) == ("generate_mesh", "threeD")
    assert "trimesh" in TOOL.backend_version()


@pytest.mark.parametrize(("part", "faces"), SHAPES, ids=[part["shape"] for part, _ in SHAPES])
def test_each_shape_has_its_primitive_face_count_and_is_watertight(
    part: dict[str, object], faces: int, tmp_path: Path
) -> None:
    arguments, output, context = build(tmp_path, parts=[part], format="ply")
    verification = TOOL.verify(output, arguments, context)
    assert verification.passed, verification.problems
    assert verification.checks["faces"] == faces
    assert verification.checks["watertight"] and verification.checks["bodies"] == 1
    assert verification.checks["volume"] > 0


@pytest.mark.parametrize("mesh_format", ["glb", "obj", "ply", "stl"])
def test_every_format_round_trips_all_parts(mesh_format: str, tmp_path: Path) -> None:
    parts = [{**part, "position": [index * 3.0, 0, 0]} for index, (part, _) in enumerate(SHAPES)]
    arguments, output, context = build(tmp_path, parts=parts, format=mesh_format)
    assert output.path.suffix == f".{mesh_format}" and list(output.path.parent.iterdir()) == [
        output.path
    ]
    verification = TOOL.verify(output, arguments, context)
    assert verification.passed, verification.problems
    assert verification.checks["faces"] == sum(faces for _, faces in SHAPES)
    assert verification.checks["bodies"] == len(SHAPES)
    assert verification.checks["watertight"]


def test_box_is_placed_rotated_and_measured_exactly(tmp_path: Path) -> None:
    part = {
        "shape": "box",
        "size": [2, 1, 0.5],
        "position": [10, -4, 3],
        "rotation_deg": [0, 0, 90],
    }
    arguments, output, context = build(tmp_path, parts=[part], format="stl")
    checks = TOOL.verify(output, arguments, context).checks
    assert checks["extents"] == pytest.approx([1, 2, 0.5])
    assert numpy.mean(checks["bounds"], axis=0) == pytest.approx([10, -4, 3])
    assert checks["volume"] == pytest.approx(1.0)


def test_wedge_slopes_down_towards_positive_x() -> None:
    wedge = build_part(MeshPart(shape="wedge", size=[2, 1, 1]))
    assert wedge.volume == pytest.approx(1.0) and wedge.is_winding_consistent
    top = wedge.vertices[wedge.vertices[:, 2] > 0.4]
    assert numpy.allclose(top[:, 0], -1.0)


def test_colours_survive_in_glb_and_ply(tmp_path: Path) -> None:
    for mesh_format in ("glb", "ply"):
        _, output, _ = build(
            tmp_path,
            parts=[{"shape": "sphere", "radius": 1, "color": "#aa3322"}],
            format=mesh_format,
        )
        loaded: Any = trimesh.load(str(output.path), force="mesh")
        assert (loaded.visual.vertex_colors[:, :3] == [0xAA, 0x33, 0x22]).all()


def test_glb_keeps_one_named_node_per_part(tmp_path: Path) -> None:
    _, output, _ = build(
        tmp_path,
        parts=[
            {"shape": "box", "size": [1, 1, 1]},
            {"shape": "sphere", "radius": 1, "color": "red"},
        ],
    )
    scene: Any = trimesh.load(str(output.path))
    assert sorted(scene.geometry) == ["test-model-01-box", "test-model-02-sphere"]


def test_count_bodies_counts_connected_components() -> None:
    two_triangles_sharing_an_edge = numpy.array([[0, 1, 2], [2, 1, 3]])
    assert count_bodies(two_triangles_sharing_an_edge, 4) == 1
    assert count_bodies(numpy.array([[0, 1, 2], [3, 4, 5], [6, 7, 8]]), 9) == 3
    chain = numpy.array([[index, index + 1, index + 2] for index in range(0, 400, 2)])
    assert count_bodies(chain, 402) == 1
    assert count_bodies(numpy.zeros((0, 3), dtype=int), 0) == 0


def test_broken_files_fail_verification(tmp_path: Path) -> None:
    broken = tmp_path / "broken.stl"
    broken.write_bytes(b"solid nothing\nendsolid nothing\n")
    assert not verify_mesh(broken).passed
    garbage = tmp_path / "garbage.glb"
    garbage.write_bytes(b"glTF not really")
    assert "does not load" in verify_mesh(garbage).problems[0]
    _, output, _ = build(tmp_path, parts=[{"shape": "box", "size": [1, 1, 1]}], format="obj")
    assert "2 were built" in verify_mesh(output.path, expected_faces=2).problems[0]


@pytest.mark.parametrize(
    ("part", "message"),
    [
        ({"shape": "box"}, "a box needs size"),
        ({"shape": "cylinder", "radius": 1}, "a cylinder needs height"),
        (
            {"shape": "torus", "radius": 1, "minor_radius": 1},
            "minor_radius \\(1.0\\) smaller than radius",
        ),
        ({"shape": "capsule", "radius": 1, "height": 1}, "at least twice its radius"),
        ({"shape": "sphere", "radius": -1}, "greater than 0"),
        ({"shape": "box", "size": [1, 1]}, "at least 3 items"),
        (
            {"shape": "sphere", "radius": 1, "color": "ultraviolet"},
            "'ultraviolet' is not a hex colour",
        ),
        ({"shape": "pyramid", "radius": 1}, "'box', 'cylinder'"),
    ],
)
def test_invalid_parts_name_the_problem(part: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        TOOL.parse_arguments({"name": "m", "parts": [part]})


def test_part_count_is_bounded() -> None:
    with pytest.raises(ValidationError, match="at least 1 item"):
        TOOL.parse_arguments({"name": "m", "parts": []})
    with pytest.raises(ValidationError, match="at most 64 items"):
        TOOL.parse_arguments({"name": "m", "parts": [{"shape": "sphere", "radius": 1}] * 65})


PARTS = st.one_of(
    st.fixed_dictionaries(
        {
            "shape": st.sampled_from(["box", "wedge"]),
            "size": st.lists(st.floats(0.1, 50), min_size=3, max_size=3),
        }
    ),
    st.fixed_dictionaries({"shape": st.just("sphere"), "radius": st.floats(0.1, 50)}),
    st.fixed_dictionaries(
        {
            "shape": st.sampled_from(["cylinder", "cone"]),
            "radius": st.floats(0.1, 50),
            "height": st.floats(0.1, 50),
        }
    ),
    st.floats(0.1, 20).map(
        lambda radius: {"shape": "capsule", "radius": radius, "height": radius * 3}
    ),
    st.floats(0.5, 20).map(
        lambda radius: {"shape": "torus", "radius": radius, "minor_radius": radius / 4}
    ),
).flatmap(
    lambda part: st.fixed_dictionaries(
        {
            "position": st.lists(st.floats(-100, 100), min_size=3, max_size=3),
            "rotation_deg": st.lists(st.floats(-360, 360), min_size=3, max_size=3),
            "color": st.sampled_from(["red", "#123", "#a1b2c3", "steel"]),
        }
    ).map(lambda placement: {**part, **placement})
)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    parts=st.lists(PARTS, min_size=1, max_size=5),
    mesh_format=st.sampled_from(["glb", "obj", "ply", "stl"]),
)
def test_random_valid_models_verify(
    parts: list[dict[str, object]], mesh_format: str, tmp_path: Path
) -> None:
    arguments, output, context = build(tmp_path, parts=parts, format=mesh_format)
    verification = TOOL.verify(output, arguments, context)
    assert verification.passed, verification.problems
    assert 1 <= verification.checks["bodies"] <= len(parts)
