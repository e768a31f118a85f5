"""The arguments of ``generate_mesh``: a name, a file format, units and primitive parts."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from unima.tools.base import ToolArguments
from unima.tools.common import parse_color

Shape = Literal["box", "cylinder", "sphere", "cone", "capsule", "torus", "wedge"]
MeshFormat = Literal["glb", "obj", "ply", "stl"]
Length = Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)]
Coordinate = Annotated[float, Field(ge=-1e6, le=1e6, allow_inf_nan=False)]
Angle = Annotated[float, Field(ge=-3600, le=3600, allow_inf_nan=False)]
# What each shape needs, in the words a validation message uses.
REQUIRED: dict[str, tuple[str, ...]] = {
    "box": ("size",),
    "wedge": ("size",),
    "sphere": ("radius",),
    "cylinder": ("radius", "height"),
    "cone": ("radius", "height"),
    "capsule": ("radius", "height"),
    "torus": ("radius", "minor_radius"),
}


class MeshPart(BaseModel):
    """One primitive of the model, placed by the centre of its bounding box."""

    model_config = ConfigDict(extra="forbid")

    shape: Shape = Field(description="Primitive. Cylinders, cones and capsules stand along +z.")
    size: list[Length] | None = Field(
        default=None,
        min_length=3,
        max_length=3,
        description="Box or wedge extents [x, y, z]; a wedge slopes from full z height at -x to 0 at +x.",
    )
    radius: Length | None = Field(
        default=None, description="Sphere, cylinder, cone and capsule radius; torus ring radius."
    )
    height: Length | None = Field(
        default=None, description="Cylinder, cone or capsule total height."
    )
    minor_radius: Length | None = Field(default=None, description="Torus tube radius.")
    position: list[Coordinate] = Field(
        default_factory=lambda: [0.0, 0.0, 0.0],
        min_length=3,
        max_length=3,
        description="Centre [x, y, z].",
    )
    rotation_deg: list[Angle] = Field(
        default_factory=lambda: [0.0, 0.0, 0.0],
        min_length=3,
        max_length=3,
        description="Rotation in degrees about x, then y, then z.",
    )
    color: str = Field(
        default="#9aa0a6", description="Hex like '#aa3322' or a simple name like 'red'."
    )

    @field_validator("color")
    @classmethod
    def _check_color(cls, value: str) -> str:
        parse_color(value)
        return value

    @model_validator(mode="after")
    def _check_shape(self) -> Self:
        missing = [name for name in REQUIRED[self.shape] if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.shape} needs {' and '.join(missing)} (got none)")
        if self.shape == "torus" and (self.minor_radius or 0) >= (self.radius or 0):
            raise ValueError(
                f"a torus needs minor_radius ({self.minor_radius}) smaller than radius ({self.radius})"
            )
        if self.shape == "capsule" and (self.height or 0) < 2 * (self.radius or 0):
            raise ValueError(
                f"a capsule's total height ({self.height}) must be at least twice its radius ({self.radius})"
            )
        return self


class MeshArguments(ToolArguments):
    """Arguments of ``generate_mesh``."""

    name: str = Field(min_length=1, max_length=100, description="Model name (file and node names).")
    parts: list[MeshPart] = Field(min_length=1, max_length=64, description="Primitives to combine.")
    format: MeshFormat = Field(default="glb", description="File format; STL keeps no colours.")
    units: Literal["mm", "cm", "m", "in", "ft"] = Field(
        default="mm", description="Unit of every length."
    )
