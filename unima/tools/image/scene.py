"""Procedural illustrations: the subject's setting, with each label drawn as what it names.

The title, labels and caption choose the setting (a table top for a dish, space for planets,
the sea, a room, or a landscape outdoors) and its details (night, snow, a river, the sauce).
Each label becomes the object it names (``scenery.words.object_for``), a part of the setting
("Snow", "River", "Night"), or, when the renderer knows no drawing for it, a neutral pin: a
picture that shows something else under the label would be false. Labels hang under their
objects on white tags that OCR reads back. The seed varies shapes and colours, so the same
arguments always give the same pixels.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image, ImageDraw

from unima.tools.image.arguments import ImageArguments
from unima.tools.image.scenery.backdrops import draw_backdrop
from unima.tools.image.scenery.objects import KINDS, draw_object, label_point
from unima.tools.image.scenery.shapes import Box, Look
from unima.tools.image.scenery.stage import Marks, Stage, features_of, plan_stage, tag_anchor
from unima.tools.image.scenery.words import (
    backdrop_for,
    details_for,
    dish_for,
    feature_for,
    object_for,
    objects_in,
    tint_for,
    words,
)
from unima.tools.image.text import (
    TextBlock,
    draw_caption,
    draw_centered_block,
    draw_notes,
    draw_title,
    fit_text,
)

MAX_LABELS = 12
# A dish merges with the label of the plate it is on, soup with its bowl, two cups into one.
HOLDS: dict[str, frozenset[str]] = {
    "plate": frozenset({"pasta", "salad", "pizza", "omelette", "steak", "cake", "burger", "bread"}),
    "bowl": frozenset({"soup"}),
    "cup": frozenset({"cup"}),
    "glass": frozenset({"glass"}),
}
BOWL_CONTENTS = ("soup", "salad", "fruit", "pasta")
SCENERY = ("tree", "pine", "bush", "rock", "flower")
CATEGORIES = frozenset({"animal", "plate", "fruit"})
FEATURE_SHARE = 0.55  # a label for part of the setting needs less room than an object
FILL = {"landscape": 0.9, "sea": 0.8, "table": 0.85, "room": 0.75, "underwater": 0.8, "space": 0.8}


@dataclass(frozen=True)
class Item:
    """One thing in the scene and the labels tagged on it (none for unlabelled scenery)."""

    kind: str
    labels: tuple[str, ...] = ()
    feature: bool = False
    holds: str = ""
    holder_label: str = ""  # in a merged dish, the label naming the plate or bowl


@dataclass(frozen=True)
class Placed:
    """An item with its place: its slot across the picture and the box it is drawn in."""

    item: Item
    left: float
    right: float
    box: Box

    @property
    def center(self) -> float:
        """The middle of the slot, where the object and its label are centred."""
        return (self.left + self.right) / 2


def scene_items(
    labels: Sequence[str], texts: Sequence[str], backdrop: str, rng: random.Random
) -> list[Item]:
    """What the scene shows: one item per label (a dish and its plate merged), then objects the
    texts name that no label shows, or seeded scenery when nothing is named at all.

    A label becomes the object it names, else the part of the setting it names where the
    setting has it, else a ``marker``.
    """
    details = details_for(texts)
    features = features_of(backdrop, details)
    items: list[Item] = []
    for label in (label for label in labels[:MAX_LABELS] if label.strip()):
        kind = object_for(label)
        feature = feature_for(label)
        if kind:
            _add(items, Item(kind, (label,)))
        elif feature in features:
            items.append(Item(feature, (label,), feature=True))
        else:
            items.append(Item("marker", (label,)))
    shown = {item.kind for item in items}
    for kind in objects_in(texts[0]) if texts else ():
        # "Farm animals" over labelled animals names the group, not one more animal.
        if items and kind in CATEGORIES:
            continue
        if kind not in shown and len(items) < MAX_LABELS and not _held(kind, shown):
            _add(items, Item(kind))
            shown.add(kind)
    if not items and backdrop == "landscape":
        items = [Item(rng.choice(SCENERY)) for _ in range(rng.randint(3, 5))]
    return [_fill(item, texts) for item in items]


def _held(kind: str, shown: set[str]) -> bool:
    """Whether ``kind`` is already shown by an item that holds it (a plate of pasta)."""
    return any(kind in HOLDS.get(holder, ()) or holder in HOLDS.get(kind, ()) for holder in shown)


def _add(items: list[Item], new: Item) -> None:
    """Append ``new``, or merge it with the holder or the dish it belongs with."""
    for index, item in enumerate(items):
        if len(item.labels) != 1 or item.holder_label:
            continue
        if new.kind in HOLDS.get(item.kind, ()):
            items[index] = Item(new.kind, item.labels + new.labels, holder_label=item.labels[0])
            return
        if item.kind in HOLDS.get(new.kind, ()):
            items[index] = Item(
                item.kind,
                item.labels + new.labels,
                holder_label=new.labels[0] if new.labels else "",
            )
            return
    items.append(new)


def _fill(item: Item, texts: Sequence[str]) -> Item:
    """Say what a plate or bowl holds, from the texts."""
    if item.kind == "plate":
        empty = any("empty" in words(text) for text in texts)
        return replace(item, holds="" if empty else dish_for(texts))
    if item.kind == "bowl":
        named = {kind for text in texts for kind in objects_in(text)}
        return replace(item, holds=next((kind for kind in BOWL_CONTENTS if kind in named), ""))
    if item.kind == "soup":
        return replace(item, holds="soup")
    return item


def draw_illustration(arguments: ImageArguments, path: Path) -> None:
    """Draw the scene with its labels, title, notes and caption; save it as a PNG."""
    rng = random.Random(arguments.seed)
    width, height = arguments.width, arguments.height
    texts = [arguments.title, *arguments.labels, arguments.caption]
    backdrop = backdrop_for(texts)
    details = details_for(texts)
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image, "RGBA")
    items = scene_items(list(arguments.labels), texts, backdrop, rng)
    slots = _slots(items, width)
    blocks = [
        _tag_blocks(draw, item, right - left, (width, height))
        for item, (left, right) in zip(items, slots, strict=True)
    ]
    tag_height = max((block.height + 8 for group in blocks for block in group), default=0)
    top, bottom = _text_bounds(arguments)
    stage = plan_stage(backdrop, details, (width, height), top + 4, bottom, tag_height)
    placed = [_place(item, slot, stage, items) for item, slot in zip(items, slots, strict=True)]
    draw_backdrop(draw, stage, rng, _marks(placed, stage))
    for place in placed:
        if not place.item.feature:
            # An object's variant and colour come from its own labels ("White wine", "Saturn");
            # one the title names without a label takes them from the title.
            named = " ".join(place.item.labels) or arguments.title
            look = Look(
                random.Random(rng.random()),
                tint_for(named),
                details,
                place.item.holds,
                frozenset(words(named)),
            )
            draw_object(draw, place.item.kind, place.box, look)
    for place, group in zip(placed, blocks, strict=True):
        _draw_tags(draw, place, group, stage)
    _text_layers(image, arguments, top, bottom)
    image.save(path, format="PNG")


def _slots(items: Sequence[Item], width: int) -> list[tuple[float, float]]:
    """Each item's share of the picture's width, left to right."""
    shares = [FEATURE_SHARE if item.feature else 1.0 for item in items]
    margin = width * 0.03
    usable, total = width - 2 * margin, sum(shares) or 1.0
    slots, x = [], margin
    for share in shares:
        slots.append((x, x + usable * share / total))
        x += usable * share / total
    return slots


def _tag_blocks(
    draw: ImageDraw.ImageDraw, item: Item, slot_width: float, size: tuple[int, int]
) -> list[TextBlock]:
    """The item's labels laid out to fit side by side under it, each at most 45% of the width."""
    width, height = size
    tag_width = min(slot_width * 0.92 / max(1, len(item.labels)), width * 0.45)
    return [
        fit_text(
            draw,
            label,
            tag_width - 8,
            height * 0.09,
            largest=max(12, int(height / 32)),
            max_lines=2,
        )
        for label in item.labels
    ]


def _band(stage: Stage, kind: str) -> str:
    """Where a kind goes: ``ground``, ``sky``, or ``float`` mid-picture (everything in space;
    underwater, which has no sky, fish and whatever would hang in the sky)."""
    place = KINDS[kind].place
    if stage.backdrop == "space" or (
        stage.backdrop == "underwater" and (kind == "fish" or place == "sky")
    ):
        return "float"
    return place


def _place(item: Item, slot: tuple[float, float], stage: Stage, items: Sequence[Item]) -> Placed:
    """The box ``item`` is drawn in: on the ground, in the sky, or floating mid-picture.

    Heights follow each kind's size relative to the tallest kind in the same band, so a fox
    beside a house is smaller than the house, and a fox alone fills the picture.
    """
    left, right = slot
    center = (left + right) / 2
    if item.feature:
        return Placed(item, left, right, (center, stage.ground, center, stage.ground))
    kind = KINDS[item.kind]
    band = _band(stage, item.kind)
    # A marker keeps its own small size: it stands for a label, it is not the subject.
    peers = [
        KINDS[other.kind].size
        for other in items
        if not other.feature and other.kind != "marker" and _band(stage, other.kind) == band
    ]
    share = kind.size if item.kind == "marker" else kind.size / max(peers)
    half = min((right - left) * 0.45, stage.width * kind.span / 2)
    if band == "ground":
        base = (
            stage.water_line
            if stage.backdrop == "sea" and item.kind == "boat" and _has_shore(items)
            else stage.ground
        )
        tall = (base - stage.top) * FILL[stage.backdrop] * share
        return Placed(item, left, right, (center - half, base - tall, center + half, base))
    if band == "sky":
        space = max(8.0, stage.horizon - stage.top)
        middle, tall = stage.top + space * 0.5, space * 0.8 * share
    else:
        space = stage.ground - stage.top
        middle, tall = stage.top + space * 0.5, space * 0.8 * share
    return Placed(
        item, left, right, (center - half, middle - tall / 2, center + half, middle + tall / 2)
    )


def _has_shore(items: Sequence[Item]) -> bool:
    """Whether the sea needs land in front: anything but boats, fish and sky stands there."""
    return any(
        not item.feature
        and item.kind not in {"boat", "fish"}
        and KINDS[item.kind].place == "ground"
        for item in items
    )


def _marks(placed: Sequence[Placed], stage: Stage) -> Marks:
    """Put the river through its label's place and the moon over the night's label."""
    kinds = {place.item.kind for place in placed}
    river = next((place.center for place in placed if place.item.kind == "river"), None)
    if river is None and "river" in stage.details and stage.backdrop == "landscape":
        river = stage.width * (0.5 if len(placed) % 2 == 0 else 0.85)
    sky_body = next(
        (
            place.center
            for place in placed
            if place.item.feature and place.item.kind in {"night", "sky"}
        ),
        None,
    )
    if kinds & {"sun", "moon", "solar system"}:
        sky_body = math.nan
    lake = next(((place.left, place.right) for place in placed if place.item.kind == "lake"), None)
    shore = "beach" in stage.details or _has_shore([place.item for place in placed])
    return Marks(river=river, lake=lake, sky_body=sky_body, shore=shore)


def _draw_tags(
    draw: ImageDraw.ImageDraw, place: Placed, blocks: Sequence[TextBlock], stage: Stage
) -> None:
    """Hang each label under its object (or under the moon for the night), on a white tag; a
    dish's labels point with a line at the plate and at the food."""
    item = place.item
    if not blocks:
        return
    count = len(blocks)
    width = place.right - place.left
    box = place.box
    for index, (label, block) in enumerate(zip(item.labels, blocks, strict=True)):
        center = place.left + width * (index + 0.5) / count
        if item.feature:
            anchor = tag_anchor(stage, item.kind, center)
            top = anchor[1] if anchor else stage.ground + 6
        else:
            top = box[3] + 6
        tag_width = _block_width(draw, block) + 16
        tag = (center - tag_width / 2, top, center + tag_width / 2, top + block.height + 8)
        if count > 1:
            point = label_point(item.kind, box, holder=label == item.holder_label)
            draw.line([(center, top), point], fill=(40, 40, 48), width=2)
            draw.ellipse(
                (point[0] - 4, point[1] - 4, point[0] + 4, point[1] + 4), fill=(40, 40, 48)
            )
        draw.rounded_rectangle(tag, radius=6, fill=(255, 255, 255), outline=(60, 60, 60), width=1)
        draw_centered_block(draw, block, tag, (20, 20, 28))


def _block_width(draw: ImageDraw.ImageDraw, block: TextBlock) -> float:
    return max(draw.textlength(line, font=block.font) for line in block.lines)


def _text_bounds(arguments: ImageArguments) -> tuple[float, float]:
    """The y below the title and the y above the caption, measured on a scratch canvas."""
    scratch = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    title_bottom = draw_title(
        scratch, arguments.title, arguments.width, arguments.height, (0, 0, 0)
    )
    caption_top = draw_caption(
        scratch, arguments.caption, arguments.width, arguments.height, (0, 0, 0)
    )
    return title_bottom, caption_top


def _text_layers(
    image: Image.Image, arguments: ImageArguments, title_bottom: float, caption_top: float
) -> None:
    """Title band, notes panel and caption band on translucent white, for contrast over the scene."""
    width, height = image.size
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    overlay_draw = ImageDraw.Draw(overlay)
    overlay_draw.rectangle((0, 0, width, title_bottom), fill=(255, 255, 255, 200))
    if arguments.caption:
        overlay_draw.rectangle((0, caption_top, width, height), fill=(255, 255, 255, 200))
    image.paste(Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB"))
    probe = ImageDraw.Draw(image)
    draw_title(probe, arguments.title, width, height, (20, 24, 32))
    draw_caption(probe, arguments.caption, width, height, (20, 24, 32))
    if arguments.notes:
        panel = (width * 0.68, title_bottom + 6, width - 8, title_bottom + 6 + height * 0.3)
        draw_notes(
            probe,
            list(arguments.notes),
            panel,
            text_fill=(20, 24, 32),
            panel_fill=(255, 255, 245),
            largest=max(12, height // 32),
        )
