"""The four-legged species ``animals`` draws: proportions and colours for one shared body.

A fox is an orange body with a white chest, black socks, pointed ears and a bushy white-tipped
tail; a horse stands tall with a long neck and a mane; a sheep is a cloud of wool on black legs.
"""

from __future__ import annotations

from dataclasses import dataclass

from unima.tools.image.scenery.shapes import Color


@dataclass(frozen=True)
class Species:
    """The proportions and colours of one four-legged animal, in units of the frame's height."""

    body: Color
    chest: Color | None = None  # chest, belly and lower jaw
    socks: Color | None = None  # lower legs and ear tips
    ears: str = "pointed"  # pointed, floppy, round, long, small, flaps
    tail: str = "thin"  # bushy, thin, curl, hair, tuft, stub
    snout: float = 0.6  # length in head radii
    legs: float = 0.3
    neck: float = 0.15
    bulk: float = 0.3
    leg_width: float = 0.05
    head: float = 0.11
    extra: str = ""  # mane, patches, wool, antlers, trunk, stripes, lion_mane, hump
    tail_tip: Color | None = None


SPECIES: dict[str, Species] = {
    "fox": Species(
        (214, 104, 38),
        (250, 245, 235),
        (45, 30, 25),
        snout=1.0,
        legs=0.26,
        bulk=0.3,
        leg_width=0.04,
        head=0.1,
        tail="bushy",
        tail_tip=(250, 248, 240),
    ),
    "cat": Species((150, 150, 155), (225, 225, 225), snout=0.2, legs=0.26, bulk=0.3, head=0.12),
    "dog": Species((165, 110, 60), (235, 215, 185), ears="floppy", snout=0.7, bulk=0.32, head=0.12),
    "horse": Species(
        (125, 80, 45),
        socks=(60, 40, 25),
        ears="small",
        tail="hair",
        snout=1.1,
        legs=0.42,
        neck=0.4,
        bulk=0.26,
        leg_width=0.045,
        head=0.1,
        extra="mane",
    ),
    "cow": Species(
        (250, 250, 250),
        ears="small",
        tail="tuft",
        snout=0.7,
        legs=0.3,
        neck=0.1,
        bulk=0.34,
        leg_width=0.06,
        head=0.12,
        extra="patches",
    ),
    "sheep": Species(
        (248, 248, 240),
        socks=(35, 35, 35),
        ears="floppy",
        tail="stub",
        snout=0.45,
        legs=0.25,
        neck=0.1,
        bulk=0.36,
        leg_width=0.045,
        head=0.1,
        extra="wool",
    ),
    "wolf": Species(
        (125, 125, 130),
        (215, 215, 215),
        tail="bushy",
        snout=0.95,
        legs=0.3,
        bulk=0.27,
        leg_width=0.045,
        tail_tip=(70, 70, 75),
    ),
    "deer": Species(
        (170, 115, 65),
        (240, 225, 200),
        ears="small",
        tail="stub",
        snout=0.8,
        legs=0.4,
        neck=0.35,
        bulk=0.24,
        leg_width=0.035,
        head=0.09,
        extra="antlers",
    ),
    "bear": Species(
        (95, 60, 35),
        ears="round",
        tail="stub",
        snout=0.5,
        legs=0.24,
        neck=0.05,
        bulk=0.42,
        leg_width=0.08,
        head=0.14,
    ),
    "lion": Species(
        (215, 165, 80),
        ears="round",
        tail="tuft",
        snout=0.5,
        legs=0.3,
        neck=0.1,
        bulk=0.3,
        leg_width=0.06,
        head=0.12,
        extra="lion_mane",
    ),
    "tiger": Species(
        (230, 130, 40),
        (250, 240, 225),
        ears="round",
        snout=0.5,
        legs=0.28,
        neck=0.1,
        bulk=0.3,
        leg_width=0.06,
        head=0.12,
        extra="stripes",
    ),
    "pig": Species(
        (245, 170, 180),
        ears="floppy",
        tail="curl",
        snout=0.45,
        legs=0.2,
        neck=0.05,
        bulk=0.38,
        leg_width=0.06,
        head=0.13,
    ),
    "rabbit": Species(
        (190, 175, 160),
        (245, 240, 235),
        ears="long",
        tail="stub",
        snout=0.3,
        legs=0.12,
        neck=0.12,
        bulk=0.36,
        leg_width=0.07,
        head=0.13,
    ),
    "elephant": Species(
        (150, 150, 160),
        ears="flaps",
        tail="tuft",
        snout=0.0,
        legs=0.34,
        neck=0.05,
        bulk=0.45,
        leg_width=0.1,
        head=0.16,
        extra="trunk",
    ),
    "camel": Species(
        (200, 160, 100),
        ears="small",
        tail="tuft",
        snout=0.9,
        legs=0.42,
        neck=0.4,
        bulk=0.24,
        leg_width=0.04,
        head=0.09,
        extra="hump",
    ),
    "animal": Species((140, 115, 90), (210, 195, 175), snout=0.6, bulk=0.28),
}
