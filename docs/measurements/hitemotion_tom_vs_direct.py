"""The offline ToM mode against the direct mode on the HitEmotion fixtures of all 24 tasks.

Builds the fixtures of ``tests/hitemotion_fixtures.py`` (2-4 items per task, truths reflected in
quoted words, synthetic voices, frame and image colours) in a temporary folder, then runs the
shell commands a user would, each mode with the prompts of the paper's own comparison:

    unima bench run hitemotion --prompt tom    --reasoning tom    --model unima --llm heuristic --tools fake --workers 2
    unima bench run hitemotion --prompt direct --reasoning direct --model unima --llm heuristic --tools fake --workers 2
    unima eval hitemotion --data ... --pred RUN/predictions.jsonl --out REPORT     (each run)
    unima eval compare REPORT_direct REPORT_tom --out compare.md

and draws per-level and overall scores (0-100; an unparsed answer counts as wrong) of both
modes, beside the expected score of a uniform guess among each task's options, into one PNG:

    .venv/bin/python docs/measurements/hitemotion_tom_vs_direct.py docs/figures/hitemotion_tom_vs_direct.png

Both modes are offline and weak: the numbers say what perception-only cues and the heuristic
reasoner get on small synthetic items, not what a model gets on the release. A one-off
measurement for the README, not a benchmark in benchmarks/.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY / "tests"))

from hitemotion_fixtures import FIXTURES, IAVE_OPTIONS, build_release  # noqa: E402

from unima.eval.hitemotion.tasks import TASKS  # noqa: E402

UNIMA = [sys.executable, "-c", "from unima.cli import app; app()"]
MODES = {"tom": ("tom", "with_prompt"), "direct": ("direct", "without_prompt")}
SCOPES = ("1", "2", "3", "overall")


def run(arguments: list[str], environment: dict[str, str]) -> float:
    """Run ``unima ARGUMENTS``; its wall time in seconds. A failure stops the script."""
    print("$ unima " + " ".join(arguments), flush=True)
    started = time.perf_counter()
    subprocess.run([*UNIMA, *arguments], check=True, env=environment)
    return time.perf_counter() - started


def scores(report: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Per level and overall: (score, score over parsed answers only)."""
    found = {level: report["levels"][level] for level in ("1", "2", "3")}
    found["overall"] = report["overall"]
    return {
        scope: (float(summary["score"]), float(summary["score_parsed_only"] or 0.0))
        for scope, summary in found.items()
    }


def chance() -> dict[str, float]:
    """Expected score of a uniform guess among a task's options, per level and overall.

    Label tasks score 1/len(options) per item (EBIA: emotion and intent both, IAVE: the item's
    own options); the structured and free-text tasks (MF, EMF, LLM) score about 0 by guessing.
    Averaged like the report: over items within a task, then over tasks.
    """
    per_task: dict[str, float] = {}
    for fixture in FIXTURES:
        task = TASKS[fixture.code]
        if task.kind == "emotion_intent":
            odds = [1 / (len(task.labels) * len(task.secondary_labels))] * len(fixture.items)
        elif task.code == "IAVE":
            odds = [1 / len(IAVE_OPTIONS[str(item.truth)].split(", ")) for item in fixture.items]
        elif task.kind == "label":
            odds = [1 / len(task.labels)] * len(fixture.items)
        else:
            odds = [0.0]
        per_task[task.code] = 100 * sum(odds) / len(odds)
    levels = {
        str(level): [per_task[code] for code in per_task if TASKS[code].level == level]
        for level in (1, 2, 3)
    }
    found = {level: sum(values) / len(values) for level, values in levels.items()}
    found["overall"] = sum(per_task.values()) / len(per_task)
    return found


def draw(
    results: dict[str, dict[str, tuple[float, float]]],
    guess: dict[str, float],
    items: int,
    parsed: dict[str, float],
    path: Path,
) -> None:
    figure = Figure(figsize=(7.0, 4.0), dpi=120)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    width = 0.27
    labels = ["L1 perception", "L2 understanding", "L3 cognition", "overall"]
    series = [
        ("ToM mode (offline)", [results["tom"][scope][0] for scope in SCOPES], "#c05a28"),
        ("direct mode (offline)", [results["direct"][scope][0] for scope in SCOPES], "#4a6fa5"),
        ("uniform guess", [guess[scope] for scope in SCOPES], "#b0b0b0"),
    ]
    for number, (label, values, colour) in enumerate(series):
        positions = [index + (number - 1) * width for index in range(len(SCOPES))]
        bars = axes.bar(positions, values, width, label=label, color=colour)
        axes.bar_label(bars, fmt="%.1f", fontsize=7, padding=2)
    axes.set_xticks(range(len(SCOPES)), labels)
    axes.set_ylabel("score (0-100, unparsed = wrong)")
    axes.set_ylim(0, 100)
    axes.set_title(
        f"HitEmotion fixtures, 24 tasks, {items} items: ToM mode vs direct mode",
        fontsize=10,
    )
    axes.legend(frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.text(
        0.01,
        0.01,
        f"answers parsed: ToM {parsed['tom']:.1f}%, direct {parsed['direct']:.1f}% "
        "(--llm heuristic --tools fake; direct mode names no label without a model)",
        fontsize=7,
        color="#555555",
    )
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("figure", type=Path, help="Where to write the PNG.")
    parser.add_argument("--keep", type=Path, help="Keep the runs and reports in this folder.")
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()

    started = time.perf_counter()
    root = Path(options.keep or tempfile.mkdtemp(prefix="hitemotion-tom-vs-direct-"))
    root.mkdir(parents=True, exist_ok=True)
    data, media = build_release(root / "fixtures")
    items = sum(len(fixture.items) for fixture in FIXTURES)
    print(f"fixtures: 24 tasks, {items} items, built in {time.perf_counter() - started:.1f} s")
    environment = dict(os.environ)
    for name in ("TRACE", "ARTIFACT", "PERCEPTION_SCRATCH"):
        environment[f"UNIMA_{name}_DIR"] = str(root / name.lower())

    results: dict[str, dict[str, tuple[float, float]]] = {}
    times: dict[str, float] = {}
    reports: dict[str, dict[str, Any]] = {}
    for mode, (prompt, folder) in MODES.items():
        out, report = root / f"run-{mode}", root / f"report-{mode}"
        times[mode] = run(
            ["bench", "run", "hitemotion", "--data", str(data), "--media-root", str(media),
             "--out", str(out), "--prompt", prompt, "--model", "unima", "--llm", "heuristic",
             "--tools", "fake", "--reasoning", mode, "--workers", str(options.workers),
             "--timeout", "300"],
            environment,
        )  # fmt: skip
        run(
            ["eval", "hitemotion", "--data", str(data / folder), "--pred",
             str(out / "predictions.jsonl"), "--out", str(report), "--cache",
             str(root / "judge.sqlite")],
            environment,
        )  # fmt: skip
        reports[mode] = json.loads((report / "report.json").read_text(encoding="utf-8"))
        results[mode] = scores(reports[mode])
    run(
        ["eval", "compare", str(root / "report-direct"), str(root / "report-tom"), "--out",
         str(root / "compare.md")],
        environment,
    )  # fmt: skip
    guess = chance()
    parsed = {mode: float(report["overall"]["extraction_rate"]) for mode, report in reports.items()}
    draw(results, guess, items, parsed, options.figure)

    print(
        f"\n{'scope':<10}{'tom':>8}{'direct':>8}{'tom*':>8}{'direct*':>9}{'guess':>8}   (* parsed only)"
    )
    for scope in SCOPES:
        tom, direct = results["tom"][scope], results["direct"][scope]
        name = scope if scope == "overall" else f"L{scope}"
        print(
            f"{name:<10}{tom[0]:>8.2f}{direct[0]:>8.2f}{tom[1]:>8.2f}{direct[1]:>9.2f}"
            f"{guess[scope]:>8.2f}"
        )
    print(f"answers parsed: tom {parsed['tom']:.2f}%, direct {parsed['direct']:.2f}%")
    print("\nper task (headline metric): tom / direct")
    for fixture in FIXTURES:
        tom_task, direct_task = (
            reports["tom"]["tasks"][fixture.code],
            reports["direct"]["tasks"][fixture.code],
        )
        headline = TASKS[fixture.code].headline
        print(
            f"  {fixture.code:<6}{headline:<4}{tom_task[headline]:>7.1f} /{direct_task[headline]:>6.1f}"
        )
    print(f"bench wall time: tom {times['tom']:.0f} s, direct {times['direct']:.0f} s")
    print(f"total wall time: {time.perf_counter() - started:.0f} s; figure: {options.figure}")
    if options.keep is None:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
