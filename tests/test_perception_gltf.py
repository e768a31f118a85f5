"""glTF JSON (``.gltf``) perception: sniffing by content, header counts, confined buffers and images.

Models are exported by trimesh (``Scene.export(file_type="gltf")`` gives file name -> bytes) and
then edited as JSON. Confinement tests put a *working* copy of the geometry buffer outside the
model's folder: had anything read it, trimesh would have decoded the mesh, so a perception that
falls back to the header counts proves the outside file was never served.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import trimesh
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from unima.errors import InputError
from unima.inputs.parts import part_from_item
from unima.inputs.sniff import Sniffed, sniff
from unima.perception import mesh_references, perceive
from unima.perception.mesh import MeshPerceiver
from unima.perception.mesh_references import scan_references
from unima.perception.readers.minimal import MinimalMeshPerceiver
from unima.types import Perception

GLTF = Sniffed("threeD", "model/gltf+json", "gltf")


def two_boxes() -> trimesh.Trimesh:
    """A 4 x 2 x 1 box and a unit cube 10 apart: 12.5 x 2 x 1, 16 vertices, 24 faces."""
    second = trimesh.creation.box(extents=(1, 1, 1))
    second.apply_translation((10, 0, 0))
    combined = trimesh.util.concatenate([trimesh.creation.box(extents=(4, 2, 1)), second])
    assert isinstance(combined, trimesh.Trimesh)
    return combined


def export_gltf(folder: Path, mesh: trimesh.Trimesh, *, embed: bool = False) -> Path:
    """Write ``model.gltf`` (and its ``.bin`` buffers unless ``embed``) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    files = trimesh.Scene(mesh).export(file_type="gltf", embed_buffers=embed)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder / "model.gltf"


def edit(path: Path, change: Any) -> dict[str, Any]:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    return document


@pytest.fixture(scope="module")
def perceiver(tmp_path_factory: pytest.TempPathFactory) -> MeshPerceiver:
    return MeshPerceiver(projection_root=tmp_path_factory.mktemp("projections"))


def mesh_perceive(perceiver: MeshPerceiver, path: Path) -> Perception:
    return perceiver.perceive(part_from_item(path))


# ---- loading ----------------------------------------------------------------------------------


@pytest.mark.parametrize("embed", [False, True], ids=["external-bin", "data-uri"])
def test_two_boxes_gltf(tmp_path: Path, perceiver: MeshPerceiver, embed: bool) -> None:
    path = export_gltf(tmp_path / "model", two_boxes(), embed=embed)
    assert sniff(path) == GLTF
    perception = mesh_perceive(perceiver, path)
    meta = perception.meta
    assert perception.failures == ()
    assert (meta["format"], meta["mime"], meta["decoded_by"]) == (
        "gltf",
        "model/gltf+json",
        "trimesh",
    )
    assert (meta["kind"], meta["vertex_count"], meta["face_count"]) == ("mesh", 16, 24)
    assert meta["extents"] == pytest.approx([12.5, 2.0, 1.0])
    assert meta["bounds"] == [pytest.approx([-2, -1, -0.5]), pytest.approx([10.5, 1, 0.5])]
    assert meta["watertight"] is True and meta["bodies"] == 2
    assert meta["volume"] == pytest.approx(9.0) and meta["area"] == pytest.approx(34.0)
    expected_references = [] if embed else sorted(p.name for p in tmp_path.glob("model/*.bin"))
    assert sorted(meta["external_references"]) == expected_references
    assert perception.summary.startswith(
        "A 3D triangle mesh (glTF) of 24 faces and 16 vertices, 12.5 x 2 x 1 m, watertight, "
        "two connected parts; volume 9"
    )
    assert set(meta["projections"]) == {"front", "top", "side"}
    front = Image.open(meta["projections"]["front"])
    assert front.format == "PNG" and front.width > front.height  # 12.5 wide, 1 high


def test_perceive_routes_gltf_to_the_mesh_perceiver(tmp_path: Path) -> None:
    perception = perceive(export_gltf(tmp_path, trimesh.creation.box()))
    assert perception.backend == "trimesh+pillow"
    assert (perception.meta["vertex_count"], perception.meta["face_count"]) == (8, 12)


def test_minimal_perceiver_counts_accessors_without_reading_buffers(tmp_path: Path) -> None:
    path = export_gltf(tmp_path, two_boxes())
    for buffer in tmp_path.glob("*.bin"):
        buffer.unlink()  # the header scan must not need them
    perception = MinimalMeshPerceiver().perceive(part_from_item(path))
    meta = perception.meta
    assert (meta["vertex_count"], meta["face_count"], meta["mesh_count"]) == (16, 24, 1)
    assert meta["external_references"] == ["gltf_buffer_0.bin", "gltf_buffer_1.bin"]
    assert perception.summary == "A glTF JSON mesh with 16 vertices and 24 faces in 1 mesh."


def test_a_texture_inside_the_folder_is_loaded(tmp_path: Path, perceiver: MeshPerceiver) -> None:
    path = textured_box(tmp_path / "model", "texture.png")
    Image.new("RGB", (8, 4), (200, 0, 0)).save(tmp_path / "model" / "texture.png")
    perception = mesh_perceive(perceiver, path)
    assert perception.failures == ()
    assert "texture.png" in perception.meta["external_references"]
    assert perception.meta["texture_size"] == [8, 4]


def textured_box(folder: Path, image_uri: str) -> Path:
    """A box with UVs whose glTF image is the external file ``image_uri``."""
    import numpy as np

    box = trimesh.creation.box(extents=(2, 2, 2))
    uv = np.random.default_rng(0).random((len(box.vertices), 2))
    box.visual = trimesh.visual.TextureVisuals(uv=uv, image=Image.new("RGB", (8, 4)))
    path = export_gltf(folder, box)
    edit(path, lambda document: document["images"].__setitem__(0, {"uri": image_uri}))
    return path


# ---- sniffing by content ----------------------------------------------------------------------


def test_gltf_is_sniffed_by_content_not_by_name(tmp_path: Path) -> None:
    text = export_gltf(tmp_path, trimesh.creation.box(), embed=True).read_bytes()
    assert sniff(text) == GLTF
    assert sniff(text, name="scene.json") == GLTF
    disguised = tmp_path / "notes.txt"
    disguised.write_bytes(text)
    assert sniff(disguised) == GLTF


@pytest.mark.parametrize(
    "document",
    [
        {"name": "settings", "values": [1, 2, 3]},
        {"asset": "a string, not an object", "buffers": []},
        {"asset": {"generator": "no version"}},
        {"asset": {"version": "7.1"}, "title": "a photo library, not glTF"},
    ],
)
def test_json_without_the_gltf_shape_stays_text(tmp_path: Path, document: dict) -> None:
    path = tmp_path / "data.json"
    path.write_text(json.dumps(document, indent=2))
    assert sniff(path).modality in {"code", "document"}


def test_a_large_gltf_is_parsed_beyond_the_sniff_sample(tmp_path: Path) -> None:
    # The asset object comes after 300 KiB of embedded buffer: the sample alone cannot tell.
    path = export_gltf(tmp_path, trimesh.creation.box(), embed=True)
    document = json.loads(path.read_text())
    padded = {"extras": {"note": "x" * 300_000}, **document}
    path.write_text(json.dumps(padded))
    assert sniff(path) == GLTF


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"asset": {"version": "2.0"}, "meshes": [', "not valid JSON"),
        (b"\x89garbage that is not json", "does not start with '{'"),
        (b'{"asset": {"version": "1.0"}, "meshes": []}', "version '1.0' is not accepted"),
        (b'{"scenes": []}', "no asset.version"),
        (b'{"asset": {"version": "2.0"}, "x": "\xff\xfe"}', "not valid JSON"),
    ],
)
def test_broken_gltf_files_are_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "broken.gltf"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as caught:
        perceive(path)
    assert "broken.gltf" in str(caught.value)


def test_a_truncated_export_is_refused(tmp_path: Path) -> None:
    path = export_gltf(tmp_path, trimesh.creation.box())
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(InputError, match="not valid JSON"):
        perceive(path)


def test_an_oversized_data_uri_refuses_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = export_gltf(tmp_path, trimesh.creation.box(), embed=True)
    monkeypatch.setattr(mesh_references, "MAX_DATA_URI_CHARACTERS", 100)
    with pytest.raises(InputError, match=r"data: URI in buffers is .* over the limit"):
        scan_references(path, "gltf")


# ---- confinement ------------------------------------------------------------------------------


@pytest.fixture
def outside_buffer_model(tmp_path: Path) -> tuple[Path, bytes]:
    """``model/model.gltf`` with one buffer; a working copy of it lies outside as ``secret.bin``."""
    path = export_gltf(tmp_path / "model", trimesh.creation.box(), embed=False)
    document = json.loads(path.read_text())
    assert len(document["buffers"]) == 2
    secret = b"".join(
        (tmp_path / "model" / buffer["uri"]).read_bytes() for buffer in document["buffers"]
    )
    (tmp_path / "secret.bin").write_bytes(secret)
    return path, secret


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("../secret.bin", "'..'"),
        ("..%2Fsecret.bin", "'..'"),
        ("%2E%2E/secret.bin", "'..'"),
        ("/etc/passwd", "absolute path"),
        ("http://example.org/x.bin", "URL"),
        ("file:///etc/passwd", "URL"),
        ("C:\\secret.bin", "URL or drive path"),
        ("linked.bin", "outside the model's folder"),
        ("sub/../../secret.bin", "'..'"),
        ("nul\x00.bin", "NUL"),
    ],
)
def test_buffers_leaving_the_folder_are_refused_and_never_read(
    outside_buffer_model: tuple[Path, bytes], perceiver: MeshPerceiver, uri: str, reason: str
) -> None:
    path, secret = outside_buffer_model
    (path.parent / "linked.bin").symlink_to(path.parent.parent / "secret.bin")

    def merge_into_one_outside_buffer(document: dict[str, Any]) -> None:
        offset = document["buffers"][0]["byteLength"]
        for view in document["bufferViews"]:
            if view["buffer"] == 1:
                view["byteOffset"] = view.get("byteOffset", 0) + offset
            view["buffer"] = 0
        document["buffers"] = [{"uri": uri, "byteLength": len(secret)}]

    edit(path, merge_into_one_outside_buffer)
    perception = mesh_perceive(perceiver, path)
    meta = perception.meta
    [refused] = meta["refused_references"]
    assert refused["name"] == uri and reason in refused["reason"]
    assert any(repr(uri) in failure and "refused" in failure for failure in perception.failures)
    # Had the outside buffer been served, trimesh would have decoded the box.
    assert meta["decoded_by"] == "header-scan"
    assert (meta["header_vertex_count"], meta["header_face_count"]) == (8, 12)
    assert "could not be fully loaded" in perception.summary
    assert secret.hex() not in json.dumps(meta)


def test_the_same_buffer_inside_the_folder_is_read(
    outside_buffer_model: tuple[Path, bytes], perceiver: MeshPerceiver
) -> None:
    """The control for the test above: the merged buffer, placed inside, decodes the box."""
    path, secret = outside_buffer_model
    (path.parent / "inside.bin").write_bytes(secret)
    (path.parent / "linked_inside.bin").symlink_to(path.parent / "inside.bin")

    def merge(document: dict[str, Any]) -> None:
        offset = document["buffers"][0]["byteLength"]
        for view in document["bufferViews"]:
            if view["buffer"] == 1:
                view["byteOffset"] = view.get("byteOffset", 0) + offset
            view["buffer"] = 0
        document["buffers"] = [{"uri": "linked_inside.bin", "byteLength": len(secret)}]

    edit(path, merge)
    perception = mesh_perceive(perceiver, path)
    assert perception.failures == ()
    assert perception.meta["decoded_by"] == "trimesh"
    assert (perception.meta["vertex_count"], perception.meta["face_count"]) == (8, 12)


@pytest.mark.parametrize("uri", ["../secret.png", "/etc/passwd", "https://example.org/t.png"])
def test_refused_images_are_recorded_and_skipped(
    tmp_path: Path, perceiver: MeshPerceiver, uri: str
) -> None:
    Image.new("RGB", (16, 16), (0, 255, 0)).save(tmp_path / "secret.png")
    path = textured_box(tmp_path / "model", uri)
    perception = mesh_perceive(perceiver, path)
    meta = perception.meta
    assert [item["name"] for item in meta["refused_references"]] == [uri]
    assert any(repr(uri) in failure for failure in perception.failures)
    assert meta["decoded_by"] == "trimesh" and meta["face_count"] == 12  # geometry still loads
    assert meta["texture_size"] is None  # the outside image was not loaded


def test_a_data_uri_that_is_not_base64_is_refused(tmp_path: Path) -> None:
    path = export_gltf(tmp_path, trimesh.creation.box())
    edit(path, lambda document: document.setdefault("images", []).append({"uri": "data:,abc"}))
    references = scan_references(path, "gltf")
    assert references.refused == [{"name": "data:,abc", "reason": "a data: URI that is not base64"}]
    assert sorted(references.buffers) == ["gltf_buffer_0.bin", "gltf_buffer_1.bin"]


# ---- fuzzing: a Perception or an InputError, never a crash or a hang --------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def mutate(document: Any, data: st.DataObject) -> Any:
    """Replace one value at a random path of ``document`` with random JSON."""
    if not isinstance(document, dict | list) or not document or data.draw(st.booleans()):
        return data.draw(JSON_VALUES)
    keys = list(document) if isinstance(document, dict) else list(range(len(document)))
    key = data.draw(st.sampled_from(keys))
    document[key] = mutate(document[key], data)
    return document


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, bytes]]:
    files = trimesh.Scene(trimesh.creation.box(extents=(3, 2, 1))).export(file_type="gltf")
    return json.loads(files.pop("model.gltf")), files


def write_seed(folder: Path, seed: tuple[dict[str, Any], dict[str, bytes]], text: bytes) -> Path:
    for name, data in seed[1].items():
        (folder / name).write_bytes(data)
    path = folder / "fuzz.gltf"
    path.write_bytes(text)
    return path


def check_never_crashes(path: Path, perceive_with: Any) -> None:
    try:
        perception = perceive_with(path)
    except InputError as error:
        assert str(error)
        return
    json.dumps(perception.meta)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_property_mutated_gltf_json_never_crashes_the_scan(
    tmp_path: Path, seed: tuple[dict[str, Any], dict[str, bytes]], data: st.DataObject
) -> None:
    # Sniffing, header counts and the reference scan run in the parent process: InputError only.
    document = json.loads(json.dumps(seed[0]))
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        document = mutate(document, data)
    path = write_seed(tmp_path, seed, json.dumps(document).encode())
    minimal = MinimalMeshPerceiver()
    check_never_crashes(path, lambda item: minimal.perceive(part_from_item(item)))
    try:
        references = scan_references(path, "gltf")
    except InputError:
        return
    for real in references.allowed.values():
        assert os.path.commonpath([os.path.realpath(tmp_path), real]) == os.path.realpath(tmp_path)


@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_property_mutated_gltf_never_crashes_the_perceiver(
    tmp_path: Path,
    seed: tuple[dict[str, Any], dict[str, bytes]],
    perceiver: MeshPerceiver,
    data: st.DataObject,
) -> None:
    document = json.loads(json.dumps(seed[0]))
    document = mutate(document, data)
    text = bytearray(json.dumps(document).encode())
    for _ in range(data.draw(st.integers(0, 3), label="byte flips")):
        position = data.draw(st.integers(0, len(text) - 1))
        text[position] = data.draw(st.integers(0, 255))
    path = write_seed(tmp_path, seed, bytes(text))
    check_never_crashes(path, lambda item: mesh_perceive(perceiver, item))
