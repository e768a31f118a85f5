"""One object drawn into a box, by kind, and how big and where each kind stands in a scene.

``draw_object`` dispatches to the drawings in the family modules. ``KINDS`` holds, for every
kind, its drawing, its height relative to the other kinds (a house is taller than a fox, a
bottle than a cup) and whether it stands on the ground or hangs in the sky. A label the
renderer knows no drawing for gets ``draw_marker``: a plain pin that marks the label's place
and shows nothing else, since a wrong picture is worse than none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Literal

from PIL import ImageDraw

from unima.tools.image.scenery import (
    animals,
    buildings,
    creatures,
    dishes,
    nature,
    people,
    plated,
    produce,
    sky,
    tableware,
    things,
    vehicles,
)
from unima.tools.image.scenery.shapes import OUTLINE, Box, Look, disk, fit

Drawing = Callable[[ImageDraw.ImageDraw, Box, Look], None]
Place = Literal["ground", "sky"]


@dataclass(frozen=True)
class Kind:
    """How one kind of object is drawn and laid out."""

    draw: Drawing
    size: float  # height relative to the scene's tallest kind
    place: Place = "ground"
    span: float = 0.66  # the most of the picture's width one object may take


def draw_marker(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
    """A neutral map pin: it marks where a label belongs without depicting anything."""
    frame = fit(box, 0.6)
    head = frame.at(0.5, 0.32)
    radius = frame.width * 0.42
    draw.ellipse(frame.rect(0.25, 0.94, 0.75, 1.0), fill=(0, 0, 0, 50))
    draw.polygon(
        [
            (head[0] - radius * 0.75, head[1] + radius * 0.66),
            frame.at(0.5, 0.97),
            (head[0] + radius * 0.75, head[1] + radius * 0.66),
        ],
        fill=(95, 110, 135),
        outline=OUTLINE,
    )
    disk(draw, head, radius, fill=(95, 110, 135), outline=OUTLINE, width=frame.line_width(0.02))
    disk(draw, head, radius * 0.42, fill=(245, 245, 245), outline=None)


def _quadruped(kind: str, size: float) -> Kind:
    return Kind(partial(animals.draw_quadruped, kind=kind), size)


def _plated(dish: str, size: float = 0.5) -> Kind:
    def draw_dish(draw: ImageDraw.ImageDraw, box: Box, look: Look) -> None:
        plated.draw_plate(draw, box, Look(look.rng, look.tint, look.details, dish, look.names))

    return Kind(draw_dish, size)


KINDS: dict[str, Kind] = {
    "plate": Kind(plated.draw_plate, 0.5),
    "pasta": _plated("pasta"),
    "salad": _plated("salad"),
    "pizza": _plated("pizza"),
    "omelette": _plated("omelette"),
    "steak": _plated("steak"),
    "soup": Kind(tableware.draw_bowl, 0.55),
    "bowl": Kind(tableware.draw_bowl, 0.55),
    "cake": Kind(dishes.draw_cake, 0.75),
    "burger": Kind(dishes.draw_burger, 0.65),
    "bread": Kind(dishes.draw_bread, 0.4),
    "cup": Kind(tableware.draw_cup, 0.45),
    "glass": Kind(tableware.draw_glass, 0.7),
    "bottle": Kind(tableware.draw_bottle, 1.0),
    **{fruit: Kind(drawing, 0.28) for fruit, drawing in produce.FRUITS.items()},
    "banana": Kind(produce.FRUITS["banana"], 0.2),
    "carrot": Kind(produce.FRUITS["carrot"], 0.45),
    "fruit": Kind(tableware.draw_fruit, 0.55),
    "fork": Kind(partial(tableware.draw_cutlery, pieces=("fork",)), 0.55),
    "knife": Kind(partial(tableware.draw_cutlery, pieces=("knife",)), 0.55),
    "spoon": Kind(partial(tableware.draw_cutlery, pieces=("spoon",)), 0.55),
    "cutlery": Kind(partial(tableware.draw_cutlery, pieces=("fork", "knife")), 0.55),
    "fox": _quadruped("fox", 0.4),
    "cat": _quadruped("cat", 0.32),
    "dog": _quadruped("dog", 0.42),
    "horse": _quadruped("horse", 0.65),
    "cow": _quadruped("cow", 0.55),
    "sheep": _quadruped("sheep", 0.4),
    "wolf": _quadruped("wolf", 0.45),
    "deer": _quadruped("deer", 0.6),
    "bear": _quadruped("bear", 0.55),
    "lion": _quadruped("lion", 0.5),
    "pig": _quadruped("pig", 0.38),
    "rabbit": _quadruped("rabbit", 0.28),
    "elephant": _quadruped("elephant", 0.75),
    "camel": _quadruped("camel", 0.7),
    "animal": _quadruped("animal", 0.45),
    "bird": Kind(creatures.draw_bird, 0.25),
    "fish": Kind(creatures.draw_fish, 0.25),
    "astronaut": Kind(partial(people.draw_person, astronaut=True), 0.7),
    "person": Kind(people.draw_person, 0.65),
    "car": Kind(vehicles.draw_car, 0.45),
    "bus": Kind(vehicles.draw_bus, 0.6),
    "truck": Kind(partial(vehicles.draw_bus, truck=True), 0.6),
    "bicycle": Kind(vehicles.draw_bicycle, 0.42),
    "boat": Kind(vehicles.draw_boat, 0.7),
    "rocket": Kind(vehicles.draw_rocket, 1.0),
    "plane": Kind(vehicles.draw_plane, 0.45, "sky"),
    "train": Kind(vehicles.draw_train, 0.55),
    "lighthouse": Kind(buildings.draw_lighthouse, 1.0),
    "church": Kind(buildings.draw_church, 1.0),
    "castle": Kind(buildings.draw_castle, 0.9),
    "tower": Kind(buildings.draw_tower, 1.0),
    "village": Kind(buildings.draw_village, 0.8),
    "city": Kind(buildings.draw_city, 0.9),
    "house": Kind(buildings.draw_house, 0.75),
    "tree": Kind(nature.draw_tree, 1.0),
    "pine": Kind(nature.draw_pine, 1.0),
    "palm": Kind(nature.draw_palm, 1.0),
    "forest": Kind(nature.draw_forest, 0.8),
    "bush": Kind(nature.draw_bush, 0.35),
    "rock": Kind(nature.draw_rock, 0.3),
    "mountain": Kind(nature.draw_mountain, 1.0),
    "flower": Kind(nature.draw_flower, 0.3),
    "garden": Kind(nature.draw_garden, 0.35),
    "sun": Kind(sky.draw_sun, 0.6, "sky"),
    "moon": Kind(sky.draw_moon, 0.5, "sky"),
    "star": Kind(sky.draw_star, 0.35, "sky"),
    "solar system": Kind(sky.draw_solar_system, 1.0, span=0.94),
    "planet": Kind(sky.draw_planet, 0.7, "sky"),
    "galaxy": Kind(sky.draw_galaxy, 0.8, "sky"),
    "cloud": Kind(sky.draw_cloud, 0.45, "sky"),
    "rainbow": Kind(sky.draw_rainbow, 0.9, "sky"),
    "book": Kind(things.draw_book, 0.35),
    "computer": Kind(things.draw_computer, 0.6),
    "phone": Kind(things.draw_phone, 0.4),
    "lamp": Kind(things.draw_lamp, 0.8),
    "clock": Kind(things.draw_clock, 0.35, "sky"),
    "candle": Kind(things.draw_candle, 0.35),
    "umbrella": Kind(things.draw_umbrella, 0.55),
    "bench": Kind(things.draw_bench, 0.4),
    "coral": Kind(nature.draw_coral, 0.45),
    "chair": Kind(things.draw_chair, 0.9),
    "marker": Kind(draw_marker, 0.35),
}


def draw_object(draw: ImageDraw.ImageDraw, kind: str, box: Box, look: Look) -> None:
    """Draw ``kind`` inside ``box``; a box too small to show anything is left empty."""
    left, top, right, bottom = box
    if right - left < 12 or bottom - top < 12:
        return
    KINDS[kind].draw(draw, box, look)


# Where a label points on a dish: (the drawing's aspect, the holder's rim, the food), in the
# unit coordinates of the drawing's frame. A plate label points at the rim, a dish's at the food.
_DISH_POINTS: dict[str, tuple[float, tuple[float, float], tuple[float, float]]] = {
    **{
        dish: (2.1, (0.1, 0.62), (0.5, 0.45))
        for dish in ("plate", "pasta", "salad", "pizza", "omelette", "steak")
    },
    "soup": (1.5, (0.12, 0.75), (0.5, 0.45)),
    "bowl": (1.5, (0.12, 0.75), (0.5, 0.45)),
    "cake": (1.2, (0.08, 0.93), (0.5, 0.6)),
    "burger": (1.25, (0.08, 0.92), (0.5, 0.5)),
    "bread": (2.0, (0.1, 0.9), (0.5, 0.5)),
}


def label_point(kind: str, box: Box, holder: bool) -> tuple[float, float]:
    """The point a label's leader line ends at: on a dish, the rim for the plate or bowl
    (``holder``) and the food otherwise; the foot of the box for every other kind."""
    points = _DISH_POINTS.get(kind)
    if points is None:
        return ((box[0] + box[2]) / 2, box[3])
    aspect, rim, middle = points
    return fit(box, aspect).at(*(rim if holder else middle))
