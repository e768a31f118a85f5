"""Artifact-cache benchmark: how much faster an identical request is when served from the cache.

Run: ``.venv/bin/python benchmarks/cache.py [--repeats N | --smoke] [--json OUT]``

With the real embedded tools and the heuristic reasoner, in one process and a temporary store:
1. a first request loads the models (not measured against anything);
2. ``repeats`` runs with ``cache=False`` measure a warm, uncached ``respond()``;
3. ``repeats`` runs with the cache measure an identical request served from it.
The speed-up is the ratio of the two medians, taken in the same process and minute.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REQUEST = (
    "Explain how a rainbow forms. Include one diagram, a narrated audio clip and a short video."
)


def timed(agent: object, request: str) -> tuple[float, list[str]]:
    from unima.trace.schema import load_trace

    clock = time.perf_counter()
    response = agent.respond(request)  # type: ignore[attr-defined]
    seconds = time.perf_counter() - clock
    if response.status != "ok":
        raise SystemExit(f"run failed: {response.problems}")
    statuses = [
        e.data["status"] for e in load_trace(response.trace_path).events if e.kind == "step_end"
    ]
    return seconds, statuses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=None, help="runs per figure (default 5)")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="smallest size, to check that it still runs (make test): 1 run per figure",
    )
    parser.add_argument("--json", type=Path, default=None)
    options = parser.parse_args()
    if options.repeats is None:
        options.repeats = 1 if options.smoke else 5
    if options.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {options.repeats}")
    with tempfile.TemporaryDirectory(prefix="unima-cache-bench-") as folder:
        os.environ["UNIMA_TRACE_DIR"] = str(Path(folder) / "traces")
        os.environ["UNIMA_ARTIFACT_DIR"] = str(Path(folder) / "artifacts")
        from rich.console import Console
        from rich.table import Table

        from unima import UniMA

        uncached_agent = UniMA(reasoner="heuristic", cache=False)
        cached_agent = UniMA(reasoner="heuristic")
        first, _ = timed(cached_agent, REQUEST)  # loads the models and fills the cache
        uncached = [timed(uncached_agent, REQUEST)[0] for _ in range(options.repeats)]
        served = []
        for _ in range(options.repeats):
            seconds, statuses = timed(cached_agent, REQUEST)
            if set(statuses) != {"cached"}:
                raise SystemExit(f"expected every step cached, got {statuses}")
            served.append(seconds)
    result = {
        "machine": f"{os.cpu_count()} CPUs, {platform.machine()}, Python {sys.version.split()[0]}",
        "first_cold_s": round(first, 3),
        "warm_uncached_median_s": round(statistics.median(uncached), 3),
        "cached_median_s": round(statistics.median(served), 3),
        "speedup": round(statistics.median(uncached) / statistics.median(served), 1),
        "repeats": options.repeats,
    }
    table = Table("measure", "value", title="Artifact cache, rainbow request (3 artifacts)")
    table.add_row("first respond() (cold, fills the cache)", f"{result['first_cold_s']:.2f} s")
    table.add_row("warm respond(), cache off (median)", f"{result['warm_uncached_median_s']:.2f} s")
    table.add_row(
        "identical respond(), served from the cache (median)", f"{result['cached_median_s']:.3f} s"
    )
    table.add_row("speed-up", f"{result['speedup']}x")
    Console().print(table)
    Console().print(result["machine"])
    if options.json:
        options.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
