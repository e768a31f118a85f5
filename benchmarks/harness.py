"""Throughput and overhead of the benchmark harness (``unima bench run``).

Four measurements, taken in one run so the ratios compare numbers from the same machine and
moment (the harness shares its cores with whatever else runs; rerun on a quiet machine for
figures to publish):

1. Scaling: instances per minute with 1 and 2 local workers, for the UniMA agent with its fake
   tools (CPU-bound Python, ~50 ms an instance) on generated text-only instances. Goal: the
   2-worker rate at least 1.8x the 1-worker rate (needs 2 idle cores).
2. Runner overhead per instance: a model that answers at once (one tiny file), so the time
   per instance is what the runner adds: task hand-off to the worker process, publishing the
   files (fsync, rename), the SQLite row and the fsync'd event line.
3. Local vs Ray: the same instant model on 2 local workers and on a local Ray with 2 CPUs.
4. A model server, ``--concurrency N``: ``unima.bench.fake_server.FakeModelServer`` on
   127.0.0.1 (in this process, on threads) serves at most SLOTS requests at once, each for a
   fixed latency, the rest waiting in line, so it can answer at most SLOTS / latency requests a
   second. The openai-compatible model runs on it at several concurrencies; each rate is the
   instances over the time from the run's start (the observer's ``started``) to its last
   recorded result, as a fraction of that maximum. Goal: >= 0.9 at concurrency >= SLOTS.
   Concurrency 1 is the worker-process path (one request at a time, as before the option).

Rates 1-3 are measured from the first result to the last; start-up (dataset, manifest, worker
processes or Ray, the first instance) is reported separately as "start s".

Usage::

    .venv/bin/python benchmarks/harness.py [--quick | --smoke] [--no-ray] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any, ClassVar

from rich.console import Console
from rich.table import Table

from unima.bench.fake_server import FakeModelServer
from unima.bench.models import ModelAdapter
from unima.bench.records import Answer
from unima.bench.runner import RunOptions, run_benchmark

SERVER_GOAL = 0.9  # of the fake server's maximum throughput, at concurrency >= its slots


class InstantModel(ModelAdapter):
    """Answers at once with a 16-byte file: the model costs nothing, the runner everything."""

    name: ClassVar[str] = "instant"

    def describe(self) -> dict[str, Any]:
        return {"adapter": "instant"}

    def predict(self, instance: Any, media_root: Path, out_dir: Path) -> Answer:
        path = out_dir / "image1.png"
        path.write_bytes(b"\x89PNG instant!!!!")
        return Answer(content="See <image1>.", modal={"image1": path})


class Clock:
    """Observer: when the first instance was dispatched and when the last result arrived."""

    def __init__(self) -> None:
        self.created = time.monotonic()
        self.scheduling = 0.0
        self.first_result = 0.0
        self.last = 0.0
        self.finished = 0

    def started(self, total: int, finished: int) -> None:
        self.scheduling = time.monotonic()

    def attempt_finished(self, result: Any, final: bool) -> None:
        self.finished += 1
        self.last = time.monotonic()
        if self.finished == 1:
            self.first_result = self.last


def make_instances(folder: Path, count: int) -> Path:
    records = [
        {
            "domain": "natural_science",
            "subdomain": "math",
            "id": str(number),
            "input": {
                "content": f"Explain why {number} is or is not prime. Include one image.",
                "modal": {},
            },
            "output": {"content": "-", "modal": {}},
        }
        for number in range(1, count + 1)
    ]
    (folder / "natural_science" / "math").mkdir(parents=True, exist_ok=True)
    path = folder / "instances.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def measure(
    data: Path, out: Path, model: Any, options: dict[str, Any], run: RunOptions
) -> dict[str, float]:
    clock = Clock()
    summary = run_benchmark(
        data, out, model, model_options=options, media_root=data.parent, options=run, observer=clock
    )
    if summary.counts.get("done") != clock.finished:
        raise RuntimeError(f"not every instance finished: {summary.counts}")
    # Rates run from the first result to the last, so they leave out the start-up (dataset,
    # manifest, worker processes, the first instance's imports), reported as start_s.
    steady = clock.finished - 1
    span = clock.last - clock.first_result
    return {
        "instances": clock.finished,
        "per_minute": 60 * steady / span,
        "per_instance_ms": 1000 * span / steady,
        "total_s": summary.seconds,
        "start_s": clock.first_result - clock.created,
    }


def measure_server(
    root: Path, slots: int, latency_s: float, concurrencies: list[int], rounds: int
) -> dict[str, Any]:
    """The harness's throughput against a server of ``slots`` slots and ``latency_s`` each.

    Each concurrency runs ``rounds`` times as many instances as it can have at the server at
    once (``min(concurrency, slots)``), so every run lasts about ``rounds`` latencies.
    """
    runs = []
    with FakeModelServer(slots=slots, latency_s=latency_s) as server:
        for concurrency in concurrencies:
            count = rounds * min(concurrency, slots)
            data = make_instances(root / f"server-{slots}-{concurrency}-data", count)
            server.reset_counts()
            clock = Clock()
            summary = run_benchmark(
                data,
                root / f"server-{slots}-{concurrency}",
                server.spec,
                media_root=data.parent,
                options=RunOptions(concurrency=concurrency, timeout_s=60),
                observer=clock,
            )
            if summary.counts.get("done") != count or server.served != count:
                raise RuntimeError(f"not every instance was answered: {summary.counts}")
            per_second = count / (clock.last - clock.scheduling)
            runs.append(
                {
                    "concurrency": concurrency,
                    "instances": count,
                    "per_second": per_second,
                    "fraction_of_max": per_second / server.max_per_second,
                    "server_max_open": server.max_open,
                    "server_max_busy": server.max_busy,
                    "total_s": summary.seconds,
                }
            )
    return {
        "slots": slots,
        "latency_s": latency_s,
        "max_per_second": slots / latency_s,
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="fewer instances")
    size.add_argument(
        "--smoke",
        action="store_true",
        help="smallest size, to check that it still runs (make test): 6 and 12 instances, no Ray, "
        "a 4-slot server",
    )
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray measurement")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    arguments = parser.parse_args()
    # Servers: (slots, latency s, concurrencies, rounds). A vLLM server has tens to hundreds of
    # slots and seconds per answer; these are shorter so the benchmark is, and so harder.
    if arguments.smoke:
        # Starting Ray takes seconds and a lot of memory; the smoke run checks the local runner.
        agent_count, instant_count, arguments.no_ray = 6, 12, True
        servers = [(4, 0.05, [2, 4, 8], 3)]
    elif arguments.quick:
        agent_count, instant_count = 24, 60
        servers = [(8, 0.2, [1, 4, 8, 16], 8), (32, 0.5, [32, 64], 4)]
    else:
        agent_count, instant_count = 80, 300
        servers = [(8, 0.2, [1, 4, 8, 16], 20), (32, 0.5, [32, 64], 10)]
    console = Console()
    figures: dict[str, dict[str, float]] = {}
    server_figures: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="unima-harness-bench-") as folder:
        root = Path(folder)
        os.environ.setdefault("UNIMA_TRACE_DIR", str(root / "agent-traces"))
        agent_data = make_instances(root / "agent-data", agent_count)
        instant_data = make_instances(root / "instant-data", instant_count)
        # Warm-up: the first run pays imports and the sandbox self-test in this process.
        measure(
            agent_data,
            root / "warm",
            "unima",
            {"tools": "fake", "reasoner": "heuristic"},
            RunOptions(workers=1),
        )
        for workers in (1, 2):
            figures[f"unima-fake, {workers} local worker(s)"] = measure(
                agent_data,
                root / f"agent-{workers}",
                "unima",
                {"tools": "fake", "reasoner": "heuristic"},
                RunOptions(workers=workers),
            )
        for workers in (1, 2):
            figures[f"instant, {workers} local worker(s)"] = measure(
                instant_data,
                root / f"instant-{workers}",
                InstantModel("instant"),
                {},
                RunOptions(workers=workers),
            )
        if not arguments.no_ray:
            figures["instant, Ray 2 CPUs"] = measure(
                instant_data,
                root / "instant-ray",
                InstantModel("instant"),
                {},
                RunOptions(workers=2, executor="ray"),
            )
        for slots, latency_s, concurrencies, rounds in servers:
            server_figures.append(measure_server(root, slots, latency_s, concurrencies, rounds))
    table = Table(
        "run",
        "instances",
        "per minute",
        "ms / instance",
        "start s",
        "total s",
        title=f"unima bench harness ({platform.node()}, {os.cpu_count()} CPUs)",
    )
    for name, figure in figures.items():
        table.add_row(
            name,
            str(int(figure["instances"])),
            f"{figure['per_minute']:.0f}",
            f"{figure['per_instance_ms']:.1f}",
            f"{figure['start_s']:.1f}",
            f"{figure['total_s']:.1f}",
        )
    console.print(table)
    one = figures["unima-fake, 1 local worker(s)"]["per_minute"]
    two = figures["unima-fake, 2 local worker(s)"]["per_minute"]
    ratios = {"scaling_2_over_1": two / one}
    console.print(f"scaling, 2 workers over 1 (unima-fake): {two / one:.2f}x (goal >= 1.8x)")
    console.print(
        "runner overhead per instance (instant model, 1 worker): "
        f"{figures['instant, 1 local worker(s)']['per_instance_ms']:.1f} ms"
    )
    if "instant, Ray 2 CPUs" in figures:
        ray_ms = figures["instant, Ray 2 CPUs"]["per_instance_ms"]
        local_ms = figures["instant, 2 local worker(s)"]["per_instance_ms"]
        ratios["ray_over_local"] = ray_ms / local_ms
        console.print(
            f"Ray vs local (instant, 2 workers): {ray_ms:.1f} ms vs {local_ms:.1f} ms "
            f"per instance ({ray_ms / local_ms:.2f}x)"
        )
    console.print(server_table(server_figures))
    at_slots = [
        run["fraction_of_max"]
        for server in server_figures
        for run in server["runs"]
        if run["concurrency"] >= server["slots"]
    ]
    ratios["server_worst_fraction_at_slots"] = min(at_slots)
    console.print(
        f"model server, concurrency >= slots: worst {min(at_slots):.3f} of the server's maximum "
        f"throughput (goal >= {SERVER_GOAL})"
    )
    if arguments.json:
        report = {
            "figures": figures,
            "ratios": ratios,
            "server": {"goal_fraction": SERVER_GOAL, "servers": server_figures},
        }
        arguments.json.write_text(json.dumps(report, indent=2))


def server_table(server_figures: list[dict[str, Any]]) -> Table:
    table = Table(
        "slots x latency",
        "max/s",
        "concurrency",
        "instances",
        "per s",
        "of max",
        "open at server",
        "total s",
        title="openai-compatible model on a fake server (max/s = slots / latency)",
    )
    for server in server_figures:
        for run in server["runs"]:
            table.add_row(
                f"{server['slots']} x {server['latency_s']:g} s",
                f"{server['max_per_second']:g}",
                str(run["concurrency"]),
                str(run["instances"]),
                f"{run['per_second']:.1f}",
                f"{run['fraction_of_max']:.3f}",
                str(run["server_max_open"]),
                f"{run['total_s']:.1f}",
            )
    return table


if __name__ == "__main__":
    main()
