"""3D GQ as the released code scores it: "NR3D-Q v3" (method ``nr3dq-v3``).

Ported from the description of the released scorer (``generate_quality/threeD.py`` of
liyanlin06/UniM and Shize-ZHANG/Any2Any-Evaluation-Suite; no trained parameters):
``GQ = 100 * (0.3 T + 0.4 G + 0.3 S)`` with topology T, geometry G and sampling S on 0-1.

A ``.ply`` file is always read as a point cloud (its vertices; faces are ignored), any other
format as one mesh (a scene's meshes concatenated, nothing merged or repaired). The coordinates
are first centred on the bounding box and divided by its largest extent. Two statistics recur:

- the robust variation of a sample: ``1 - exp(-IQR / |median|)`` (the mean absolute value
  stands in for a zero median; fewer than 4 finite values give 0), so a score ``1 - variation``
  is 1 for a uniform sample;
- the surface-likeness ``clamp(3 - d)`` of a cloud, ``d`` the median Levina-Bickel
  maximum-likelihood intrinsic dimension over 20 neighbours (Levina & Bickel, "Maximum
  likelihood estimation of intrinsic dimension", NIPS 2004): 1 for a surface (d = 2), 0 for a
  filled volume (d = 3).

Point clouds (``cloud_scores``), "neighbours" excluding the point itself:

- T = 0.45 surface-likeness + 0.35 connectivity + 0.20 normal agreement. Connectivity is
  ``1 - share of points whose nearest-neighbour distance exceeds its 95th percentile``; normal
  agreement is the mean ``|n_i . n_j|`` over each point's 12 neighbours, with normals from 24
  points (the point and its 23 neighbours).
- G = 0.45 flatness + 0.35 normal stability + 0.20 normal agreement. Flatness maps the mean
  surface variation ``l3 / (l1 + l2 + l3)`` of 32-neighbour covariances (Pauly, Gross &
  Kobbelt, "Efficient simplification of point-sampled surfaces", IEEE Vis 2002) from 0.02 (1)
  to 0.08 (0); normal stability is the share of points whose normals from 16 and from 64
  points are within 30 degrees, the normals' signs included.
- S = 0.5 (1 - robust variation of the mean 8-neighbour distance) + 0.25 (1 - share of those
  distances more than 2.5 standard deviations from their mean) + 0.25 surface-likeness.

Normals are the smallest-eigenvalue eigenvectors of the neighbourhood covariance as Open3D's
``estimate_normals`` computes them (its default closed-form 3x3 solver, after Eberly, "A robust
eigensolver for 3x3 symmetric matrices", Geometric Tools 2014); their sign is whatever that
solver gives, which normal stability depends on, so the solver is reproduced step by step
(``smallest_eigenvectors``).

Meshes (``mesh_scores``):

- T = 0.35 watertight + 0.25 + 0.20 + 0.20 ``clamp(1 - (components - 1) / 3)`` (components by
  shared edges). The two constant terms are what the released code computes: its non-manifold
  term reads ``mesh.edges_unique_counts``, which trimesh does not have, and its
  self-intersection term needs ``rtree``, which its pinned requirements do not install; both
  raise inside a ``try`` that scores the term 1. (With ``rtree`` the self-intersection term
  would count faces whose bounding box touches another's, so it would be 0 for any connected
  mesh.) unima reports the true non-manifold edge share as a measurement, outside the score.
- G = 0.4 (1 - robust variation of the dihedral angles) + 0.3 (1 - share of dihedral angles
  over 60 degrees) + 0.3 mean ``clamp(2 sqrt(3) A / (a^2 + b^2 + c^2))`` (at most 0.5, reached
  by an equilateral triangle: the released constant is half the usual normalisation).
- S = 0.4 (1 - robust variation of face areas) + 0.25 (1 - robust variation of vertex valences)
  + 0.2 (1 - robust variation of the mean 8-neighbour distance of 5000 surface samples) + 0.15
  (1 - their share beyond 2.5 standard deviations).

Where unima differs from the released code, and why: the 5000 surface samples are drawn with
a fixed seed (the released code draws them at random on each run, so its mesh scores vary
slightly from run to run); a cloud needs at least 33 points (the released code raises or scores
meaningless infinite distances below that).
A file that cannot be loaded, has no faces (a non-PLY mesh), too few points or non-finite
coordinates is a failed item (GQ ``None``), as in the released code.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from unima.eval.quality.common import clamp, combine, failed_value, quality_value
from unima.eval.records import MetricValue

METHOD = "nr3dq-v3"
WEIGHTS = {"topology": 0.3, "geometry": 0.4, "sampling": 0.3}
# The widest neighbourhood the cloud scores read: the point and its 64 nearest neighbours.
NEIGHBOUR_COLUMNS = 65
MIN_CLOUD_POINTS = 33  # the 32-neighbour covariance needs 33 points
DIMENSION_NEIGHBOURS = 20
AGREEMENT_NEIGHBOURS = 12
AGREEMENT_NORMAL_POINTS = 24
STABILITY_NORMAL_POINTS = (16, 64)
STABILITY_ANGLE = math.pi / 6.0
VARIATION_NEIGHBOURS = 32
FLAT_VARIATION, ROUGH_VARIATION = 0.02, 0.08
SPACING_NEIGHBOURS = 8
OUTLIER_Z = 2.5
SHARP_DIHEDRAL = math.pi / 3.0
# The released non-manifold (0.25) and self-intersection (0.20) terms always score 1 there.
RELEASED_CONSTANT_TERMS = 0.25 + 0.20
SURFACE_SAMPLES = 5000
SAMPLE_SEED = 0
BRUTE_FORCE_CELLS = 4_000_000  # distances held at once by the search without SciPy (32 MB)
TWO_THIRDS_PI = 2.09439510239319549  # Open3D's constant, kept for sign-exact normals


def robust_variation(values: np.ndarray) -> float:
    """``1 - exp(-IQR / |median|)`` of the finite values: 0 when uniform, towards 1 when not."""

    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size < 4:
        return 0.0
    lower, upper = np.percentile(finite, [25, 75])
    median = float(np.median(finite))
    if median <= 1e-12:
        median = float(np.mean(np.abs(finite))) + 1e-12
    return float(1.0 - math.exp(-(upper - lower) / (abs(median) + 1e-12)))


def unit_cube(vertices: np.ndarray) -> np.ndarray:
    """``vertices`` centred on their bounding box and divided by its largest extent."""

    lowest, highest = vertices.min(axis=0), vertices.max(axis=0)
    scale = float((highest - lowest).max())
    if scale < 1e-12:
        scale = 1.0
    return np.asarray((vertices - (lowest + highest) / 2.0) / scale)


def nearest_neighbours(points: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Distances and indices of each point's ``count`` nearest points, itself first.

    Uses SciPy's k-d tree when SciPy is installed, an exact chunked search otherwise (the
    same neighbours, slower on large clouds).
    """

    count = min(count, len(points))
    try:
        # SciPy: optional (not a core dependency); only the speed depends on it.
        from scipy.spatial import cKDTree
    except ImportError:
        return _brute_force_neighbours(points, count)
    distances, indices = cKDTree(points).query(points, k=count)
    return np.asarray(distances).reshape(len(points), count), np.asarray(indices).reshape(
        len(points), count
    )


def _brute_force_neighbours(points: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    norms = (points**2).sum(axis=1)
    all_distances = np.empty((len(points), count))
    all_indices = np.empty((len(points), count), dtype=np.int64)
    step = max(1, BRUTE_FORCE_CELLS // len(points))
    for start in range(0, len(points), step):
        rows = np.arange(start, min(start + step, len(points)))
        squared = np.maximum(norms[rows, None] + norms[None, :] - 2.0 * points[rows] @ points.T, 0)
        squared[np.arange(len(rows)), rows] = 0.0
        nearest = np.argpartition(squared, count - 1, axis=1)[:, :count]
        chosen = np.take_along_axis(squared, nearest, axis=1)
        order = np.lexsort((nearest, chosen), axis=1)
        all_indices[rows] = np.take_along_axis(nearest, order, axis=1)
        all_distances[rows] = np.sqrt(np.take_along_axis(chosen, order, axis=1))
    return all_distances, all_indices


def _cross(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return np.asarray(np.cross(first, second))


def _eigenvector_of(matrices: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Unit eigenvectors for ``values``: the largest cross product of two rows of ``A - vI``."""

    shifted = matrices - values[:, None, None] * np.eye(3)
    products = np.stack(
        [
            _cross(shifted[:, 0], shifted[:, 1]),
            _cross(shifted[:, 0], shifted[:, 2]),
            _cross(shifted[:, 1], shifted[:, 2]),
        ],
        axis=1,
    )
    lengths = (products**2).sum(axis=2)
    choice = np.zeros(len(values), dtype=np.int64)
    largest = lengths[:, 0].copy()
    second_larger = lengths[:, 1] > largest
    choice[second_larger] = 1
    largest = np.where(second_larger, lengths[:, 1], largest)
    choice[lengths[:, 2] > largest] = 2
    rows = np.arange(len(values))
    return np.asarray(products[rows, choice] / np.sqrt(lengths[rows, choice])[:, None])


def _orthogonal_eigenvector(
    matrices: np.ndarray, known: np.ndarray, values: np.ndarray
) -> np.ndarray:
    """The eigenvector for ``values`` in the plane orthogonal to ``known`` (Eberly's step 2)."""

    x, y, z = known[:, 0], known[:, 1], known[:, 2]
    along_x = np.abs(x) > np.abs(y)
    zero = np.zeros_like(x)
    from_x = np.stack([-z, zero, x], axis=1) / np.sqrt(x * x + z * z)[:, None]
    from_y = np.stack([zero, z, -y], axis=1) / np.sqrt(y * y + z * z)[:, None]
    first = np.where(along_x[:, None], from_x, from_y)
    second = _cross(known, first)
    first_image = np.einsum("nij,nj->ni", matrices, first)
    second_image = np.einsum("nij,nj->ni", matrices, second)
    m00 = (first * first_image).sum(axis=1) - values
    m01 = (first * second_image).sum(axis=1)
    m11 = (second * second_image).sum(axis=1) - values
    a00, a01, a11 = np.abs(m00), np.abs(m01), np.abs(m11)
    # Rows led by m00 (|m00| >= |m11|): the null vector of [m00 m01], normalised on its larger.
    ratio = np.where(a00 >= a01, m01 / m00, m00 / m01)
    scale = 1.0 / np.sqrt(1.0 + ratio * ratio)
    lead_first = np.where(a00 >= a01, scale, ratio * scale)  # the new m00
    lead_second = np.where(a00 >= a01, ratio * scale, scale)  # the new m01
    from_m00 = lead_second[:, None] * first - lead_first[:, None] * second
    # Rows led by m11: the null vector of [m01 m11].
    ratio = np.where(a11 >= a01, m01 / m11, m11 / m01)
    scale = 1.0 / np.sqrt(1.0 + ratio * ratio)
    tail_second = np.where(a11 >= a01, scale, ratio * scale)  # the new m11
    tail_first = np.where(a11 >= a01, ratio * scale, scale)  # the new m01
    from_m11 = tail_second[:, None] * first - tail_first[:, None] * second
    led_by_m00 = a00 >= a11
    degenerate = np.where(led_by_m00, np.maximum(a00, a01), np.maximum(a11, a01)) <= 0
    result = np.where(led_by_m00[:, None], from_m00, from_m11)
    return np.asarray(np.where(degenerate[:, None], first, result))


def smallest_eigenvectors(covariances: np.ndarray) -> np.ndarray:
    """The eigenvector of the smallest eigenvalue of each 3x3 matrix, as Open3D returns it.

    Open3D's fast solver, sign included: the matrix is divided by its largest entry, the
    eigenvalues come from the trigonometric solution of the characteristic cubic, the
    eigenvector of the extreme eigenvalue from the largest cross product of two rows, the middle
    one in the plane orthogonal to it, the last as a cross product. A diagonal matrix gives the
    axis of its smallest entry; an all-zero one gives ``(0, 0, 1)`` (``estimate_normals``' rule).
    """

    count = len(covariances)
    largest_entry = covariances.reshape(count, 9).max(axis=1)
    zero = largest_entry == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        matrices = covariances / np.where(zero, 1.0, largest_entry)[:, None, None]
        a00, a11, a22 = matrices[:, 0, 0], matrices[:, 1, 1], matrices[:, 2, 2]
        a01, a02, a12 = matrices[:, 0, 1], matrices[:, 0, 2], matrices[:, 1, 2]
        off_diagonal = a01 * a01 + a02 * a02 + a12 * a12
        mean = (a00 + a11 + a22) / 3.0
        b00, b11, b22 = a00 - mean, a11 - mean, a22 - mean
        spread = np.sqrt((b00 * b00 + b11 * b11 + b22 * b22 + 2.0 * off_diagonal) / 6.0)
        c00 = b11 * b22 - a12 * a12
        c01 = a01 * b22 - a12 * a02
        c02 = a01 * a12 - b11 * a02
        determinant = (b00 * c00 - a01 * c01 + a02 * c02) / spread**3
        half = np.clip(determinant * 0.5, -1.0, 1.0)
        angle = np.arccos(half) / 3.0
        beta2 = np.cos(angle) * 2.0
        beta0 = np.cos(angle + TWO_THIRDS_PI) * 2.0
        beta1 = -(beta0 + beta2)
        value0, value1, value2 = mean + spread * beta0, mean + spread * beta1, mean + spread * beta2
        upper = half >= 0
        extreme = _eigenvector_of(matrices, np.where(upper, value2, value0))
        extreme_smallest = np.where(
            upper, (value2 < value0) & (value2 < value1), (value0 < value1) & (value0 < value2)
        )
        middle = _orthogonal_eigenvector(matrices, extreme, value1)
        middle_smallest = (value1 < value0) & (value1 < value2)
        last = np.where(upper[:, None], _cross(middle, extreme), _cross(extreme, middle))
        general = np.where(
            extreme_smallest[:, None],
            extreme,
            np.where(middle_smallest[:, None], middle, last),
        )
    axes = np.eye(3)
    diagonal_choice = np.where(
        (a00 < a11) & (a00 < a22), 0, np.where((a11 < a00) & (a11 < a22), 1, 2)
    )
    diagonal = axes[diagonal_choice]
    normals = np.where((off_diagonal > 0)[:, None], general, diagonal)
    normals[zero] = (0.0, 0.0, 1.0)
    return np.asarray(normals)


def surface_normals(points: np.ndarray, indices: np.ndarray, size: int) -> np.ndarray:
    """Normals from each point's ``size`` nearest points (itself included), as Open3D's."""

    patches = points[indices[:, :size]]
    mean = patches.mean(axis=1)
    second_moment = np.einsum("npi,npj->nij", patches, patches) / patches.shape[1]
    covariances = second_moment - mean[:, :, None] * mean[:, None, :]
    return smallest_eigenvectors(covariances)


def intrinsic_dimension(distances: np.ndarray) -> float:
    """Median Levina-Bickel dimension over ``DIMENSION_NEIGHBOURS`` neighbours, in [1, 5]."""

    neighbours = distances[:, 1 : DIMENSION_NEIGHBOURS + 1] + 1e-12
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(neighbours[:, -1][:, None] / neighbours[:, :-1])
        estimates = (neighbours.shape[1] - 1) / logs.sum(axis=1)
    estimates = estimates[np.isfinite(estimates)]
    if estimates.size == 0:
        return 3.0
    return float(np.clip(np.median(estimates), 1.0, 5.0))


def normal_agreement(normals: np.ndarray, indices: np.ndarray) -> float:
    """Mean ``|n_i . n_j|`` over each point's ``AGREEMENT_NEIGHBOURS`` neighbours."""

    neighbours = normals[indices[:, 1 : AGREEMENT_NEIGHBOURS + 1]]
    cosines = np.abs(np.clip(np.einsum("nkj,nj->nk", neighbours, normals), -1.0, 1.0))
    return float(cosines.mean(axis=1).mean())


def spacing_scores(mean_spacing: np.ndarray) -> tuple[float, float]:
    """``1 - robust variation`` and ``1 - outlier share`` of per-point mean neighbour spacing."""

    variation = robust_variation(mean_spacing)
    deviation = float(np.std(mean_spacing)) + 1e-12
    outliers = float(
        np.mean(np.abs((mean_spacing - np.mean(mean_spacing)) / deviation) > OUTLIER_Z)
    )
    return 1.0 - clamp(variation), 1.0 - clamp(outliers)


def cloud_scores(points: np.ndarray) -> tuple[dict[str, float | None], dict[str, Any]]:
    """T, G and S (0-1) of a point cloud already in the unit cube, with the measurements."""

    distances, indices = nearest_neighbours(points, NEIGHBOUR_COLUMNS)
    nearest = distances[:, 1]
    long_share = float(np.mean(nearest > np.percentile(nearest, 95)))
    dimension = intrinsic_dimension(distances)
    surface_like = clamp(1.0 - (dimension - 2.0))
    agreement = normal_agreement(surface_normals(points, indices, AGREEMENT_NORMAL_POINTS), indices)
    topology = clamp(0.45 * surface_like + 0.35 * (1.0 - clamp(long_share)) + 0.20 * agreement)

    patches = points[indices[:, 1 : VARIATION_NEIGHBOURS + 1]]
    centred = patches - patches.mean(axis=1, keepdims=True)
    covariances = np.einsum("npi,npj->nij", centred, centred) / (patches.shape[1] - 1)
    eigenvalues = np.maximum(np.linalg.eigvalsh(covariances), 0.0)
    variation = float(np.mean(eigenvalues[:, 0] / (eigenvalues.sum(axis=1) + 1e-12)))
    flatness = clamp(1.0 - (variation - FLAT_VARIATION) / (ROUGH_VARIATION - FLAT_VARIATION))
    fine, coarse = (surface_normals(points, indices, size) for size in STABILITY_NORMAL_POINTS)
    turned = np.arccos(np.clip((fine * coarse).sum(axis=1), -1.0, 1.0)) > STABILITY_ANGLE
    stability = 1.0 - clamp(float(np.mean(turned)))
    geometry = clamp(0.45 * flatness + 0.35 * stability + 0.20 * agreement)

    spacing = distances[:, 1 : SPACING_NEIGHBOURS + 1].mean(axis=1)
    regularity, inliers = spacing_scores(spacing)
    sampling = clamp(0.5 * regularity + 0.25 * inliers + 0.25 * surface_like)
    measurements = {
        "kind": "point_cloud",
        "points": len(points),
        "intrinsic_dimension": dimension,
        "long_gap_share": long_share,
        "normal_agreement": agreement,
        "mean_surface_variation": variation,
        "normal_stability": stability,
        "spacing_regularity": regularity,
        "spacing_inliers": inliers,
    }
    return {"topology": topology, "geometry": geometry, "sampling": sampling}, measurements


def mesh_scores(mesh: Any) -> tuple[dict[str, float | None], dict[str, Any]]:
    """T, G and S (0-1) of a ``trimesh.Trimesh`` already in the unit cube, with measurements."""
    # trimesh: ~0.4 s to import, needed only when an answer has a 3D file.
    import trimesh

    watertight = bool(mesh.is_watertight)
    edge_uses = np.bincount(np.asarray(mesh.edges_unique_inverse))
    non_manifold = float(np.mean(edge_uses > 2)) if edge_uses.size else 0.0
    components = len(
        trimesh.graph.connected_components(
            edges=mesh.face_adjacency, nodes=np.arange(len(mesh.faces)), min_len=1
        )
    )
    topology = clamp(
        0.35 * watertight + RELEASED_CONSTANT_TERMS + 0.20 * clamp(1.0 - (components - 1) / 3.0)
    )

    adjacency = np.asarray(mesh.face_adjacency)
    normals = np.asarray(mesh.face_normals)
    if len(adjacency):
        cosines = (normals[adjacency[:, 0]] * normals[adjacency[:, 1]]).sum(axis=1)
        dihedral = np.abs(np.arccos(np.clip(cosines, -1.0, 1.0)))
    else:
        dihedral = np.zeros(0)
    dihedral_variation = robust_variation(dihedral) if dihedral.size else 0.0
    sharp = float(np.mean(dihedral > SHARP_DIHEDRAL)) if dihedral.size else 0.0
    vertices, faces = np.asarray(mesh.vertices), np.asarray(mesh.faces)
    side_a = vertices[faces[:, 1]] - vertices[faces[:, 0]]
    side_b = vertices[faces[:, 2]] - vertices[faces[:, 1]]
    side_c = vertices[faces[:, 0]] - vertices[faces[:, 2]]
    area = 0.5 * np.linalg.norm(np.cross(-side_c, side_a), axis=1)
    squares = (side_a**2).sum(axis=1) + (side_b**2).sum(axis=1) + (side_c**2).sum(axis=1)
    shape = float(np.mean(np.clip(2.0 * math.sqrt(3.0) * area / (squares + 1e-12), 0.0, 1.0)))
    geometry = clamp(
        0.4 * (1.0 - clamp(dihedral_variation)) + 0.3 * (1.0 - clamp(sharp)) + 0.3 * shape
    )

    area_variation = robust_variation(np.asarray(mesh.area_faces))
    valences = np.array([degree for _node, degree in mesh.vertex_adjacency_graph.degree()])
    valence_variation = robust_variation(valences)
    samples = np.asarray(mesh.sample(SURFACE_SAMPLES, seed=SAMPLE_SEED))
    if len(samples) > SPACING_NEIGHBOURS:
        distances, _indices = nearest_neighbours(samples, SPACING_NEIGHBOURS + 1)
        spacing = distances[:, 1:].mean(axis=1)
    else:
        spacing = np.zeros(1)
    regularity, inliers = spacing_scores(spacing)
    sampling = clamp(
        0.4 * (1.0 - clamp(area_variation))
        + 0.25 * (1.0 - clamp(valence_variation))
        + 0.2 * regularity
        + 0.15 * inliers
    )
    measurements = {
        "kind": "mesh",
        "vertices": len(vertices),
        "faces": len(faces),
        "watertight": watertight,
        "non_manifold_edge_share": non_manifold,
        "components": components,
        "dihedral_variation": dihedral_variation,
        "sharp_dihedral_share": sharp,
        "mean_triangle_shape": shape,
        "face_area_variation": area_variation,
        "valence_variation": valence_variation,
        "spacing_regularity": regularity,
        "spacing_inliers": inliers,
    }
    return {"topology": topology, "geometry": geometry, "sampling": sampling}, measurements


def load_geometry(path: Path, file_format: str) -> tuple[str, Any]:
    """``("point_cloud", vertices)`` for a PLY file, ``("mesh", Trimesh)`` for the rest.

    The file is opened as a stream without a resolver, so a model can never make trimesh read
    files beside or outside it (textures do not matter to geometry). Nothing is merged or
    repaired (``process=False``), as in the released code.

    Raises:
        ValueError: when the file holds no points, or (not PLY) no faces.
    """
    # trimesh: ~0.4 s to import, needed only when an answer has a 3D file.
    import trimesh

    file_type = file_format.lower()
    with path.open("rb") as handle:
        if file_type == "ply":
            loaded = trimesh.load(handle, file_type=file_type, process=False)
            vertices = np.asarray(getattr(loaded, "vertices", np.zeros((0, 3))), dtype=np.float64)
            if vertices.size == 0:
                raise ValueError("the point cloud is empty")
            return "point_cloud", vertices.reshape(-1, 3)
        loaded = trimesh.load(handle, file_type=file_type, force="mesh", process=False)
    faces = getattr(loaded, "faces", None)
    if not isinstance(loaded, trimesh.Trimesh) or faces is None or len(faces) == 0:
        raise ValueError("the mesh is empty or has no faces")
    return "mesh", loaded


def score_threed(path: Path, file_format: str) -> MetricValue:
    """GQ of a 3D file, ``gq:threeD/nr3dq-v3``; an unreadable or unscorable model is ``None``."""
    # trimesh: ~0.4 s to import, needed only when an answer has a 3D file.
    import trimesh

    try:
        kind, geometry = load_geometry(path, file_format)
    except Exception as error:  # trimesh raises many types for damaged files
        return failed_value("threeD", METHOD, f"the model cannot be loaded: {error}")
    vertices = np.asarray(geometry if kind == "point_cloud" else geometry.vertices, np.float64)
    if not np.isfinite(vertices).all():
        return failed_value("threeD", METHOD, "the model has non-finite coordinates")
    if kind == "point_cloud":
        if len(vertices) < MIN_CLOUD_POINTS:
            return failed_value(
                "threeD",
                METHOD,
                f"the point cloud has {len(vertices)} points; scoring needs {MIN_CLOUD_POINTS}",
            )
        subscores, measurements = cloud_scores(unit_cube(vertices))
    else:
        mesh = trimesh.Trimesh(unit_cube(vertices), np.asarray(geometry.faces), process=False)
        subscores, measurements = mesh_scores(mesh)
    return quality_value(
        "threeD",
        METHOD,
        combine(subscores, WEIGHTS),
        subscores=subscores,
        weights=WEIGHTS,
        measurements=measurements,
    )
