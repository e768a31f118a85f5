"""How much time unima itself adds around its tools.

Three measurements, all taken in one run so that every ratio compares numbers from the same
machine and the same moment:

1. Parallel dispatch against the critical path: fake tools of fixed latency on plans of known
   shape (a diamond with uneven branches, a wide fan), driven by a scripted chat model whose
   plan reply is an explicit plan. Wall time of the dispatch phase divided by the plan's
   critical path should stay at or below 1.10.
2. Framework overhead per step: chains of zero-latency fake steps (K = 1 and K = 12); the
   difference in ``respond()`` time divided by 11 is what one more step costs. Also the whole
   ``respond()`` time of a text-only request with the heuristic reasoner.
3. Embedded tools: cold and warm ``respond()`` time and peak resident memory for a
   three-artifact request with the real embedded backends, in a fresh subprocess.

The artifact cache is off for every measurement: the same plan runs several times, and a run
served from the cache would run no tool at all (``benchmarks/cache.py`` measures the cache).
Each run checks that every step's status is ``ok``, never ``cached``.

Usage::

    .venv/bin/python benchmarks/overhead.py [--quick | --smoke] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from unima.tools import TOOL_FOR_MODALITY

RAINBOW_REQUEST = (
    "Explain how a rainbow forms. Include one diagram, a narrated audio clip and a short video."
)
TEXT_ONLY_REQUEST = "Explain how tides work. Answer in text only."
RATIO_GOAL = 1.10
CAPTION_REPLY = json.dumps(
    {
        "dense_caption": "A request for an explanation of tides.",
        "paraphrase": "How do tides work?",
        "topic": "tides",
        "key_terms": ["moon", "gravity"],
    }
)
ANALYSE_REPLY = json.dumps({"needed": False, "reason": "no data to analyse"})
# The tools the plan shapes use (one per media modality but code).
SHAPE_TOOLS = [TOOL_FOR_MODALITY[m] for m in ("image", "audio", "video", "document", "threeD")]


@dataclass(frozen=True)
class PlanStep:
    """One step of a benchmark plan: the tag it produces, its latency, what it waits for."""

    tag: str
    latency_s: float
    depends_on: tuple[str, ...] = ()

    @property
    def modality(self) -> str:
        return self.tag.rstrip("0123456789")


@dataclass(frozen=True)
class PlanShape:
    """A plan of known shape, the request that asks for exactly its tags, and its parallelism."""

    name: str
    request: str
    steps: tuple[PlanStep, ...]
    max_parallel_steps: int = 4

    def plan_json(self) -> str:
        """The scripted planner's reply: one step per tag, step id = tag."""
        content = "Here is the answer. " + " ".join(f"<{step.tag}>" for step in self.steps)
        steps = [
            {
                "id": step.tag,
                "tool": TOOL_FOR_MODALITY[step.modality],
                "arguments": {"index": index},
                "produces": step.tag,
                "depends_on": list(step.depends_on),
            }
            for index, step in enumerate(self.steps)
        ]
        return json.dumps({"content": content, "content_specs": {}, "steps": steps})

    def latencies(self) -> dict[str, float]:
        return {step.tag: step.latency_s for step in self.steps}

    def dependencies(self) -> dict[str, tuple[str, ...]]:
        return {step.tag: step.depends_on for step in self.steps}


DIAMOND = PlanShape(
    name="diamond, 5 steps",
    request=(
        "Explain tides. Include one image, one video, one audio clip, one document and one 3D model."
    ),
    steps=(
        PlanStep("image1", 0.4),
        PlanStep("video1", 0.3, ("image1",)),
        PlanStep("audio1", 0.6),
        PlanStep("document1", 0.2, ("video1", "audio1")),
        PlanStep("threeD1", 0.1),
    ),
)
FAN = PlanShape(
    name="fan ×6, max_parallel 6",
    request="Explain tides. Include six images.",
    steps=tuple(PlanStep(f"image{index}", 0.3) for index in range(1, 7)),
    max_parallel_steps=6,
)
# More steps than the default thread pool of a small machine has threads (cpu count + 4): this
# one checks that ``max_parallel_steps`` is really honoured, not silently capped.
WIDE_FAN = PlanShape(
    name="fan ×8, max_parallel 8",
    request="Explain tides. Include eight images.",
    steps=tuple(PlanStep(f"image{index}", 0.3) for index in range(1, 9)),
    max_parallel_steps=8,
)


def chain_shape(length: int) -> PlanShape:
    """``length`` zero-latency image steps, each depending on the one before."""
    steps = tuple(
        PlanStep(f"image{index}", 0.0, (f"image{index - 1}",) if index > 1 else ())
        for index in range(1, length + 1)
    )
    wanted = f"{length} images" if length > 1 else "one image"
    return PlanShape(
        name=f"chain K={length}", request=f"Explain tides. Include {wanted}.", steps=steps
    )


def critical_path(durations: dict[str, float], dependencies: dict[str, tuple[str, ...]]) -> float:
    """The longest dependency chain, summing ``durations`` along it."""
    finish: dict[str, float] = {}

    def finish_time(tag: str) -> float:
        if tag not in finish:
            finish[tag] = durations[tag] + max(
                (finish_time(dependency) for dependency in dependencies[tag]), default=0.0
            )
        return finish[tag]

    return max(finish_time(tag) for tag in durations)


@dataclass
class RunTiming:
    """What one scripted run of a plan shape measured."""

    respond_s: float
    dispatch_s: float
    step_durations: dict[str, float]
    overlap_ok: bool


@dataclass
class ShapeResult:
    """The medians over repeats for one plan shape."""

    name: str
    repeats: int
    nominal_critical_path_s: float
    nominal_sum_s: float
    respond_s: float
    dispatch_s: float
    measured_critical_path_s: float
    measured_sum_s: float
    ratio_to_nominal: float
    ratio_to_measured: float
    dependency_order_ok: bool
    runs: list[dict[str, Any]] = field(default_factory=list)


def _scripted_agent(shape: PlanShape, work_dir: Path) -> tuple[Any, dict[str, Any]]:
    from unima import UniMA
    from unima.testing import ScriptedChatModel, fake_toolbox

    toolbox = fake_toolbox(latency_by_tag=shape.latencies())
    fake_tools = {name: toolbox.get(name) for name in SHAPE_TOOLS}
    model = ScriptedChatModel(
        script={"caption": CAPTION_REPLY, "analyse": ANALYSE_REPLY, "plan": shape.plan_json()}
    )
    count = len(shape.steps)
    agent = UniMA(
        reasoner=model,
        tools=toolbox,
        # The same plan runs repeatedly: with the cache on, every run after the first would be
        # served from it, no fake tool would run, and there would be no dispatch to measure.
        cache=False,
        trace_dir=work_dir / "traces",
        artifact_dir=work_dir / "store" / "artifacts",
        max_parallel_steps=max(shape.max_parallel_steps, 1),
        max_items_per_modality=max(count, 5),
        max_items_total=max(count, 12),
    )
    return agent, fake_tools


def _run_shape_once(shape: PlanShape, agent: Any, fake_tools: dict[str, Any]) -> RunTiming:
    from unima import load_trace

    logged_before = {name: len(tool.run_log) for name, tool in fake_tools.items()}
    started = time.perf_counter()
    response = agent.respond(shape.request)
    respond_s = time.perf_counter() - started
    expected = sorted(step.tag for step in shape.steps)
    if response.status != "ok" or sorted(response.artifacts) != expected:
        raise SystemExit(
            f"benchmark run of {shape.name} did not succeed: status={response.status}, "
            f"artifacts={sorted(response.artifacts)}, problems={response.problems}"
        )
    trace = load_trace(response.trace_path)
    starts = [event.time for event in trace.events if event.kind == "step_start"]
    ends = [event.time for event in trace.events if event.kind == "step_end"]
    if len(starts) != len(shape.steps) or len(ends) != len(shape.steps):
        raise SystemExit(
            f"{shape.name}: expected {len(shape.steps)} steps in the trace, found {len(starts)}"
        )
    statuses = _step_statuses(trace)
    if set(statuses) != {"ok"}:
        raise SystemExit(
            f"{shape.name}: every step must run its tool (status ok), got {statuses}; "
            "a cached step runs no tool and would make the dispatch figures meaningless"
        )
    spans: dict[str, tuple[float, float]] = {}
    for name, tool in fake_tools.items():
        for tag, begin, end in tool.run_log[logged_before[name] :]:
            spans[str(tag)] = (begin, end)
    missing = sorted({step.tag for step in shape.steps} - set(spans))
    if missing:
        raise SystemExit(f"{shape.name}: the fake tools recorded no run for {missing}")
    # A dependent must start after every dependency ended: the overlap we measure is legitimate.
    order_ok = all(
        spans[step.tag][0] >= spans[dependency][1]
        for step in shape.steps
        for dependency in step.depends_on
    )
    return RunTiming(
        respond_s=respond_s,
        dispatch_s=max(ends) - min(starts),
        step_durations={tag: end - begin for tag, (begin, end) in spans.items()},
        overlap_ok=order_ok,
    )


def _step_statuses(trace: Any) -> list[str]:
    return [str(event.data["status"]) for event in trace.events if event.kind == "step_end"]


def measure_shape(shape: PlanShape, repeats: int, work_dir: Path) -> ShapeResult:
    """Run ``shape`` once to warm up, then ``repeats`` times; medians of each figure."""
    agent, fake_tools = _scripted_agent(shape, work_dir)
    _run_shape_once(shape, agent, fake_tools)  # imports, graph compilation, first-use caches
    timings = [_run_shape_once(shape, agent, fake_tools) for _ in range(repeats)]
    dependencies = shape.dependencies()
    nominal = critical_path(shape.latencies(), dependencies)
    measured_paths = [critical_path(timing.step_durations, dependencies) for timing in timings]
    dispatch = statistics.median(timing.dispatch_s for timing in timings)
    measured = statistics.median(measured_paths)
    return ShapeResult(
        name=shape.name,
        repeats=repeats,
        nominal_critical_path_s=nominal,
        nominal_sum_s=sum(shape.latencies().values()),
        respond_s=statistics.median(timing.respond_s for timing in timings),
        dispatch_s=dispatch,
        measured_critical_path_s=measured,
        measured_sum_s=statistics.median(sum(timing.step_durations.values()) for timing in timings),
        # Ratios per run, then the median, so one slow run cannot pair with another's path.
        ratio_to_nominal=statistics.median(timing.dispatch_s / nominal for timing in timings),
        ratio_to_measured=statistics.median(
            timing.dispatch_s / path for timing, path in zip(timings, measured_paths, strict=True)
        ),
        dependency_order_ok=all(timing.overlap_ok for timing in timings),
        runs=[
            {
                "respond_s": timing.respond_s,
                "dispatch_s": timing.dispatch_s,
                "step_durations_s": timing.step_durations,
            }
            for timing in timings
        ],
    )


def _median_seconds(action: Callable[[], Any], repeats: int) -> float:
    action()  # warm-up
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def measure_step_overhead(repeats: int, work_dir: Path) -> dict[str, Any]:
    """Per-step cost from chains of zero-latency steps, and a text-only heuristic run."""
    from unima import UniMA

    results: dict[str, Any] = {"repeats": repeats}
    for length in (1, 12):
        shape = chain_shape(length)
        agent, fake_tools = _scripted_agent(shape, work_dir / f"chain{length}")
        _run_shape_once(shape, agent, fake_tools)
        timings = [_run_shape_once(shape, agent, fake_tools) for _ in range(repeats)]
        results[f"chain_{length}"] = {
            "respond_s": statistics.median(timing.respond_s for timing in timings),
            "dispatch_s": statistics.median(timing.dispatch_s for timing in timings),
            "dependency_order_ok": all(timing.overlap_ok for timing in timings),
        }
    steps_added = 11
    results["per_step_respond_ms"] = (
        (results["chain_12"]["respond_s"] - results["chain_1"]["respond_s"]) / steps_added * 1000
    )
    results["per_step_dispatch_ms"] = (
        (results["chain_12"]["dispatch_s"] - results["chain_1"]["dispatch_s"]) / steps_added * 1000
    )

    text_agent = UniMA(
        reasoner="heuristic",
        trace_dir=work_dir / "text" / "traces",
        artifact_dir=work_dir / "text" / "store" / "artifacts",
    )
    check = text_agent.respond(TEXT_ONLY_REQUEST)
    if check.artifacts or check.status != "ok":
        raise SystemExit(
            f"the text-only request produced {sorted(check.artifacts)} (status {check.status}); "
            "pick a request the heuristic reasoner answers in text only"
        )
    results["text_only_heuristic_respond_s"] = _median_seconds(
        lambda: text_agent.respond(TEXT_ONLY_REQUEST), repeats
    )
    return results


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def embedded_worker() -> None:
    """Runs inside the fresh subprocess: cold, then warm, rainbow request; prints JSON."""
    started = time.perf_counter()
    from unima import UniMA, load_trace

    # Cache off: the warm call must run every tool again with the models loaded; served from
    # the cache it would measure a cache lookup (that is ``benchmarks/cache.py``'s figure).
    agent = UniMA(reasoner="heuristic", cache=False)
    construct_s = time.perf_counter() - started
    rss_before = _peak_rss_mib()
    timings = []
    statuses = []
    for _ in range(2):
        started = time.perf_counter()
        response = agent.respond(RAINBOW_REQUEST)
        timings.append(time.perf_counter() - started)
        statuses.append(
            {
                "status": response.status,
                "artifacts": sorted(response.artifacts),
                "sha256": {tag: artifact.sha256 for tag, artifact in response.artifacts.items()},
                "step_statuses": _step_statuses(load_trace(response.trace_path)),
            }
        )
        if len(timings) == 1:
            rss_after_cold = _peak_rss_mib()
    print(
        json.dumps(
            {
                "import_and_construct_s": construct_s,
                "cold_respond_s": timings[0],
                "warm_respond_s": timings[1],
                "peak_rss_before_respond_mib": rss_before,
                "peak_rss_after_cold_mib": rss_after_cold,
                "peak_rss_mib": _peak_rss_mib(),
                "cache": False,
                "runs": statuses,
            }
        )
    )


def measure_embedded(repeats: int) -> dict[str, Any]:
    """Cold and warm rainbow runs with the real embedded tools, each in a fresh subprocess."""
    samples = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="unima-bench-") as scratch:
            environment = {
                **os.environ,
                "UNIMA_TRACE_DIR": str(Path(scratch) / "traces"),
                "UNIMA_ARTIFACT_DIR": str(Path(scratch) / "store" / "artifacts"),
                "UNIMA_REASONER": "heuristic",
            }
            completed = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--embedded-worker"],
                cwd=scratch,
                env=environment,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
        if completed.returncode != 0:
            raise SystemExit(f"the embedded-tools subprocess failed:\n{completed.stderr[-4000:]}")
        sample = json.loads(completed.stdout.strip().splitlines()[-1])
        for run in sample["runs"]:
            if run["status"] != "ok" or run["artifacts"] != ["audio1", "image1", "video1"]:
                raise SystemExit(f"the embedded rainbow run did not succeed: {run}")
        samples.append(sample)
    keys = [key for key, value in samples[0].items() if isinstance(value, float)]
    summary: dict[str, Any] = {
        key: statistics.median(sample[key] for sample in samples) for key in keys
    }
    # Said outright, from the traces, so a figure cannot be read as tools running when the
    # cache served it.
    summary["warm_served_from_cache"] = any(
        "cached" in sample["runs"][1]["step_statuses"] for sample in samples
    )
    summary["repeats"] = repeats
    summary["samples"] = samples
    return summary


def machine_info() -> dict[str, Any]:
    from importlib.metadata import version

    return {
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "unima": version("unima"),
        "langgraph": version("langgraph"),
        # Other processes compete for the same cores; the load says how quiet the machine was.
        "load_average_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def _load(averages: tuple[float, float, float] | None) -> str:
    return "/".join(f"{value:.2f}" for value in averages) if averages else "unknown"


def _render(report: dict[str, Any], console: Console) -> None:
    machine = report["machine"]
    console.print(
        f"[bold]Machine:[/bold] {machine['cpu_count']} CPUs ({machine['usable_cpus']} usable), "
        f"{machine['implementation']} {machine['python']}, {machine['platform']}; "
        f"unima {machine['unima']}, langgraph {machine['langgraph']}; load average "
        f"{_load(machine['load_average_at_start'])} at start, {_load(report['load_average_at_end'])} at end"
    )
    dispatch = Table(title="1. Parallel dispatch vs critical path (medians, seconds)")
    for column in (
        "plan",
        "runs",
        "Σ steps (nominal)",
        "CP nominal",
        "CP measured",
        "dispatch wall",
        "wall ÷ CP nom.",
        "wall ÷ CP meas.",
        "respond()",
        "deps ok",
    ):
        if column == "plan":
            dispatch.add_column(column, no_wrap=True)
        else:
            dispatch.add_column(column, justify="right")
    for shape in report["dispatch"]:
        ratio = shape["ratio_to_nominal"]
        colour = "green" if ratio <= RATIO_GOAL else "red"
        dispatch.add_row(
            shape["name"],
            str(shape["repeats"]),
            f"{shape['measured_sum_s']:.3f} ({shape['nominal_sum_s']:.1f})",
            f"{shape['nominal_critical_path_s']:.3f}",
            f"{shape['measured_critical_path_s']:.3f}",
            f"{shape['dispatch_s']:.3f}",
            f"[{colour}]{ratio:.3f}[/{colour}]",
            f"{shape['ratio_to_measured']:.3f}",
            f"{shape['respond_s']:.3f}",
            "yes" if shape["dependency_order_ok"] else "[red]NO[/red]",
        )
    console.print(dispatch)
    console.print(
        f"CP = critical path, from the nominal latencies or from the tools' measured run times; "
        f"dispatch wall = first step_start to last step_end in the trace. Goal: wall ÷ CP ≤ {RATIO_GOAL:.2f}. "
        "deps ok: no step started before its dependencies ended."
    )

    overhead = report["overhead"]
    steps = Table(title=f"2. Framework overhead (medians of {overhead['repeats']} runs)")
    steps.add_column("measure")
    steps.add_column("value", justify="right")
    steps.add_row(
        "respond(), chain K=1 (scripted LLM, fake tool)",
        f"{overhead['chain_1']['respond_s'] * 1000:.1f} ms",
    )
    steps.add_row("respond(), chain K=12", f"{overhead['chain_12']['respond_s'] * 1000:.1f} ms")
    steps.add_row("per added step, respond()", f"{overhead['per_step_respond_ms']:.1f} ms")
    steps.add_row("per added step, dispatch phase", f"{overhead['per_step_dispatch_ms']:.1f} ms")
    steps.add_row(
        "respond(), text-only, heuristic",
        f"{overhead['text_only_heuristic_respond_s'] * 1000:.1f} ms",
    )
    chains_ordered = (
        overhead["chain_1"]["dependency_order_ok"] and overhead["chain_12"]["dependency_order_ok"]
    )
    steps.add_row(
        "chain steps ran in dependency order", "yes" if chains_ordered else "[red]NO[/red]"
    )
    console.print(steps)

    embedded = report.get("embedded")
    if embedded:
        table = Table(
            title=f"3. Embedded tools, rainbow request (median of {embedded['repeats']} subprocesses)"
        )
        table.add_column("measure")
        table.add_column("value", justify="right")
        table.add_row("import unima + UniMA()", f"{embedded['import_and_construct_s']:.2f} s")
        table.add_row(
            "cold respond() (first call, loads models)", f"{embedded['cold_respond_s']:.2f} s"
        )
        warm_label = (
            "warm respond() (second call, SERVED FROM THE CACHE)"
            if embedded["warm_served_from_cache"]
            else "warm respond() (second call, cache off: every tool ran)"
        )
        table.add_row(warm_label, f"{embedded['warm_respond_s']:.2f} s")
        table.add_row(
            "peak RSS before respond()", f"{embedded['peak_rss_before_respond_mib']:.0f} MiB"
        )
        table.add_row(
            "peak RSS after cold respond()", f"{embedded['peak_rss_after_cold_mib']:.0f} MiB"
        )
        table.add_row("peak RSS after warm respond()", f"{embedded['peak_rss_mib']:.0f} MiB")
        identical = all(
            sample["runs"][0]["sha256"] == sample["runs"][1]["sha256"]
            for sample in embedded["samples"]
        )
        table.add_row("warm output bytes identical to cold", "yes" if identical else "no")
        console.print(table)
    console.print(f"Total benchmark time: {report['benchmark_seconds']:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--quick", action="store_true", help="2 repeats instead of 5, one embedded subprocess"
    )
    size.add_argument(
        "--smoke",
        action="store_true",
        help="smallest size, to check that it still runs (make test): 1 repeat, one subprocess",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="repeats per measurement (default 5, --quick 2, --smoke 1)",
    )
    parser.add_argument(
        "--json", type=Path, default=None, metavar="OUT", help="also write the figures to OUT"
    )
    parser.add_argument(
        "--skip-embedded", action="store_true", help="skip the real-tools measurement"
    )
    parser.add_argument("--embedded-worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.embedded_worker:
        embedded_worker()
        return 0
    repeats = options.repeats or (1 if options.smoke else 2 if options.quick else 5)
    if repeats < 1:
        parser.error(f"--repeats must be at least 1, got {repeats}")
    console = Console()
    if not console.is_terminal:  # piped into a file or a log: do not squeeze the tables to 80
        console = Console(width=130)
    started = time.perf_counter()
    report: dict[str, Any] = {
        "machine": machine_info(),
        "repeats": repeats,
        "ratio_goal": RATIO_GOAL,
    }
    with tempfile.TemporaryDirectory(prefix="unima-bench-") as scratch:
        work_dir = Path(scratch)
        with console.status("dispatch: plans of known shape ..."):
            report["dispatch"] = [
                vars(measure_shape(shape, repeats, work_dir / str(index)))
                for index, shape in enumerate((DIAMOND, FAN, WIDE_FAN))
            ]
        with console.status("framework overhead per step ..."):
            # Runs of a few milliseconds are cheap and noisy: take ten times as many samples.
            report["overhead"] = measure_step_overhead(repeats * 10, work_dir / "overhead")
    if not options.skip_embedded:
        with console.status("embedded tools in fresh subprocesses ..."):
            report["embedded"] = measure_embedded(1 if options.quick or options.smoke else 3)
    report["benchmark_seconds"] = time.perf_counter() - started
    report["load_average_at_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    _render(report, console)
    if options.json:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
        console.print(f"Wrote {options.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
