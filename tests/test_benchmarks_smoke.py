"""Every benchmark in ``benchmarks/`` runs at its smallest size (``--smoke``) and writes the
figures it promises.

Benchmarks are scripts nobody runs between releases, so they rot: ``overhead.py`` crashed for
weeks after the artifact cache landed. Each one runs here as a subprocess, the way ``make bench``
runs it, and its ``--json`` output is checked for every key its tables and the README use, with
values that can be true (positive times, the reference scoring 100, tools that really ran). No
timing goal is checked: the machine running the tests may be busy.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
PERCEPTION_MODALITIES = {"text", "image", "audio", "video", "document", "code", "threeD"}

pytestmark = pytest.mark.slow


def run_benchmark(name: str, tmp_path: Path) -> dict[str, Any]:
    """Run ``benchmarks/<name>.py --smoke --json OUT`` and return the JSON it wrote."""
    out = tmp_path / f"{name}.json"
    completed = subprocess.run(
        [sys.executable, str(BENCHMARKS / f"{name}.py"), "--smoke", "--json", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert completed.returncode == 0, (
        f"benchmarks/{name}.py --smoke failed ({completed.returncode}):\n"
        f"{completed.stdout[-3000:]}\n{completed.stderr[-5000:]}"
    )
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return report


def positive(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


def require(mapping: dict[str, Any], *keys: str) -> None:
    missing = [key for key in keys if key not in mapping]
    assert not missing, f"missing keys {missing} in {sorted(mapping)}"


def check_overhead(report: dict[str, Any]) -> None:
    require(report, "machine", "repeats", "ratio_goal", "dispatch", "overhead", "embedded")
    assert report["repeats"] == 1
    assert [shape["name"] for shape in report["dispatch"]] == [
        "diamond, 5 steps",
        "fan ×6, max_parallel 6",
        "fan ×8, max_parallel 8",
    ]
    for shape in report["dispatch"]:
        require(
            shape,
            "nominal_critical_path_s",
            "nominal_sum_s",
            "respond_s",
            "dispatch_s",
            "measured_critical_path_s",
            "measured_sum_s",
            "ratio_to_nominal",
            "ratio_to_measured",
            "dependency_order_ok",
            "runs",
        )
        assert shape["dependency_order_ok"] is True
        assert len(shape["runs"]) == 1
        # The fake tools really slept: the dispatch cannot beat the critical path, and every
        # step has a measured duration (a cached step would have none).
        assert shape["dispatch_s"] >= 0.95 * shape["nominal_critical_path_s"]
        assert shape["measured_sum_s"] >= 0.95 * shape["nominal_sum_s"]
        assert positive(shape["ratio_to_nominal"]) and positive(shape["ratio_to_measured"])
        assert positive(shape["respond_s"]) and shape["respond_s"] >= shape["dispatch_s"]
    overhead = report["overhead"]
    require(
        overhead,
        "chain_1",
        "chain_12",
        "per_step_respond_ms",
        "per_step_dispatch_ms",
        "text_only_heuristic_respond_s",
    )
    for chain in (overhead["chain_1"], overhead["chain_12"]):
        assert positive(chain["respond_s"]) and chain["dependency_order_ok"] is True
    assert math.isfinite(overhead["per_step_respond_ms"])
    assert positive(overhead["text_only_heuristic_respond_s"])
    embedded = report["embedded"]
    require(
        embedded,
        "import_and_construct_s",
        "cold_respond_s",
        "warm_respond_s",
        "peak_rss_mib",
        "warm_served_from_cache",
        "samples",
    )
    assert embedded["warm_served_from_cache"] is False
    for key in ("import_and_construct_s", "cold_respond_s", "warm_respond_s", "peak_rss_mib"):
        assert positive(embedded[key]), key
    for sample in embedded["samples"]:
        for run in sample["runs"]:
            assert run["step_statuses"] == ["ok", "ok", "ok"], run


def check_perception(report: dict[str, Any]) -> None:
    require(report, "machine", "repeats", "results")
    assert report["repeats"] == 1
    assert {row["modality"] for row in report["results"]} == PERCEPTION_MODALITIES
    for row in report["results"]:
        require(row, "input", "backend", "cold_s", "warm_s", "peak_rss_mib", "child_peak_rss_mib")
        assert row["failures"] == [], row
        assert row["backend"], row
        assert row["cold_s"] >= 0 and row["warm_s"] >= 0
        assert positive(row["peak_rss_mib"])
        if row["modality"] != "threeD":  # a mesh is described in meta, not in text
            assert row["text_chars"] > 0, row


def check_cache(report: dict[str, Any]) -> None:
    require(
        report, "first_cold_s", "warm_uncached_median_s", "cached_median_s", "speedup", "repeats"
    )
    assert report["repeats"] == 1
    for key in ("first_cold_s", "warm_uncached_median_s", "cached_median_s"):
        assert positive(report[key]), key
    # Served from the cache must be faster than running the tools, even on a busy machine.
    assert report["cached_median_s"] < report["warm_uncached_median_s"]


def check_harness(report: dict[str, Any]) -> None:
    require(report, "figures", "ratios")
    expected = {
        "unima-fake, 1 local worker(s)": 6,
        "unima-fake, 2 local worker(s)": 6,
        "instant, 1 local worker(s)": 12,
        "instant, 2 local worker(s)": 12,
    }
    assert set(report["figures"]) == set(expected)
    for name, instances in expected.items():
        figure = report["figures"][name]
        require(figure, "instances", "per_minute", "per_instance_ms", "start_s", "total_s")
        assert figure["instances"] == instances
        for key in ("per_minute", "per_instance_ms", "start_s", "total_s"):
            assert positive(figure[key]), (name, key)
    assert positive(report["ratios"]["scaling_2_over_1"])
    # The model-server measurement: one 4-slot server, three concurrencies, each run answered
    # in full with exactly that many requests open at the server.
    assert positive(report["ratios"]["server_worst_fraction_at_slots"])
    server = report["server"]
    assert server["goal_fraction"] == 0.9
    (fake,) = server["servers"]
    require(fake, "slots", "latency_s", "max_per_second", "runs")
    assert fake["max_per_second"] == fake["slots"] / fake["latency_s"]
    assert [run["concurrency"] for run in fake["runs"]] == [2, 4, 8]
    for run in fake["runs"]:
        require(run, "instances", "per_second", "fraction_of_max", "server_max_open", "total_s")
        assert run["server_max_open"] == run["concurrency"]
        assert run["server_max_busy"] == min(run["concurrency"], fake["slots"])
        assert run["instances"] == 3 * min(run["concurrency"], fake["slots"])
        # The server cannot be beaten: at most its maximum, with a little slack for timing.
        assert positive(run["per_second"]) and run["fraction_of_max"] <= 1.05


def check_eval(report: dict[str, Any]) -> None:
    require(report, "machine", "structure_scoring", "structure_evaluate", "judge")
    scoring, evaluated = report["structure_scoring"], report["structure_evaluate"]
    assert scoring["instances"] == evaluated["instances"] == 200
    assert scoring["StS_abs"] == scoring["LeS_abs"] == 100.0
    assert evaluated["StS_abs"] == evaluated["LeS_abs"] == 100.0
    assert positive(evaluated["seconds"])
    judge = report["judge"]
    assert "unavailable" not in judge, judge
    assert judge["calls"] == judge["model_calls"] == 50
    assert positive(judge["cold"]["calls_per_second"])
    assert positive(judge["warm"]["calls_per_second"])
    assert judge["counters"]["cache_hits"] == 50


def check_answers(report: dict[str, Any]) -> None:
    require(report, "machine", "selection", "goals", "demo_request", "reasoners")
    assert report["selection"] == {"answers": 3, "numeric": 2, "smoke": True}
    assert "heuristic" in report["reasoners"]
    for spec, result in report["reasoners"].items():
        require(result, "cold", "demo_in_process", "summary", "targets", "requests")
        summary = result["summary"]
        require(
            summary,
            "coverage_percent",
            "numeric_right",
            "numeric_total",
            "StS_abs",
            "LeS_abs",
            "tau",
            "cold_demo_s",
            "cold_peak_rss_mib",
            "warm_demo_s",
            "warm_median_s",
            "tokens_per_second",
            "plan_fallbacks",
            "process_peak_rss_mib",
        )
        require(result["targets"], "coverage", "numeric", "cold", "warm", "rss")
        # The demo really ran, cold in a fresh `unima run` and twice in this process.
        assert result["cold"]["ok"] is True, result["cold"]
        for run in result["demo_in_process"]:
            assert run["status"] in ("ok", "partial"), run
            assert run["artifacts"] == ["audio1", "image1", "video1"], run
        for key in ("cold_demo_s", "cold_peak_rss_mib", "warm_demo_s", "warm_median_s"):
            assert positive(summary[key]), (spec, key)
        assert summary["tau"] == 100.0 and 0 <= summary["StS_abs"] <= 100
        assert summary["numeric_total"] == 2 and summary["numeric_right"] >= 1, summary
        assert len(result["requests"]) == 5
        for record in result["requests"]:
            require(record, "seconds", "status", "content", "structure", "tokens")
            assert record["content"].strip(), record
            if "concepts" in record:
                assert record["concepts"]["eligible"] >= 3, record
            else:
                assert record["numeric"]["numbers_found"], record
        if spec == "heuristic":
            assert result["targets"]["coverage"] is None  # the goal is a model's
            assert summary["tokens_per_second"] is None
        else:  # the embedded model, when UNIMA_BENCH_EMBEDDED=1 asked for it
            assert positive(summary["tokens_per_second"]), summary


def check_generators(report: dict[str, Any]) -> None:
    require(report, "machine", "repeats", "tiny_models", "backends", "parallel")
    assert report["repeats"] == 1 and report["tiny_models"] is True
    assert [row["backend"] for row in report["backends"]] == [
        "generate_image/diffusers",
        "compose_video/diffusers",
        "generate_mesh/shap-e",
    ]
    for row in report["backends"]:
        require(row, "load_s", "first_s", "per_artifact_s", "ratio_to_procedural", "peak_rss_mib")
        assert row["device"] == "cpu" and row["dtype"] == "float32"
        assert all(positive(row[key]) for key in ("load_s", "first_s", "per_artifact_s"))
        assert row["first_s"] >= row["load_s"]
    parallel = report["parallel"]
    assert sorted(parallel["model_seconds"]) == ["image1", "image2", "video1"]
    # One pipeline for both images: the same load, recorded once per model.
    assert parallel["load_seconds"]["image1"] == parallel["load_seconds"]["image2"]
    assert positive(parallel["wall_over_critical_path"]) and positive(parallel["wall_over_serial"])


def check_fidelity(report: dict[str, Any]) -> None:
    require(report, "machine", "official_commit", "official_rows", "audio_calibration", "synthetic")
    assert report["official_rows"] == [] and report["official_folder_reason"]  # --smoke alone
    synthetic = report["synthetic"]
    judges = {result["judge"] for result in synthetic["scores"].values()}
    assert {"gq:image/brisque-lite", "gq:threeD/nr3dq-v3"} <= judges, judges
    assert all(isinstance(holds, bool) for holds in synthetic["checks"].values())
    assert synthetic["checks"]["threeD: surface cloud > random cloud"] is True


def check_train(report: dict[str, Any]) -> None:
    require(report, "machine", "sft_steps", "grpo_steps", "runs")
    assert (report["sft_steps"], report["grpo_steps"]) == (3, 2)
    assert [(run["model"], run["stage"]) for run in report["runs"]] == [
        ("tiny", "sft"),
        ("tiny", "grpo"),
    ]
    for run in report["runs"]:
        require(run, "seconds_per_step", "tokens_per_second", "peak_rss_mib", "peak_gpu_mib")
        assert run["device"] == "cpu" and run["peak_gpu_mib"] is None
        assert all(positive(run[key]) for key in ("seconds_per_step", "tokens_per_second"))
        assert positive(run["peak_rss_mib"]) and math.isfinite(run["loss"])
    assert set(report["runs"][1]["reward_means"]) == {
        "structure",
        "content",
        "process",
        "consistency",
    }


CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "answers": check_answers,
    "generators": check_generators,
    "overhead": check_overhead,
    "perception": check_perception,
    "cache": check_cache,
    "harness": check_harness,
    "eval": check_eval,
    "fidelity": check_fidelity,
    "train": check_train,
}


def test_every_benchmark_has_a_smoke_test() -> None:
    assert {path.stem for path in BENCHMARKS.glob("*.py")} == set(CHECKS)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_benchmark_runs_at_its_smallest_size(name: str, tmp_path: Path) -> None:
    CHECKS[name](run_benchmark(name, tmp_path))
