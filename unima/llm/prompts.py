"""Prompt templates (``unima/prompts/*.j2``) rendered into chat messages.

Each template starts with ``unima-step: NAME``; a line ``---`` separates the system part from
the user part. The step line lets logs, caches and scripted test models tell the steps apart.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import jinja2

from unima.errors import ReasonerError
from unima.filenames import valid_utf8

STEP_PATTERN = re.compile(r"^unima-step:\s*(\w+)", re.MULTILINE)


@functools.cache
def _environment() -> Any:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("unima", "prompts"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # prompts are plain text, not HTML
    )
    environment.filters["format_tag"] = lambda tag: f"<{tag}>"
    return environment


def render_prompt(template_name: str, **variables: Any) -> tuple[str, str]:
    """Render ``prompts/<template_name>.j2``; returns (system text, user text)."""
    text = _environment().get_template(f"{template_name}.j2").render(**variables)
    text = valid_utf8(text)  # an undecodable file name must not break the request's encoding
    system, separator, user = text.partition("\n---\n")
    if not separator:
        raise ReasonerError(
            f"prompt template {template_name}.j2 has no '---' line between system and user parts"
        )
    return system.strip(), user.strip()


def step_of(text: str) -> str | None:
    """The step name a rendered system prompt belongs to."""
    match = STEP_PATTERN.search(text)
    return match.group(1) if match else None


def extract_json(reply: str) -> Any:
    """The JSON object in a model reply (bare, or inside a ``` fence, or amid prose)."""
    fenced = re.search(r"```(?:json)?\s*(.*?)```", reply, re.DOTALL)
    candidates = [fenced.group(1)] if fenced else []
    candidates.append(reply)
    for candidate in candidates:
        candidate = candidate.strip()
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            pass
        start = candidate.find("{")
        while start != -1:
            try:
                value, _ = json.JSONDecoder().raw_decode(candidate[start:])
                return value
            except json.JSONDecodeError:
                start = candidate.find("{", start + 1)
    raise ReasonerError(f"the model's reply contains no JSON object: {reply[:200]!r}")
