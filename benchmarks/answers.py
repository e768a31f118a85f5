"""Does unima answer, and how fast: key concepts, known numbers, structure, time and memory.

Run: ``.venv/bin/python benchmarks/answers.py [--reasoners heuristic,embedded] [--limit N |
--smoke] [--json OUT]``

Issue 12's measurement. The requests are data, ``answer_requests.json``: 46 over UniM's 30
domains and all seven output modalities, each with its key concepts, and 10 whose answer is a
known number (their input files built here, deterministically). Per reasoner: a cold ``unima run``
of the demo (wall seconds, peak RSS), then in this process the demo again and every request
(warm seconds), scored for key-concept coverage (concepts the request names do not count),
numbers right, StS/LeS/tau and tokens per second. ``benchmarks/README.md`` gives every
definition and the targets, which are printed with pass/fail beside each figure.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from answering.inputs import build_input
from answering.request_set import AnswerRequest, NumericRequest, load_requests
from answering.scoring import concept_coverage, numbers_in, numeric_right, reference_tags
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from unima import Response, UniMA, load_trace, perceive
from unima.errors import ConfigError, UnimaError
from unima.eval.structure import check_structure
from unima.modalities import placeholder_tags

REQUESTS_FILE = Path(__file__).resolve().with_name("answer_requests.json")
# The Makefile's DEMO_REQUEST (`make demo`).
DEMO_REQUEST = (
    "Explain how a rainbow forms. Include one diagram, a narrated audio clip and a short video."
)
COVERAGE_GOAL = 70.0
COLD_GOAL_S = 30.0
WARM_GOAL_S = 10.0
RSS_GOAL_MIB = 2048.0
HEURISTIC = "heuristic"
EMBEDDED = "embedded"
SMOKE_EMBEDDED_VARIABLE = "UNIMA_BENCH_EMBEDDED"
MODEL_EVENTS = ("guided_field", "field_fallback")
COLD_TIMEOUT_S = 600.0
COLUMNS = "reasoner|coverage|numbers|StS|LeS|τ|cold demo s|warm demo s|warm s/request|tok/s|RSS MiB"


# ------------------------------------------------------------------------------- running --


def artifact_text(response: Response) -> str:
    """The words a response's files carry: labels, scripts, captions, documents, code and output."""
    pieces: list[str] = []
    for artifact in response.artifacts.values():
        for key in ("text", "script", "captions", "title", "description", "stdout"):
            value = artifact.meta.get(key)
            if isinstance(value, str):
                pieces.append(value)
            elif isinstance(value, list):
                pieces.extend(item for item in value if isinstance(item, str))
        path = Path(artifact.path)
        if not path.is_file():
            continue
        if artifact.modality == "code":
            pieces.append(path.read_text(encoding="utf-8", errors="replace")[:100_000])
        elif artifact.modality == "document":
            try:
                pieces.append(perceive(path).text)
            except UnimaError as error:
                pieces.append(f"[unreadable document: {error}]")
    return "\n".join(pieces)


@dataclass(frozen=True)
class ModelActivity:
    """What a run's trace says about its model calls.

    Attributes:
        tokens: tokens the guided reasoner's model generated (where the runtime reports them).
        seconds: the seconds of those calls.
        field_fallbacks: guided fields the model could not fill (the heuristic's value used).
        plan_fallback: the whole plan came from the heuristic (the model's plans were refused).
    """

    tokens: int = 0
    seconds: float = 0.0
    field_fallbacks: int = 0
    plan_fallback: bool = False


def model_activity(response: Response) -> ModelActivity:
    if not response.trace_path:
        return ModelActivity()
    tokens, seconds, field_fallbacks, plan_fallback = 0, 0.0, 0, False
    for event in load_trace(response.trace_path).events:
        plan_fallback = plan_fallback or event.kind == "plan_fallback"
        if event.kind not in MODEL_EVENTS:
            continue
        field_fallbacks += event.kind == "field_fallback"
        if event.data.get("tokens") is not None:
            tokens += int(event.data["tokens"])
            seconds += float(event.data.get("seconds") or 0.0)
    return ModelActivity(tokens, seconds, field_fallbacks, plan_fallback)


def answer_one(
    agent: UniMA, request: str, inputs: list[Path]
) -> tuple[Response | None, float, str]:
    clock = time.perf_counter()
    try:
        response = agent.respond([request, *inputs] if inputs else request)
    except UnimaError as error:  # recorded as not answered; the benchmark goes on
        return None, time.perf_counter() - clock, f"{type(error).__name__}: {error}"
    return response, time.perf_counter() - clock, ""


def score(
    item: AnswerRequest | NumericRequest, response: Response | None, seconds: float, error: str
) -> dict[str, Any]:
    """One request's record: what came back, its structure, and its concepts or number."""
    outputs = item.outputs if isinstance(item, AnswerRequest) else {}
    record: dict[str, Any] = {
        "id": item.id,
        "domain": item.domain,
        "request": item.request,
        "seconds": round(seconds, 3),
        "error": error,
        "expected_outputs": outputs,
    }
    content = response.content if response is not None else ""
    answered = (
        response is not None
        and response.status != "failed"
        and bool(content.strip() or response.artifacts)
    )
    record.update(
        status=response.status if response is not None else "failed",
        answered=answered,
        content=content,
        problems=list(response.problems) if response is not None else [],
        artifacts={tag: a.modality for tag, a in (response.artifacts if response else {}).items()},
    )
    files = {
        tag: Path(artifact.path).is_file()
        for tag, artifact in (response.artifacts if response else {}).items()
    }
    check = check_structure(reference_tags(outputs), content, files, placeholder_tags(item.request))
    record["structure"] = {
        "StS": 100.0 if check.strict else 0.0,
        "LeS": 100.0 * check.coverage,
        **check.details(),
    }
    activity = model_activity(response) if response else ModelActivity()
    record.update(
        tokens=activity.tokens,
        model_seconds=round(activity.seconds, 3),
        field_fallbacks=activity.field_fallbacks,
        plan_fallback=activity.plan_fallback,
    )
    if isinstance(item, AnswerRequest):
        whole = concept_coverage(
            item.request,
            content + "\n" + (artifact_text(response) if response else ""),
            item.concepts,
        )
        text_only = concept_coverage(item.request, content, item.concepts)
        record["concepts"] = {
            "eligible": whole.eligible,
            "found": list(whole.found),
            "missed": list(whole.missed),
            "in_request": list(whole.in_request),
            "found_in_text": len(text_only.found),
        }
    else:
        record["numeric"] = {
            "expected": item.expected,
            "tolerance": item.tolerance,
            "label": item.label,
            "right": answered and numeric_right(content, item.expected, item.tolerance, item.label),
            "numbers_found": numbers_in(content)[:40],
        }
    return record


@dataclass(frozen=True)
class Cold:
    seconds: float
    peak_rss_mib: float
    ok: bool
    detail: str


def cold_demo(spec: str, folder: Path) -> Cold:
    """A fresh ``unima run`` of the demo: wall seconds and its peak RSS, from ``wait4``."""
    executable = Path(sys.executable).with_name("unima")
    command = str(executable) if executable.is_file() else shutil.which("unima")
    if command is None:
        raise ConfigError("no `unima` command beside this Python; install unima with pip")
    folder.mkdir(parents=True)
    environment = {
        **os.environ,
        "UNIMA_TRACE_DIR": str(folder / "traces"),
        "UNIMA_ARTIFACT_DIR": str(folder / "store" / "artifacts"),
        "UNIMA_PERCEPTION_SCRATCH_DIR": str(folder / "perception"),
    }
    arguments = [command, "run", DEMO_REQUEST, "--llm", spec, "--no-cache", "--out", "out"]
    log = folder / "unima-run.log"
    with log.open("wb") as output:
        clock = time.perf_counter()
        process = subprocess.Popen(
            arguments, cwd=folder, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
        # wait4, not Popen.wait: it gives this child's own rusage (its peak RSS), where
        # RUSAGE_CHILDREN would give the largest of every child waited for so far.
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - clock > COLD_TIMEOUT_S:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - clock
    process.returncode = os.waitstatus_to_exitcode(status)
    saved = folder / "out" / "response.json"
    ok = process.returncode == 0 and saved.is_file()
    detail = "" if ok else log.read_text(encoding="utf-8", errors="replace")[-2000:]
    if ok:
        response = json.loads(saved.read_text(encoding="utf-8"))
        # partial: every file made, one judged not relevant enough; the timing still counts.
        ok = response.get("status") in ("ok", "partial")
        detail = f"status {response.get('status')}: {sorted(response.get('artifacts', {}))}"
    return Cold(round(seconds, 2), round(_mib(usage.ru_maxrss), 1), ok, detail)


def _mib(max_rss: int) -> float:
    return max_rss / (1024 * 1024) if sys.platform == "darwin" else max_rss / 1024  # Linux: KiB


def run_reasoner(
    spec: str,
    answers: list[AnswerRequest],
    numeric: list[NumericRequest],
    inputs: dict[str, Path],
    folder: Path,
    progress: Progress,
    skip_cold: bool,
) -> dict[str, Any]:
    """Every figure of one reasoner: the cold demo, the warm demo, then every request."""
    total = (0 if skip_cold else 1) + 2 + len(answers) + len(numeric)
    task = progress.add_task(spec, total=total)
    result: dict[str, Any] = {"reasoner": spec}
    if not skip_cold:
        progress.update(task, description=f"{spec}: cold `unima run` of the demo")
        result["cold"] = vars(cold_demo(spec, folder / "cold"))
        progress.advance(task)
    agent = UniMA(reasoner=spec, cache=False)  # cache off: every request runs its tools
    demo_runs = []
    for name in ("first", "warm"):
        progress.update(task, description=f"{spec}: demo ({name})")
        response, seconds, error = answer_one(agent, DEMO_REQUEST, [])
        demo_runs.append(
            {
                "seconds": round(seconds, 3),
                "status": response.status if response else "failed",
                "artifacts": sorted(response.artifacts) if response else [],
                "error": error,
            }
        )
        progress.advance(task)
    result["demo_in_process"] = demo_runs
    records = []
    items: list[AnswerRequest | NumericRequest] = [*answers, *numeric]
    for item in items:
        progress.update(task, description=f"{spec}: {item.id}")
        paths = [inputs[item.id]] if item.id in inputs else []
        response, seconds, error = answer_one(agent, item.request, paths)
        records.append(score(item, response, seconds, error))
        progress.advance(task)
    result["summary"] = summarise(result, records)
    result["requests"] = records
    return result


def summarise(result: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
    answered = [record for record in records if record["answered"]]
    concept_records = [record for record in records if "concepts" in record]
    numeric_records = [record for record in records if "numeric" in record]
    eligible = sum(record["concepts"]["eligible"] for record in concept_records)
    found = sum(len(record["concepts"]["found"]) for record in concept_records)
    in_text = sum(record["concepts"]["found_in_text"] for record in concept_records)
    tokens = sum(record["tokens"] for record in records)
    model_seconds = sum(record["model_seconds"] for record in records)
    cold = result.get("cold")
    warm_demo = result["demo_in_process"][1]

    def mean(values: list[float]) -> float | None:
        return round(statistics.fmean(values), 1) if values else None

    return {
        "requests": len(records),
        "statuses": dict(Counter(record["status"] for record in records)),
        "coverage_percent": round(100 * found / eligible, 1) if eligible else None,
        "coverage_text_only_percent": round(100 * in_text / eligible, 1) if eligible else None,
        "concepts_eligible": eligible,
        "concepts_found": found,
        "numeric_right": sum(bool(record["numeric"]["right"]) for record in numeric_records),
        "numeric_total": len(numeric_records),
        "StS_abs": mean([record["structure"]["StS"] for record in answered]),
        "LeS_abs": mean([record["structure"]["LeS"] for record in answered]),
        "StS_rel": mean([r["structure"]["StS"] if r["answered"] else 0.0 for r in records]),
        "LeS_rel": mean([r["structure"]["LeS"] if r["answered"] else 0.0 for r in records]),
        "tau": round(100 * len(answered) / len(records), 1) if records else None,
        "cold_demo_s": cold["seconds"] if cold else None,
        "cold_ok": cold["ok"] if cold else None,
        "cold_peak_rss_mib": cold["peak_rss_mib"] if cold else None,
        "first_demo_in_process_s": result["demo_in_process"][0]["seconds"],
        "warm_demo_s": warm_demo["seconds"] if warm_demo["status"] != "failed" else None,
        "warm_median_s": round(statistics.median(r["seconds"] for r in records), 2)
        if records
        else None,
        "warm_max_s": round(max(r["seconds"] for r in records), 2) if records else None,
        "tokens": tokens,
        "model_seconds": round(model_seconds, 2),
        "tokens_per_second": round(tokens / model_seconds, 1) if model_seconds > 0 else None,
        "field_fallbacks": sum(record["field_fallbacks"] for record in records),
        "plan_fallbacks": sum(record["plan_fallback"] for record in records),
        "process_peak_rss_mib": round(_mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss), 1),
    }


# ------------------------------------------------------------------------------- report --


def targets(summary: dict[str, Any], spec: str) -> dict[str, bool | None]:
    """Each target of issue 12, passed or not (``None``: no figure, or no target for it)."""

    def at_most(value: float | None, goal: float) -> bool | None:
        return None if value is None else value <= goal

    coverage = summary["coverage_percent"]
    peak = summary["cold_peak_rss_mib"] or summary["process_peak_rss_mib"]
    return {
        # The coverage goal is the model's: the heuristic only organises the request.
        "coverage": None if spec == HEURISTIC or coverage is None else coverage >= COVERAGE_GOAL,
        "numeric": summary["numeric_right"] == summary["numeric_total"]
        if summary["numeric_total"]
        else None,
        "cold": None
        if summary["cold_demo_s"] is None
        else bool(summary["cold_ok"]) and summary["cold_demo_s"] <= COLD_GOAL_S,
        "warm": at_most(summary["warm_demo_s"], WARM_GOAL_S),
        "rss": at_most(peak, RSS_GOAL_MIB),
    }


def _marked(text: str, passed: bool | None) -> Text:
    mark = {True: (" ✓", "green"), False: (" ✗", "red"), None: ("", "")}[passed]
    return Text.assemble(text, mark)


def _figure(value: float | None, pattern: str) -> str:
    return "-" if value is None else pattern.format(value)


def render(report: dict[str, Any], console: Console) -> None:
    machine = report["machine"]
    console.print(
        f"Machine: {machine['cpu_count']} CPUs ({machine['usable_cpus']} usable), Python "
        f"{machine['python']}, {machine['platform']}; unima {machine['unima']}; load average "
        f"{_load(machine['load_average_at_start'])} at start, "
        f"{_load(report['load_average_at_end'])} at end",
        highlight=False,
    )
    table = Table(title="Answers: key concepts, known numbers, structure, time and memory")
    for column in COLUMNS.split("|"):
        table.add_column(column, justify="left" if column == "reasoner" else "right")
    for spec, result in report["reasoners"].items():
        summary, passed = result["summary"], result["targets"]
        peak = summary["cold_peak_rss_mib"] or summary["process_peak_rss_mib"]
        table.add_row(
            Text(spec),
            _marked(_figure(summary["coverage_percent"], "{:.0f} %"), passed["coverage"]),
            _marked(f"{summary['numeric_right']}/{summary['numeric_total']}", passed["numeric"]),
            _figure(summary["StS_abs"], "{:.0f}"),
            _figure(summary["LeS_abs"], "{:.0f}"),
            _figure(summary["tau"], "{:.0f}"),
            _marked(_figure(summary["cold_demo_s"], "{:.1f}"), passed["cold"]),
            _marked(_figure(summary["warm_demo_s"], "{:.1f}"), passed["warm"]),
            f"{_figure(summary['warm_median_s'], '{:.1f}')} (max {_figure(summary['warm_max_s'], '{:.0f}')})",
            _figure(summary["tokens_per_second"], "{:.1f}"),
            _marked(_figure(peak, "{:.0f}"), passed["rss"]),
        )
    console.print(table)
    console.print(
        f"Targets: coverage ≥ {COVERAGE_GOAL:.0f} % for model reasoners (concepts absent from "
        f"the request, found in the answer or its files), every number right, cold `unima run` "
        f"of the demo ≤ {COLD_GOAL_S:.0f} s with model loads, warm demo ≤ {WARM_GOAL_S:.0f} s, "
        f"peak RSS ≤ {RSS_GOAL_MIB:.0f} MiB (the cold run's). StS/LeS over answered requests "
        "(abs); τ = share answered; warm s/request = median over the requests, in one process, "
        "artifact cache off.",
        highlight=False,
    )
    for spec, result in report["reasoners"].items():
        missed = [
            record["id"]
            for record in result["requests"]
            if "numeric" in record and not record["numeric"]["right"]
        ]
        cold = result.get("cold")
        notes = []
        if missed:
            notes.append(f"numbers missed: {', '.join(missed)}")
        planned_by_fallback = result["summary"]["plan_fallbacks"]
        if spec != HEURISTIC and planned_by_fallback:
            notes.append(
                f"{planned_by_fallback} of {result['summary']['requests']} requests planned by "
                "the heuristic fallback (the model's plans were unusable or it was unreachable)"
            )
        if cold and not cold["ok"]:
            notes.append(f"cold run failed: {cold['detail'][-300:]}")
        if notes:
            console.print(Text(f"{spec}: " + "; ".join(notes)))


def _load(averages: list[float] | tuple[float, ...] | None) -> str:
    return "/".join(f"{value:.2f}" for value in averages) if averages else "unknown"


def machine_info() -> dict[str, Any]:
    from importlib.metadata import version

    return {
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "unima": version("unima"),
        # Other processes compete for the same cores; the load says how quiet the machine was.
        "load_average_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def embedded_installed() -> bool:
    """Whether the embedded model's runtime is installed (nothing is loaded)."""
    if importlib.util.find_spec("xllamacpp") is None:
        return False
    try:
        UniMA(reasoner=EMBEDDED)  # resolves the model's part packages, loads nothing
    except ConfigError:
        return False
    return True


def choose_reasoners(given: str | None, smoke: bool) -> list[str]:
    if given is not None:
        specs = [spec.strip() for spec in given.split(",") if spec.strip()]
        if not specs:
            raise ConfigError(f"--reasoners names no reasoner: {given!r}")
        return specs
    wanted = os.environ.get(SMOKE_EMBEDDED_VARIABLE) == "1" if smoke else True
    return [HEURISTIC, EMBEDDED] if wanted and embedded_installed() else [HEURISTIC]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--reasoners",
        default=None,
        help="comma-separated: heuristic, embedded, openai-compatible:URL:MODEL or any --llm "
        "spec (default: heuristic,embedded when the embedded extra is installed)",
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--limit", type=int, default=None, help="the first N of each request list")
    size.add_argument(
        "--smoke",
        action="store_true",
        help="smallest size, to check that it still runs (make test): the requests marked "
        f"smoke, heuristic only (and embedded if {SMOKE_EMBEDDED_VARIABLE}=1)",
    )
    parser.add_argument("--requests", type=Path, default=REQUESTS_FILE, help="the request set")
    parser.add_argument("--skip-cold", action="store_true", help="no `unima run` subprocess")
    parser.add_argument("--json", type=Path, default=None, metavar="OUT", help="also write here")
    options = parser.parse_args(argv)
    if options.limit is not None and options.limit < 1:
        parser.error(f"--limit must be at least 1, got {options.limit}")
    try:
        request_set = load_requests(options.requests)
        reasoners = choose_reasoners(options.reasoners, options.smoke)
        for spec in reasoners:
            UniMA(reasoner=spec)  # a spec that does not resolve stops here, before any run
    except UnimaError as error:
        parser.error(str(error))
    answers, numeric = request_set.answers, request_set.numeric
    if options.smoke:
        answers = [item for item in answers if item.smoke]
        numeric = [item for item in numeric if item.smoke]
    elif options.limit is not None:
        answers, numeric = answers[: options.limit], numeric[: options.limit]
    # Fallback warnings would scroll through the progress bar; each request counts its own.
    logging.getLogger("unima").setLevel(logging.ERROR)
    console = Console()
    if not console.is_terminal:  # piped into a file or a log: do not squeeze the table to 80
        console = Console(width=150)
    started = time.perf_counter()
    report: dict[str, Any] = {
        "machine": machine_info(),
        "requests_file": str(options.requests),
        "selection": {"answers": len(answers), "numeric": len(numeric), "smoke": options.smoke},
        "demo_request": DEMO_REQUEST,
        "goals": {
            "coverage_percent": COVERAGE_GOAL,
            "cold_demo_s": COLD_GOAL_S,
            "warm_demo_s": WARM_GOAL_S,
            "peak_rss_mib": RSS_GOAL_MIB,
        },
        "reasoners": {},
    }
    with tempfile.TemporaryDirectory(prefix="unima-answers-bench-") as scratch:
        folder = Path(scratch)
        os.environ["UNIMA_TRACE_DIR"] = str(folder / "traces")
        os.environ["UNIMA_ARTIFACT_DIR"] = str(folder / "store" / "artifacts")
        os.environ["UNIMA_PERCEPTION_SCRATCH_DIR"] = str(folder / "perception")
        (folder / "inputs").mkdir()
        clock = time.perf_counter()
        inputs = {
            item.id: build_input(item.input, folder / "inputs")
            for item in numeric
            if item.input is not None
        }
        report["inputs_build_s"] = round(time.perf_counter() - clock, 2)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=True) as progress:
            for index, spec in enumerate(reasoners):
                result = run_reasoner(
                    spec,
                    answers,
                    numeric,
                    inputs,
                    folder / f"reasoner-{index}",
                    progress,
                    options.skip_cold,
                )
                result["targets"] = targets(result["summary"], spec)
                report["reasoners"][spec] = result
    report["benchmark_seconds"] = round(time.perf_counter() - started, 1)
    report["load_average_at_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    render(report, console)
    if options.json:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
        console.print(Text(f"Wrote {options.json}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
