"""The guided reasoner's questions about depictions: what a picture shows, what a model is made of.

Two short JSON questions, each checked like the others (``questions``) and asked through the
``Asker`` (one retry with the problem, then the heuristic's value):

- ``scene``: the 2-6 objects an illustration of the subject shows ("omelette", "plate"). A
  label that is an action, the question, the picture itself ("photo") or a placeholder is
  refused, and so is a list none of whose objects shares a word with the subject or request.
- ``parts``: a few primitives for a 3D model of the subject, each a shape with a bounding
  ``size`` and a ``position`` (one size field for every shape, which a small model fills more
  reliably than per-shape radii). Each becomes a ``MeshPart`` and the whole a ``MeshArguments``;
  a model is refused when it is degenerate: two identical parts, a part under 1% of the
  model's extent (it would not be seen), or parts that float apart.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from unima.reasoners.guided.asking import Asker
from unima.reasoners.guided.questions import (
    JSON_REPLY_TOKENS,
    BadReply,
    Question,
    content_words,
)
from unima.reasoners.heuristic.content import step_arguments
from unima.reasoners.heuristic.text_tools import shorten
from unima.tools.common import parse_color
from unima.tools.image.arguments import ImageArguments
from unima.tools.mesh.arguments import MeshArguments, MeshPart, Shape
from unima.types import PLACEHOLDER_PATTERN, Step, WantedOutput

MAX_OBJECT_CHARS = 40
MAX_OBJECT_WORDS = 4
MAX_PARTS = 12
SMALLEST_SHARE = 0.01  # a part smaller than this share of the model's extent is not seen
# Words for the picture itself, and verbs of the request: never an object in the picture.
_NOT_OBJECTS = frozenset(
    "picture image photo photograph drawing illustration sketch scene view diagram show shows "
    "explain describe draw make create depict illustrate include".split()
)
Size = Annotated[float, Field(gt=0, le=10_000, allow_inf_nan=False)]
Coordinate = Annotated[float, Field(ge=-10_000, le=10_000, allow_inf_nan=False)]


class SceneReply(BaseModel):
    model_config = ConfigDict(extra="ignore")

    objects: list[str] = Field(min_length=2, max_length=6, description="Short object names.")


class PartReply(BaseModel):
    model_config = ConfigDict(extra="ignore")

    shape: Shape
    size: list[Size] = Field(min_length=3, max_length=3, description="[x, y, z] extents.")
    position: list[Coordinate] = Field(min_length=3, max_length=3, description="Centre.")
    rotation_deg: list[float] = Field(default_factory=lambda: [0.0, 0.0, 0.0], max_length=3)
    color: str = Field(default="", max_length=24)


class PartsReply(BaseModel):
    model_config = ConfigDict(extra="ignore")

    parts: list[PartReply] = Field(min_length=1, max_length=MAX_PARTS)


# A part's JSON (shape, size, position, rotation, colour) takes about 45 tokens: room for every
# part the schema allows, so a reply is never cut off mid-object by the cap.
PARTS_TOKENS = 48 * MAX_PARTS + 32


# -- the illustration's objects ---------------------------------------------------------------


def check_scene(subject: str, request: str) -> Callable[[Any], list[str]]:
    """Checks for an illustration's objects: 2-6 distinct short nouns, about the subject."""
    grounding = content_words(f"{subject} {request}")

    def check(reply: Any) -> list[str]:
        assert isinstance(reply, SceneReply)
        objects = [" ".join(PLACEHOLDER_PATTERN.sub(" ", name).split()) for name in reply.objects]
        objects = [name.strip(" .,;:") for name in objects]
        if any(not name for name in objects):
            raise BadReply("an object is empty; give every object a short name")
        for name in objects:
            if len(name) > MAX_OBJECT_CHARS or len(name.split()) > MAX_OBJECT_WORDS:
                raise BadReply(f"the object {name[:60]!r} is too long; use 1 to 3 words")
            if name.lower().split()[0] in _NOT_OBJECTS or name.lower() in _NOT_OBJECTS:
                raise BadReply(f"{name!r} is not a thing in the picture; name the objects it shows")
        if len({name.lower() for name in objects}) != len(objects):
            raise BadReply("two objects have the same name; list each object once")
        if grounding and not any(content_words(name) & grounding for name in objects):
            raise BadReply(
                f"none of the objects is part of {subject or 'the request'!r}; "
                "list the things a picture of it shows"
            )
        return [name[:1].upper() + name[1:] for name in objects]

    return check


def scene_question(subject: str, request: str) -> Question:
    return Question(
        "scene",
        "guided_scene",
        SceneReply,
        check_scene(subject, request),
        max_tokens=JSON_REPLY_TOKENS,
    )


def ask_illustration(
    asker: Asker, step: Step, spec: str, wanted: WantedOutput | None, request: str
) -> tuple[dict[str, Any], str]:
    """An illustration whose labelled objects the model names; the heuristic's if it cannot."""
    subject = (wanted.subject if wanted is not None else "") or str(step.arguments.get("title", ""))
    objects, record = asker.ask(
        scene_question(subject, request),
        tag=step.produces,
        step_id=step.id,
        subject=subject,
        request=shorten(request, 400),
    )
    asker.report(record)
    if objects is None:
        return step.arguments, spec
    arguments = ImageArguments.model_validate(
        {**step.arguments, "kind": "illustration", "labels": objects}
    )
    return step_arguments(arguments), shorten(
        f"An illustration of {subject}, showing {', '.join(objects)}.", 300
    )


# -- the 3D model's parts ---------------------------------------------------------------------


def mesh_part(reply: PartReply) -> MeshPart:
    """The ``MeshPart`` a bounding size stands for (radius and height from the box it fills)."""
    x, y, z = reply.size
    across = max(x, y) / 2
    fields: dict[str, Any] = {}
    if reply.shape in ("box", "wedge"):
        fields["size"] = list(reply.size)
    elif reply.shape == "sphere":
        fields["radius"] = max(x, y, z) / 2
    elif reply.shape in ("cylinder", "cone"):
        fields.update(radius=across, height=z)
    elif reply.shape == "capsule":
        fields.update(radius=across, height=max(z, 2 * across))
    else:  # a torus: its outer radius fills x and y, its tube z
        minor = min(z / 2, across * 0.4)
        fields.update(radius=across - minor, minor_radius=minor)
    rotation = [*reply.rotation_deg, 0.0, 0.0, 0.0][:3]
    color = reply.color if reply.color and _is_color(reply.color) else None
    return MeshPart.model_validate(
        {
            "shape": reply.shape,
            "position": list(reply.position),
            "rotation_deg": rotation,
            **fields,
            **({"color": color} if color else {}),
        }
    )


def check_parts(name: str) -> Callable[[Any], list[MeshPart]]:
    """Checks for a model's parts: valid primitives forming one visible, connected model."""

    def check(reply: Any) -> list[MeshPart]:
        assert isinstance(reply, PartsReply)
        try:
            parts = [mesh_part(part) for part in reply.parts]
            MeshArguments(name=name, parts=parts)
        except ValidationError as error:
            issue = error.errors()[0]
            raise BadReply(f"a part is not a valid solid: {issue['msg']}") from error
        seen = set()
        for index, part in enumerate(reply.parts, start=1):
            key = (part.shape, tuple(part.size), tuple(part.position))
            if key in seen:
                raise BadReply(f"part {index} repeats another part exactly; remove it")
            seen.add(key)
        extent = _extent(reply.parts)
        for index, part in enumerate(reply.parts, start=1):
            if max(part.size) < SMALLEST_SHARE * extent:
                raise BadReply(
                    f"part {index} is {max(part.size):g} mm in a model {extent:g} mm across, "
                    "too small to see; make it bigger or leave it out"
                )
        apart = _floating(reply.parts)
        if apart:
            raise BadReply(f"part {apart} does not touch the others; move it so the solids touch")
        return parts

    return check


def parts_question(name: str) -> Question:
    return Question("mesh", "guided_mesh", PartsReply, check_parts(name), max_tokens=PARTS_TOKENS)


def ask_model_parts(
    asker: Asker, step: Step, spec: str, wanted: WantedOutput | None, topic: str
) -> tuple[dict[str, Any], str]:
    """A 3D model whose parts the model proposes; the heuristic's template if it cannot."""
    subject = (wanted.subject if wanted is not None else "") or topic
    name = str(step.arguments.get("name", "model"))
    parts, record = asker.ask(
        parts_question(name), tag=step.produces, step_id=step.id, subject=subject
    )
    asker.report(record)
    if parts is None:
        return step.arguments, spec
    # Arguments another backend adds (a Shap-E prompt, a seed) ride along unvalidated here.
    known = {
        key: value for key, value in step.arguments.items() if key in MeshArguments.model_fields
    }
    added = {key: value for key, value in step.arguments.items() if key not in known}
    arguments = MeshArguments.model_validate({**known, "parts": parts})
    count = len(parts)
    return {**step_arguments(arguments), **added}, (
        f"A 3D model of {shorten(subject, 200)} built from {count} "
        f"primitive{'' if count == 1 else 's'}."
    )


def _is_color(value: str) -> bool:
    try:
        parse_color(value)
    except ValueError:
        return False
    return True


def _reach(part: PartReply) -> float:
    """The radius of a sphere around the part's centre that holds it, however it is turned."""
    return math.hypot(*part.size) / 2


def _extent(parts: list[PartReply]) -> float:
    lows = [min(part.position[axis] - _reach(part) for part in parts) for axis in range(3)]
    highs = [max(part.position[axis] + _reach(part) for part in parts) for axis in range(3)]
    return max(high - low for low, high in zip(lows, highs, strict=True))


def _floating(parts: list[PartReply]) -> int | None:
    """The number (from 1) of a part that touches no group the first part belongs to, if any."""
    reached = {0}
    changed = True
    while changed:
        changed = False
        for index, part in enumerate(parts):
            if index in reached:
                continue
            if any(
                math.dist(part.position, parts[other].position)
                <= 1.05 * (_reach(part) + _reach(parts[other]))
                for other in reached
            ):
                reached.add(index)
                changed = True
    missing = [index for index in range(len(parts)) if index not in reached]
    return missing[0] + 1 if missing else None
