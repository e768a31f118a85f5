"""3D models: a model that stands for something the request or the answer names."""

from __future__ import annotations

import re

from unima.relevance.inputs import Findings, RelevanceInputs
from unima.relevance.terms import key_terms
from unima.types import Relevance


def check_mesh(inputs: RelevanceInputs) -> Relevance | None:
    """Judge a ``generate_mesh`` artifact by its name: it must name the request's or answer's subject."""
    if "name" not in inputs.step.arguments:
        return None  # another backend's arguments: nothing here to judge it by
    findings = Findings()
    name = str(inputs.step.arguments.get("name", ""))
    # "water_molecule", "waterMolecule" and "water-molecule" name the same two words.
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", re.sub(r"[_\-.]+", " ", name))
    terms = key_terms(words)
    findings.checks["name_terms"] = sorted(terms.values())
    if not terms:
        findings.fail(
            "model_names_nothing",
            f"the 3D model is named {name!r}, which names no subject of the request or answer",
        )
        return findings.result()
    subject = inputs.question_terms.keys() | inputs.answer_terms.keys()
    if not terms.keys() & subject:
        findings.fail(
            "model_not_in_answer",
            f"the 3D model {name!r} stands for nothing the request or the answer names",
        )
    return findings.result()
