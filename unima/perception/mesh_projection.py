"""Three orthographic views of a mesh or point cloud, rendered with numpy and Pillow only.

No OpenGL: a headless server has none, and a GL driver is one more thing a hostile file could
crash. Triangles are drawn back to front (painter's algorithm, by mean depth) with Lambert
shading against the view direction, which is exact for convex parts and close enough for the
thumbnails a reasoner or a trace reader looks at. Very dense meshes and point clouds are
splatted point by point instead, nearest last.

The image keeps the model's proportions: the longer projected side is ``size`` pixels, plus a
margin, so a 100 x 50 part gives a front view twice as wide as tall.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

# view -> (horizontal axis, vertical axis, depth axis, depth sign: +1 means larger is nearer)
VIEWS: dict[str, tuple[int, int, int, int]] = {
    "front": (0, 2, 1, -1),  # camera on -Y looking +Y: x right, z up
    "top": (0, 1, 2, +1),  # camera on +Z looking down: x right, y up
    "side": (1, 2, 0, +1),  # camera on +X looking -X: y right, z up
}
VIEW_AXES = {"front": "x right, z up", "top": "x right, y up", "side": "y right, z up"}
DEFAULT_SIZE = 512
MARGIN = 16
MAX_POLYGONS = 200_000
MAX_SPLATS = 1_000_000
BACKGROUND = (255, 255, 255)
BASE_COLOUR = (70, 110, 170)


def render_projections(
    vertices: Any, faces: Any | None, folder: Path, *, size: int = DEFAULT_SIZE
) -> dict[str, str]:
    """Render front, top and side views of a model into ``folder`` as PNGs.

    Args:
        vertices: ``(n, 3)`` float array.
        faces: ``(m, 3)`` int array of triangles, or ``None``/empty for a point cloud.
        folder: Where ``front.png``, ``top.png`` and ``side.png`` are written (created).
        size: Pixels of the longer projected side, before the margin.

    Returns:
        View name -> path of its PNG.
    """
    folder.mkdir(parents=True, exist_ok=True)
    points = np.asarray(vertices, dtype=np.float64)
    triangles = np.asarray(faces, dtype=np.int64) if faces is not None else None
    if triangles is not None and len(triangles) == 0:
        triangles = None
    minimum, maximum = points.min(axis=0), points.max(axis=0)
    span = float((maximum - minimum).max()) or 1.0
    paths: dict[str, str] = {}
    for view, axes in VIEWS.items():
        image = _render_view(points, triangles, minimum, maximum, span, axes, size)
        target = folder / f"{view}.png"
        image.save(target, format="PNG")
        paths[view] = str(target)
    return paths


def _render_view(
    points: Any,
    triangles: Any | None,
    minimum: Any,
    maximum: Any,
    span: float,
    axes: tuple[int, int, int, int],
    size: int,
) -> Any:
    horizontal, vertical, depth_axis, depth_sign = axes
    scale = (size - 1) / span
    width = max(1, round((maximum[horizontal] - minimum[horizontal]) * scale)) + 2 * MARGIN
    height = max(1, round((maximum[vertical] - minimum[vertical]) * scale)) + 2 * MARGIN
    # Pixel coordinates: x grows right, y grows down (so the vertical axis is flipped).
    pixel_x = (points[:, horizontal] - minimum[horizontal]) * scale + MARGIN
    pixel_y = (maximum[vertical] - points[:, vertical]) * scale + MARGIN
    nearness = depth_sign * points[:, depth_axis]
    image = Image.new("RGB", (int(width), int(height)), BACKGROUND)

    if triangles is not None and len(triangles) <= MAX_POLYGONS:
        corners = points[triangles]
        normals = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
        lengths = np.linalg.norm(normals, axis=1)
        facing = np.abs(normals[:, depth_axis]) / np.where(lengths > 0, lengths, 1.0)
        shade = np.clip(0.3 + 0.7 * facing, 0.0, 1.0)
        order = np.argsort(nearness[triangles].mean(axis=1), kind="stable")  # far first
        colours = (np.outer(shade, BASE_COLOUR)).astype(np.uint8)
        draw = ImageDraw.Draw(image)
        xs, ys = pixel_x[triangles], pixel_y[triangles]
        for index in order.tolist():
            outline = [(xs[index, k], ys[index, k]) for k in range(3)]
            colour = tuple(colours[index].tolist())
            draw.polygon(outline, fill=colour, outline=colour)
        return image

    # Point cloud, or too many triangles to draw one by one: splat vertices, nearest last.
    chosen = np.arange(len(points))
    if len(chosen) > MAX_SPLATS:
        chosen = chosen[:: len(chosen) // MAX_SPLATS + 1]
    low, high = nearness.min(), nearness.max()
    shade = 0.35 + 0.65 * ((nearness[chosen] - low) / ((high - low) or 1.0))
    order = chosen[np.argsort(nearness[chosen], kind="stable")]
    shade = shade[np.argsort(nearness[chosen], kind="stable")]
    pixels = np.asarray(image).copy()
    columns = np.clip(pixel_x[order].round().astype(np.int64), 0, int(width) - 1)
    rows = np.clip(pixel_y[order].round().astype(np.int64), 0, int(height) - 1)
    colours = np.outer(shade, BASE_COLOUR).astype(np.uint8)
    for row_offset, column_offset in ((0, 0), (0, 1), (1, 0), (1, 1)):
        # Later (nearer) points overwrite earlier ones at the same pixel.
        pixels[
            np.clip(rows + row_offset, 0, int(height) - 1),
            np.clip(columns + column_offset, 0, int(width) - 1),
        ] = colours
    return Image.fromarray(pixels)
