"""Labels of a diagram, flowchart, timeline or illustration: do they name what the answer says?"""

from __future__ import annotations

from unima.relevance.inputs import Findings, RelevanceInputs
from unima.relevance.terms import key_terms, shown

# At least half of the labels must name something the answer says: a diagram with most boxes
# foreign to the answer draws something else, even when one box matches by chance.
MINIMUM_LABELS_FROM_ANSWER = 0.5
# An answer that adds fewer terms than this to the question's only restates the question, so a
# diagram restating the question matches it; with this many it says something else, and a
# diagram that only repeats the question's words does not show it.
MINIMUM_ANSWER_ONLY_TERMS = 3


def check_labels(texts: list[str], inputs: RelevanceInputs, findings: Findings) -> None:
    """Fail ``findings`` when the drawn ``texts`` (labels, notes) do not come from the answer."""
    labelled = [(text, key_terms(text)) for text in texts]
    named = [(text, terms) for text, terms in labelled if terms]
    answer = inputs.answer_terms
    findings.checks["labels"] = len(texts)
    if not texts:
        return
    if not inputs.subject_terms:
        # The answer says nothing of substance (the heuristic's "cannot answer" sentence):
        # there is nothing to draw from, the answer says so, and a re-plan cannot change it.
        findings.checks["labels_from_answer"] = "no answer terms to compare"
        return
    if not named:
        findings.fail(
            "labels_name_nothing",
            f"no label names a subject: {shown(texts)} are framing or function words only",
        )
        return
    from_answer = [text for text, terms in named if answer.keys() & terms.keys()]
    share = len(from_answer) / len(named)
    findings.checks["labels_from_answer"] = round(share, 3)
    label_stems = {stem for _, terms in named for stem in terms}
    findings.checks["shared_terms"] = sorted(answer[stem] for stem in label_stems if stem in answer)
    answer_only = inputs.answer_only_terms
    restates = label_stems <= inputs.question_terms.keys()
    if restates and len(answer_only) >= MINIMUM_ANSWER_ONLY_TERMS:
        findings.fail(
            "labels_restate_question",
            f"the labels {shown(text for text, _ in named)} only repeat the question's words, "
            f"while the answer speaks of {shown(answer_only.values(), 6)}",
        )
    elif share < MINIMUM_LABELS_FROM_ANSWER:
        foreign = [text for text, _ in named if text not in from_answer]
        findings.fail(
            "labels_not_in_answer",
            f"{len(foreign)} of {len(named)} labels share no key term with the answer: "
            f"{shown(foreign, 5)}",
        )
