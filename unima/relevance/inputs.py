"""What a relevance check sees, and the findings it builds its verdict from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from unima.modalities import PLACEHOLDER_PATTERN, tag_modality
from unima.relevance.terms import answer_substance, key_terms, speaks_of_the_exchange
from unima.types import AnalysisReport, Artifact, OutputSpec, Relevance, RelevanceReason, Step

# Sentence ends and line breaks: where the answer's sentences split.
SENTENCE_PATTERN = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class RelevanceInputs:
    """The run's context for judging one artifact.

    Attributes:
        request: the user's request text.
        answer: the assembled answer text (with its placeholders).
        step: the plan step that produced the artifact (its tool and arguments).
        artifact: the artifact, with its verification (transcripts, cut texts ...).
        analysis: the data analysis report, when the run made one.
        output_spec: the output spec (what each item should be, when it says).
        output_tags: the answer's placeholder tags, in order (to find this item's place).
    """

    request: str
    answer: str
    step: Step
    artifact: Artifact
    analysis: AnalysisReport | None = None
    output_spec: OutputSpec | None = None
    output_tags: tuple[str, ...] = ()

    @cached_property
    def answer_terms(self) -> dict[str, str]:
        """The answer's key terms, its side notes left out."""
        return key_terms(answer_substance(self.answer))

    @cached_property
    def subject_terms(self) -> dict[str, str]:
        """The key terms of the answer's prose about its subject.

        Sentences that speak of the exchange itself, or that place an item (``<image1> is a
        diagram of ...``: they describe the attachments), are left out.
        """
        terms: dict[str, str] = {}
        for sentence in SENTENCE_PATTERN.split(answer_substance(self.answer)):
            if not speaks_of_the_exchange(sentence) and not PLACEHOLDER_PATTERN.search(sentence):
                for stem, word in key_terms(sentence).items():
                    terms.setdefault(stem, word)
        return terms

    @cached_property
    def question_terms(self) -> dict[str, str]:
        return key_terms(self.request)

    @cached_property
    def answer_only_terms(self) -> dict[str, str]:
        """What the answer says of the question's subject beyond the question's own words.

        Only sentences that name the subject (share a term with the question) and do not
        speak of the exchange itself ("the user wants ...", "this question needs ...") count:
        they are where the answer says something of its own about the subject.
        """
        question = self.question_terms
        added: dict[str, str] = {}
        for sentence in SENTENCE_PATTERN.split(answer_substance(self.answer)):
            terms = key_terms(sentence)
            if speaks_of_the_exchange(sentence):
                continue
            if question and not terms.keys() & question.keys():
                continue
            for stem, word in terms.items():
                if stem not in question:
                    added.setdefault(stem, word)
        return added

    def output_index(self) -> int | None:
        """This artifact's place (from 0) among the requested items of its modality."""
        tag = self.step.produces
        same = [
            other for other in self.output_tags if tag_modality(other) == self.artifact.modality
        ]
        return same.index(tag) if tag in same else None

    @property
    def verification_checks(self) -> dict[str, Any]:
        verification = self.artifact.verification
        return dict(verification.checks) if verification is not None else {}


@dataclass
class Findings:
    """Reasons and measurements gathered by one check, turned into a ``Relevance`` at the end."""

    reasons: list[RelevanceReason] = field(default_factory=list)
    checks: dict[str, Any] = field(default_factory=dict)

    def fail(self, name: str, message: str) -> None:
        self.reasons.append(RelevanceReason(name=name, message=message))

    def result(self) -> Relevance:
        return Relevance(passed=not self.reasons, reasons=tuple(self.reasons), checks=self.checks)
