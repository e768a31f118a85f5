"""How well does the offline HC/SH proxy agree with the released judged scores? (issue 15, item 8)

The earlier ICS pipeline of the UniM authors (GitHub ``yesbobo1/interleaved_consistency``, the
predecessor of ``liyanlin06/UniM``'s ``evaluation/interleaved_coherence``) ships its judged output:
JSON records holding the captioned response (``content``, placeholders expanded to
``<tagN:caption>``), the captions (``modal``) and the judge's ``score.coherence`` (HC) and
``score.style_consistency`` (SH), 1-5. This script reads every such record from a local clone,
rebuilds what unima's judges would get under ``--protocol unim`` (the raw text with
``<tagN>`` placeholders, the items with those captions, no request: the records carry none), and
prints the Spearman correlation of the judged scores with:

- ``proxy``: unima's offline proxy judge (``ProxyJudge``, rubric ``unim_interleaved``:
  the structural and lexical cues of ``unima.eval.judges.cues``), as shipped;
- ``relevance``: a candidate content signal, the mean cosine similarity (all-MiniLM-L6-v2)
  between each placed item's caption and the prose around it (its sentence and the
  neighbours). It has no parameter fitted to these records: the sentence model, the window and
  the mean were chosen before looking at the scores, and only its rank order is measured.

Record sets: ``all`` (every judged record), ``distinct`` (one per distinct response text; a text
judged twice gets the mean of its scores), ``with placeholders`` (distinct, and at least one
placeholder survives: three records hold their captions pasted in without the tags; two more
hold bare tags with no captions and stay).

    git clone https://github.com/yesbobo1/interleaved_consistency /tmp/ics
    .venv/bin/python docs/measurements/hcsh_proxy_correlation.py /tmp/ics

(A bare git directory works too; the files are read with ``git show HEAD:PATH``.) Needs the
``eval`` extra for the sentence model. Figures are in docs/metrics.md, "HC / SH / ICS".
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from unima.eval.judges.base import paired_scores
from unima.eval.judges.cues import prose_of, sentences
from unima.eval.judges.proxy import ProxyJudge
from unima.types import PLACEHOLDER_PATTERN

TAG_PREFIX = re.compile(r"[a-zA-Z]+")


def judged_records(clone: Path) -> list[dict[str, Any]]:
    """Every JSON object with a judged ``score.coherence`` in the clone's ``*.jsonl`` files."""
    listing = subprocess.run(
        ["git", "-C", str(clone), "ls-tree", "-r", "--name-only", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    records = []
    decoder = json.JSONDecoder()
    for name in sorted(path for path in listing if path.endswith(".jsonl")):
        text = subprocess.run(
            ["git", "-C", str(clone), "show", f"HEAD:{name}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        position = 0
        while True:  # the files hold pretty-printed objects one after another
            while position < len(text) and text[position].isspace():
                position += 1
            if position >= len(text):
                break
            record, position = decoder.raw_decode(text, position)
            score = record.get("score") if isinstance(record, dict) else None
            if isinstance(score, dict) and "coherence" in score:
                record["file"] = name
                records.append(record)
    return records


def unim_payload(record: dict[str, Any]) -> dict[str, Any]:
    """What ``--protocol unim`` gives the judge for this response: raw text, items, no request."""
    content = record["content"]
    for tag, caption in record["modal"].items():
        content = content.replace(f"<{tag}:{caption}>", f"<{tag}>")
    items = [
        {
            "tag": tag,
            "modality": modality_of(tag),
            "caption": " ".join(str(caption).split()),
            "present": True,
        }
        for tag, caption in record["modal"].items()
    ]
    return {"content": content, "response": record["content"], "items": items}


def modality_of(tag: str) -> str:
    match = TAG_PREFIX.match(tag)
    return match.group(0) if match else "unknown"


def caption_relevance(payload: dict[str, Any], embedder: Any) -> float | None:
    """Mean cosine of each placed item's caption with the prose around it (``None``: no item)."""
    text_sentences = sentences(payload["content"])
    captions = {item["tag"]: item["caption"] for item in payload["items"]}
    values = []
    for match in PLACEHOLDER_PATTERN.finditer(payload["content"]):
        tag = f"{match.group(1)}{match.group(2)}"
        if tag not in captions:
            continue
        index = next(i for i, sentence in enumerate(text_sentences) if f"<{tag}>" in sentence)
        window = prose_of(" ".join(text_sentences[max(0, index - 1) : index + 2]))
        values.append(float(embedder.embed(captions[tag]) @ embedder.embed(window)))
    return statistics.fmean(values) if values else None


def ranks(values: list[float]) -> list[float]:
    """Ranks from 1, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    result = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            result[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return result


def spearman(first: list[float], second: list[float]) -> float:
    """Spearman's rho: Pearson's correlation of the ranks."""
    x, y = ranks(first), ranks(second)
    mean_x, mean_y = statistics.fmean(x), statistics.fmean(y)
    covariance = sum((a - mean_x) * (b - mean_y) for a, b in zip(x, y, strict=True))
    spread = (sum((a - mean_x) ** 2 for a in x) * sum((b - mean_y) ** 2 for b in y)) ** 0.5
    return covariance / spread if spread else float("nan")


def distinct(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per response text; a text judged more than once gets its mean scores."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        grouped.setdefault(record["content"], []).append(record)
    merged = []
    for group in grouped.values():
        first = dict(group[0])
        first["score"] = {
            name: statistics.fmean(float(item["score"][name]) for item in group)
            for name in ("coherence", "style_consistency")
        }
        merged.append(first)
    return merged


def report(name: str, records: list[dict[str, Any]], judge: ProxyJudge, embedder: Any) -> None:
    judged_hc = [float(record["score"]["coherence"]) for record in records]
    judged_sh = [float(record["score"]["style_consistency"]) for record in records]
    proxy_hc, proxy_sh = [], []
    for record in records:
        scores = paired_scores(
            judge.score("unim_interleaved", unim_payload(record)), "unim_interleaved"
        )
        proxy_hc.append(float(scores["coherence"] or 0.0))
        proxy_sh.append(float(scores["style"] or 0.0))
    print(
        f"{name:<20} n={len(records):>2}  proxy: HC {spearman(proxy_hc, judged_hc):+.3f}"
        f"  SH {spearman(proxy_sh, judged_sh):+.3f}",
        end="",
    )
    relevance = [caption_relevance(unim_payload(record), embedder) for record in records]
    kept = [index for index, value in enumerate(relevance) if value is not None]
    values = [float(relevance[index] or 0.0) for index in kept]
    print(
        f"   relevance (n={len(kept)}): HC {spearman(values, [judged_hc[i] for i in kept]):+.3f}"
        f"  SH {spearman(values, [judged_sh[i] for i in kept]):+.3f}"
    )


def main() -> None:
    from unima.eval.embeddings import sentence_embedder

    if len(sys.argv) != 2:
        sys.exit(__doc__)
    records = judged_records(Path(sys.argv[1]))
    unique = distinct(records)
    placed = [
        record for record in unique if PLACEHOLDER_PATTERN.search(unim_payload(record)["content"])
    ]
    judged_hc = [float(r["score"]["coherence"]) for r in unique]
    judged_sh = [float(r["score"]["style_consistency"]) for r in unique]
    print(f"judged HC vs judged SH (distinct): {spearman(judged_hc, judged_sh):+.3f}")
    judge, embedder = ProxyJudge(), sentence_embedder()
    report("all", records, judge, embedder)
    report("distinct", unique, judge, embedder)
    report("with placeholders", placed, judge, embedder)


if __name__ == "__main__":
    main()
