"""3D shapes the heuristic reasoner builds from ``generate_mesh``'s primitives, by subject.

A template is chosen by the subject of the requested model ("a 3D model of *a raindrop*"),
never by any word of the request: "light enters water; ... a 3D model" is not a water
molecule. The subject's head noun is tried first ("a DNA *helix*", "a water *molecule*"), then
its other words, then the words after "of", "with" ... ("a drop *of water*"). Each template is
a function of nothing but its own proportions (the refraction model also takes a refractive
index), so a template is a drawing of the thing, not of the request.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from unima.tools.mesh.arguments import MeshPart

# Words that end the first chunk of a subject ("a drop | of water").
_CHUNK_BREAKS = frozenset(
    "of for with on in at under over beside near inside behind above below and or from into "
    "onto about like".split()
)
_REFRACTIVE_INDEX = re.compile(r"refractive index (?:of )?(\d+(?:\.\d+)?)", re.IGNORECASE)
WATER_INDEX = 1.333


@dataclass(frozen=True)
class Shape:
    """A template: its name in the content spec, how it is built, what it is made of."""

    name: str
    description: str
    build: Callable[[float], list[MeshPart]]


def _part(shape: str, position: tuple[float, float, float], **fields: object) -> MeshPart:
    return MeshPart.model_validate({"shape": shape, "position": list(position), **fields})


def _raindrop(_: float) -> list[MeshPart]:
    radius, lift = 10.0, 3.5
    base = math.sqrt(radius**2 - lift**2)  # the cone meets the sphere where it is this wide
    return [
        _part("sphere", (0, 0, radius), radius=radius, color="#5da9e9"),
        _part("cone", (0, 0, radius + lift + 9), radius=base, height=18, color="#5da9e9"),
    ]


def _helix(strands: int) -> list[MeshPart]:
    radius, rise, step = 10.0, 2.0, math.radians(30)
    count = 36 if strands == 1 else 20
    parts = []
    for strand in range(strands):
        colour = ("#d94f4f", "#4f7fd9")[strand]
        for index in range(count):
            angle = index * step + strand * math.pi
            position = (radius * math.cos(angle), radius * math.sin(angle), 4 + index * rise)
            parts.append(_part("sphere", position, radius=3, color=colour))
    if strands == 2:
        for index in range(0, count, 2):  # base pairs: rungs across the axis
            angle = math.degrees(index * step)
            parts.append(
                _part(
                    "cylinder",
                    (0, 0, 4 + index * rise),
                    radius=0.8,
                    height=2 * radius,
                    rotation_deg=[0, 90, angle],
                    color="#9aa0a6",
                )
            )
    return parts


def _refraction(index: float) -> list[MeshPart]:
    """A slab of the medium; in front of it the normal, a ray in at 45 degrees and the ray out
    at Snell's angle (in front, so the slab does not hide the bend)."""
    incidence = math.radians(45)
    refracted = math.asin(min(1.0, math.sin(incidence) / max(index, 1.0)))
    into, out = 20.0, 14.0  # half lengths of the two rays
    front = -21.5  # just before the slab's front face (y = -20)
    return [
        _part("box", (0, 0, -15), size=[80, 40, 30], color="#6fa8dc"),
        _part("cylinder", (0, front, 0), radius=0.4, height=60, color="#666666"),
        _part(
            "cylinder",
            (-into * math.sin(incidence), front, into * math.cos(incidence)),
            radius=1.2,
            height=2 * into,
            rotation_deg=[0, -45, 0],
            color="#f1c232",
        ),
        _part(
            "cylinder",
            (out * math.sin(refracted), front, -out * math.cos(refracted)),
            radius=1.2,
            height=2 * out,
            rotation_deg=[0, -math.degrees(refracted), 0],
            color="#f1c232",
        ),
    ]


def _molecule(_: float) -> list[MeshPart]:
    return [
        _part("sphere", (0, 0, 0), radius=8, color="#cc3333"),
        _part("sphere", (18, 0, 0), radius=5, color="#eeeeee"),
        _part("sphere", (-9, 15.6, 0), radius=5, color="#eeeeee"),
        _part("cylinder", (9, 0, 0), radius=1.5, height=14, rotation_deg=[0, 90, 0]),
        _part("cylinder", (-4.5, 7.8, 0), radius=1.5, height=14, rotation_deg=[0, 90, 120]),
    ]


def _planet(_: float) -> list[MeshPart]:
    return [
        _part("sphere", (0, 0, 0), radius=20, color="#e0c080"),
        _part("torus", (0, 0, 0), radius=32, minor_radius=2, rotation_deg=[20, 0, 0]),
    ]


def _sphere(_: float) -> list[MeshPart]:
    return [_part("sphere", (0, 0, 20), radius=20, color="#5b8def")]


def _tower(_: float) -> list[MeshPart]:
    return [
        _part("cylinder", (0, 0, 30), radius=10, height=60),
        _part("cone", (0, 0, 70), radius=12, height=20, color="#aa3322"),
    ]


def _around_axis(
    shape: str, radius: float, z: float, angles: Iterable[int], **part: Any
) -> list[MeshPart]:
    """One ``shape`` part per angle, at ``radius`` around the z axis, turned to face outwards
    (a rocket's fins, a gear's teeth)."""
    return [
        _part(
            shape,
            (radius * math.cos(math.radians(angle)), radius * math.sin(math.radians(angle)), z),
            rotation_deg=[0, 0, angle],
            **part,
        )
        for angle in angles
    ]


def _rocket(_: float) -> list[MeshPart]:
    fins = _around_axis("wedge", 13, 8, (0, 120, 240), size=[10, 2, 16], color="#aa3322")
    return [
        _part("cylinder", (0, 0, 30), radius=8, height=60, color="#dddddd"),
        _part("cone", (0, 0, 70), radius=8, height=20, color="#aa3322"),
        *fins,
    ]


def _house(_: float) -> list[MeshPart]:
    return [
        _part("box", (0, 0, 15), size=[60, 40, 30], color="#e6c9a8"),
        _part("wedge", (0, 0, 40), size=[60, 40, 20], color="#aa3322"),
    ]


def _bracket(_: float) -> list[MeshPart]:
    return [
        _part("box", (0, 0, 40), size=[100, 5, 80]),
        _part("box", (0, 40, 0), size=[100, 80, 5]),
        _part("wedge", (0, 20, 20), size=[5, 40, 40]),
    ]


def _tree(_: float) -> list[MeshPart]:
    return [
        _part("cylinder", (0, 0, 10), radius=3, height=20, color="#7a5230"),
        _part("cone", (0, 0, 35), radius=14, height=30, color="#2e7d32"),
    ]


def _cup(_: float) -> list[MeshPart]:
    return [
        _part("cylinder", (0, 0, 20), radius=20, height=40, color="#f3f3f3"),
        _part("torus", (22, 0, 20), radius=10, minor_radius=2.5, rotation_deg=[90, 0, 0]),
    ]


def _table(_: float) -> list[MeshPart]:
    legs = [
        _part("box", (x, y, 20), size=[4, 4, 40], color="#8d6e63")
        for x in (-36, 36)
        for y in (-21, 21)
    ]
    return [_part("box", (0, 0, 42), size=[80, 50, 4], color="#a1887f"), *legs]


def _chair(_: float) -> list[MeshPart]:
    legs = [
        _part("box", (x, y, 10), size=[3, 3, 20], color="#8d6e63")
        for x in (-18, 18)
        for y in (-18, 18)
    ]
    return [
        _part("box", (0, 0, 22), size=[40, 40, 4], color="#a1887f"),
        _part("box", (0, -18.5, 44), size=[40, 3, 40], color="#a1887f"),
        *legs,
    ]


def _car(_: float) -> list[MeshPart]:
    wheels = [
        _part("cylinder", (x, y, 8), radius=8, height=6, rotation_deg=[90, 0, 0], color="#222222")
        for x in (-26, 26)
        for y in (-19, 19)
    ]
    return [
        _part("box", (0, 0, 14), size=[80, 36, 16], color="#c62828"),
        _part("box", (-5, 0, 29), size=[40, 32, 14], color="#90caf9"),
        *wheels,
    ]


def _snowman(_: float) -> list[MeshPart]:
    return [
        _part("sphere", (0, 0, 15), radius=15, color="#fafafa"),
        _part("sphere", (0, 0, 39), radius=11, color="#fafafa"),
        _part("sphere", (0, 0, 57), radius=8, color="#fafafa"),
        _part("cone", (11, 0, 57), radius=1.5, height=8, rotation_deg=[0, 90, 0], color="#ef6c00"),
    ]


def _gear(_: float) -> list[MeshPart]:
    teeth = _around_axis("box", 23, 4, range(0, 360, 30), size=[8, 6, 8])
    return [_part("cylinder", (0, 0, 4), radius=20, height=8), *teeth]


def _cube(_: float) -> list[MeshPart]:
    return [_part("box", (0, 0, 15), size=[30, 30, 30])]


def _mountain(_: float) -> list[MeshPart]:
    return [_part("cone", (0, 0, 17.5), radius=40, height=35, color="#8d6e63")]


def _ring(_: float) -> list[MeshPart]:
    return [_part("torus", (0, 0, 7), radius=20, minor_radius=7, color="#d7a86e")]


def _bottle(_: float) -> list[MeshPart]:
    return [
        _part("cylinder", (0, 0, 20), radius=10, height=40, color="#66bb6a"),
        _part("cone", (0, 0, 44), radius=10, height=8, color="#66bb6a"),
        _part("cylinder", (0, 0, 52), radius=3.5, height=12, color="#66bb6a"),
    ]


def _prism(_: float) -> list[MeshPart]:
    return [_part("wedge", (0, 0, 15), size=[30, 30, 30], color="#b3e5fc")]


SHAPES = {
    shape.name: shape
    for shape in (
        Shape("raindrop", "a sphere drawn up into a cone", _raindrop),
        Shape("helix", "a helix of spheres", lambda _: _helix(1)),
        Shape("double helix", "a double helix of spheres joined by rungs", lambda _: _helix(2)),
        Shape("refraction", "a slab, its normal and a ray bending as it enters", _refraction),
        Shape("molecule", "a molecule of spheres and bonds", _molecule),
        Shape("planet", "a planet with a ring", _planet),
        Shape("sphere", "a sphere", _sphere),
        Shape("tower", "a tower with a conical roof", _tower),
        Shape("rocket", "a rocket with a nose cone and three fins", _rocket),
        Shape("house", "a house with a pitched roof", _house),
        Shape("bracket", "an L bracket with a gusset", _bracket),
        Shape("tree", "a trunk under a conical crown", _tree),
        Shape("cup", "a cup with a handle", _cup),
        Shape("table", "a table on four legs", _table),
        Shape("chair", "a chair with a back", _chair),
        Shape("car", "a car body and cabin on four wheels", _car),
        Shape("snowman", "a snowman of three spheres", _snowman),
        Shape("gear", "a gear with twelve teeth", _gear),
        Shape("cube", "a cube", _cube),
        Shape("mountain", "a conical mountain", _mountain),
        Shape("ring", "a ring (torus)", _ring),
        Shape("bottle", "a bottle with a neck", _bottle),
        Shape("prism", "a triangular prism", _prism),
    )
}
KEYWORDS = {
    word: name
    for name, words in {
        "raindrop": "raindrop drop droplet teardrop dewdrop",
        "helix": "helix spring coil spiral corkscrew",
        "double helix": "dna",
        "refraction": "refraction refract ray rays",
        "molecule": "molecule atom h2o",
        "planet": "planet saturn jupiter orbit",
        "sphere": "earth moon globe ball sphere",
        "tower": "tower lighthouse skyscraper",
        "rocket": "rocket spaceship missile",
        "house": "house building home cabin hut barn cottage",
        "bracket": "bracket shelf mount",
        "tree": "tree pine oak fir",
        "cup": "cup mug glass teacup",
        "table": "table desk",
        "chair": "chair stool",
        "car": "car truck vehicle van",
        "snowman": "snowman",
        "gear": "gear cog",
        "cube": "cube dice die block",
        "mountain": "mountain volcano hill",
        "ring": "ring donut doughnut tyre tire bagel torus",
        "bottle": "bottle vase",
        "prism": "prism",
    }.items()
    for word in words.split()
}


def shape_for(subject: str) -> Shape | None:
    """The template for ``subject``: its head noun first, then its other words in turn."""
    words = re.findall(r"[a-z0-9]+", subject.lower())
    if not words:
        return None
    head_end = next((index for index, word in enumerate(words) if word in _CHUNK_BREAKS), None)
    first = words[:head_end] if head_end else words
    rest = words[len(first) :]
    if "dna" in first or ("double" in first and "helix" in first):
        return SHAPES["double helix"]
    for word in [*reversed(first), *rest]:
        for form in (word, word[:-1] if word.endswith("s") and len(word) > 3 else word):
            name = KEYWORDS.get(form)
            if name is not None:
                return SHAPES[name]
    return None


def refractive_index(text: str) -> float:
    """The refractive index a request states ("refractive index 1.5"), else water's."""
    match = _REFRACTIVE_INDEX.search(text)
    if match is None:
        return WATER_INDEX
    value = float(match.group(1))
    return value if 1.0 <= value <= 5.0 else WATER_INDEX
