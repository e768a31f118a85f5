"""Code: when the request asks for a result, the program ran and printed or published one."""

from __future__ import annotations

import re

from unima.relevance.inputs import Findings, RelevanceInputs
from unima.types import Relevance

# Words by which a request asks for a computed result rather than only for a program.
RESULT_PATTERN = re.compile(
    r"\b(compute|computes|computed|calculate|calculates|calculated|calculation|evaluate|"
    r"result|results|output|outputs|print|prints|count|how many|how much|total|sum|average|"
    r"mean|median|what is the value)\b",
    re.IGNORECASE,
)


def check_code(inputs: RelevanceInputs) -> Relevance:
    """Judge a ``run_code`` artifact."""
    findings = Findings()
    match = RESULT_PATTERN.search(inputs.request)
    findings.checks["asks_for_result"] = match.group(0).lower() if match else False
    if match is None:
        return findings.result()
    meta = inputs.artifact.meta
    if not meta.get("executed"):
        reason = meta.get("not_executed_reason") or "it was not executed"
        findings.fail(
            "no_result",
            f"the request asks for a result ({match.group(0)!r}) but the program did not run: "
            f"{reason}",
        )
        return findings.result()
    stdout = str(meta.get("stdout") or "").strip()
    published = bool(meta.get("values")) or bool(meta.get("files"))
    findings.checks.update(stdout_characters=len(stdout), published=published)
    if not stdout and not published:
        findings.fail(
            "no_result",
            f"the request asks for a result ({match.group(0)!r}) but the program printed "
            "nothing and published no values or files",
        )
    return findings.result()
