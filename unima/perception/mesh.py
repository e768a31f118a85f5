"""3D perception: trimesh in an isolated subprocess, with confined references and projections.

``MeshPerceiver`` builds on the header scan (``unima.perception.readers.meshes``), which
refuses files whose headers lie about their size before anything parses them, then:

1. scans the file for external references (``mesh_references``) and approves only names that
   stay inside the model's folder: refused ones are recorded as failures and never read;
2. loads the model with trimesh in ``run_isolated`` (``mesh_decode.decode_mesh``) to measure it
   (counts after vertex merging, bounds, extents, watertightness, connected parts, volume, area)
   and draw front, top and side projections as PNGs;
3. writes one summary sentence: "A 3D triangle mesh of 2,312 faces and 1,158 vertices, 100 x 80
   x 30 (likely mm), watertight, two connected parts ...".

When trimesh fails, times out or crashes, the perception keeps the header-scan counts and
records the failure, so the agent still learns what the file claims to be. trimesh is not run at
all on a glTF node hierarchy deeper than ``MAX_NODE_DEPTH``, with a cycle or with a shared child
(a 670 kB GLB with a 20,000-deep chain costs trimesh minutes of CPU), and OBJ faces that index
missing vertices are recorded, whatever trimesh then makes of them.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Any, ClassVar

from unima.errors import InputError
from unima.filenames import shown_path
from unima.perception.base import FilePerceiver, Findings, format_of
from unima.perception.isolation import run_isolated
from unima.perception.mesh_references import scan_references
from unima.perception.phrasing import article
from unima.perception.readers.meshes import describe_mesh
from unima.types import Part

# Deepest glTF node hierarchy handed to trimesh (rigged characters run to a few dozen levels).
MAX_NODE_DEPTH = 256

_FORMAT_NAMES = {
    "obj": "OBJ", "ply": "PLY", "off": "OFF", "stl": "STL", "glb": "GLB", "gltf": "glTF",
}  # fmt: skip
_NUMBER_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


class MeshPerceiver(FilePerceiver):
    """OBJ (with MTL), PLY meshes and point clouds, STL, GLB, glTF JSON and OFF through trimesh.

    Attributes:
        timeout_s: Wall-clock limit of the isolated decode.
        memory_bytes: Address-space limit of the isolated decode.
    """

    modality: ClassVar[str] = "threeD"
    backend: ClassVar[str] = "trimesh+pillow"
    timeout_s: ClassVar[float] = 120.0
    memory_bytes: ClassVar[int] = 4 << 30

    def __init__(self, projection_root: Path | None = None) -> None:
        """Args: projection_root: Where projection folders go; a private temp folder by default."""
        self._projection_root = projection_root
        self._lock = threading.Lock()

    def describe(self, part: Part, path: Path, findings: Findings) -> None:
        file_format = format_of(part)
        header = Findings(part)
        header_summary = describe_mesh(path, file_format, header)  # refuses lying headers
        references = scan_references(path, file_format)
        findings.meta["external_references"] = references.names()
        findings.meta["refused_references"] = references.refused
        findings.meta["missing_references"] = references.missing
        for refused in references.refused:
            findings.fail(f"reference {refused['name']!r}", f"refused, {refused['reason']}")
        missing = header.meta.get("faces_with_missing_vertices", 0)
        if missing:
            findings.fail(
                "faces",
                f"{missing} {'face indexes' if missing == 1 else 'faces index'} vertices that do "
                f"not exist (OBJ counts from 1; the file has {header.meta['vertex_count']} vertices)",
            )
        try:
            refusal = node_hierarchy_refusal(header.meta)
            if refusal is not None:
                raise InputError(refusal, source=shown_path(path))
            facts = run_isolated(
                "unima.perception.mesh_decode:decode_mesh",
                str(path),
                file_format,
                str(self._projection_folder(findings.meta["sha256"])),
                references.allowed,
                references.buffers,
                timeout_s=self.timeout_s,
                memory_bytes=self.memory_bytes,
                source=str(path),
            )
        except InputError as error:
            if not header.meta.get("vertex_count"):
                raise
            findings.meta.update({"header_" + key: value for key, value in header.meta.items()})
            findings.fail("trimesh", error)
            findings.meta["decoded_by"] = "header-scan"
            findings.summary = f"{header_summary} It could not be fully loaded ({error})."
            return
        for failure in facts.pop("failures", []):
            findings.fail("trimesh", failure)
        findings.meta.update(facts)
        findings.meta["decoded_by"] = "trimesh"
        findings.meta["units_guess"] = None if facts.get("units") else guess_units(facts)
        findings.summary = mesh_summary(findings.meta, file_format)

    def _projection_folder(self, sha256: str) -> Path:
        with self._lock:
            if self._projection_root is None:
                self._projection_root = Path(tempfile.mkdtemp(prefix="unima-projections-"))
            self._projection_root.mkdir(parents=True, exist_ok=True)
        # A fresh folder per call: two threads perceiving the same file never share PNGs.
        return Path(tempfile.mkdtemp(prefix=f"{sha256[:12]}-", dir=self._projection_root))


def node_hierarchy_refusal(header: dict[str, Any]) -> str | None:
    """Why a glTF node hierarchy is not handed to trimesh (``None`` when it may be)."""
    if header.get("node_problem"):
        return f"{header['node_problem']}, which glTF forbids; trimesh was not run"
    depth = header.get("node_depth", 0)
    if depth > MAX_NODE_DEPTH:
        return (
            f"the node hierarchy is {depth} levels deep, over the limit of {MAX_NODE_DEPTH}; "
            "trimesh was not run"
        )
    return None


def mesh_summary(meta: dict[str, Any], file_format: str) -> str:
    """One sentence a reasoner can quote, from the decoder's facts."""
    name = _FORMAT_NAMES.get(file_format, file_format.upper())
    size = " x ".join(_number(value) for value in meta.get("extents", []))
    units = units_phrase(meta)
    if meta.get("kind") == "point cloud":
        points = _counted(meta["vertex_count"], "point", "points")
        return f"A 3D point cloud ({name}) of {points}, {size}{units}."
    faces = _counted(meta["face_count"], "face", "faces")
    vertices = _counted(meta["vertex_count"], "vertex", "vertices")
    pieces = [
        f"A 3D triangle mesh ({name}) of {faces} and {vertices}, {size}{units}",
        "watertight" if meta.get("watertight") else "not watertight",
    ]
    bodies = meta.get("bodies")
    if isinstance(bodies, int):
        count = _NUMBER_WORDS[bodies] if bodies < len(_NUMBER_WORDS) else f"{bodies:,}"
        pieces.append(f"{count} connected part{'s' if bodies != 1 else ''}")
    measures = []
    if meta.get("volume") is not None:
        measures.append(f"volume {_number(meta['volume'])}")
    if meta.get("area") is not None:
        measures.append(f"surface area {_number(meta['area'])}")
    summary = ", ".join(pieces) + (f"; {', '.join(measures)}" if measures else "") + "."
    if meta.get("texture_size"):
        width, height = meta["texture_size"]
        size_text = f"{width}x{height}"
        summary += f" It carries {article(size_text)} {size_text} texture."
    if meta.get("projections"):
        summary += " Front, top and side projections were rendered."
    return summary


def guess_units(meta: dict[str, Any]) -> str | None:
    """The likely unit of an undeclared model from its size (``"mm"``, ``"m"``), or ``None``.

    CAD and 3D-printing files (STL, OBJ from CAD) are mostly millimetres, scenes and scans
    mostly metres; tiny or huge numbers say nothing.
    """
    largest = max(meta.get("extents") or [0.0])
    if 10 <= largest <= 5000:
        return "mm"
    if 0.05 <= largest < 10:
        return "m"
    return None


def units_phrase(meta: dict[str, Any]) -> str:
    """`` m`` when the format declares units, the hedged guess otherwise."""
    declared = meta.get("units")
    if declared:
        return " " + {"meters": "m", "millimeters": "mm", "inches": "in"}.get(declared, declared)
    guess = meta.get("units_guess")
    return f" (likely {guess})" if guess else " (units unknown)"


def _counted(count: int, singular: str, plural: str) -> str:
    return f"{count:,} {singular if count == 1 else plural}"


def _number(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"
