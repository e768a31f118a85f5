"""Load a mesh file back and record what it holds: counts, size, bodies, watertightness, volume."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy

from unima.types import Verification


def count_bodies(faces: Any, vertex_count: int) -> int:
    """Connected components of the face graph, by label propagation with pointer jumping.

    Cheaper than ``mesh.split`` (which builds a networkx graph when scipy is absent): each round
    gives every vertex the smallest label among its face's vertices, and jumping labels to their
    own labels halves the remaining distance, so a few dozen rounds settle even dense meshes.
    """
    if len(faces) == 0:
        return 0
    labels = numpy.arange(vertex_count)
    faces = numpy.asarray(faces)
    while True:
        smallest = labels[faces].min(axis=1)
        updated = labels.copy()
        for column in range(faces.shape[1]):
            numpy.minimum.at(updated, faces[:, column], smallest)
        updated = updated[updated]
        if numpy.array_equal(updated, labels):
            break
        labels = updated
    return len(numpy.unique(labels[numpy.unique(faces)]))


def verify_mesh(path: Path, *, expected_faces: int | None = None) -> Verification:
    """Check ``path`` loads as a non-empty mesh and record its geometry in ``checks``.

    ``expected_faces`` (what was built) catches an export that silently dropped parts.
    """
    # trimesh: about 0.5 s to import; only checking a mesh needs it, not loading the tool.
    import trimesh

    checks: dict[str, Any] = {}
    try:
        mesh = trimesh.load(str(path), force="mesh")
    except Exception as error:  # any loader failure means the file is broken; report, not raise
        return Verification(passed=False, checks=checks, problems=(f"mesh does not load: {error}",))
    if not isinstance(mesh, trimesh.Trimesh):
        kind = type(mesh).__name__
        return Verification(
            passed=False, checks=checks, problems=(f"file holds a {kind}, not a mesh",)
        )
    checks["vertices"] = len(mesh.vertices)
    checks["faces"] = len(mesh.faces)
    if checks["faces"] == 0:
        return Verification(passed=False, checks=checks, problems=("mesh has no faces",))
    problems: list[str] = []
    if expected_faces is not None and checks["faces"] != expected_faces:
        problems.append(f"file holds {checks['faces']} faces, {expected_faces} were built")
    checks["extents"] = [round(float(value), 6) for value in mesh.extents]
    checks["bounds"] = [[round(float(value), 6) for value in corner] for corner in mesh.bounds]
    checks["watertight"] = bool(mesh.is_watertight)
    checks["bodies"] = count_bodies(mesh.faces, len(mesh.vertices))
    if checks["watertight"]:
        # Overlapping parts are counted twice: this is the sum of the parts' volumes.
        checks["volume"] = round(float(mesh.volume), 6)
    if not all(value > 0 for value in checks["extents"]):
        problems.append(f"mesh is flat: extents {checks['extents']}")
    return Verification(passed=not problems, checks=checks, problems=tuple(problems))
