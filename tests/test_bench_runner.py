"""The benchmark runner: outputs, manifest, failure isolation, drift, invalid input."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from bench_fixtures import EchoModel, make_dataset
from typer.testing import CliRunner

from unima.bench.datasets.unim import load_unim
from unima.bench.manifest import read_manifest
from unima.bench.records import Selection
from unima.bench.runner import RunOptions, run_benchmark
from unima.bench.store import EventLog, ResultStore, RunLock, read_events
from unima.cli import app
from unima.errors import ConfigError, InputError

cli = CliRunner()


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_cli_run_writes_predictions_manifest_media_and_traces(tmp_path: Path) -> None:
    data = make_dataset(tmp_path / "data", count=3)
    out = tmp_path / "run"
    result = cli.invoke(
        app,
        [
            "bench",
            "run",
            "unim",
            "--data",
            str(data),
            "--media-root",
            str(tmp_path / "data"),
            "--out",
            str(out),
            "--model",
            "unima",
            "--tools",
            "fake",
            "--workers",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "done" in result.output and "6" in result.output
    predictions = _lines(out / "predictions.jsonl")
    keys = [(p["domain"], p["subdomain"], p["id"]) for p in predictions]
    assert sorted(keys) == sorted(
        ("natural_science", subdomain, str(n))
        for subdomain in ("math", "physics")
        for n in range(1, 4)
    )
    for prediction in predictions:
        assert prediction["status"] in ("ok", "partial")
        assert "<image1>" in prediction["output"]["content"]
        for tag, relative in prediction["output"]["modal"].items():
            folder = f"media/natural_science/{prediction['subdomain']}/{prediction['id']}/"
            assert relative.startswith(folder) and Path(relative).name.startswith(tag + ".")
            assert (out / relative).is_file() and (out / relative).stat().st_size > 0
        trace = out / "traces/natural_science" / prediction["subdomain"] / prediction["id"]
        assert json.loads((trace / "trace.json").read_text())  # a complete JSON trace
    manifest = read_manifest(out)
    assert manifest is not None and manifest.schema_version == 1
    assert manifest.dataset.fingerprint == load_unim(data, media_root=tmp_path / "data").fingerprint
    assert manifest.model.spec == "unima" and manifest.model.options == {"tools": "fake"}
    assert manifest.model.description["reasoner"] == "heuristic"
    assert manifest.selection.selected == 6
    assert manifest.sandbox.tier in ("bwrap", "rlimits", "none", None)
    assert not (out / ".staging").exists()


def test_filters_are_applied_and_recorded(tmp_path: Path) -> None:
    data = make_dataset(tmp_path / "data", count=4)
    summary = run_benchmark(
        data,
        tmp_path / "run",
        EchoModel("echo"),
        selection=Selection(subdomains=("physics",), limit=2),
    )
    assert summary.counts["done"] == 2 and summary.attempts == 2
    keys = [(p["subdomain"], p["id"]) for p in _lines(tmp_path / "run/predictions.jsonl")]
    assert keys == [("physics", "1"), ("physics", "2")]
    manifest = read_manifest(tmp_path / "run")
    assert manifest is not None
    assert manifest.selection.subdomains == ["physics"] and manifest.selection.limit == 2


def test_crash_segfault_hang_and_errors_cost_one_instance_each(tmp_path: Path) -> None:
    data = make_dataset(tmp_path / "data", count=7, subdomains=("math",))
    model = EchoModel("echo", crash=["2"], segfault=["3"], hang=["4"], error=["5"], bad_input=["6"])
    started = time.monotonic()
    summary = run_benchmark(
        data,
        tmp_path / "run",
        model,
        options=RunOptions(workers=2, timeout_s=4, retries=1),
    )
    # The hang sleeps 300 s an attempt; two attempts bounded at 4 s each finish far sooner. The
    # bound leaves room for slow worker starts on two loaded cores (40 s was seen to fail).
    assert time.monotonic() - started < 120
    with ResultStore(tmp_path / "run") as store:
        rows = {row.key[2]: row for row in store.rows()}
    assert {rows[i].status for i in ("1", "7")} == {"done"}
    assert rows["2"].status == "crashed" and "status 3" in rows["2"].error
    assert rows["3"].status == "crashed" and "SIGSEGV" in rows["3"].error
    assert rows["4"].status == "timeout" and "4 s" in rows["4"].error
    assert rows["5"].status == "failed" and "ValueError: model bug on 5" in rows["5"].error
    assert rows["6"].status == "failed" and "InputError" in rows["6"].error
    # Bounded retries: one retry for crashes, hangs and bugs; none for bad input.
    assert [rows[i].attempts for i in "234567"] == [2, 2, 2, 2, 1, 1]
    assert summary.counts["done"] == 2 and summary.failed == 5
    lines = {p["id"]: p for p in _lines(tmp_path / "run/predictions.jsonl")}
    assert lines["2"]["status"] == "failed" and lines["2"]["output"] == {"modal": {}, "content": ""}
    assert lines["7"]["status"] == "ok" and lines["7"]["output"]["content"].startswith("Answer")


def test_invalid_instances_and_hostile_paths_are_reported_not_run(tmp_path: Path) -> None:
    root = tmp_path / "data"
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    hostile = {
        "../../secret.txt": "dotdot",
        str(outside): "absolute",
        "document/link.txt": "link",
        "document/missing.txt": "missing",
    }
    extra = []
    for number, (path, name) in enumerate(hostile.items(), start=10):
        extra.append(
            {
                "domain": "natural_science",
                "subdomain": "math",
                "id": f"{name}{number}",
                "input": {"content": "Read <document1>.", "modal": {"document1": path}},
            }
        )
    extra.append(
        {
            "domain": "natural_science",
            "subdomain": "math",
            "id": "notag",
            "input": {"content": "Look at <image1>.", "modal": {}},
        }
    )
    data = make_dataset(root, count=2, subdomains=("math",), extra=extra)
    (root / "natural_science/math/document/link.txt").symlink_to(outside)
    out = tmp_path / "run"
    result = cli.invoke(
        app,
        [
            "bench",
            "run",
            "unim",
            "--data",
            str(data),
            "--out",
            str(out),
            "--media-root",
            str(root),
            "--model",
            "unima",
            "--tools",
            "fake",
        ],
    )
    assert result.exit_code == 0, result.output
    for name in ("dotdot10", "absolute11", "link12", "missing13", "notag"):
        assert name in result.output
    assert [p["id"] for p in _lines(out / "predictions.jsonl")] == ["1", "2"]
    started = {tuple(e["key"]) for e in read_events(out / "events.jsonl") if e["event"] == "start"}
    assert started == {("natural_science", "math", "1"), ("natural_science", "math", "2")}
    with ResultStore(out) as store:
        assert len(store.invalid()) == 5
    failing = cli.invoke(
        app,
        [
            "bench",
            "run",
            "unim",
            "--data",
            str(data),
            "--on-invalid",
            "fail",
            "--out",
            str(tmp_path / "strict"),
            "--media-root",
            str(root),
        ],
    )
    assert failing.exit_code == 1 and "5 invalid instance" in failing.output


def test_manifest_drift_is_refused_and_force_sets_the_old_run_aside(tmp_path: Path) -> None:
    data = make_dataset(tmp_path / "data", count=3, subdomains=("math",))
    out = tmp_path / "run"
    run_benchmark(data, out, EchoModel("echo"), selection=Selection(limit=2))
    again = run_benchmark(data, out, EchoModel("echo"), selection=Selection(limit=2))
    assert again.kept == 2 and again.attempts == 0  # same manifest: a resume with nothing to do
    with pytest.raises(ConfigError, match=r"selection.limit: was 2, now 3"):
        run_benchmark(data, out, EchoModel("echo"), selection=Selection(limit=3))
    with pytest.raises(ConfigError, match=r"model\.options"):
        run_benchmark(data, out, EchoModel("echo", delay=0.01), selection=Selection(limit=2))
    records = _lines(data)
    records[0]["input"]["content"] += " Please."
    data.write_text("".join(json.dumps(r) + "\n" for r in records))
    with pytest.raises(ConfigError, match=r"dataset\.fingerprint"):
        run_benchmark(data, out, EchoModel("echo"), selection=Selection(limit=2))
    forced = run_benchmark(
        data, out, EchoModel("echo"), selection=Selection(limit=3), options=RunOptions(force=True)
    )
    assert forced.kept == 0 and forced.counts["done"] == 3
    aside = list(out.glob("superseded-*"))
    assert len(aside) == 1 and (aside[0] / "manifest.json").exists()
    assert len(_lines(aside[0] / "predictions.jsonl")) == 2
    assert len(_lines(out / "predictions.jsonl")) == 3


def test_a_locked_run_folder_is_refused(tmp_path: Path) -> None:
    data = make_dataset(tmp_path / "data", count=1, subdomains=("math",))
    with RunLock(tmp_path / "run"), pytest.raises(InputError, match="another unima bench run"):
        run_benchmark(data, tmp_path / "run", EchoModel("echo"))


def test_the_event_log_survives_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    log = EventLog(path)
    log.append("start", key=["a", "b", "1"])
    log.close()
    with path.open("a") as handle:
        handle.write('{"event": "do')  # a crash mid-write
    log = EventLog(path)
    log.append("done", key=["a", "b", "1"])
    log.close()
    assert [event["event"] for event in read_events(path)] == ["start", "done"]


def test_predictions_are_regenerated_from_the_store_without_duplicates(tmp_path: Path) -> None:
    from unima.bench.store import ResultRow

    with ResultStore(tmp_path) as store:
        key = ("natural_science", "math", "1")
        store.add_pending([key, ("natural_science", "math", "2")])
        store.add_pending([key])  # a resume adds nothing twice
        store.mark_running(key, 1)
        store.record(
            ResultRow(key=key, status="done", attempts=1, prediction_status="ok", content="x")
        )
        store.record(
            ResultRow(key=key, status="done", attempts=1, prediction_status="ok", content="y")
        )
        store.mark_running(("natural_science", "math", "2"), 1)
        assert store.recover_interrupted() == 1
        lines = _lines(store.write_predictions())
    assert lines == [
        {
            "domain": "natural_science",
            "subdomain": "math",
            "id": "1",
            "output": {"modal": {}, "content": "y"},
            "status": "ok",
        }
    ]


def test_a_folder_of_other_files_is_not_taken_as_a_run(tmp_path: Path) -> None:
    data = make_dataset(tmp_path / "data", count=1, subdomains=("math",))
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "thesis.tex").write_text("x")
    with pytest.raises(InputError, match="folder of other files"):
        run_benchmark(data, tmp_path / "busy", EchoModel("echo"))
    assert os.listdir(tmp_path / "busy") == ["thesis.tex"]
