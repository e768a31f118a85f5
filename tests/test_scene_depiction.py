"""Procedural illustrations depict their subject: the right setting, the named objects, and a
plain marker (never some other object) for a label the renderer cannot draw."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy
import pytest
from PIL import Image, ImageDraw

from unima.backends.ocr import recognize
from unima.tools.image.arguments import ImageArguments
from unima.tools.image.scene import Item, draw_illustration, scene_items
from unima.tools.image.scenery.objects import KINDS, draw_marker, draw_object
from unima.tools.image.scenery.shapes import Look
from unima.tools.image.scenery.words import (
    backdrop_for,
    details_for,
    dish_for,
    object_for,
    objects_in,
)

CARBONARA: dict[str, Any] = {
    "title": "Plated dish of spaghetti carbonara",
    "labels": ["Plated dish", "Spaghetti carbonara"],
}
FOX: dict[str, Any] = {"title": "Red fox in the snow", "labels": ["Red fox", "Snow"]}
ROCKET: dict[str, Any] = {"title": "A rocket launching at night", "labels": ["Rocket", "Night"]}
VILLAGE: dict[str, Any] = {
    "title": "A village with a church and a river",
    "labels": ["Village", "Church", "River"],
}
SOLAR: dict[str, Any] = {"title": "The solar system", "labels": ["Solar system"]}


def render(tmp_path: Path, name: str = "scene", **raw: object) -> numpy.ndarray:
    """Draw an illustration and return its pixels (height x width x RGB)."""
    arguments = ImageArguments.model_validate({"kind": "illustration", **raw})
    path = tmp_path / f"{name}.png"
    draw_illustration(arguments, path)
    with Image.open(path) as image:
        return numpy.asarray(image.convert("RGB"), dtype=numpy.int16)


def items_for(title: str, labels: list[str], caption: str = "") -> list[Item]:
    texts = [title, *labels, caption]
    return scene_items(labels, texts, backdrop_for(texts), random.Random(0))


@pytest.mark.parametrize(
    ("texts", "backdrop"),
    [
        (["Plated dish of spaghetti carbonara", "Plated dish", "Spaghetti carbonara"], "table"),
        (["A bowl of tomato soup"], "table"),
        (["Red fox in the snow", "Red fox", "Snow"], "landscape"),
        (["A rocket launching at night", "Rocket", "Night"], "landscape"),
        (["A village with a church and a river"], "landscape"),
        (["The solar system", "Solar system"], "space"),
        (["An astronaut on the moon"], "space"),
        (["A laptop and a cup of coffee on a desk", "Laptop", "Coffee cup", "Desk"], "room"),
        (["A sailing boat on the sea", "Sailboat"], "sea"),
        (["Goldfish in an aquarium"], "underwater"),
        (["A cat"], "landscape"),
        (["Test picture"], "landscape"),
    ],
)
def test_the_subject_chooses_the_setting(texts: list[str], backdrop: str) -> None:
    assert backdrop_for(texts) == backdrop


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("Plated dish", "plate"),
        ("Spaghetti carbonara", "pasta"),
        ("Carbonara", "pasta"),  # not a car
        ("Red fox", "fox"),
        ("Church", "church"),
        ("Apple tree", "tree"),  # the head noun wins
        ("Palm tree", "palm"),
        ("Bowl of soup", "bowl"),
        ("Knives", "knife"),
        ("Cherries", "cherry"),
        ("Houses", "house"),
        ("Solar system", "solar system"),
        ("Saturn", "planet"),
        ("Laptop", "computer"),
        ("Flux capacitor", None),
        ("Time circuits", None),
        ("Snow", None),
        ("", None),
    ],
)
def test_labels_name_the_objects_drawn(label: str, kind: str | None) -> None:
    assert object_for(label) == kind
    assert kind is None or kind in KINDS


def test_details_and_dishes_come_from_the_words() -> None:
    assert {"bacon", "pepper", "cheese", "egg"} <= details_for(["Spaghetti carbonara"])
    assert {"night", "launch"} <= details_for(["A rocket launching at night"])
    assert "tomato" in details_for(["Spaghetti bolognese"])
    assert dish_for(["Plated dish of spaghetti carbonara"]) == "pasta"
    assert dish_for(["A plated dish"]) == "food"
    assert dish_for(["A cat"]) == ""
    assert objects_in("A cat sleeping on a book") == ["cat", "book"]
    assert objects_in("An apple tree in the snow") == ["tree"]


def test_an_unknown_label_gets_a_marker_not_another_object() -> None:
    items = items_for("A flux capacitor", ["Flux capacitor", "Time circuits"])
    assert [(item.kind, item.labels) for item in items] == [
        ("marker", ("Flux capacitor",)),
        ("marker", ("Time circuits",)),
    ]
    # A part of the setting that this setting does not draw is a marker too.
    table = items_for("Spaghetti on a plate", ["Spaghetti", "Snow"])
    assert [item.kind for item in table] == ["pasta", "marker"]


def test_a_dish_and_its_plate_are_one_object_with_two_labels() -> None:
    items = items_for(CARBONARA["title"], CARBONARA["labels"])
    assert items == [
        Item("pasta", ("Plated dish", "Spaghetti carbonara"), holder_label="Plated dish")
    ]
    soup = items_for("A bowl of tomato soup", ["Bowl", "Tomato soup"])
    assert [(item.kind, item.labels, item.holds) for item in soup] == [
        ("soup", ("Bowl", "Tomato soup"), "soup")
    ]
    plate = items_for("A plate of spaghetti", ["Plate"])
    assert [(item.kind, item.holds) for item in plate] == [("plate", "pasta")]


def test_labels_for_the_setting_point_at_it() -> None:
    fox = items_for(FOX["title"], FOX["labels"])
    assert [(item.kind, item.feature) for item in fox] == [("fox", False), ("snow", True)]
    village = items_for(VILLAGE["title"], VILLAGE["labels"])
    assert [(item.kind, item.feature) for item in village] == [
        ("village", False),
        ("church", False),
        ("river", True),
    ]


def test_objects_the_title_names_are_shown_even_without_a_label() -> None:
    items = items_for("A cat sleeping on a book", ["Cat"])
    assert [(item.kind, item.labels) for item in items] == [("cat", ("Cat",)), ("book", ())]
    # "Farm animals" names the group of the labelled animals, not one more animal.
    farm = items_for("Farm animals", ["Cow", "Sheep"])
    assert [item.kind for item in farm] == ["cow", "sheep"]
    assert [item.kind for item in items_for("A cat", [])] == ["cat"]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_object_draws_inside_its_box_and_deterministically(kind: str) -> None:
    box = (40, 30, 260, 190)
    background = (123, 77, 201)  # a colour no drawing uses

    def drawn(seed: int) -> numpy.ndarray:
        image = Image.new("RGB", (300, 220), background)
        look = Look(random.Random(seed), None, frozenset({"bacon", "launch"}), "pasta")
        draw_object(ImageDraw.Draw(image, "RGBA"), kind, box, look)
        return numpy.asarray(image, dtype=numpy.int16)

    pixels = drawn(3)
    changed = (pixels != background).any(axis=2)
    inside = changed[box[1] : box[3], box[0] : box[2]]
    assert inside.mean() > 0.04, f"{kind} left its box nearly empty"
    # Outlines may straddle the box edge by a pixel; nothing else is drawn outside it.
    grown = numpy.zeros_like(changed)
    grown[box[1] - 2 : box[3] + 2, box[0] - 2 : box[2] + 2] = True
    assert not (changed & ~grown).any(), f"{kind} spilled outside its box"
    assert (drawn(3) == pixels).all()


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("box", [(0, 0, 7, 7), (0, 0, 12, 12), (0, 0, 13, 60), (0, 0, 60, 13)])
def test_tiny_boxes_draw_without_error(kind: str, box: tuple[int, int, int, int]) -> None:
    image = Image.new("RGB", (64, 64), (255, 255, 255))
    draw_object(ImageDraw.Draw(image, "RGBA"), kind, box, Look(random.Random(0)))


def test_a_dish_is_drawn_on_a_table_not_under_a_sky(tmp_path: Path) -> None:
    pixels = render(tmp_path, **CARBONARA)
    height, width, _ = pixels.shape
    red, green, blue = (pixels[..., channel] for channel in range(3))
    scene = slice(height // 5, height * 4 // 5)
    wood = (red > green) & (green > blue) & (red - blue > 40) & (red < 220)
    sky = (blue > red + 30) & (blue > 150)
    assert wood[scene].mean() > 0.25
    assert sky[scene].mean() < 0.01
    # The middle of the picture is the plate and the pasta: light, creamy pixels.
    middle = pixels[height * 9 // 16 : height * 11 // 16, width * 3 // 8 : width * 5 // 8]
    creamy = (middle[..., 0] > 200) & (middle[..., 1] > 170) & (middle[..., 2] > 80)
    assert creamy.mean() > 0.3


def test_a_fox_in_the_snow_is_orange_on_white(tmp_path: Path) -> None:
    pixels = render(tmp_path, **FOX)
    height = pixels.shape[0]
    lower = pixels[height * 3 // 5 :]
    assert (lower.min(axis=2) > 200).mean() > 0.5  # snow
    orange = (
        (pixels[..., 0] > 180)
        & (pixels[..., 1] > 70)
        & (pixels[..., 1] < 130)
        & (pixels[..., 2] < 70)
    )
    assert orange.sum() > 5000  # the fox


def test_space_is_dark_and_night_has_a_dark_sky(tmp_path: Path) -> None:
    solar = render(tmp_path, "solar", **SOLAR)
    height = solar.shape[0]
    assert solar[height // 5 : height // 3].mean() < 50
    rocket = render(tmp_path, "rocket", **ROCKET)
    assert rocket[height // 6 : height // 4].mean() < 80


def test_an_unknown_label_shows_the_marker(tmp_path: Path) -> None:
    pixels = render(tmp_path, title="A flux capacitor", labels=["Flux capacitor"])
    marker = numpy.array((95, 110, 135))
    assert (numpy.abs(pixels - marker).max(axis=2) <= 2).sum() > 500
    # The same marker drawn alone, for reference: it is a pin, not any known object.
    image = Image.new("RGB", (60, 100), (255, 255, 255))
    draw_marker(ImageDraw.Draw(image, "RGBA"), (0, 0, 60, 100), Look(random.Random(0)))
    assert (numpy.abs(numpy.asarray(image, dtype=numpy.int16) - marker).max(axis=2) <= 2).any()


def test_the_same_arguments_give_the_same_pixels(tmp_path: Path) -> None:
    for raw in (CARBONARA, FOX, ROCKET, VILLAGE, SOLAR):
        first = render(tmp_path, "first", **raw, seed=7)
        again = render(tmp_path, "again", **raw, seed=7)
        other = render(tmp_path, "other", **raw, seed=8)
        assert (first == again).all()
        assert (first != other).any()


def test_ocr_reads_the_labels_back(tmp_path: Path) -> None:
    for name, raw in (("carbonara", CARBONARA), ("village", VILLAGE)):
        render(tmp_path, name, **raw)
        read = " ".join(line.text for line in recognize(tmp_path / f"{name}.png")).lower()
        for label in raw["labels"]:
            assert str(label).lower() in read, (label, read)


def test_each_object_takes_its_variant_from_its_own_label(tmp_path: Path) -> None:
    pixels = render(tmp_path, title="Saturn and Mars", labels=["Saturn", "Mars"])
    mars = numpy.array((200, 90, 50))
    saturn = numpy.array((230, 200, 140))
    assert (numpy.abs(pixels - mars).max(axis=2) <= 2).sum() > 2000
    assert (numpy.abs(pixels - saturn).max(axis=2) <= 2).sum() > 2000
