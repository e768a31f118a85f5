"""``generate_mesh`` with the trimesh backend: a model assembled from primitive parts.

Each part is a trimesh primitive (box, cylinder, sphere, cone, capsule, torus, or a wedge made by
extruding a right triangle), centred on its own bounding box, rotated, moved to ``position`` and
painted with vertex colours. GLB keeps every part as a named node of a scene; OBJ, PLY and STL
get one concatenated mesh. The arguments live in ``arguments``, the read-back check in ``checks``.

trimesh takes about half a second to import, so it is imported inside the functions that build
a mesh: loading or listing the tool does not pay for it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, ClassVar

import numpy

from unima.errors import ToolError
from unima.tools.base import Tool, ToolArguments, ToolContext, ToolOutput
from unima.tools.common import ensure_arguments, library_versions, one_line, parse_color, slugify
from unima.tools.mesh.arguments import MeshArguments, MeshPart
from unima.tools.mesh.checks import verify_mesh
from unima.types import Modality, Verification

if TYPE_CHECKING:
    import trimesh

MIME_TYPES: dict[str, str] = {
    "glb": "model/gltf-binary",
    "obj": "model/obj",
    "ply": "application/ply",
    "stl": "model/stl",
}


class TrimeshMeshTool(Tool):
    """3D models built from primitive parts with trimesh."""

    name: ClassVar[str] = "generate_mesh"
    modality: ClassVar[Modality] = "threeD"
    backend: ClassVar[str] = "trimesh"
    description: ClassVar[str] = (
        "Build a 3D model (GLB, OBJ, PLY or STL) from positioned, rotated and coloured primitive "
        "parts: boxes, cylinders, spheres, cones, capsules, tori and wedges."
    )
    Arguments: ClassVar[type[ToolArguments]] = MeshArguments

    def backend_version(self) -> str:
        return library_versions("trimesh", "numpy")

    def run(self, arguments: Any, context: ToolContext) -> ToolOutput:
        """Build the parts and export them as one file in ``context.work_dir``."""
        import trimesh  # heavy: see the module docstring

        arguments = ensure_arguments(MeshArguments, arguments)
        meshes = [build_part(part) for part in arguments.parts]
        stem = slugify(arguments.name, "model")
        path = context.work_dir / f"{stem}.{arguments.format}"
        try:
            if arguments.format == "glb":
                scene = trimesh.Scene()
                for number, (part, mesh) in enumerate(
                    zip(arguments.parts, meshes, strict=True), start=1
                ):
                    scene.add_geometry(mesh, geom_name=f"{stem}-{number:02d}-{part.shape}")
                scene.export(str(path), file_type="glb")
            else:
                combined = trimesh.util.concatenate(meshes)
                combined.units = arguments.units
                combined.export(str(path), file_type=arguments.format)
        except (OSError, ValueError) as error:
            raise ToolError(
                f"could not export the {arguments.format} file: {error}", tool=self.name
            ) from error
        return ToolOutput(
            path=path,
            mime=MIME_TYPES[arguments.format],
            meta={
                "name": one_line(arguments.name),
                "title": one_line(arguments.name),
                "format": arguments.format,
                "units": arguments.units,
                "parts": len(meshes),
                "faces": sum(len(mesh.faces) for mesh in meshes),
            },
        )

    def verify(self, output: ToolOutput, arguments: Any, context: ToolContext) -> Verification:
        """Load the file back with trimesh and record its geometry."""
        arguments = ensure_arguments(MeshArguments, arguments)
        return verify_mesh(output.path, expected_faces=output.meta.get("faces"))


def primitive(part: MeshPart) -> trimesh.Trimesh:
    """The untransformed trimesh primitive for ``part`` (trimesh's own conventions)."""
    from trimesh import creation  # heavy: see the module docstring

    # The validator guarantees the fields each shape needs; the fallbacks only satisfy typing.
    radius, height = part.radius or 0.0, part.height or 0.0
    if part.shape == "box":
        return creation.box(extents=part.size)
    if part.shape == "sphere":
        return creation.icosphere(subdivisions=3, radius=radius)
    if part.shape == "cylinder":
        return creation.cylinder(radius=radius, height=height, sections=32)
    if part.shape == "cone":
        return creation.cone(radius=radius, height=height, sections=32)
    if part.shape == "capsule":
        # trimesh measures a capsule between its sphere centres; ours is its total height.
        return creation.capsule(height=height - 2 * radius, radius=radius, count=[32, 32])
    if part.shape == "torus":
        return creation.torus(major_radius=radius, minor_radius=part.minor_radius or 0.0)
    # Wedge: a right triangle in the x-z plane extruded along y, sloping down towards +x.
    length, depth, rise = part.size or (0.0, 0.0, 0.0)
    triangle = numpy.array(
        [[-length / 2, -rise / 2], [length / 2, -rise / 2], [-length / 2, rise / 2]]
    )
    prism = creation.extrude_triangulation(triangle, numpy.array([[0, 1, 2]]), height=depth)
    # Rotating +90 degrees about x sends the extrusion axis (z) to -y and the triangle's
    # second axis to z; a rotation keeps the outward face winding that a mirror would flip.
    prism.apply_transform(_rotation_matrix([90.0, 0.0, 0.0]))
    return prism


def build_part(part: MeshPart) -> trimesh.Trimesh:
    """``part`` as a coloured mesh centred on its bounding box, rotated, then moved into place."""
    from trimesh.visual import ColorVisuals  # heavy: see the module docstring

    mesh = primitive(part)
    mesh.apply_translation(-mesh.bounds.mean(axis=0))
    mesh.apply_transform(_rotation_matrix(part.rotation_deg))
    mesh.apply_translation(numpy.asarray(part.position, dtype=float))
    rgba = numpy.array(parse_color(part.color), dtype=numpy.uint8)
    mesh.visual = ColorVisuals(mesh, vertex_colors=numpy.tile(rgba, (len(mesh.vertices), 1)))
    return mesh


def _rotation_matrix(degrees: list[float]) -> Any:
    from trimesh.transformations import euler_matrix  # heavy: see the module docstring

    x_angle, y_angle, z_angle = (math.radians(angle) for angle in degrees)
    return euler_matrix(x_angle, y_angle, z_angle, axes="sxyz")
