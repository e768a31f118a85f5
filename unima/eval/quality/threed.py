"""No-reference 3D quality: topology, geometry and sampling (method ``topo-geo``).

The released code's "NR3D-Q v3" scores ``100 * (0.3 T + 0.4 G + 0.3 S)`` (unim.md §2.1); the
weights are kept, the sub-measures are written out here (trimesh + numpy):

Meshes
- T, topology (watertight 0.35, manifold edges 0.35, consistent winding 0.20, parts 0.10):
  watertight is trimesh's closed-surface test; the manifold share is the fraction of distinct
  edges used by exactly two faces; winding is trimesh's consistency test; parts scores 1 up to
  10 connected bodies and ``10 / count`` beyond (a shattered mesh is many bodies).
- G, geometry (non-degenerate faces 0.4, triangle shape 0.4, solidity 0.2): the share of faces
  with area above ``1e-12 * diagonal^2``; the mean triangle quality ``4 sqrt(3) A / (a^2 + b^2 +
  c^2)`` (1 for equilateral, 0 for slivers; Bank et al. 1983, surveyed by Pebay & Baker,
  "Analysis of triangle quality measures", Math. Comp. 72, 2003); solidity 1 when all three
  extents are non-zero and, for a watertight mesh, the enclosed volume is positive.
- S, sampling: ``1 / (1 + CV)`` of the edge lengths and of the face areas, averaged (CV is the
  coefficient of variation; a uniform tessellation has a low CV).

Point clouds (a PLY without faces), on at most 2048 evenly chosen points
- T: the share of points whose nearest-neighbour distance is within 3x the median (no strays).
- G: 1 - 3 x the mean surface variation ``l0 / (l0 + l1 + l2)`` of 16-point neighbourhoods
  (Pauly, Gross & Kobbelt, "Efficient simplification of point-sampled surfaces", 2002): points
  on a surface have a small variation, isotropic noise reaches 1/3.
- S: ``1 / (1 + CV)`` of the nearest-neighbour distances.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from unima.eval.quality.common import clamp, combine, failed_value, quality_value
from unima.eval.records import MetricValue

if TYPE_CHECKING:
    import numpy as np

METHOD = "topo-geo"
WEIGHTS = {"topology": 0.3, "geometry": 0.4, "sampling": 0.3}
MAX_PARTS = 10
MAX_CLOUD_POINTS = 2048
NEIGHBOURS = 16


def coefficient_of_variation(values: np.ndarray) -> float:
    """Standard deviation over mean (0 for empty or zero-mean input)."""

    mean = float(np.mean(values)) if values.size else 0.0
    return float(np.std(values)) / mean if mean > 0 else 0.0


def assess_mesh(mesh: Any) -> tuple[dict[str, float | None], dict[str, Any]]:
    """Topology, geometry and sampling sub-scores (0-1) of a ``trimesh.Trimesh``."""

    faces = np.asarray(mesh.faces)
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    diagonal = float(np.linalg.norm(vertices.max(axis=0) - vertices.min(axis=0)))
    edges = np.sort(np.asarray(mesh.edges), axis=1)
    _unique, use_counts = np.unique(edges, axis=0, return_counts=True)
    manifold_share = float(np.mean(use_counts == 2))
    watertight = bool(mesh.is_watertight)
    winding = bool(mesh.is_winding_consistent)
    parts = int(mesh.body_count)
    topology = (
        0.35 * watertight
        + 0.35 * manifold_share
        + 0.20 * winding
        + 0.10 * min(1.0, MAX_PARTS / max(parts, 1))
    )
    corners = vertices[faces]
    sides = np.stack(
        [
            np.linalg.norm(corners[:, (index + 1) % 3] - corners[:, index], axis=1)
            for index in range(3)
        ],
        axis=1,
    )
    areas = np.asarray(mesh.area_faces, dtype=np.float64)
    degenerate = areas <= 1e-12 * max(diagonal, 1e-12) ** 2
    squares = (sides**2).sum(axis=1)
    shape = np.where(squares > 0, 4.0 * math.sqrt(3.0) * areas / np.maximum(squares, 1e-300), 0.0)
    extents = vertices.max(axis=0) - vertices.min(axis=0)
    solid = bool(np.all(extents > 1e-9 * max(diagonal, 1e-12)))
    volume = float(mesh.volume) if watertight else None
    if watertight and (volume is None or volume <= 0):
        solid = False
    geometry = 0.4 * (1.0 - float(degenerate.mean())) + 0.4 * float(shape.mean()) + 0.2 * solid
    sampling = 0.5 / (1.0 + coefficient_of_variation(sides.ravel())) + 0.5 / (
        1.0 + coefficient_of_variation(areas)
    )
    measurements = {
        "kind": "mesh",
        "vertices": len(vertices),
        "faces": len(faces),
        "watertight": watertight,
        "manifold_edge_share": manifold_share,
        "winding_consistent": winding,
        "bodies": parts,
        "degenerate_face_share": float(degenerate.mean()),
        "mean_triangle_quality": float(shape.mean()),
        "volume": volume,
        "edge_length_cv": coefficient_of_variation(sides.ravel()),
        "face_area_cv": coefficient_of_variation(areas),
    }
    return {"topology": topology, "geometry": geometry, "sampling": sampling}, measurements


def assess_points(points: np.ndarray) -> tuple[dict[str, float | None], dict[str, Any]]:
    """Topology, geometry and sampling sub-scores (0-1) of a point cloud (N x 3)."""

    points = np.asarray(points, dtype=np.float64)
    if len(points) > MAX_CLOUD_POINTS:
        points = points[np.linspace(0, len(points) - 1, MAX_CLOUD_POINTS).round().astype(int)]
    count = len(points)
    neighbours = min(NEIGHBOURS, count - 1)
    norms = (points**2).sum(axis=1)
    squared = np.maximum(norms[:, None] + norms[None, :] - 2.0 * points @ points.T, 0.0)
    np.fill_diagonal(squared, np.inf)
    nearest = np.argsort(squared, axis=1)[:, :neighbours]
    nearest_distance = np.sqrt(squared[np.arange(count), nearest[:, 0]])
    median = float(np.median(nearest_distance))
    connected = float(np.mean(nearest_distance <= 3.0 * median)) if median > 0 else 0.0
    patches = points[np.concatenate([np.arange(count)[:, None], nearest], axis=1)]
    centred = patches - patches.mean(axis=1, keepdims=True)
    covariances = np.einsum("npi,npj->nij", centred, centred) / patches.shape[1]
    eigenvalues = np.linalg.eigvalsh(covariances)
    totals = eigenvalues.sum(axis=1)
    ratios = np.where(totals > 0, eigenvalues[:, 0] / np.maximum(totals, 1e-300), 1.0 / 3.0)
    variation = float(np.mean(ratios))
    subscores: dict[str, float | None] = {
        "topology": connected,
        "geometry": clamp(1.0 - 3.0 * variation),
        "sampling": 1.0 / (1.0 + coefficient_of_variation(nearest_distance)),
    }
    measurements = {
        "kind": "point_cloud",
        "points_used": count,
        "connected_share": connected,
        "mean_surface_variation": variation,
        "nearest_distance_cv": coefficient_of_variation(nearest_distance),
    }
    return subscores, measurements


def load_geometry(path: Path, file_format: str) -> Any:
    """The file as one ``trimesh.Trimesh`` or ``trimesh.PointCloud`` (scenes concatenated).

    The file is opened as a stream without a resolver, so a model can never make trimesh read
    files beside or outside it (textures do not matter to geometry).
    """
    # trimesh: ~0.4 s to import, needed only when an answer has a 3D file.
    import trimesh

    with path.open("rb") as handle:
        loaded = trimesh.load(handle, file_type=file_format)
    if isinstance(loaded, trimesh.Scene):
        geometries = list(loaded.dump())
        meshes = [item for item in geometries if isinstance(item, trimesh.Trimesh)]
        if meshes:
            return trimesh.util.concatenate(meshes)
        clouds = [item for item in geometries if isinstance(item, trimesh.PointCloud)]
        if clouds:
            return trimesh.PointCloud(np.concatenate([cloud.vertices for cloud in clouds]))
        raise ValueError("the scene holds no geometry")
    return loaded


def score_threed(path: Path, file_format: str) -> MetricValue:
    """GQ of a 3D file: ``gq:threeD/topo-geo``; an unreadable or empty model scores 0."""
    # trimesh: ~0.4 s to import, needed only when an answer has a 3D file.
    import trimesh

    try:
        geometry = load_geometry(path, file_format)
    except Exception as error:  # trimesh raises many types for damaged files
        return failed_value("threeD", METHOD, f"the model cannot be loaded: {error}")
    vertices = np.asarray(getattr(geometry, "vertices", np.zeros((0, 3))), dtype=np.float64)
    if len(vertices) == 0 or not np.isfinite(vertices).all():
        return failed_value("threeD", METHOD, "the model has no vertices or non-finite ones")
    if isinstance(geometry, trimesh.Trimesh) and len(geometry.faces) > 0:
        subscores, measurements = assess_mesh(geometry)
    elif len(vertices) >= 3:
        subscores, measurements = assess_points(vertices)
    else:
        return failed_value("threeD", METHOD, f"the model has only {len(vertices)} points")
    return quality_value(
        "threeD",
        METHOD,
        combine(subscores, WEIGHTS),
        subscores=subscores,
        weights=WEIGHTS,
        measurements=measurements,
    )
