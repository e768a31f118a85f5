"""Narration: spoken words (heard back when the speech tool transcribed them) that say the answer."""

from __future__ import annotations

from unima.relevance.inputs import Findings, RelevanceInputs
from unima.relevance.terms import key_terms, metadata_share, shown
from unima.types import Relevance

# A narration that reads the answer shares most of its key terms with it; 0.3 leaves room for
# transcription errors, a spoken introduction and a narration that expands on a short answer.
MINIMUM_NARRATION_OVERLAP = 0.3
# Past this share of file words (seconds, pixels, wav ...) a narration reads metadata.
MAXIMUM_METADATA_SHARE = 0.25


def check_narration(text: str, inputs: RelevanceInputs, findings: Findings) -> None:
    """Fail ``findings`` when the spoken ``text`` does not say the answer."""
    terms = key_terms(text)
    answer = inputs.answer_terms
    shared = [word for stem, word in terms.items() if stem in answer]
    overlap = len(shared) / len(terms) if terms else 0.0
    share = metadata_share(text)
    findings.checks.update(
        narration_terms=len(terms),
        narration_overlap=round(overlap, 3),
        metadata_share=round(share, 3),
    )
    if share > MAXIMUM_METADATA_SHARE:
        findings.fail(
            "narration_reads_metadata",
            f"the narration describes a file rather than the answer "
            f"({share:.0%} of its words are file facts such as durations, sizes and formats)",
        )
    elif not terms:
        findings.fail("narration_says_nothing", "the narration has no key terms at all")
    elif overlap < MINIMUM_NARRATION_OVERLAP:
        findings.fail(
            "narration_not_answer",
            f"only {len(shared)} of the narration's {len(terms)} key terms are the answer's "
            f"({overlap:.0%}, at least {MINIMUM_NARRATION_OVERLAP:.0%} expected); it says "
            f"{shown(terms.values(), 6)}",
        )


def check_speech(inputs: RelevanceInputs) -> Relevance | None:
    """Judge a ``synthesize_speech`` artifact by what was heard back, else by its script."""
    transcript = inputs.verification_checks.get("transcript")
    if not (isinstance(transcript, str) and transcript.strip()) and (
        "script" not in inputs.step.arguments
    ):
        return None  # another backend's arguments and nothing heard back: nothing to judge by
    findings = Findings()
    if isinstance(transcript, str) and transcript.strip():
        text, source = transcript, "transcript"
    else:
        text, source = str(inputs.step.arguments.get("script", "")), "script"
    findings.checks["judged_text"] = source
    check_narration(text, inputs, findings)
    return findings.result()
