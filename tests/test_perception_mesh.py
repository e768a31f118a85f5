"""3D perception on real trimesh-made files: counts, extents, bodies, projections, confinement."""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import numpy as np
import pytest
import trimesh
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from unima.errors import InputError
from unima.perception import perceive
from unima.perception.mesh import MeshPerceiver
from unima.perception.mesh_decode import count_components
from unima.perception.mesh_references import refusal_reason, scan_references
from unima.types import Perception

FORMATS = ["obj", "ply", "stl", "stl_ascii", "glb", "off"]


def two_boxes() -> trimesh.Trimesh:
    """A 4 x 2 x 1 box and a unit cube 10 apart: x from -2 to 10.5, so 12.5 x 2 x 1."""
    first = trimesh.creation.box(extents=(4, 2, 1))
    second = trimesh.creation.box(extents=(1, 1, 1))
    second.apply_translation((10, 0, 0))
    combined = trimesh.util.concatenate([first, second])
    assert isinstance(combined, trimesh.Trimesh)
    return combined


def write(mesh: trimesh.Trimesh | trimesh.PointCloud, path: Path, file_type: str) -> Path:
    data = mesh.export(file_type=file_type)
    assert isinstance(data, str | bytes)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("meshes")
    for name in FORMATS:
        extension = "stl" if name.startswith("stl") else name
        write(two_boxes(), root / f"two_{name}.{extension}", name)
    return root


@pytest.fixture(scope="module")
def perceiver(tmp_path_factory: pytest.TempPathFactory) -> MeshPerceiver:
    return MeshPerceiver(projection_root=tmp_path_factory.mktemp("projections"))


def mesh_perceive(perceiver: MeshPerceiver, path: Path) -> Perception:
    """Perceive through the public entry point, with the fixture's projection folder."""
    from unima.inputs.parts import part_from_item

    return perceiver.perceive(part_from_item(path))


# ---- every format ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", FORMATS)
def test_two_boxes_in_every_format(folder: Path, perceiver: MeshPerceiver, name: str) -> None:
    path = next(folder.glob(f"two_{name}.*"))
    perception = mesh_perceive(perceiver, path)
    meta = perception.meta
    assert perception.failures == ()
    assert (meta["kind"], meta["vertex_count"], meta["face_count"]) == ("mesh", 16, 24)
    assert meta["extents"] == pytest.approx([12.5, 2.0, 1.0])
    assert meta["bounds"] == [pytest.approx([-2, -1, -0.5]), pytest.approx([10.5, 1, 0.5])]
    assert meta["watertight"] is True and meta["bodies"] == 2
    assert meta["volume"] == pytest.approx(9.0) and meta["area"] == pytest.approx(34.0)
    units = " m" if name == "glb" else " (likely mm)"  # glTF declares metres
    assert perception.summary.startswith(
        f"A 3D triangle mesh ({'STL' if name.startswith('stl') else name.upper()}) of 24 faces "
        f"and 16 vertices, 12.5 x 2 x 1{units}, watertight, two connected parts; volume 9"
    )
    assert set(meta["projections"]) == {"front", "top", "side"}
    assert all(Path(png).is_file() for png in meta["projections"].values())


def test_perceive_routes_threed_files_to_the_mesh_perceiver(folder: Path) -> None:
    perception = perceive(folder / "two_off.off")
    assert perception.backend == "trimesh+pillow"
    assert perception.meta["bodies"] == 2 and perception.seconds > 0


def test_projections_keep_the_aspect_and_show_the_part(
    tmp_path: Path, perceiver: MeshPerceiver
) -> None:
    path = write(trimesh.creation.box(extents=(40, 20, 10)), tmp_path / "plate.stl", "stl")
    perception = mesh_perceive(perceiver, path)
    assert "40 x 20 x 10 (likely mm)" in perception.summary
    assert perception.meta["units_guess"] == "mm"
    expected = {"front": 40 / 10, "top": 40 / 20, "side": 20 / 10}
    for view, ratio in expected.items():
        image = Image.open(perception.meta["projections"][view])
        assert image.format == "PNG"
        margin = 16
        width, height = image.width - 2 * margin, image.height - 2 * margin
        assert width / height == pytest.approx(ratio, rel=0.03), view
        pixels = np.asarray(image.convert("RGB"))
        drawn = (pixels != 255).any(axis=2)
        # A box seen straight on fills its whole projection: almost every inner pixel is drawn.
        assert drawn[margin:-margin, margin:-margin].mean() > 0.95, view
        assert not drawn[: margin // 2].any(), view


def test_point_cloud_ply(tmp_path: Path, perceiver: MeshPerceiver) -> None:
    points = np.random.default_rng(7).random((500, 3)) * (3.0, 2.0, 1.0)
    path = write(trimesh.PointCloud(points), tmp_path / "scan.ply", "ply")
    perception = mesh_perceive(perceiver, path)
    meta = perception.meta
    assert (meta["kind"], meta["vertex_count"], meta["face_count"]) == ("point cloud", 500, 0)
    assert meta["extents"] == pytest.approx([3.0, 2.0, 1.0], abs=0.05)
    assert perception.summary.startswith("A 3D point cloud (PLY) of 500 points, 2.98 x 2 x 0.994")
    assert "watertight" not in meta
    front = np.asarray(Image.open(meta["projections"]["front"]).convert("L"))
    assert (front < 255).sum() > 500  # splats, not a blank canvas


def test_an_open_box_is_not_watertight_and_has_no_volume(
    tmp_path: Path, perceiver: MeshPerceiver
) -> None:
    box = trimesh.creation.box()
    opened = trimesh.Trimesh(box.vertices, box.faces[:-2])  # one square side removed
    perception = mesh_perceive(perceiver, write(opened, tmp_path / "open.ply", "ply"))
    assert perception.meta["watertight"] is False
    assert "volume" not in perception.meta
    assert "not watertight, one connected part" in perception.summary


# ---- references: allowed inside the folder, refused outside ---------------------------------


def textured_box(folder: Path) -> Path:
    box = trimesh.creation.box(extents=(2, 2, 2))
    uv = np.random.default_rng(0).random((len(box.vertices), 2))
    box.visual = trimesh.visual.TextureVisuals(uv=uv, image=Image.new("RGB", (8, 4), (200, 0, 0)))
    folder.mkdir(parents=True, exist_ok=True)
    box.export(folder / "box.obj")  # writes material.mtl and material_0.png beside it
    return folder / "box.obj"


def test_obj_with_mtl_and_texture_inside_the_folder(
    tmp_path: Path, perceiver: MeshPerceiver
) -> None:
    perception = mesh_perceive(perceiver, textured_box(tmp_path / "model"))
    assert perception.failures == ()
    assert perception.meta["external_references"] == ["material.mtl", "material_0.png"]
    assert perception.meta["texture_size"] == [8, 4]
    assert "It carries an 8x4 texture." in perception.summary


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("map_Kd ../secret.png", "'..'"),
        ("map_Kd /etc/passwd", "absolute path"),
        ("map_Kd file:///etc/passwd", "URL"),
        ("map_Kd linked.png", "outside the model's folder"),
    ],
)
def test_texture_references_leaving_the_folder_are_refused_and_never_read(
    tmp_path: Path, perceiver: MeshPerceiver, line: str, reason: str
) -> None:
    path = textured_box(tmp_path / "model")
    secret = tmp_path / "secret.png"
    Image.new("RGB", (16, 16), (0, 255, 0)).save(secret)
    (tmp_path / "model" / "linked.png").symlink_to(secret)
    material = tmp_path / "model" / "material.mtl"
    material.write_text(material.read_text().replace("map_Kd material_0.png", line))
    perception = mesh_perceive(perceiver, path)
    [refused] = perception.meta["refused_references"]
    assert refused["name"] == line.split(" ", 1)[1] and reason in refused["reason"]
    assert any(refused["name"] in failure for failure in perception.failures)
    assert perception.meta["texture_size"] is None  # the secret image was not loaded
    assert perception.meta["face_count"] == 12  # the mesh itself is still perceived


def test_material_libraries_outside_the_folder_are_refused(
    tmp_path: Path, perceiver: MeshPerceiver
) -> None:
    path = tmp_path / "sneaky.obj"
    path.write_text("mtllib ../../etc/passwd\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")
    perception = mesh_perceive(perceiver, path)
    assert perception.meta["refused_references"] == [
        {"name": "../../etc/passwd", "reason": "it climbs out of the model's folder with '..'"}
    ]
    assert perception.meta["external_references"] == ["../../etc/passwd"]
    assert perception.meta["face_count"] == 1


@pytest.mark.parametrize("library", ["/etc/passwd", "C:\\secret.mtl", "mtl\\..\\..\\x.mtl"])
def test_material_library_names_are_checked_before_loading(tmp_path: Path, library: str) -> None:
    path = tmp_path / "sneaky.obj"
    path.write_text(f"mtllib {library}\nv 0 0 0\n")
    references = scan_references(path, "obj")
    assert references.allowed == {}
    assert [item["name"] for item in references.refused] == [library]


def test_ply_texture_file_comment_outside_the_folder_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scan.ply"
    path.write_text(
        "ply\nformat ascii 1.0\ncomment TextureFile /etc/shadow\nelement vertex 3\n"
        "property float x\nproperty float y\nproperty float z\nend_header\n0 0 0\n1 0 0\n0 1 0\n"
    )
    references = scan_references(path, "ply")
    assert references.allowed == {}
    assert references.refused == [{"name": "/etc/shadow", "reason": "it is an absolute path"}]


def glb_with_uris(path: Path, uris: list[str]) -> Path:
    document = json.dumps(
        {"asset": {"version": "2.0"}, "buffers": [{"uri": uri, "byteLength": 4} for uri in uris]}
    ).encode()
    document += b" " * (-len(document) % 4)
    header = struct.pack("<4sII", b"glTF", 2, 12 + 8 + len(document))
    path.write_bytes(header + struct.pack("<II", len(document), 0x4E4F534A) + document)
    return path


def test_glb_buffer_uris_are_confined_and_data_uris_allowed(tmp_path: Path) -> None:
    (tmp_path / "inside.bin").write_bytes(b"\x00" * 4)
    path = glb_with_uris(
        tmp_path / "m.glb",
        ["inside.bin", "../outside.bin", "https://example.com/x.bin", "data:;base64,AAAAAA=="],
    )
    references = scan_references(path, "glb")
    assert list(references.allowed) == ["inside.bin"]
    assert [item["name"] for item in references.refused] == [
        "../outside.bin",
        "https://example.com/x.bin",
    ]


def test_glb_with_a_refused_buffer_falls_back_to_the_header_counts(
    tmp_path: Path, perceiver: MeshPerceiver
) -> None:
    box = trimesh.creation.box()
    glb = box.export(file_type="glb")
    length = struct.unpack_from("<I", glb, 12)[0]
    document = json.loads(glb[20 : 20 + length])
    binary = glb[20 + length + 8 :]
    (tmp_path.parent / "stolen.bin").write_bytes(binary)
    document["buffers"] = [{"uri": "../stolen.bin", "byteLength": len(binary)}]
    chunk = json.dumps(document).encode()
    chunk += b" " * (-len(chunk) % 4)
    path = tmp_path / "box.glb"
    path.write_bytes(
        struct.pack("<4sII", b"glTF", 2, 20 + len(chunk))
        + struct.pack("<II", len(chunk), 0x4E4F534A)
        + chunk
    )
    perception = mesh_perceive(perceiver, path)
    assert perception.meta["decoded_by"] == "header-scan"
    assert perception.meta["header_vertex_count"] == 8
    assert any("refused" in failure for failure in perception.failures)
    assert any(failure.startswith("trimesh:") for failure in perception.failures)


@pytest.mark.parametrize(
    ("name", "refused"),
    [
        ("texture.png", False),
        ("sub/texture.png", False),
        ("", True),
        ("/abs.png", True),
        ("\\\\server\\share.png", True),
        ("a/../../b.png", True),
        ("..\\b.png", True),
        ("~/.ssh/id_rsa", True),
        ("ftp://host/x", True),
        ("http://example.com/texture.png", True),
        ("%2e%2e/secret.png", True),
        ("%2Fetc/passwd", True),
        ("nul\x00byte.png", True),
    ],
)
def test_refusal_reason(tmp_path: Path, name: str, refused: bool) -> None:
    assert (refusal_reason(tmp_path, name) is not None) is refused


# ---- bad input ------------------------------------------------------------------------------


def test_a_ply_declaring_a_hundred_million_vertices_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.ply"
    path.write_bytes(
        b"ply\nformat ascii 1.0\nelement vertex 100000000\nproperty float x\nend_header\n0\n"
    )
    with pytest.raises(InputError, match="over the limit") as caught:
        perceive(path)
    assert "huge.ply" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "file_type", "message"),
    [
        ("cut.glb", "glb", "declares 928 bytes but the file has 464"),
        ("cut.ply", "ply", "more than its"),
        ("cut.stl", "stl", "unknown binary format"),
    ],
)
def test_truncated_binary_meshes_are_refused(
    tmp_path: Path, name: str, file_type: str, message: str
) -> None:
    data = trimesh.creation.box().export(file_type=file_type)
    path = tmp_path / name
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=message) as caught:
        perceive(path)
    assert name in str(caught.value)


def test_a_decoder_that_times_out_leaves_a_partial_perception(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MeshPerceiver, "timeout_s", 0.05)
    perception = mesh_perceive(MeshPerceiver(projection_root=tmp_path), folder / "two_ply.ply")
    assert perception.meta["decoded_by"] == "header-scan"
    assert (perception.meta["header_vertex_count"], perception.meta["header_face_count"]) == (
        16,
        24,
    )
    assert any("timed out after 0.05 s" in failure for failure in perception.failures)
    assert "could not be fully loaded" in perception.summary


def test_count_components() -> None:
    assert count_components(two_boxes().faces, 16) == 2
    strip = np.array([[0, 1, 2], [2, 3, 4], [4, 5, 6], [7, 8, 9]])
    assert count_components(strip, 12) == 2  # unused vertices 10 and 11 are not parts
    assert count_components(np.zeros((0, 3), dtype=int), 0) == 0
    chain = np.array([[index, index + 1, index + 1] for index in range(999, -1, -1)])
    assert count_components(chain, 1001) == 1


# ---- fuzzing: a Perception or an InputError, never a crash or a hang ----------------------


@pytest.fixture(scope="module")
def seeds() -> dict[str, bytes]:
    box = trimesh.creation.box(extents=(3, 2, 1))
    made = {name: box.export(file_type=name) for name in FORMATS}
    return {name: data.encode() if isinstance(data, str) else data for name, data in made.items()}


@pytest.mark.parametrize("name", FORMATS)
@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_property_mutated_meshes_never_crash(
    seeds: dict[str, bytes], tmp_path: Path, name: str, data: st.DataObject
) -> None:
    original = bytearray(seeds[name])
    cut = data.draw(st.integers(min_value=1, max_value=len(original)), label="cut")
    mutated = original[:cut]
    for _ in range(data.draw(st.integers(min_value=0, max_value=8), label="flips")):
        position = data.draw(st.integers(min_value=0, max_value=len(mutated) - 1))
        mutated[position] = data.draw(st.integers(min_value=0, max_value=255))
    path = tmp_path / f"fuzz.{'stl' if name.startswith('stl') else name}"
    path.write_bytes(bytes(mutated))
    try:
        perception = perceive(path)
    except InputError as error:
        assert str(error)
        return
    # Mutations may turn the file into another modality (OBJ text into a document): any
    # perceiver may answer, but never with an unserialisable perception.
    json.dumps(perception.meta)
    os.remove(path)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(["obj", "ply", "glb"]),
    tail=st.binary(max_size=400),
    reference=st.text(max_size=40),
)
def test_property_reference_scan_never_crashes(
    tmp_path: Path, name: str, tail: bytes, reference: str
) -> None:
    # The scan runs in the parent process, so it must never raise anything but InputError.
    heads = {
        "obj": f"mtllib {reference}\nv 0 0 0\n".encode("utf-8", "surrogatepass"),
        "ply": f"ply\ncomment TextureFile {reference}\n".encode("utf-8", "surrogatepass"),
        "glb": struct.pack("<4sII", b"glTF", 2, 0) + struct.pack("<II", len(tail), 0x4E4F534A),
    }
    path = tmp_path / f"scan.{name}"
    path.write_bytes(heads[name] + tail)
    (tmp_path / "material.mtl").write_text(f"map_Kd {reference}\n", errors="surrogatepass")
    try:
        references = scan_references(path, name)
    except InputError:
        return
    for real in references.allowed.values():
        assert os.path.commonpath([os.path.realpath(tmp_path), real]) == os.path.realpath(tmp_path)
