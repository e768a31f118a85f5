"""Perception cost per modality: cold and warm ``perceive()`` time and peak memory.

For each modality the benchmark makes one realistic input in a temporary folder (a bar chart
with printed values, a 6 s Piper speech clip, a 4 s narrated video with on-screen text, a PDF
with a table, a Python module, a GLB mesh, an inline text), then perceives it in a fresh Python
subprocess:

- *cold*: the first ``perceive()`` call of that process, so it includes importing the backend
  and loading its models (RapidOCR, faster-whisper ...);
- *warm*: the median of the next ``--repeats`` calls on the same file, models loaded;
- *peak RSS*: the worker's ``ru_maxrss`` after all calls, and the largest child process's
  (decoders run isolated in subprocesses: PDF, video, 3D; ffmpeg decodes audio). A forked child
  starts out counting its parent's pages, so the child figure is at least the parent's size at
  the time of the fork.

Usage::

    .venv/bin/python benchmarks/perception.py [--repeats N] [--only image,audio] [--json OUT]
    .venv/bin/python benchmarks/perception.py --smoke   # every modality, 1 warm call
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
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

MODALITIES = ("text", "image", "audio", "video", "document", "code", "threeD")
SPEECH = (
    "The museum opens at nine in the morning. Tickets cost twelve euros, and children enter free."
)
WORKER_TIMEOUT_S = 600


# -- inputs -----------------------------------------------------------------------------------


def make_image(folder: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 4), dpi=100)
    axes = figure.add_subplot()
    bars = axes.bar(["North", "South", "East", "West"], [120, 95, 143, 80], color="#4c72b0")
    axes.bar_label(bars)
    axes.set_title("Sales by region")
    figure.tight_layout()
    path = folder / "chart.png"
    figure.savefig(path)
    return path


def make_audio(folder: Path) -> Path:
    from unima.backends.piper_voice import synthesize

    path = folder / "speech.wav"
    synthesize(SPEECH, path)
    return path


def make_video(folder: Path) -> Path:
    """Two 2 s scenes with a caption each (rendered with Pillow), narrated by Piper."""
    from PIL import Image, ImageDraw, ImageFont

    from unima.backends.ffmpeg import ffmpeg_exe

    speech = folder / "narration.wav"
    from unima.backends.piper_voice import synthesize

    synthesize("First the water heats up. Then the steam turns the turbine.", speech)
    font_path = Path(__import__("matplotlib").get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    font = ImageFont.truetype(str(font_path), 40)
    scenes = []
    for index, (caption, colour) in enumerate(
        [("Water heats up", (30, 60, 120)), ("Steam turns the turbine", (120, 50, 30))]
    ):
        frame = Image.new("RGB", (640, 360), colour)
        ImageDraw.Draw(frame).text((40, 150), caption, fill="white", font=font)
        scene = folder / f"scene{index}.png"
        frame.save(scene)
        scenes.append(scene)
    path = folder / "clip.mp4"
    command = [ffmpeg_exe(), "-nostdin", "-v", "error", "-y"]
    for scene in scenes:
        command += ["-loop", "1", "-t", "2", "-framerate", "10", "-i", str(scene)]
    command += ["-i", str(speech), "-filter_complex", "[0:v][1:v]concat=n=2:v=1[v]"]
    command += ["-map", "[v]", "-map", "2:a", "-c:v", "libx264", "-pix_fmt", "yuv420p"]
    command += ["-c:a", "aac", "-t", "4", str(path)]
    subprocess.run(command, check=True, timeout=120)
    return path


def make_document(folder: Path) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    styles = getSampleStyleSheet()
    rows = [["Student", "Score"], ["Alice", "82"], ["Bob", "75"], ["Chen", "91"], ["Dana", "68"]]
    path = folder / "scores.pdf"
    story = [Paragraph("Quiz results", styles["Title"])]
    story += [Paragraph("The spring quiz was marked out of 100 points.", styles["Normal"])] * 3
    story.append(Table(rows))
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
    return path


def make_code(folder: Path) -> Path:
    path = folder / "geometry.py"
    functions = "\n\n".join(
        f'def shape_{index}(size: float) -> float:\n    """Area of shape {index}."""\n'
        f"    return size * {index + 1}.0\n"
        for index in range(40)
    )
    path.write_text(f'"""Shapes."""\n\nimport math\n\n\n{functions}\n\nclass Shape:\n    pass\n')
    return path


def make_mesh(folder: Path) -> Path:
    import trimesh

    body = trimesh.creation.box(extents=(100.0, 80.0, 30.0))
    knob = trimesh.creation.icosphere(subdivisions=3, radius=12.0)
    knob.apply_translation((0, 0, 60))
    path = folder / "model.glb"
    trimesh.Scene([body, knob]).export(path)  # type: ignore[no-untyped-call]
    return path


MAKERS: dict[str, Callable[[Path], Path]] = {
    "image": make_image,
    "audio": make_audio,
    "video": make_video,
    "document": make_document,
    "code": make_code,
    "threeD": make_mesh,
}


# -- the worker (runs in a fresh subprocess) ---------------------------------------------------


def _peak_rss_mib(who: int) -> float:
    peak = resource.getrusage(who).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # Linux: KiB


def worker(modality: str, source: str, repeats: int) -> dict[str, Any]:
    """Perceive one input ``1 + repeats`` times in this (fresh) process; return the timings."""
    started = time.perf_counter()
    from unima.perception import perceive
    from unima.types import Part

    import_s = time.perf_counter() - started
    item: Any = Part(modality="text", text=source) if modality == "text" else Path(source)
    timings = []
    perception = None
    for _ in range(1 + repeats):
        clock = time.perf_counter()
        perception = perceive(item)
        timings.append(time.perf_counter() - clock)
    assert perception is not None
    return {
        "modality": modality,
        "backend": perception.backend,
        "import_s": import_s,
        "cold_s": timings[0],
        "warm_s": statistics.median(timings[1:]) if repeats else None,
        "warm_all_s": timings[1:],
        "peak_rss_mib": _peak_rss_mib(resource.RUSAGE_SELF),
        "child_peak_rss_mib": _peak_rss_mib(resource.RUSAGE_CHILDREN),
        "failures": list(perception.failures),
        "summary": perception.summary,
        "text_chars": len(perception.text),
    }


def run_worker(modality: str, source: str, repeats: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", modality, source, "--repeats", str(repeats)]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=WORKER_TIMEOUT_S, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{modality} worker failed:\n{completed.stderr[-3000:]}")
    row: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return row


# -- report ------------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    from importlib.metadata import version

    return {
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "unima": version("unima"),
        # Other processes compete for the same cores; the load says how quiet the machine was.
        "load_average_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def print_report(report: dict[str, Any], console: Console) -> None:
    machine = report["machine"]
    load = machine.get("load_average_at_start")
    console.print(
        f"[bold]Machine:[/bold] {machine['cpu_count']} CPUs ({machine['usable_cpus']} usable), "
        f"Python {machine['python']}, {machine['platform']}; unima {machine['unima']}; "
        f"load {'/'.join(f'{value:.2f}' for value in load) if load else 'unknown'} at start; "
        f"warm = median of {report['repeats']} calls",
        highlight=False,
    )
    table = Table(title="perceive() per modality")
    for column in ("modality", "input", "backend", "cold s", "warm s", "peak RSS MiB", "child MiB"):
        table.add_column(column, justify="right" if column.endswith(("s", "MiB")) else "left")
    table.add_column("failures", justify="right")
    for row in report["results"]:
        warm = row["warm_s"]
        table.add_row(
            row["modality"],
            row["input"],
            row["backend"],
            f"{row['cold_s']:.2f}",
            "-" if warm is None else f"{warm:.3f}",
            f"{row['peak_rss_mib']:.0f}",
            f"{row['child_peak_rss_mib']:.0f}",
            str(len(row["failures"])),
        )
    console.print(table)
    for row in report["results"]:
        for failure in row["failures"]:
            console.print(f"[yellow]{row['modality']}:[/yellow] {failure}", highlight=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--repeats", type=int, default=None, help="warm calls per modality (default 3)"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="smallest size, to check that it still runs (make test): 1 warm call",
    )
    parser.add_argument("--only", help="comma-separated modalities (default: all seven)")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--worker", nargs=2, metavar=("MODALITY", "SOURCE"), help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.repeats is None:
        arguments.repeats = 1 if arguments.smoke else 3
    if arguments.worker:
        modality, source = arguments.worker
        print(json.dumps(worker(modality, source, max(arguments.repeats, 0))))
        return 0
    wanted = arguments.only.split(",") if arguments.only else list(MODALITIES)
    unknown = sorted(set(wanted) - set(MODALITIES))
    if unknown:
        parser.error(f"unknown modalities {unknown}; choose from {', '.join(MODALITIES)}")
    # A pipe gets 80 columns by default, too narrow for the table.
    console = Console() if sys.stdout.isatty() else Console(width=130)
    report: dict[str, Any] = {"machine": machine_info(), "repeats": arguments.repeats}
    results = []
    with tempfile.TemporaryDirectory(prefix="unima-perception-bench-") as folder:
        for modality in wanted:
            if modality == "text":
                source, shown = SPEECH, "inline text"
            else:
                with console.status(f"making the {modality} input ..."):
                    path = MAKERS[modality](Path(folder))
                source, shown = str(path), f"{path.name} ({path.stat().st_size / 1024:.0f} KiB)"
            with console.status(f"perceiving {modality} in a fresh process ..."):
                row = run_worker(modality, source, arguments.repeats)
            results.append({"input": shown, **row})
    report["results"] = results
    report["load_average_at_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    print_report(report, console)
    if arguments.json:
        arguments.json.parent.mkdir(parents=True, exist_ok=True)
        arguments.json.write_text(json.dumps(report, indent=2))
        console.print(f"figures written to {arguments.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
