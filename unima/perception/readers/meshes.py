"""3D files: vertex and face counts from headers or a bounded line scan, without loading a mesh.

OBJ is scanned line by line (bounded); PLY and OFF declare their counts in a header, which is
checked against the file size (a tiny file declaring 10^8 vertices is refused); binary STL's
count was checked against the size by the sniffer; GLB's JSON chunk and a ``.gltf`` file's JSON
are read (bounded) and their accessors counted, without loading any buffer. External references
(OBJ ``mtllib``, glTF ``uri``) are listed, never followed.

Two facts are measured for the full decoder to act on: OBJ faces whose indices name vertices
that do not exist (index 0, or past the last vertex: trimesh would silently wrap or fail), and
the depth of a glTF node hierarchy, walked once without recursion (trimesh's scene graph costs
far more than linear time on a deep chain), with cycles and shared children reported.
"""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path
from typing import Any

from unima.errors import InputError
from unima.inputs.formats import MAX_GLTF_JSON_BYTES
from unima.perception.base import Findings
from unima.perception.phrasing import article, clean_metadata

MAX_ELEMENTS = 20_000_000
MAX_SCAN_BYTES = 64 * 2**20
MAX_HEADER_LINES = 1000
MAX_GLB_JSON_BYTES = 16 * 2**20
_PLY_TYPE_BYTES = {
    "char": 1,
    "uchar": 1,
    "int8": 1,
    "uint8": 1,
    "short": 2,
    "ushort": 2,
    "int16": 2,
    "uint16": 2,
    "int": 4,
    "uint": 4,
    "int32": 4,
    "uint32": 4,
    "float": 4,
    "float32": 4,
    "double": 8,
    "float64": 8,
}
_FORMAT_NAMES = {
    "obj": "Wavefront OBJ",
    "ply": "PLY",
    "off": "OFF",
    "stl": "STL",
    "glb": "glTF binary (GLB)",
    "gltf": "glTF JSON",
}


def describe_mesh(path: Path, file_format: str, findings: Findings) -> str:
    """Count vertices and faces of a 3D file into ``findings.meta``; return the summary sentence.

    Raises:
        InputError: When the file declares more elements than the limit, or more than its size
            can hold, or its header is malformed.
    """
    readers = {
        "obj": _obj_counts,
        "ply": _ply_counts,
        "off": _off_counts,
        "stl": _stl_counts,
        "glb": _glb_counts,
        "gltf": _gltf_counts,
    }
    if file_format not in readers:
        raise InputError(f"no 3D perceiver reads {file_format} files", source=str(path))
    counts = readers[file_format](path)
    for key in ("vertex_count", "face_count"):
        if counts.get(key, 0) > MAX_ELEMENTS:
            raise InputError(
                f"declares {counts[key]} {key.split('_')[0]}s, over the limit of {MAX_ELEMENTS}",
                source=str(path),
            )
    findings.meta.update(counts)
    if counts.get("external_references"):
        findings.meta["note"] = "external references are listed, not followed"
    name = _FORMAT_NAMES[file_format]
    vertices, faces = counts.get("vertex_count", 0), counts.get("face_count", 0)
    approximate = "" if counts.get("complete", True) else "at least "
    if faces == 0:
        return (
            f"{article(name).capitalize()} {name} point cloud with {approximate}{vertices} points."
        )
    extra = (
        f" in {counts['mesh_count']} mesh{'es' if counts['mesh_count'] != 1 else ''}"
        if "mesh_count" in counts
        else ""
    )
    return f"{article(name).capitalize()} {name} mesh with {approximate}{vertices} vertices and {faces} faces{extra}."


def _obj_counts(path: Path) -> dict[str, Any]:
    counts = {"v": 0, "vt": 0, "vn": 0, "f": 0}
    groups: list[str] = []
    references: list[str] = []
    scanned, complete = 0, True
    missing, ahead = 0, []  # faces naming no vertex; highest index of faces ahead of vertices
    with path.open("rb") as handle:
        for raw in handle:
            scanned += len(raw)
            if scanned > MAX_SCAN_BYTES:
                complete = False
                break
            keyword, _, rest = raw.decode("utf-8", "replace").strip().partition(" ")
            if keyword == "f":
                highest = _face_highest_index(rest, counts["v"])
                if highest is None:
                    missing += 1
                elif highest > counts["v"]:  # a vertex may still follow the face
                    ahead.append(highest)
            if keyword in counts:
                counts[keyword] += 1
            elif keyword in ("o", "g") and len(groups) < 100:
                groups.append(clean_metadata(rest, 80))
            elif keyword == "mtllib":
                references.append(clean_metadata(rest))
    return {
        "vertex_count": counts["v"],
        "face_count": counts["f"],
        "normal_count": counts["vn"],
        "texture_coordinate_count": counts["vt"],
        "groups": groups,
        "external_references": references,
        "complete": complete,
        "faces_with_missing_vertices": missing + sum(index > counts["v"] for index in ahead),
    }


def _face_highest_index(rest: str, vertices_so_far: int) -> int | None:
    """The highest absolute vertex index of an OBJ face line; ``None`` when one is invalid.

    OBJ counts from 1; ``-k`` is the k-th vertex before the face. ``0``, a relative index
    reaching before the first vertex, or a token that is not a number names no vertex.
    """
    highest = 0
    for token in rest.split():
        try:
            index = int(token.split("/", 1)[0])
        except ValueError:
            return None
        if index < 0:
            index = vertices_so_far + index + 1
            if index < 1:
                return None
        elif index == 0:
            return None
        highest = max(highest, index)
    return highest


def gltf_node_hierarchy(document: dict[str, Any]) -> tuple[int, str | None]:
    """The depth of a glTF node forest, and what breaks it being a forest (``None`` if nothing).

    glTF requires each node to have at most one parent and no cycles. The walk is iterative
    and visits every node once, so a 20,000-deep chain costs 20,000 steps.
    """
    nodes = _list(document, "nodes")
    children: list[list[int]] = []
    for node in nodes:
        listed = node.get("children") if isinstance(node, dict) else None
        children.append(
            [
                child
                for child in (listed if isinstance(listed, list) else [])
                if isinstance(child, int)
                and not isinstance(child, bool)
                and 0 <= child < len(nodes)
            ]
        )
    parents = [0] * len(nodes)
    for listed in children:
        for child in listed:
            parents[child] += 1
    if any(count > 1 for count in parents):
        return 0, "a node has more than one parent (or is listed twice as a child)"
    depth = visited = 0
    stack = [(index, 1) for index, count in enumerate(parents) if count == 0]
    while stack:
        index, level = stack.pop()
        visited += 1
        depth = max(depth, level)
        stack.extend((child, level + 1) for child in children[index])
    if visited < len(nodes):
        return depth, "the node hierarchy has a cycle"
    return depth, None


def _ply_counts(path: Path) -> dict[str, Any]:
    shown = str(path)
    elements: list[tuple[str, int, list[str]]] = []
    encoding = ""
    with path.open("rb") as handle:
        for _ in range(MAX_HEADER_LINES):
            line = handle.readline(4096).decode("ascii", "replace").strip()
            words = line.split()
            if line == "end_header":
                break
            if words[:1] == ["format"] and len(words) >= 2:
                encoding = words[1]
            elif words[:1] == ["element"] and len(words) == 3 and words[2].isdigit():
                elements.append((words[1], int(words[2]), []))
            elif words[:1] == ["property"] and elements:
                elements[-1][2].append(line)
        else:
            raise InputError(
                f"the PLY header has no end_header in its first {MAX_HEADER_LINES} lines",
                source=shown,
            )
        body_bytes = path.stat().st_size - handle.tell()
    declared = {name: count for name, count, _ in elements}
    vertices = declared.get("vertex", 0)
    _check_declared(vertices, declared.get("face", 0), shown)
    if encoding == "ascii":
        minimum_bytes = sum(count * 2 for _, count, _ in elements)  # at least "0\n" per element
    else:
        vertex_properties = next((props for name, _, props in elements if name == "vertex"), [])
        minimum_bytes = vertices * sum(_ply_property_bytes(prop) for prop in vertex_properties)
    if minimum_bytes > body_bytes:
        raise InputError(
            f"the PLY header declares {vertices} vertices, more than its {body_bytes} data bytes can hold",
            source=shown,
        )
    return {
        "vertex_count": vertices,
        "face_count": declared.get("face", 0),
        "encoding": encoding or "unknown",
        "elements": declared,
    }


def _check_declared(vertices: int, faces: int, shown: str) -> None:
    """Refuse a header that declares more elements than the limit, before trusting it further."""
    for count, kind in ((vertices, "vertices"), (faces, "faces")):
        if count > MAX_ELEMENTS:
            raise InputError(
                f"declares {count} {kind}, over the limit of {MAX_ELEMENTS}", source=shown
            )


def _ply_property_bytes(line: str) -> int:
    """Bytes of a scalar property (``property float x``); 0 for lists and unknown types."""
    words = line.split()
    return _PLY_TYPE_BYTES.get(words[1], 0) if len(words) >= 3 else 0


def _off_counts(path: Path) -> dict[str, Any]:
    shown = str(path)
    with path.open("rb") as handle:
        tokens: list[str] = []
        for _ in range(MAX_HEADER_LINES):
            line = handle.readline(4096).decode("utf-8", "replace").split("#")[0].split()
            tokens.extend(line)
            numbers = [token for token in tokens[1:] if re.fullmatch(r"\d+", token)]
            if len(numbers) >= 2:
                break
        else:
            raise InputError("the OFF header has no vertex and face counts", source=shown)
        body_bytes = path.stat().st_size - handle.tell()
    vertices, faces = int(numbers[0]), int(numbers[1])
    _check_declared(vertices, faces, shown)
    if vertices * 6 + faces * 6 > body_bytes:  # "0 0 0\n" per vertex, "3 0 1 2\n" per face at least
        raise InputError(
            f"the OFF header declares {vertices} vertices and {faces} faces, more than the file holds",
            source=shown,
        )
    return {"vertex_count": vertices, "face_count": faces}


def _stl_counts(path: Path) -> dict[str, Any]:
    size = path.stat().st_size
    with path.open("rb") as handle:
        header = handle.read(84)
    if len(header) == 84 and 84 + 50 * int.from_bytes(header[80:84], "little") == size:
        faces = int.from_bytes(header[80:84], "little")
        return {
            "face_count": faces,
            "vertex_count": 3 * faces,
            "encoding": "binary",
            "vertices_merged": False,
        }
    faces, scanned, complete = 0, 0, True
    name = clean_metadata(
        header.decode("ascii", "replace").split("\n")[0].removeprefix("solid"), 80
    )
    with path.open("rb") as handle:
        for raw in handle:
            scanned += len(raw)
            if scanned > MAX_SCAN_BYTES:
                complete = False
                break
            faces += raw.lstrip().startswith(b"facet")
    return {
        "face_count": faces,
        "vertex_count": 3 * faces,
        "encoding": "ascii",
        "name": name,
        "vertices_merged": False,
        "complete": complete,
    }


def _glb_counts(path: Path) -> dict[str, Any]:
    shown = str(path)
    with path.open("rb") as handle:
        header = handle.read(20)
        if len(header) < 20:
            raise InputError("the GLB file is shorter than its headers", source=shown)
        chunk_length, chunk_type = struct.unpack_from("<II", header, 12)
        if chunk_type != 0x4E4F534A:  # "JSON"
            raise InputError("the first GLB chunk is not JSON", source=shown)
        if chunk_length > MAX_GLB_JSON_BYTES or chunk_length > path.stat().st_size - 20:
            raise InputError(
                f"the GLB JSON chunk declares {chunk_length} bytes, over the limit or the file size",
                source=shown,
            )
        try:
            document = json.loads(handle.read(chunk_length).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
            raise InputError(
                f"the GLB JSON chunk is not valid JSON ({error})", source=shown
            ) from None
    if not isinstance(document, dict):
        raise InputError("the GLB JSON chunk is not an object", source=shown)
    return gltf_document_counts(document)


def _gltf_counts(path: Path) -> dict[str, Any]:
    return gltf_document_counts(read_gltf_json(path))


def read_gltf_json(path: Path) -> dict[str, Any]:
    """The parsed JSON object of a ``.gltf`` file, read up to ``MAX_GLTF_JSON_BYTES``.

    Raises:
        InputError: When the file is over the limit, not valid UTF-8 JSON, or not an object.
    """
    shown = str(path)
    with path.open("rb") as handle:
        data = handle.read(MAX_GLTF_JSON_BYTES + 1)
    if len(data) > MAX_GLTF_JSON_BYTES:
        raise InputError(
            f"the glTF JSON is over the {MAX_GLTF_JSON_BYTES}-byte limit", source=shown
        )
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise InputError(f"the glTF file is not valid JSON ({error})", source=shown) from None
    if not isinstance(document, dict):
        raise InputError("the glTF JSON is not an object", source=shown)
    return document


def gltf_document_counts(document: dict[str, Any]) -> dict[str, Any]:
    """Vertex and face counts of a glTF JSON document from its accessors (buffers unread).

    Faces are counted for triangle primitives (mode 4) only: ``indices`` count / 3, or the
    ``POSITION`` count / 3 for unindexed ones. Malformed entries count as zero.
    """
    accessors = document.get("accessors")
    accessors = accessors if isinstance(accessors, list) else []
    vertices = faces = 0
    meshes = [mesh for mesh in _list(document, "meshes") if isinstance(mesh, dict)]
    for mesh in meshes:
        for primitive in [item for item in _list(mesh, "primitives") if isinstance(item, dict)]:
            attributes = primitive.get("attributes")
            position = _accessor_count(
                accessors, attributes.get("POSITION") if isinstance(attributes, dict) else None
            )
            vertices += position
            if primitive.get("mode", 4) == 4:  # triangles
                indices = _accessor_count(accessors, primitive.get("indices"))
                faces += (indices or position) // 3
    asset = document.get("asset")
    generator = asset.get("generator") if isinstance(asset, dict) else None
    references = [
        clean_metadata(item["uri"])
        for key in ("buffers", "images")
        for item in _list(document, key)
        if isinstance(item, dict)
        and isinstance(item.get("uri"), str)
        and not item["uri"].startswith("data:")
    ]
    node_depth, node_problem = gltf_node_hierarchy(document)
    return {
        "vertex_count": vertices,
        "face_count": faces,
        "mesh_count": len(meshes),
        "node_count": len(_list(document, "nodes")),
        "node_depth": node_depth,
        "node_problem": node_problem,
        "material_count": len(_list(document, "materials")),
        "generator": clean_metadata(generator if isinstance(generator, str) else ""),
        "external_references": references,
    }


def _list(container: dict[str, Any], key: str) -> list[Any]:
    """``container[key]`` when it is a list; ``[]`` for anything else (hostile JSON)."""
    value = container.get(key)
    return value if isinstance(value, list) else []


def _accessor_count(accessors: list[Any], index: Any) -> int:
    if (
        isinstance(index, int)
        and 0 <= index < len(accessors)
        and isinstance(accessors[index], dict)
    ):
        count = accessors[index].get("count", 0)
        is_number = isinstance(count, int) and not isinstance(count, bool)
        return count if is_number and count >= 0 else 0
    return 0
