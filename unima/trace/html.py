"""One self-contained HTML page per trace: the answer as a person reads it, and how it was made.

The page has no scripts and loads nothing from the network (its Content-Security-Policy says
so): styles are inline, the reasoning graph and the timeline are inline SVG, and media are
``data:`` URIs or, past a size cap, copies in a folder next to the page. Every piece of text
from the trace (which holds user text) is escaped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from unima.errors import InputError, TraceError, UnsafePathError
from unima.filenames import check_run_id, check_tag
from unima.files import atomic_write_text
from unima.trace.access import ReadableFolders
from unima.trace.attempts import event_notices, plan_order, run_seconds, step_attempts
from unima.trace.preview import DEFAULT_EMBED_LIMIT_BYTES, MediaPlacement, media_preview
from unima.trace.schema import Trace, mental_states
from unima.trace.svg import graph_svg, timeline_svg
from unima.types import PLACEHOLDER_PATTERN, Artifact

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src data: 'self'; media-src data: 'self'; "
    "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
)
ARGUMENT_INLINE_CHARS = 120
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:70rem;margin:1.5rem auto;
padding:0 1rem;line-height:1.45;color:#1d1d1f;background:#fff}
h1{font-size:1.5rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f6}pre{background:#f6f6f9;padding:.6rem;overflow:auto;white-space:pre-wrap}
.answer{font-size:1.05rem;border-left:4px solid #6a4c9c;padding:.3rem 1rem;background:#fbfaff}
figure{margin:.8rem 0;display:block}figure img{max-width:100%;border:1px solid #ddd}
figcaption{font-size:.85rem;color:#555}video{max-width:100%}
.status{display:inline-block;padding:0 .5rem;border-radius:.7rem;font-weight:bold}
.status-ok{background:#c8e6c9}.status-cached{background:#bbdefb}.status-failed{background:#ffcdd2}
.status-partial,.status-running,.status-skipped{background:#fff3c4}
.missing{color:#b00020}.passed{color:#2e7d32;font-weight:bold}.problem{color:#b00020}
.figure-scroll{overflow-x:auto}dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}
dt{font-weight:bold}dd{margin:0}.arguments{font-size:.85rem}.arguments pre{margin:0}
code{font-size:.85rem;word-break:break-word}
"""


def _status(status: str) -> str:
    return f'<span class="status status-{escape(status)}">{escape(status)}</span>'


def _table(header: list[str], rows: list[list[str]], css_class: str = "") -> str:
    """A table whose cells are already HTML (callers escape what they put in)."""
    head = "".join(f"<th>{escape(title)}</th>" for title in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    attribute = f' class="{css_class}"' if css_class else ""
    return f"<table{attribute}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _value(value: Any) -> str:
    if isinstance(value, dict | list | tuple):
        return f"<pre>{escape(json.dumps(value, indent=2, default=str))}</pre>"
    return escape(str(value))


def _arguments(arguments: dict[str, Any]) -> str:
    """Step arguments as a name/value list: code and prose as written, data as compact JSON."""
    if not arguments:
        return "-"
    rows = []
    for name, value in arguments.items():
        if isinstance(value, str) and "\n" in value:
            shown = f"<pre>{escape(value)}</pre>"
        else:
            compact = json.dumps(value, ensure_ascii=False, default=str)
            shown = (
                f"<code>{escape(compact)}</code>"
                if len(compact) <= ARGUMENT_INLINE_CHARS
                else f"<pre>{escape(json.dumps(value, indent=1, ensure_ascii=False, default=str))}</pre>"
            )
        rows.append(f"<dt>{escape(str(name))}</dt><dd>{shown}</dd>")
    return f'<dl class="arguments">{"".join(rows)}</dl>'


def _header(trace: Trace) -> str:
    started = datetime.fromtimestamp(trace.started_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    facts = {
        "status": _status(trace.status),
        "started": escape(started),
        "took": f"{run_seconds(trace):.2f} s",
        "reasoner": escape(trace.reasoner or "-"),
        "unima": escape(trace.unima_version),
        "plan versions": str(len(trace.plans)),
        "judge rounds": str(len(trace.rounds)),
    }
    listing = "".join(f"<dt>{escape(name)}</dt><dd>{value}</dd>" for name, value in facts.items())
    error = (
        f'<p class="problem">error ({escape(trace.error_type or "error")}): '
        f"{escape(trace.error)}</p>"
        if trace.error
        else ""
    )
    return f"<h1>unima run {escape(trace.run_id)}</h1><dl>{listing}</dl>{error}"


def _media(
    tag: object,
    modality: str,
    path_text: str,
    mime: str | None,
    sha256: str | None,
    placement: MediaPlacement,
    readable: ReadableFolders,
) -> str:
    """A preview of one file the trace names, or a note saying why it is not shown.

    The tag must be a placeholder tag (it names the copy next to the page) and the file must
    be one the trace may read; a refused file is named on the page and never opened.
    """
    try:
        checked_tag = check_tag(tag)
        path = readable.check(path_text, sha256)
    except UnsafePathError as error:
        return f'<p class="problem refused">&lt;{escape(str(tag))}&gt; not shown: {escape(str(error))}</p>'
    except InputError:
        return (
            f'<p class="missing">&lt;{escape(str(tag))}&gt; file not found: {escape(path_text)}</p>'
        )
    return media_preview(checked_tag, modality, path, mime, placement)


def _request(trace: Trace, placement: MediaPlacement, readable: ReadableFolders) -> str:
    if trace.request is None:
        return ""
    parts = [f'<h2>Request</h2><pre class="request">{escape(trace.request.text)}</pre>']
    for part in trace.request.parts:
        tag = part.tag or "input"
        if part.path:
            parts.append(
                _media(tag, part.modality, part.path, part.mime, part.sha256, placement, readable)
            )
        elif part.text is not None:
            parts.append(
                f"<figure><pre>{escape(part.text)}</pre><figcaption>&lt;{escape(tag)}&gt; text</figcaption></figure>"
            )
    if trace.perceptions:
        rows = [
            [
                f"&lt;{escape(tag)}&gt;",
                escape(perception.modality),
                escape(perception.backend or "-"),
                f"{perception.seconds:.2f} s",
                escape(perception.summary),
                "<br>".join(
                    f'<span class="problem">{escape(f)}</span>' for f in perception.failures
                ),
            ]
            for tag, perception in trace.perceptions.items()
        ]
        parts.append("<h3>Perceptions</h3>")
        parts.append(_table(["input", "modality", "backend", "time", "summary", "failures"], rows))
    return "".join(parts)


def _answer(trace: Trace, placement: MediaPlacement, readable: ReadableFolders) -> str:
    response = trace.response
    if response is None:
        return '<h2>Answer</h2><p class="missing">this run produced no answer</p>'
    pieces = []
    position = 0
    for match in PLACEHOLDER_PATTERN.finditer(response.content):
        pieces.append(escape(response.content[position : match.start()]).replace("\n", "<br>"))
        tag = f"{match.group(1)}{match.group(2)}"
        artifact = response.artifacts.get(tag)
        if artifact is None:
            pieces.append(f'<span class="missing">[&lt;{escape(tag)}&gt; not produced]</span>')
        else:
            pieces.append(
                _media(
                    tag,
                    artifact.modality,
                    artifact.path,
                    artifact.mime,
                    artifact.sha256,
                    placement,
                    readable,
                )
            )
        position = match.end()
    pieces.append(escape(response.content[position:]).replace("\n", "<br>"))
    problems = "".join(f'<li class="problem">{escape(p)}</li>' for p in response.problems)
    return (
        f"<h2>Answer {_status(response.status)}</h2>"
        f'<div class="answer">{"".join(pieces)}</div>'
        + (f"<h3>Problems</h3><ul>{problems}</ul>" if problems else "")
        + _artifact_checks(response.artifacts)
    )


def _yes_no(passed: bool | None) -> str:
    if passed is None:
        return "-"
    return '<span class="passed">yes</span>' if passed else '<span class="problem">no</span>'


def _artifact_checks(artifacts: dict[str, Artifact]) -> str:
    """Valid (the tool's own check) and relevant (carries the answer), with the reasons."""
    rows = []
    for tag, artifact in artifacts.items():
        verification, relevance = artifact.verification, artifact.relevance
        reasons = [
            f"not valid: {problem}"
            for problem in (
                verification.problems if verification and not verification.passed else ()
            )
        ] + [
            f"not relevant ({reason.name}): {reason.message}"
            for reason in (relevance.reasons if relevance and not relevance.passed else ())
        ]
        rows.append(
            [
                f"&lt;{escape(tag)}&gt;",
                escape(artifact.modality),
                _yes_no(verification.passed if verification else None),
                _yes_no(relevance.passed if relevance else None),
                "<br>".join(f'<span class="problem">{escape(reason)}</span>' for reason in reasons),
            ]
        )
    if not rows:
        return ""
    return "<h3>Artifacts</h3>" + _table(["tag", "modality", "valid", "relevant", "reasons"], rows)


def _understanding(trace: Trace) -> str:
    parts = []
    spec = trace.output_spec
    if spec is not None:
        counts = ", ".join(
            f"{count} {modality}" for modality, count in spec.counts.items() if count
        )
        notes = "".join(f"<li>{escape(item)}</li>" for item in (*spec.evidence, *spec.notes))
        parts.append(
            f"<h2>Output spec</h2><p>{escape(counts or 'text only')} "
            f"({'stated' if spec.stated else 'inferred'})</p>"
            + (f"<ul>{notes}</ul>" if notes else "")
        )
    if trace.caption is not None:
        parts.append(
            f"<h3>Caption</h3><p>{escape(trace.caption.paraphrase)}</p>"
            f"<pre>{escape(trace.caption.dense_caption)}</pre>"
        )
    analysis = trace.analysis
    if analysis is not None:
        parts.append(
            f"<h3>Analysis</h3><p>{escape(analysis.status)}: {escape(analysis.reason)}</p>"
        )
        if analysis.needed:
            parts.append(f"<pre>{escape(analysis.code)}</pre>")
            if analysis.stdout or analysis.stderr:
                parts.append(f"<pre>{escape(analysis.stdout)}{escape(analysis.stderr)}</pre>")
            if analysis.values:
                parts.append(_value(analysis.values))
    return "".join(parts)


def _mental_states(trace: Trace) -> str:
    """The Theory-of-Mind chain: one row per mental state, in chain order."""
    states = mental_states(trace)
    if not states:
        return ""
    rows = []
    for state in states:
        where = escape(state.modality or "-")
        if state.tag:
            where += f" &lt;{escape(state.tag)}&gt;"
        if state.start_s is not None:
            end = f"-{state.end_s:.2f}" if state.end_s not in (None, state.start_s) else ""
            where += f" {state.start_s:.2f}{end} s"
        shown = escape(state.state)
        rows.append(
            [
                escape(state.step),
                escape(state.cue or "-"),
                where,
                escape(state.evidence or "-"),
                f"<strong>{shown}</strong>" if state.step == "label" else shown,
                f"{state.confidence:.2f}",
                escape(state.source),
            ]
        )
    header = ["step", "cue", "modality", "evidence", "inferred state", "confidence", "source"]
    return (
        f"<h2>Theory-of-Mind chain</h2><p>level {states[0].level}, "
        f"{len(states)} mental states</p>" + _table(header, rows, "mental-states")
    )


def _plan(trace: Trace) -> str:
    if not trace.plans:
        return "<h2>Plan</h2><p>no plan was made</p>"
    plan = trace.plans[-1]
    nodes = {str(node["id"]): node for node in plan.nodes}
    rows = [
        [
            escape(step_id),
            escape(str(nodes[step_id].get("tool", ""))),
            escape(f"<{nodes[step_id]['produces']}>" if nodes[step_id].get("produces") else "-"),
            escape(", ".join(nodes[step_id].get("depends_on") or ()) or "-"),
            _arguments(nodes[step_id].get("arguments") or {}),
            escape(str(nodes[step_id].get("description", ""))),
        ]
        for layer in plan_order(plan)
        for step_id in layer
    ]
    notices = "".join(f"<li>{escape(notice)}</li>" for notice in event_notices(trace))
    return (
        f"<h2>Plan</h2><p>by {escape(plan.reasoner or 'unknown')}, version {len(trace.plans)} "
        f"of {len(trace.plans)}, steps in dependency order</p>"
        + _table(["step", "tool", "produces", "after", "arguments", "description"], rows)
        + (f"<h3>Notices</h3><ul>{notices}</ul>" if notices else "")
    )


def _attempts(trace: Trace) -> str:
    rows = [
        [
            escape(attempt.step_id),
            str(attempt.round),
            str(attempt.attempt),
            escape(" ".join(p for p in (attempt.backend, attempt.backend_version) if p) or "-"),
            _status(attempt.status),
            f"{attempt.start:.3f} s",
            f"{attempt.seconds:.3f} s",
            f'<span class="problem">{escape(attempt.error)}</span>' if attempt.error else "",
        ]
        for attempt in step_attempts(trace)
    ]
    if not rows:
        return ""
    header = ["step", "round", "attempt", "backend", "status", "started", "took", "error"]
    return "<h3>Step attempts</h3>" + _table(header, rows)


def _judge(trace: Trace) -> str:
    if not trace.rounds:
        return ""
    rows = [
        [
            str(judge_round.round),
            "<strong>" + escape(judge_round.decision) + "</strong>",
            escape(judge_round.reason),
            escape(", ".join(judge_round.target_steps) or "-"),
            "<br>".join(
                f'<span class="problem">{escape(p)}</span>' for p in judge_round.check.problems
            )
            or '<span class="passed">passed</span>',
        ]
        for judge_round in trace.rounds
    ]
    return "<h2>Judge rounds</h2>" + _table(
        ["round", "decision", "reason", "re-ran", "check"], rows
    )


def _verifications(trace: Trace) -> str:
    entries: list[tuple[str, str, dict[str, Any] | None]] = []
    if trace.response is not None:
        for tag, artifact in trace.response.artifacts.items():
            verification = artifact.verification.model_dump() if artifact.verification else None
            entries.append((f"<{tag}> (answer)", artifact.step_id or "-", verification))
    for attempt in step_attempts(trace):  # artifacts that failed their check and were replaced
        verification = attempt.verification
        if verification is not None and not verification.get("passed"):
            label = f"{attempt.step_id} round {attempt.round} attempt {attempt.attempt}"
            entries.append((label, attempt.step_id, verification))
    if not entries:
        return ""
    sections = ["<h2>Verification</h2>"]
    for label, step_id, verification in entries:
        if verification is None:
            sections.append(f"<h3>{escape(label)}</h3><p>not verified</p>")
            continue
        verdict = (
            '<span class="passed">passed</span>'
            if verification.get("passed")
            else '<span class="problem">failed</span>'
        )
        checks = [
            [escape(str(name)), _value(value)]
            for name, value in (verification.get("checks") or {}).items()
        ]
        problems = "".join(
            f'<li class="problem">{escape(str(p))}</li>' for p in verification.get("problems") or ()
        )
        sections.append(
            f'<div class="verification"><h3>{escape(label)} · step {escape(step_id)} · {verdict}</h3>'
            + (_table(["check", "value"], checks) if checks else "<p>no checks recorded</p>")
            + (f"<ul>{problems}</ul>" if problems else "")
            + "</div>"
        )
    return "".join(sections)


def trace_html(
    trace: Trace, placement: MediaPlacement, readable: ReadableFolders | None = None
) -> str:
    """The whole page for ``trace`` as a string; large media are copied per ``placement``.

    Only files ``readable`` allows are read (default: ``ReadableFolders.for_trace(trace)``,
    this machine's artifact store and the run's work folder); the rest are named as refused.
    """
    readable = readable or ReadableFolders.for_trace(trace)
    body = "".join(
        [
            _header(trace),
            _answer(trace, placement, readable),
            _request(trace, placement, readable),
            _understanding(trace),
            _mental_states(trace),
            '<h2>Reasoning graph</h2><div class="figure-scroll">' + graph_svg(trace) + "</div>",
            '<h2>Timeline</h2><div class="figure-scroll">' + timeline_svg(trace) + "</div>",
            _attempts(trace),
            _plan(trace),
            _judge(trace),
            _verifications(trace),
            f"<footer><p><small>written by unima {escape(trace.unima_version)} from trace "
            f"{escape(trace.run_id)}</small></p></footer>",
        ]
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>unima trace {escape(trace.run_id)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def write_trace_html(
    trace: Trace,
    out: str | Path,
    *,
    embed_limit_bytes: int = DEFAULT_EMBED_LIMIT_BYTES,
    trace_path: str | Path | None = None,
    allow: Iterable[str | Path] = (),
    readable: ReadableFolders | None = None,
) -> Path:
    """Write the trace's HTML page and return its path.

    The trace is treated as untrusted: it is read from only the folders of
    ``unima.trace.access`` (the trace file's folder, ``allow``, this machine's store and the
    run's work folder); other paths are named on the page as refused, never opened.

    Args:
        trace: the run to show.
        out: a ``.html``/``.htm`` file path, or a folder (existing, or a path without a suffix)
            that receives ``<run id>.html``.
        embed_limit_bytes: media up to this size are embedded as ``data:`` URIs; larger ones
            are copied to ``<page name>_media/`` next to the page and linked relatively.
        trace_path: the file the trace was loaded from; files in its folder may be shown.
        allow: further folders whose files may be shown.
        readable: the folders to read from, instead of those built from the arguments above.

    Raises:
        TraceError: ``out`` names a file that is not an HTML page, or cannot be written, or
            the page would be named by a run id that is not a plain name.
    """
    out = Path(out)
    if out.is_dir() or not out.suffix:
        try:
            page = out / f"{check_run_id(trace.run_id)}.html"
        except UnsafePathError as error:
            raise TraceError(
                f"cannot name the page after the trace's run id: {error}; give a .html file"
            ) from error
    elif out.suffix.lower() in (".html", ".htm"):
        page = out
    else:
        raise TraceError(f"cannot write the trace page to {out}: give a .html file or a folder")
    page = page.resolve()
    placement = MediaPlacement(
        page_dir=page.parent,
        folder=page.parent / f"{page.stem}_media",
        embed_limit_bytes=embed_limit_bytes,
    )
    try:
        page.parent.mkdir(parents=True, exist_ok=True)
        if readable is None:
            readable = ReadableFolders.for_trace(trace, trace_path=trace_path, allow=allow)
        atomic_write_text(page, trace_html(trace, placement, readable))
    except OSError as error:
        raise TraceError(f"cannot write the trace page {page}: {error}") from error
    return page
