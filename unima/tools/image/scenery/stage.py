"""Where things go in a scene: the geometry of its setting, fixed before anything is drawn.

``plan_stage`` sets the horizon and the line objects stand on, so the layout can place objects
and ask the setting for parts that labels point at (``Marks``): a river through the "River"
label's place, the moon over the "Night" label, a shore for things that stand on land.
"""

from __future__ import annotations

from dataclasses import dataclass

# Parts of each setting a label can name (see ``words.FEATURE_WORDS``).
SKY_FEATURES = frozenset({"night", "sky", "rain"})


@dataclass(frozen=True)
class Stage:
    """Where things go in the picture: ``top`` is below the title, ``bottom`` above the caption,
    objects stand on ``ground`` and their labels hang below it; ``horizon`` is where the sky,
    the wall or the sea ends."""

    backdrop: str
    details: frozenset[str]
    width: int
    height: int
    top: float
    bottom: float
    horizon: float
    ground: float

    @property
    def night(self) -> bool:
        """Whether the scene is at night."""
        return "night" in self.details

    @property
    def shore(self) -> float:
        """The sea's edge, in the sea backdrop: sand from here down."""
        return self.ground - (self.ground - self.horizon) * 0.3

    @property
    def water_line(self) -> float:
        """Where boats float: on the open sea, above the shore."""
        return self.horizon + (self.shore - self.horizon) * 0.75

    @property
    def sky_body(self) -> float:
        """The height of the sun or the moon."""
        return self.top + (self.horizon - self.top) * 0.35

    @property
    def sky_body_radius(self) -> float:
        """The radius of the sun or the moon."""
        return max(4.0, min(self.width, self.height) * 0.055)


def features_of(backdrop: str, details: frozenset[str]) -> frozenset[str]:
    """The parts of a setting a label may point at ("Snow" only where snow is drawn)."""
    base = {
        "landscape": {"sky", "ground", "landscape", "river", "lake"},
        "sea": {"sky", "sea", "lake", "ground"},
        "table": {"table"},
        "room": {"table", "room"},
        "underwater": {"sea", "ground"},
        "space": {"space", "sky"},
    }[backdrop]
    if backdrop in {"landscape", "sea"}:
        base |= {"night", "snow", "rain"} & details
    return frozenset(base)


@dataclass(frozen=True)
class Marks:
    """What the layout asks of the setting: the river's x, the lake's span, the sun's or moon's
    x (``None``: the seed chooses, ``nan``: none, because a label draws its own), and whether
    the sea has a shore for things that stand on land."""

    river: float | None = None
    lake: tuple[float, float] | None = None
    sky_body: float | None = None
    shore: bool = False


def plan_stage(
    backdrop: str,
    details: frozenset[str],
    size: tuple[int, int],
    top: float,
    bottom: float,
    tag_height: float,
) -> Stage:
    """The geometry of ``backdrop`` between ``top`` and ``bottom``, leaving ``tag_height`` for
    the labels under the objects."""
    width, height = size
    margin = max(4.0, height / 80)
    ground = max(top + (bottom - top) * 0.5, bottom - tag_height - 2 * margin)
    share = {"landscape": 0.42, "sea": 0.4, "table": 0.2, "room": 0.72}.get(backdrop, 0.0)
    horizon = top + (ground - top) * share if share else top
    return Stage(backdrop, details, width, height, top, bottom, horizon, ground)


def tag_anchor(stage: Stage, feature: str, slot_x: float) -> tuple[float, float] | None:
    """Where a feature's label hangs when it is not in the row of labels on the ground: under
    the moon for the night or the sky, on the water for the sea. Returns the tag's top centre,
    or ``None``."""
    if feature in SKY_FEATURES and stage.backdrop in {"landscape", "sea"}:
        return (slot_x, stage.sky_body + stage.sky_body_radius * 1.7)
    if feature in {"sea", "lake"} and stage.backdrop == "sea":
        return (slot_x, (stage.horizon + stage.shore) / 2)
    return None
