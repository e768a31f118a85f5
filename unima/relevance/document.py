"""Documents: sections written from the answer, carrying its key terms."""

from __future__ import annotations

from pydantic import ValidationError

from unima.relevance.inputs import Findings, RelevanceInputs
from unima.relevance.terms import key_terms, shown
from unima.tools.document.arguments import DocumentArguments
from unima.types import Relevance

# A document that carries the answer holds most of its key terms; 0.4 leaves room for an answer
# text that adds a sentence around the document (what to read first, a closing remark).
MINIMUM_ANSWER_COVERAGE = 0.4
# At least half the sections must speak of the answer's subject (a references or appendix
# section may not).
MINIMUM_SECTIONS_FROM_ANSWER = 0.5


def check_document(inputs: RelevanceInputs) -> Relevance | None:
    """Judge a ``render_document`` artifact."""
    findings = Findings()
    try:
        arguments = DocumentArguments.model_validate(inputs.step.arguments)
    except ValidationError:
        # Another backend registered under this tool name, with arguments of its own: these
        # checks read the embedded tool's arguments, so they cannot judge it (not a failure).
        return None
    answer = inputs.subject_terms
    sections = [f"{section.heading}\n{section.body}" for section in arguments.sections]
    tables = [
        " ".join(
            [table.caption, *table.columns, *(str(cell) for row in table.rows for cell in row)]
        )
        for table in arguments.tables
    ]
    document_terms = key_terms("\n".join([arguments.title, arguments.body, *sections, *tables]))
    covered = [word for stem, word in answer.items() if stem in document_terms]
    coverage = len(covered) / len(answer) if answer else 1.0
    findings.checks.update(answer_terms=len(answer), answer_coverage=round(coverage, 3))
    if coverage < MINIMUM_ANSWER_COVERAGE:
        missing = [word for stem, word in answer.items() if stem not in document_terms]
        findings.fail(
            "document_not_answer",
            f"the document holds {len(covered)} of the answer's {len(answer)} key terms "
            f"({coverage:.0%}, at least {MINIMUM_ANSWER_COVERAGE:.0%} expected); "
            f"missing {shown(missing, 6)}",
        )
    if sections and answer:
        from_answer = [
            section.heading
            for section, text in zip(arguments.sections, sections, strict=True)
            if key_terms(text).keys() & answer.keys()
        ]
        share = len(from_answer) / len(sections)
        findings.checks["sections_from_answer"] = round(share, 3)
        if share < MINIMUM_SECTIONS_FROM_ANSWER:
            foreign = [s.heading for s in arguments.sections if s.heading not in from_answer]
            findings.fail(
                "sections_not_from_answer",
                f"{len(foreign)} of {len(sections)} sections share no key term with the answer: "
                f"{shown(foreign, 4)}",
            )
    return findings.result()
