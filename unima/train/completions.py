"""Reading a ``<think>...</think><answer>...</answer>`` completion: its blocks and its steps.

A completion in the level's format (``unima/prompts/tmpo_chain.j2``, and the ToM reasoner's
``format_answer``) is one think block, then one answer block, nothing else. The think block
holds one line per step, each starting with the step's title and a colon (``Perceptual
simulation [video]: ...``); bullets, numbers and bold marks before the title are allowed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from unima.eval.hitemotion.answers import normalise_text
from unima.reasoners.tom.chain import LABEL_STEP, LEVEL_STEPS, STEP_TITLES

THINK_BLOCK = re.compile(r"<think>(.*?)</think>", re.IGNORECASE | re.DOTALL)
ANSWER_BLOCK = re.compile(r"<answer>(.*?)</answer>", re.IGNORECASE | re.DOTALL)
WELL_FORMED = re.compile(
    r"^\s*<think>(?:(?!</?think>|</?answer>).)*</think>\s*"
    r"<answer>(?:(?!</?think>|</?answer>).)*</answer>\s*$",
    re.IGNORECASE | re.DOTALL,
)
TAG = re.compile(r"</?(?:think|answer)>", re.IGNORECASE)
# What may stand before a step title on its line: bullets, numbers, bold or heading marks.
LINE_LEAD = re.compile(r"^[\s\-*•#>\d.)(]*")
# A note between a step's title and its colon: ``Perceptual simulation [video]:``.
NOTE = re.compile(r"\[[^\]]*\]|\([^)]*\)")
SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")


@dataclass(frozen=True)
class StepLine:
    """One line of the think block: the step it opens (``""`` for none) and its text after
    the title."""

    step: str
    text: str


def completion_text(completion: Any) -> str:
    """The text of a completion: a string, or the assistant turns of a chat message list
    (``[{"role": "assistant", "content": ...}]``, as TRL passes conversational completions)."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        return str(completion.get("content") or "")
    if isinstance(completion, Sequence):
        pieces = [
            str(message.get("content") or "")
            for message in completion
            if isinstance(message, dict) and message.get("role", "assistant") == "assistant"
        ]
        return "\n".join(pieces)
    return ""


def think_block(text: str) -> str | None:
    """The content of the first think block, or ``None``."""
    match = THINK_BLOCK.search(text)
    return match.group(1) if match else None


def answer_blocks(text: str) -> list[str]:
    """The contents of every answer block outside the think blocks."""
    return ANSWER_BLOCK.findall(THINK_BLOCK.sub(" ", text))


def well_formed(text: str) -> bool:
    """One think block, then one answer block, and nothing around them but spaces."""
    return WELL_FORMED.match(text) is not None and len(TAG.findall(text)) == 4


def step_lines(think: str, level: int) -> list[StepLine]:
    """The think block's non-empty lines, each with the level step its title opens (if any)."""
    titles = {normalise_text(STEP_TITLES[step]): step for step in LEVEL_STEPS[level]}
    lines = []
    for raw in think.splitlines():
        if not raw.strip():
            continue
        body = LINE_LEAD.sub("", raw)
        head, colon, rest = body.partition(":")
        step = titles.get(normalise_text(NOTE.sub(" ", head))) if colon else None
        lines.append(StepLine(step, rest.strip()) if step else StepLine("", raw.strip()))
    return lines


def reasoning_text(think: str, level: int) -> str:
    """The think block without its label step: what the chain argues before it concludes.

    Lines before the first step title belong to the reasoning too; a chain with no step
    titles at all is all reasoning.
    """
    kept = [line.text for line in step_lines(think, level) if line.step != LABEL_STEP]
    return "\n".join(kept)


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences (line ends, and ``.``, ``!``, ``?``, ``;`` before a space)."""
    pieces = []
    for line in text.splitlines():
        pieces += [piece.strip() for piece in SENTENCE_END.split(line) if piece.strip()]
    return pieces
