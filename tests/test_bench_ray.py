"""``--executor ray``: the same run as Ray tasks on a local Ray with 2 CPUs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from bench_fixtures import make_dataset

from unima.bench.runner import RunOptions, run_benchmark
from unima.bench.store import ResultStore, read_events
from unima.errors import MissingExtraError


@pytest.mark.slow
def test_a_run_on_local_ray_funnels_every_result_into_the_store(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="needs the ray extra: pip install 'unima[ray]'")
    data = make_dataset(tmp_path / "data", count=3)
    out = tmp_path / "run"
    summary = run_benchmark(
        data,
        out,
        "unima",
        model_options={"tools": "fake"},
        options=RunOptions(executor="ray", workers=2, timeout_s=120),
    )
    events = read_events(out / "events.jsonl")
    # Nothing lost or duplicated. A task may be retried once when a Ray worker is slow to start
    # on a loaded 2-core machine; the retry's reason is in the event log.
    retried = [event for event in events if event["event"] not in ("done", "start", "started")]
    assert summary.counts == {"done": 6, "invalid": 0}, retried
    assert 6 <= summary.attempts <= 8, retried
    lines = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert len({(p["subdomain"], p["id"]) for p in lines}) == 6
    for line in lines:
        assert "<image1>" in line["output"]["content"]
        for relative in line["output"]["modal"].values():
            assert (out / relative).is_file()  # published by the driver from the task's bytes
        trace = out / "traces/natural_science" / line["subdomain"] / line["id"] / "trace.json"
        assert json.loads(trace.read_text())
    assert sum(e["event"] == "done" for e in read_events(out / "events.jsonl")) == 6
    with ResultStore(out) as store:
        assert {row.attempts for row in store.rows()} <= {1, 2}
    # A resume with the local executor keeps every Ray result.
    again = run_benchmark(data, out, "unima", model_options={"tools": "fake"})
    assert again.kept == 6 and again.attempts == 0


def test_a_missing_ray_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from unima.bench.ray_executor import import_ray

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(MissingExtraError, match=r'pip install "unima\[ray\]"'):
        import_ray()
