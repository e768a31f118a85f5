"""TMPO training speed: tokens per second and peak memory of SFT and GRPO steps.

Run: ``.venv/bin/python benchmarks/train.py [--sft-steps N] [--grpo-steps N] [--smoke]
[--json OUT] [--model DIR]``

Issue 16's measurement. It always measures the tiny random chat model the tests use
(``tests/tiny_models/causal_lm.py``, a 2-layer Llama of width 64) on the CPU, with LoRA, on the
tests' four hand-written chains (``tests/tmpo_fixtures.py``); those figures measure the
training plumbing (TRL's batching, the rewards, peft) rather than a model. ``--model DIR`` adds
a real local chat model (e.g. Qwen2.5-0.5B-Instruct) on the GPU when one is visible (bfloat16),
else on the CPU. Each stage runs in a fresh Python process:

- *tokens/s*: TRL's ``num_tokens`` (prompt and completion tokens the model processed; for GRPO
  the generated completions too) over wall time, from the end of the first step to the end of
  the last: the first step's set-up (allocations, the first generation) is left out;
- *s/step*: the same span over the steps in it;
- *peak RSS*: the worker's ``ru_maxrss`` (the whole process: libraries, model, data);
  on CUDA also ``torch.cuda.max_memory_allocated``;
- GRPO samples ``num_generations`` = 4 completions per prompt, a batch of 4 completions per step.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
# The tiny model builder and the chains fixture live with the tests; the benchmark runs from a
# checkout.
sys.path.insert(0, str(ROOT))

WORKER_TIMEOUT_S = 1800
STAGES = ("sft", "grpo")


def stage_settings(real: bool, sft_steps: int, grpo_steps: int) -> dict[str, Any]:
    """The config sections of a benchmark run (a real model writes longer completions)."""
    return {
        "lora": {"r": 8, "alpha": 16, "dropout": 0.0},
        "sft": {
            "learning_rate": 2e-4 if real else 3e-3,
            "max_steps": sft_steps,
            "batch_size": 4,
            "max_length": 1024,
            "save_steps": 10_000,
        },
        "grpo": {
            "learning_rate": 1e-5 if real else 3e-3,
            "max_steps": grpo_steps,
            "batch_size": 4,
            "num_generations": 4,
            "max_completion_length": 128 if real else 32,
            "temperature": 0.9,
            "save_steps": 10_000,
        },
    }


# ------------------------------------------------------------------------------- worker --


def worker(stage: str, config_path: Path, result_path: Path) -> int:
    """Train one stage and write its timings (this process is the measured one)."""
    import warnings

    # peft reads a property transformers 5 renamed (a FutureWarning per step, not ours).
    warnings.filterwarnings("ignore", message="`is_gradient_checkpointing` is deprecated")
    import torch
    from transformers import TrainerCallback

    from unima.train.trainers.config import load_config
    from unima.train.trainers.grpo import train_grpo
    from unima.train.trainers.sft import train_sft

    class Timing(TrainerCallback):
        """(seconds, cumulative tokens) at each logged step."""

        def __init__(self) -> None:
            self.points: list[tuple[float, float]] = []

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **_: Any) -> None:
            if logs and "num_tokens" in logs:
                self.points.append((time.perf_counter(), float(logs["num_tokens"])))

    config = load_config(config_path)
    timing = Timing()
    train = train_sft if stage == "sft" else train_grpo
    result = train(config, config_path=config_path, callbacks=[timing], restart=True)
    (first_time, first_tokens), (last_time, last_tokens) = timing.points[0], timing.points[-1]
    span = last_time - first_time
    steps = len(timing.points) - 1
    cuda = torch.cuda.is_available() and config.device != "cpu"
    record = {
        "stage": stage,
        "steps": result.steps,
        "measured_steps": steps,
        "seconds_per_step": round(span / steps, 4) if steps else None,
        "tokens_per_second": round((last_tokens - first_tokens) / span, 1) if span else None,
        "tokens": int(last_tokens),
        "loss": result.loss,
        "reward_means": result.reward_means,
        "train_seconds": round(result.seconds, 3),
        "peak_gpu_mib": round(torch.cuda.max_memory_allocated() / 2**20, 1) if cuda else None,
        "device": "cuda" if cuda else "cpu",
    }
    result_path.write_text(json.dumps(record), encoding="utf-8")
    return 0


def run_worker(stage: str, config_path: Path, folder: Path) -> dict[str, Any]:
    """Run ``worker`` in a fresh process; add its peak RSS (``wait4``'s rusage)."""
    result_path = folder / f"{stage}-result.json"
    log = folder / f"{stage}.log"
    arguments = [sys.executable, __file__, "--worker", stage, str(config_path), str(result_path)]
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "TQDM_DISABLE": "1"}
    with log.open("wb") as output:
        process = subprocess.Popen(
            arguments, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
        clock = time.perf_counter()
        # wait4 gives this child's own rusage (its peak RSS), not the largest child's so far.
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - clock > WORKER_TIMEOUT_S:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, not by Popen
    if process.returncode != 0 or not result_path.is_file():
        tail = log.read_text(encoding="utf-8", errors="replace")[-4000:]
        raise SystemExit(f"the {stage} worker failed:\n{tail}")
    record: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    record["peak_rss_mib"] = round(usage.ru_maxrss / 1024, 1)  # Linux: KiB
    return record


# --------------------------------------------------------------------------------- runs --


def measure(
    name: str, model: Path, folder: Path, *, device: str, sft_steps: int, grpo_steps: int
) -> list[dict[str, Any]]:
    """SFT then GRPO on ``model`` (each in its own process); one record per stage."""
    from tests.tmpo_fixtures import write_chains, write_config

    chains = write_chains(folder / "chains")
    sections = stage_settings(name != "tiny", sft_steps, grpo_steps)
    config = write_config(folder, model, chains, device=device, **sections)
    records = []
    for stage in STAGES:
        record = run_worker(stage, config, folder)
        record["model"] = name
        records.append(record)
    return records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sft-steps", type=int, default=None, help="SFT steps (default 20)")
    parser.add_argument("--grpo-steps", type=int, default=None, help="GRPO steps (default 8)")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="smallest size, to check that it still runs (make test): 3 SFT, 2 GRPO steps",
    )
    parser.add_argument("--model", type=Path, default=None, help="a real local chat model folder")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        stage, config_path, result_path = options.worker
        return worker(stage, Path(config_path), Path(result_path))
    sft_steps = options.sft_steps or (3 if options.smoke else 20)
    grpo_steps = options.grpo_steps or (2 if options.smoke else 8)
    if sft_steps < 2 or grpo_steps < 2:
        parser.error("--sft-steps and --grpo-steps must be at least 2 (the first is set-up)")
    import torch

    from tests.tmpo_fixtures import tiny_model

    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="unima-train-bench-") as scratch:
        folder = Path(scratch)
        tiny = tiny_model(folder / "tiny-model")
        runs += measure(
            "tiny", tiny, folder / "tiny", device="cpu", sft_steps=sft_steps, grpo_steps=grpo_steps
        )
        if options.model is not None:
            runs += measure(
                options.model.name,
                options.model.resolve(),
                folder / "real",
                device="cuda" if torch.cuda.is_available() else "cpu",
                sft_steps=sft_steps,
                grpo_steps=grpo_steps,
            )
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    result = {
        "machine": f"{os.cpu_count()} CPUs, {platform.machine()}, Python "
        f"{sys.version.split()[0]}, torch {torch.__version__}" + (f", {gpu}" if gpu else ""),
        "sft_steps": sft_steps,
        "grpo_steps": grpo_steps,
        "runs": runs,
    }
    table = Table(
        "model",
        "stage",
        "device",
        "steps",
        "s/step",
        "tokens/s",
        "peak RSS",
        "peak GPU",
        title="TMPO training steps (LoRA; GRPO: 4 samples per prompt)",
    )
    for run in runs:
        table.add_row(
            run["model"],
            run["stage"],
            run["device"],
            str(run["measured_steps"]),
            f"{run['seconds_per_step']:.3f}",
            f"{run['tokens_per_second']:.0f}",
            f"{run['peak_rss_mib']:.0f} MiB",
            f"{run['peak_gpu_mib']:.0f} MiB" if run["peak_gpu_mib"] is not None else "-",
        )
    console = Console()
    console.print(table)
    console.print(result["machine"])
    if options.json:
        options.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
