"""The marching-cubes table a Shap-E renderer carries as weights, worked out from the cube.

diffusers' ``MeshDecoder`` starts with an all-zero table (``mesh_decoder.cases`` and ``masks``):
a real checkpoint brings the table with its weights, so a freshly built tiny renderer finds no
triangle anywhere. This builds the table from first principles instead of copying the classic
256-row listing: for each sign pattern of a cube's 8 corners, the surface crosses every edge whose
corners differ; on each face those crossings are joined in pairs (a face with two diagonal
positive corners cuts each of them off, the same choice on both sides of the face, so the surface
is closed); the joined crossings form loops, and each loop is cut into a fan of triangles wound
so that their normal points from the positive (inside) corners to the negative ones.

The numbering is ``MeshDecoder``'s: corner ``x + 2y + 4z``; edges along x, then y, then z.
"""

from __future__ import annotations

from typing import Any

import numpy

# Each edge of the cube as its two corners, in MeshDecoder's order.
EDGES: tuple[tuple[int, int], ...] = (
    (0, 1), (2, 3), (4, 5), (6, 7),
    (0, 2), (1, 3), (4, 6), (5, 7),
    (0, 4), (1, 5), (2, 6), (3, 7),
)  # fmt: skip
CORNERS = numpy.array([(corner & 1, corner >> 1 & 1, corner >> 2 & 1) for corner in range(8)])
# No sign pattern's loops need more than five triangles (checked when the table is built).
MOST_TRIANGLES = 5


def cube_faces() -> list[tuple[list[int], list[int]]]:
    """Each face of the cube as (its 4 corners, its 4 edges)."""
    faces = []
    for axis in range(3):
        for side in (0, 1):
            corners = [corner for corner in range(8) if CORNERS[corner][axis] == side]
            edges = [
                index
                for index, (first, second) in enumerate(EDGES)
                if first in corners and second in corners
            ]
            faces.append((corners, edges))
    return faces


def surface_loops(pattern: int) -> list[list[int]]:
    """The loops of crossed edges the surface makes in a cube whose positive corners are the
    set bits of ``pattern``."""

    def inside(corner: int) -> bool:
        return bool(pattern >> corner & 1)

    links: dict[int, list[int]] = {
        index: [] for index, (first, second) in enumerate(EDGES) if inside(first) != inside(second)
    }
    for corners, edges in cube_faces():
        crossed = [edge for edge in edges if edge in links]
        if len(crossed) == 2:
            pairs = [crossed]
        elif len(crossed) == 4:  # two diagonal positive corners: cut each one off
            pairs = [
                [edge for edge in edges if corner in EDGES[edge]]
                for corner in corners
                if inside(corner)
            ]
        else:
            pairs = []
        for first, second in pairs:
            links[first].append(second)
            links[second].append(first)
    loops: list[list[int]] = []
    visited: set[int] = set()
    for start in links:
        if start in visited:
            continue
        loop, previous, current = [start], -1, start
        visited.add(start)
        while True:
            following = next(edge for edge in links[current] if edge != previous)
            if following == start:
                break
            loop.append(following)
            visited.add(following)
            previous, current = current, following
        loops.append(loop)
    return loops


def outward_loop(loop: list[int], pattern: int) -> list[int]:
    """``loop`` in the order whose normal (Newell's) points from inside corners to outside."""
    points = numpy.array([CORNERS[list(EDGES[edge])].mean(axis=0) for edge in loop], dtype=float)
    normal = numpy.cross(points, numpy.roll(points, -1, axis=0)).sum(axis=0)
    outward = numpy.zeros(3)
    for edge in loop:
        first, second = EDGES[edge]
        inner, outer = (first, second) if pattern >> first & 1 else (second, first)
        outward += CORNERS[outer] - CORNERS[inner]
    return loop if float(normal @ outward) > 0 else loop[::-1]


def marching_cubes_table() -> tuple[Any, Any]:
    """``(cases, masks)`` for ``MeshDecoder``: per sign pattern, up to five triangles as edge
    indices (long, 256 x 5 x 3) and which of the five are used (bool, 256 x 5)."""
    import torch

    cases = torch.zeros(256, MOST_TRIANGLES, 3, dtype=torch.long)
    masks = torch.zeros(256, MOST_TRIANGLES, dtype=torch.bool)
    for pattern in range(256):
        triangles = [
            (loop[0], loop[index], loop[index + 1])
            for loop in (outward_loop(loop, pattern) for loop in surface_loops(pattern))
            for index in range(1, len(loop) - 1)
        ]
        assert len(triangles) <= MOST_TRIANGLES, (pattern, triangles)
        for slot, triangle in enumerate(triangles):
            cases[pattern, slot] = torch.tensor(triangle)
            masks[pattern, slot] = True
    return cases, masks
