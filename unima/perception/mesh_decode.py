"""The 3D decoder that runs inside ``run_isolated``: trimesh loads, numpy measures, Pillow draws.

``decode_mesh`` is the isolated target: it takes plain strings (and the allowlist of external
files that ``mesh_references.scan_references`` approved in the parent) and returns a JSON dict,
so a trimesh hang, a runaway allocation or a crash in a C extension only costs the child.

trimesh is given a ``ConfinedResolver`` that serves exactly the approved files: whatever name
the loader asks for beyond those (a second ``mtllib``, a texture named oddly) is answered with
``FileNotFoundError``, which trimesh's OBJ and PLY loaders treat as "no material". Connected
components are counted here with numpy (trimesh's own ``body_count`` needs scipy).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import trimesh
from trimesh.resolvers import Resolver

from unima.errors import InputError
from unima.perception.mesh_projection import VIEW_AXES, render_projections

MAX_RESOURCE_BYTES = 64 * 2**20  # a texture or material file
MAX_BUFFER_BYTES = 500 * 2**20  # a glTF buffer holds the geometry: as large as a 3D file
MAX_COMPONENT_ROUNDS = 200
MAX_FACES_FOR_COMPONENTS = 5_000_000


def decode_mesh(
    path: str,
    file_format: str,
    projection_dir: str,
    allowed: dict[str, str],
    buffers: list[str] | None = None,
) -> dict[str, Any]:
    """Load a 3D file with trimesh and measure it.

    Args:
        path: The model file.
        file_format: The sniffed format (``obj``, ``ply``, ``stl``, ``glb``, ``gltf``, ``off``).
        projection_dir: Folder for ``front.png``, ``top.png`` and ``side.png``.
        allowed: External references approved by the confinement scan (name -> real path).
        buffers: The allowed names that are glTF buffers (read up to ``MAX_BUFFER_BYTES``
            instead of ``MAX_RESOURCE_BYTES``).

    Returns:
        JSON-serialisable facts: kind, counts, bounds, extents, watertightness, bodies,
        volume and area, units, visual kind, projection paths and any step that failed.

    Raises:
        InputError: When the file holds no geometry or non-finite coordinates only.
    """
    with open(path, "rb") as handle:
        loaded = trimesh.load(
            handle, file_type=file_format, resolver=_resolver(allowed, buffers or [])
        )
    facts: dict[str, Any] = {"failures": []}
    if isinstance(loaded, trimesh.Scene):
        facts["geometry_count"] = len(loaded.geometry)
        facts["geometry_names"] = [str(name)[:80] for name in list(loaded.geometry)[:20]]
        if not loaded.geometry:
            raise InputError("the model holds no geometry", source=path)
        geometry = loaded.to_geometry()
    else:
        geometry = loaded
    if not isinstance(geometry, trimesh.Trimesh | trimesh.PointCloud):
        raise InputError(
            f"the model holds {type(geometry).__name__} geometry (lines or curves), "
            "not a triangle mesh or point cloud",
            source=path,
        )
    facts["units"] = getattr(loaded, "units", None) or getattr(geometry, "units", None)
    vertices = np.asarray(geometry.vertices, dtype=np.float64)
    faces = np.asarray(getattr(geometry, "faces", np.zeros((0, 3))), dtype=np.int64)
    if len(vertices) == 0:
        raise InputError("the model holds no vertices", source=path)
    finite = np.isfinite(vertices).all(axis=1)
    if not finite.all():
        facts["failures"].append(f"measure: {int((~finite).sum())} vertices are not finite")
        if not finite.any():
            raise InputError("no vertex has finite coordinates", source=path)
    is_mesh = len(faces) > 0
    facts.update(
        {
            "kind": "mesh" if is_mesh else "point cloud",
            "vertex_count": len(vertices),
            "face_count": len(faces),
        }
    )
    usable = vertices[finite]
    low, high = usable.min(axis=0), usable.max(axis=0)
    facts["bounds"] = [_rounded(low), _rounded(high)]
    facts["extents"] = _rounded(high - low)
    facts["center"] = _rounded((low + high) / 2)
    if is_mesh:
        facts.update(_mesh_measures(geometry, faces, len(vertices), facts["failures"]))
    visual = getattr(geometry, "visual", None)
    facts["visual"] = getattr(visual, "kind", None)
    facts["texture_size"] = _texture_size(visual)
    try:
        drawable = faces if is_mesh and finite.all() else None
        facts["projections"] = render_projections(
            usable if drawable is None else vertices, drawable, Path(projection_dir)
        )
        facts["projection_axes"] = VIEW_AXES
    except Exception as error:  # drawing is a bonus: the measurements stand without it
        facts["failures"].append(f"projections: {type(error).__name__}: {error}")
    return facts


def _mesh_measures(
    geometry: Any, faces: Any, vertex_count: int, failures: list[str]
) -> dict[str, Any]:
    measures: dict[str, Any] = {}
    for name, compute in (
        ("watertight", lambda: bool(geometry.is_watertight)),
        ("winding_consistent", lambda: bool(geometry.is_winding_consistent)),
        ("area", lambda: _finite(float(geometry.area))),
    ):
        try:
            measures[name] = compute()
        except Exception as error:  # trimesh's graph code may choke on a degenerate mesh
            failures.append(f"{name}: {type(error).__name__}: {error}")
    if measures.get("watertight"):
        try:
            measures["volume"] = _finite(abs(float(geometry.volume)))
        except Exception as error:
            failures.append(f"volume: {type(error).__name__}: {error}")
    if len(faces) <= MAX_FACES_FOR_COMPONENTS:
        bodies = count_components(faces, vertex_count)
        if bodies is None:
            failures.append("bodies: the component search did not converge")
        else:
            measures["bodies"] = bodies
    else:
        failures.append(f"bodies: skipped, over {MAX_FACES_FOR_COMPONENTS} faces")
    return measures


def count_components(faces: Any, vertex_count: int) -> int | None:
    """Connected parts of a triangle mesh (faces sharing a vertex are connected).

    Label propagation with pointer jumping over the face edges, all in numpy: each round hooks
    every edge's two roots onto the smaller one, then flattens the label trees. It converges in
    a few rounds for real meshes; ``None`` after ``MAX_COMPONENT_ROUNDS`` rounds.
    """
    faces = np.asarray(faces, dtype=np.int64)
    if len(faces) == 0:
        return 0
    labels = np.arange(vertex_count, dtype=np.int64)
    first, second = faces[:, [0, 1, 2]].ravel(), faces[:, [1, 2, 0]].ravel()
    for _ in range(MAX_COMPONENT_ROUNDS):
        root_first, root_second = labels[first], labels[second]
        if np.array_equal(root_first, root_second):
            return len(np.unique(labels[np.unique(faces)]))
        smaller = np.minimum(root_first, root_second)
        np.minimum.at(labels, root_first, smaller)
        np.minimum.at(labels, root_second, smaller)
        while True:
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
    return None


def _resolver(allowed: dict[str, str], buffers: list[str]) -> Any:
    class ConfinedResolver(Resolver):
        """Serves the approved files only; every other name is 'not found'."""

        def __init__(self, files: dict[str, str], large: set[str]) -> None:
            self.files = dict(files)
            self.large = set(large)

        def get(self, key: str) -> bytes:
            name = key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key)
            real_path = self.files.get(name)
            if real_path is None:
                raise FileNotFoundError(f"{name!r} is not an approved reference of this model")
            limit = MAX_BUFFER_BYTES if name in self.large else MAX_RESOURCE_BYTES
            with open(real_path, "rb") as handle:
                data = handle.read(limit + 1)
            if len(data) > limit:
                raise FileNotFoundError(f"{name!r} is over {limit} bytes")
            return data

        def write(self, name: str, data: Any) -> None:
            raise PermissionError("perception never writes beside the model")

        def namespaced(self, namespace: str) -> ConfinedResolver:
            def inner(name: str) -> str:
                return name[len(namespace) :].lstrip("/")

            return ConfinedResolver(
                {
                    inner(name): real
                    for name, real in self.files.items()
                    if name.startswith(namespace)
                },
                {inner(name) for name in self.large if name.startswith(namespace)},
            )

        def keys(self) -> list[str]:
            return list(self.files)

    return ConfinedResolver(allowed, set(buffers))


def _texture_size(visual: Any) -> list[int] | None:
    """Width and height of the texture image actually loaded (``None`` when there is none)."""
    material = getattr(visual, "material", None)
    image = getattr(material, "image", None) or getattr(material, "baseColorTexture", None)
    size = getattr(image, "size", None)
    return [int(size[0]), int(size[1])] if size else None


def _finite(value: float) -> float | None:
    return round(value, 6) if math.isfinite(value) else None


def _rounded(values: Any) -> list[float]:
    return [round(float(value), 6) for value in values]
