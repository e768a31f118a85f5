"""Evaluation-suite benchmark: structure metrics at UniM scale, and judge throughput with the cache.

Run: ``.venv/bin/python benchmarks/eval.py [--instances 31000] [--judge-calls 2000] [--json OUT]``
(``--smoke``: 200 instances and 50 judge calls, to check that it still runs).

1. Structure (goal: <= 5 s for 31,000 instances). A synthetic UniM set of ``--instances``
   instances (UniM has 31,026) and reference-as-prediction answers are written to a temporary
   folder (not timed). Timed: ``StructureMetric.score`` on every instance (matching by key,
   resolving and checking every predicted file), then the whole ``evaluate()`` with only the
   structure family (loading the dataset and predictions, scoring, report.json and report.md;
   no plots). Both must give StS = LeS = 100.
2. Judge throughput. ``LlmJudge`` around a ``ScriptedChatModel`` (a fake chat model: no network,
   no model time, so this measures the suite's own overhead: template rendering, reply
   validation, cache) behind a ``JudgeCache`` on disk: a cold pass of ``--judge-calls`` distinct
   payloads (every call a miss, written to the cache), then a warm pass of the same payloads
   (every call a hit). Reported as calls per second.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

UNIM_SIZE = 31_000
STRUCTURE_GOAL_SECONDS = 5.0


def prepare(folder: Path, count: int) -> tuple[Path, Path, float]:
    from unima.eval.synthetic import write_predictions, write_synthetic_dataset

    clock = time.perf_counter()
    instances_file = write_synthetic_dataset(folder / "set", count, seed=0)
    predictions = write_predictions(instances_file, folder / "pred")
    return instances_file, predictions, time.perf_counter() - clock


def structure_scoring(instances_file: Path, predictions: Path) -> dict[str, Any]:
    """Time ``StructureMetric.score`` alone over every instance (data already loaded)."""
    from unima.bench.datasets.unim import load_predictions, load_unim
    from unima.eval.records import InstanceContext
    from unima.eval.structure import StructureMetric

    clock = time.perf_counter()
    load = load_unim(instances_file, check_files=False)
    predicted = load_predictions(predictions, check_files=False)
    loading = time.perf_counter() - clock
    metric = StructureMetric()
    root = Path(predicted.root).resolve()
    total = {"StS_abs": 0.0, "LeS_abs": 0.0}
    clock = time.perf_counter()
    for instance in load.instances:
        context = InstanceContext(
            instance.key, instance, predicted.predictions.get(instance.key), root, load.root
        )
        for value in metric.score(context):
            if value.name in total:
                total[value.name] += value.value or 0.0
    scoring = time.perf_counter() - clock
    count = len(load.instances)
    return {
        "instances": count,
        "load_seconds": round(loading, 3),
        "score_seconds": round(scoring, 3),
        "StS_abs": round(total["StS_abs"] / count, 2),
        "LeS_abs": round(total["LeS_abs"] / count, 2),
    }


def structure_evaluate(instances_file: Path, predictions: Path, out: Path) -> dict[str, Any]:
    """Time the whole ``evaluate()`` with only the structure family."""
    from unima.eval.runner import evaluate

    clock = time.perf_counter()
    report = evaluate(instances_file, predictions, out, metrics=["structure"], plots=False)
    seconds = time.perf_counter() - clock
    return {
        "seconds": round(seconds, 3),
        "instances": report.counts["instances"],
        "StS_abs": report.overall["StS_abs"],
        "LeS_abs": report.overall["LeS_abs"],
        "report_json_mib": round((out / "report.json").stat().st_size / 2**20, 1),
    }


def judge_throughput(folder: Path, calls: int) -> dict[str, Any]:
    from unima.eval.judges import CachedJudge, JudgeCache
    from unima.eval.judges.llm import LlmJudge
    from unima.testing import ScriptedChatModel

    model = ScriptedChatModel(script={"judge_sc": '{"score": 4, "reason": "minor gaps"}'})
    cache = JudgeCache(folder / "judge-cache.sqlite")
    judge = CachedJudge(LlmJudge(model, model_name="fake-judge"), cache)
    payloads = [
        {
            "request": f"Explain item {index} with one image.",
            "reference": f"Item {index} is shown in <image2: a diagram of item {index}>.",
            "prediction": f"Here is item {index}: <image2: a drawing of item {index}>.",
        }
        for index in range(calls)
    ]
    passes = {}
    for name in ("cold", "warm"):
        clock = time.perf_counter()
        scores = [judge.score("semantic", payload).score for payload in payloads]
        seconds = time.perf_counter() - clock
        if set(scores) != {4.0}:
            raise SystemExit(f"fake judge gave unexpected scores: {sorted(set(scores))}")
        passes[name] = {"seconds": round(seconds, 3), "calls_per_second": round(calls / seconds)}
    counters = judge.counters.snapshot()
    judge.close()
    return {"calls": calls, **passes, "model_calls": len(model.calls), "counters": counters}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=None, help=f"default {UNIM_SIZE}")
    parser.add_argument("--judge-calls", type=int, default=None, help="default 2000")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="smallest size, to check that it still runs (make test): 200 instances, 50 calls",
    )
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    arguments = parser.parse_args()
    if arguments.instances is None:
        arguments.instances = 200 if arguments.smoke else UNIM_SIZE
    if arguments.judge_calls is None:
        arguments.judge_calls = 50 if arguments.smoke else 2000
    with tempfile.TemporaryDirectory(prefix="unima-eval-bench-") as temporary:
        folder = Path(temporary)
        instances_file, predictions, preparing = prepare(folder, arguments.instances)
        results: dict[str, Any] = {
            "machine": {
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
            },
            "prepare_seconds": round(preparing, 1),
            "structure_scoring": structure_scoring(instances_file, predictions),
            "structure_evaluate": structure_evaluate(
                instances_file, predictions, folder / "report"
            ),
        }
        try:
            results["judge"] = judge_throughput(folder, arguments.judge_calls)
        except ImportError as error:  # the judges package or langchain is missing
            results["judge"] = {"unavailable": str(error)}
    scoring = results["structure_scoring"]
    evaluated = results["structure_evaluate"]
    print(
        f"structure, {scoring['instances']} instances: score() {scoring['score_seconds']} s "
        f"(loading {scoring['load_seconds']} s); whole evaluate() {evaluated['seconds']} s "
        f"(goal <= {STRUCTURE_GOAL_SECONDS} s); StS={evaluated['StS_abs']} "
        f"LeS={evaluated['LeS_abs']}"
    )
    judge = results["judge"]
    if "unavailable" in judge:
        print(f"judge throughput: not measured ({judge['unavailable']})")
    else:
        print(
            f"judge ({judge['calls']} calls, fake chat model): cold "
            f"{judge['cold']['calls_per_second']}/s, cached {judge['warm']['calls_per_second']}/s"
        )
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=2) + "\n")
    if scoring["StS_abs"] != 100.0 or evaluated["StS_abs"] != 100.0:
        sys.exit("reference-as-prediction did not score 100: the benchmark is invalid")


if __name__ == "__main__":
    main()
