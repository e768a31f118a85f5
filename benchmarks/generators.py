"""Model-backed tool backends: load time, time per artifact, memory, and sharing one pipeline.

Run: ``.venv/bin/python benchmarks/generators.py [--repeats N] [--smoke] [--json OUT]
[--image-model DIR] [--video-model DIR] [--mesh-model DIR] [--device cpu|cuda]``

Issue 13's measurement. Without model folders it builds the tiny random pipelines the tests use
(``tests/tiny_models``: Stable Diffusion, text-to-video SD, Shap-E), so the figures measure
unima's plumbing around a model (loading once, locking, writing, verifying) rather than a real
model's speed; name real folders to measure those. Each backend runs in a fresh Python process:

- *load s*: the pipeline's load, from the artifact's ``meta["model"]["load_s"]``;
- *first s*: the first artifact (load included), *s / artifact*: the median of the next
  ``--repeats`` artifacts, each a new seed, verified as a run would verify it;
- *peak RSS*: the worker's ``ru_maxrss``; on CUDA also ``torch.cuda.max_memory_allocated``;
- the procedural backend of the same tool in the same worker is the baseline: *× procedural*
  is the model's time per artifact over the procedural one's, measured in the same run.

Then one request with two images and a video (video after the images) answered by ``UniMA``
with the diffusers image and video backends, other tools fake, cache off: *wall* is the tool
steps' span; *critical path* is what it would be with a pipeline per image (the slower image's
load and generation, then the whole video step). The two images share one pipeline under one
lock (never two copies in memory), so they generate one after the other: wall ÷ critical path
above 1 is that serialisation, and wall ÷ *serial* (one load, the two generations, the video
step) near 1 says nothing else is lost.
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
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
# The tiny model builders live with the tests; the benchmark runs from a checkout.
sys.path.insert(0, str(ROOT))

BACKENDS = ("image", "video", "mesh")
WORKER_TIMEOUT_S = 900
SMALL_SETTINGS: dict[str, Any] = {
    "image_width": 64,
    "image_height": 64,
    "image_steps": 2,
    "video_steps": 2,
    "video_frames": 4,
    "mesh_steps": 2,
}
PARALLEL_REQUEST = "Include 2 pictures of a lighthouse at dusk and a short video of the waves."


# ------------------------------------------------------------------------------- models --


def build_tiny_models(folder: Path) -> dict[str, Path]:
    from tests.tiny_models.shap_e import save_tiny_shap_e
    from tests.tiny_models.stable_diffusion import save_tiny_stable_diffusion
    from tests.tiny_models.text_to_video import save_tiny_text_to_video

    return {
        "image": save_tiny_stable_diffusion(folder / "tiny-sd"),
        "video": save_tiny_text_to_video(folder / "tiny-t2v"),
        "mesh": save_tiny_shap_e(folder / "tiny-shap-e"),
    }


# ------------------------------------------------------------------------------- workers --


def _tool_and_arguments(backend: str, model: Path) -> tuple[Any, Any, Any, Any]:
    """(model tool, procedural tool, argument maker for a seed, procedural arguments)."""
    if backend == "image":
        from unima.tools.image.diffusion import DiffusersImageTool
        from unima.tools.image.tool import ProceduralImageTool

        tool, baseline = DiffusersImageTool(str(model)), ProceduralImageTool()

        def arguments(seed: int) -> dict[str, Any]:
            return {"kind": "illustration", "title": "A lighthouse at dusk", "seed": seed}

        return tool, baseline, arguments, arguments(0)
    if backend == "video":
        from unima.tools.video.diffusion import DiffusersVideoTool
        from unima.tools.video.tool import ComposerVideoTool

        tool, baseline = DiffusersVideoTool(str(model)), ComposerVideoTool()

        def arguments(seed: int) -> dict[str, Any]:
            return {
                "title": f"Waves {seed}",
                "scenes": [{"caption": "Waves reach the shore", "duration_s": 2.0}],
                "fps": 8,
            }

        return tool, baseline, arguments, arguments(0)
    from unima.tools.mesh.shap_e import ShapEMeshTool
    from unima.tools.mesh.tool import TrimeshMeshTool

    tool, baseline = ShapEMeshTool(str(model)), TrimeshMeshTool()

    def mesh_arguments(seed: int) -> dict[str, Any]:
        return {"name": "lighthouse", "seed": seed, "format": "glb"}

    procedural = {
        "name": "lighthouse",
        "format": "glb",
        "parts": [{"shape": "cylinder", "radius": 10, "height": 80, "position": [0, 0, 40]}],
    }
    return tool, baseline, mesh_arguments, procedural


def _timed_run(tool: Any, raw: dict[str, Any], settings: Any, folder: Path) -> tuple[float, Any]:
    from unima.tools.base import ToolContext

    work = Path(tempfile.mkdtemp(dir=folder))
    context = ToolContext(work_dir=work, settings=settings)
    arguments = tool.parse_arguments(raw)
    started = time.perf_counter()
    output = tool.run(arguments, context)
    verification = tool.verify(output, arguments, context)
    seconds = time.perf_counter() - started
    if not verification.passed:
        raise SystemExit(f"{tool.backend} made an artifact that failed: {verification.problems}")
    return seconds, output


def worker(backend: str, model: str, repeats: int, settings_json: str) -> dict[str, Any]:
    """Measure one backend in this (fresh) process and return its figures."""
    from unima.config import load_settings

    settings = load_settings(**json.loads(settings_json))
    tool, baseline, arguments, procedural = _tool_and_arguments(backend, Path(model))
    tool.check_ready(settings)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        first_s, output = _timed_run(tool, arguments(0), settings, folder)
        record = output.meta.get("model", {})
        model_times = [
            _timed_run(tool, arguments(seed), settings, folder)[0] for seed in range(1, repeats + 1)
        ]
        _timed_run(baseline, procedural, settings, folder)  # the baseline's own warm-up
        baseline_times = [
            _timed_run(baseline, procedural, settings, folder)[0] for _ in range(repeats)
        ]
    figures: dict[str, Any] = {
        "backend": f"{tool.name}/{tool.backend}",
        "model": Path(model).name,
        "device": record.get("device", ""),
        "dtype": record.get("dtype", ""),
        "load_s": float(record.get("load_s", 0.0)),
        "first_s": first_s,
        "per_artifact_s": statistics.median(model_times),
        "procedural_per_artifact_s": statistics.median(baseline_times),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    figures["ratio_to_procedural"] = figures["per_artifact_s"] / max(
        figures["procedural_per_artifact_s"], 1e-9
    )
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        figures["peak_gpu_mib"] = torch.cuda.max_memory_allocated() / 2**20
    return figures


def run_worker(backend: str, model: Path, repeats: int, settings: dict[str, Any]) -> dict[str, Any]:
    completed = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            backend,
            str(model),
            str(repeats),
            json.dumps(settings),
        ],
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT_S,
        check=False,
        cwd=ROOT,
    )
    if completed.returncode != 0:
        raise SystemExit(f"the {backend} worker failed:\n{completed.stderr[-4000:]}")
    figures: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return figures


# ---------------------------------------------------------------------- parallel request --


def parallel_request(
    models: dict[str, Path], settings: dict[str, Any], folder: Path
) -> dict[str, Any]:
    """Two images and a video in one request, the images sharing one pipeline."""
    from unima import UniMA, load_trace
    from unima.testing import fake_toolbox

    fakes = {
        name: tool
        for name, tool in ((name, fake_toolbox().get(name)) for name in fake_toolbox().names())
        if name not in ("generate_image", "compose_video")
    }
    agent = UniMA(
        reasoner="heuristic",
        tools=fakes,
        tool_backends={
            "generate_image": f"diffusers:{models['image']}",
            "compose_video": f"diffusers:{models['video']}",
        },
        cache=False,
        trace_dir=folder / "traces",
        artifact_dir=folder / "store" / "artifacts",
        **settings,
    )
    response = agent.respond(PARALLEL_REQUEST)
    if response.status != "ok" or sorted(response.artifacts) != ["image1", "image2", "video1"]:
        raise SystemExit(
            f"the parallel request did not succeed: {response.status}, "
            f"{sorted(response.artifacts)}, {response.problems}"
        )
    assert response.trace_path is not None
    trace = load_trace(response.trace_path)
    spans: dict[str, list[float]] = {}
    for event in trace.events:
        if event.kind in ("step_start", "step_end"):
            spans.setdefault(str(event.step_id).removeprefix("make_"), []).append(event.time)
    durations = {tag: max(times) - min(times) for tag, times in spans.items()}
    wall = max(max(times) for times in spans.values()) - min(min(times) for times in spans.values())
    model = {tag: artifact.meta["model"] for tag, artifact in response.artifacts.items()}
    # With a pipeline per image, each image would take its own load and generation, and the
    # video (which waits for both images) its whole step.
    images = max(model[tag]["load_s"] + model[tag]["seconds"] for tag in ("image1", "image2"))
    critical = images + durations["video1"]
    serial = (
        model["image1"]["load_s"]
        + model["image1"]["seconds"]
        + model["image2"]["seconds"]
        + durations["video1"]
    )
    agent.close()
    return {
        "request": PARALLEL_REQUEST,
        "wall_s": wall,
        "step_seconds": durations,
        "model_seconds": {tag: record["seconds"] for tag, record in model.items()},
        "load_seconds": {tag: record["load_s"] for tag, record in model.items()},
        "critical_path_s": critical,
        "serial_s": serial,
        "wall_over_critical_path": wall / critical,
        "wall_over_serial": wall / serial,
    }


# ------------------------------------------------------------------------------- report --


def machine_info() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
    }


def print_report(report: dict[str, Any], console: Console) -> None:
    table = Table(title="Model-backed tool backends (medians)")
    for column in (
        "backend",
        "model",
        "device",
        "load s",
        "first s",
        "s / artifact",
        "× procedural",
        "peak RSS MiB",
    ):
        table.add_column(column)
    for row in report["backends"]:
        table.add_row(
            row["backend"],
            row["model"],
            f"{row['device']} {row['dtype']}",
            f"{row['load_s']:.2f}",
            f"{row['first_s']:.2f}",
            f"{row['per_artifact_s']:.3f}",
            f"{row['ratio_to_procedural']:.1f}",
            f"{row['peak_rss_mib']:.0f}",
        )
    console.print(table)
    parallel = report["parallel"]
    console.print(
        f"2 images + 1 video, one shared pipeline per model: wall {parallel['wall_s']:.2f} s, "
        f"critical path {parallel['critical_path_s']:.2f} s "
        f"(wall ÷ critical path {parallel['wall_over_critical_path']:.2f}), "
        f"one load, images one after the other, then the video {parallel['serial_s']:.2f} s "
        f"(wall ÷ that {parallel['wall_over_serial']:.2f})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=5, help="artifacts after the first")
    parser.add_argument("--smoke", action="store_true", help="1 repeat, tiny models")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--image-model", type=Path, help="a diffusers text-to-image folder")
    parser.add_argument("--video-model", type=Path, help="a diffusers text-to-video folder")
    parser.add_argument("--mesh-model", type=Path, help="a diffusers ShapEPipeline folder")
    parser.add_argument("--device", default="auto", help="UNIMA_MODEL_DEVICE for the models")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.worker:
        backend, model, repeats, settings_json = arguments.worker
        print(json.dumps(worker(backend, model, int(repeats), settings_json)))
        return 0
    repeats = 1 if arguments.smoke else max(1, arguments.repeats)
    console = Console(width=130)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="unima-generators-") as scratch:
        folder = Path(scratch)
        tiny = build_tiny_models(folder / "models")
        models = {
            "image": arguments.image_model or tiny["image"],
            "video": arguments.video_model or tiny["video"],
            "mesh": arguments.mesh_model or tiny["mesh"],
        }
        given = {arguments.image_model, arguments.video_model, arguments.mesh_model} - {None}
        # Real models run at their own sizes and step counts; tiny ones at the smallest.
        settings = {"model_device": arguments.device, **({} if given else SMALL_SETTINGS)}
        rows = []
        for backend in BACKENDS:
            console.print(f"measuring {backend} ({models[backend].name}) ...")
            rows.append(run_worker(backend, models[backend], repeats, settings))
        parallel = parallel_request(models, settings, folder / "parallel")
    report = {
        "machine": machine_info(),
        "repeats": repeats,
        "tiny_models": not given,
        "backends": rows,
        "parallel": parallel,
        "benchmark_seconds": time.perf_counter() - started,
    }
    print_report(report, console)
    if arguments.json:
        arguments.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
        console.print(f"Wrote {arguments.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
