"""The HTML trace page: content, escaping, media placement, SVG drawings, and a real browser.

The browser tests need Debian ``chromium`` (``bash scripts/system-packages.sh`` installs it);
they are marked ``slow`` and skip, saying so, only when no chromium is installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_trace_view import build_trace

from unima.errors import TraceError
from unima.trace.html import write_trace_html
from unima.trace.preview import mesh_preview_png
from unima.trace.schema import Trace, load_trace
from unima.trace.svg import graph_svg, timeline_svg
from unima.types import Relevance, RelevanceReason

REQUEST = (
    "Describe a volcano. Include one diagram, a narrated audio clip, a short video, "
    "a PDF report, a Python script and a 3D model."
)
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def real_trace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trace]:
    """One run of the embedded tools (real PNG, WAV, MP4, PDF, Python and GLB files)."""
    from unima import UniMA

    root = tmp_path_factory.mktemp("real-run")
    response = UniMA(trace_dir=root / "traces", artifact_dir=root / "artifacts").respond(REQUEST)
    assert response.status == "ok", response.problems
    assert response.trace_path is not None
    yield load_trace(response.trace_path)


def media_files(tmp_path: Path) -> dict[str, str]:
    """Small real files for the hand-built trace's image, audio and video tags."""
    from PIL import Image

    tmp_path.mkdir(parents=True, exist_ok=True)
    image = tmp_path / "image2.png"
    Image.new("RGB", (40, 30), (200, 30, 30)).save(image)
    audio = tmp_path / "audio1.wav"
    audio.write_bytes(b"RIFF" + b"\0" * 200)
    video = tmp_path / "video1.mp4"
    video.write_bytes(b"\0" * 300)
    return {"image2": str(image), "audio1": str(audio), "video1": str(video)}


def test_page_shows_every_artifact_of_a_real_run(real_trace: Trace, tmp_path: Path) -> None:
    page = write_trace_html(real_trace, tmp_path / "page.html")
    text = page.read_text(encoding="utf-8")
    assert real_trace.response is not None
    for tag in real_trace.response.artifacts:
        assert f'data-tag="{tag}"' in text
    assert len(re.findall(r'<img src="data:image/png;base64,', text)) == 1
    assert len(re.findall(r'<img class="mesh" src="data:image/png;base64,', text)) == 1
    assert '<audio controls preload="metadata" src="data:audio/wav;base64,' in text
    assert '<video controls preload="metadata" width="640" src="data:video/mp4;base64,' in text
    assert "first page of 1" in text and "A volcano" in text  # the PDF's text
    assert '<pre class="code">' in text and "KEY_POINTS" in text
    for step in real_trace.plans[-1].nodes:
        assert f"<title>{step['id']}: ok" in text  # each step is a graph node, coloured ok
    assert text.count('class="verification"') == len(real_trace.response.artifacts)
    # Nothing is fetched: the only URL is the SVG namespace, and the CSP forbids the rest.
    assert re.findall(r"https?://[^\"' ]+", text) == ["http://www.w3.org/2000/svg"] * 2
    assert "default-src 'none'" in text
    assert not (tmp_path / "page_media").exists()


def test_large_media_are_copied_next_to_the_page(tmp_path: Path) -> None:
    trace = build_trace(media_files(tmp_path / "media"))
    page = write_trace_html(
        trace, tmp_path / "out" / "run.html", embed_limit_bytes=100, allow=[tmp_path / "media"]
    )
    text = page.read_text(encoding="utf-8")
    copies = page.parent / "run_media"
    for tag, suffix in (("image2", ".png"), ("audio1", ".wav"), ("video1", ".mp4")):
        copy = copies / f"{tag}{suffix}"
        assert copy.read_bytes() == (tmp_path / "media" / f"{tag}{suffix}").read_bytes()
        assert f'src="run_media/{tag}{suffix}"' in text


def test_user_text_is_escaped(tmp_path: Path) -> None:
    page = write_trace_html(build_trace(), tmp_path)
    assert page == (tmp_path / "20270115-080000-golden01.html").resolve()
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    # The hand-built trace's files lie outside every folder a trace may read: the page names
    # them as refused instead of opening them.
    assert "refused to read /store/aa/image2.png" in text
    assert "refused to read /inputs/beach.png" in text


def test_missing_files_in_a_readable_folder_are_noted(tmp_path: Path) -> None:
    trace = build_trace({"image2": str(tmp_path / "gone.png")})
    page = write_trace_html(trace, tmp_path / "page.html", allow=[tmp_path])
    assert f"file not found: {tmp_path / 'gone.png'}" in page.read_text(encoding="utf-8")


def test_out_must_be_a_page_or_a_folder(tmp_path: Path) -> None:
    with pytest.raises(TraceError, match=r"report\.pdf.*\.html file or a folder"):
        write_trace_html(build_trace(), tmp_path / "report.pdf")


def test_graph_colours_nodes_by_status_and_follows_dependencies() -> None:
    root = ElementTree.fromstring(graph_svg(build_trace()))
    nodes = {
        group.find(f"{SVG}text").text: group.get("class")  # type: ignore[union-attr]
        for group in root.iter(f"{SVG}g")
        if "node" in (group.get("class") or "")
    }
    assert nodes["make_image2"] == "node step status-ok"  # its last attempt succeeded
    assert nodes["make_audio1"] == "node step status-cached"
    assert nodes["receive"] == "node pipeline status-ok"
    assert nodes["judge"] == "node pipeline status-ok"
    # 3 pipeline edges, 2 from plan, 2 dependencies, 1 to assemble, 1 to judge, + the marker.
    assert len(list(root.iter(f"{SVG}path"))) == 9 + 1
    failed = build_trace().model_copy(update={"rounds": build_trace().rounds[:1], "events": []})
    failed_nodes = ElementTree.fromstring(graph_svg(failed))
    classes = [group.get("class") for group in failed_nodes.iter(f"{SVG}g")]
    assert classes.count("node step status-not-run") == 3


def test_timeline_bars_overlap_for_parallel_steps() -> None:
    root = ElementTree.fromstring(timeline_svg(build_trace()))
    bars = {}
    for group in root.iter(f"{SVG}g"):
        title = group.find(f"{SVG}title").text or ""  # type: ignore[union-attr]
        rect = group.find(f"{SVG}rect")
        assert rect is not None
        left = float(rect.get("x"))  # type: ignore[arg-type]
        bars[title.split(":")[0]] = (left, left + float(rect.get("width")))  # type: ignore[arg-type]
    image, audio = bars["make_image2 round 0 attempt 1"], bars["make_audio1 round 0 attempt 1"]
    assert image[0] < audio[1] and audio[0] < image[1]  # ran at the same time
    retry = bars["make_image2 round 1 attempt 2"]
    video = bars["make_video1 round 1 attempt 2"]
    assert retry[1] <= video[0] + 1  # the video waited for its image
    assert {"receive", "caption", "analyse", "plan"} <= set(bars)


def test_mesh_preview_is_a_shaded_picture(tmp_path: Path) -> None:
    import io

    import numpy
    import trimesh
    from PIL import Image

    path = tmp_path / "box.glb"
    trimesh.creation.box(extents=(2.0, 1.0, 0.5)).export(path)
    image = Image.open(io.BytesIO(mesh_preview_png(path))).convert("L")
    pixels = numpy.asarray(image, dtype=float)
    assert image.size == (480, 360)
    assert pixels.std() > 20
    # Three visible faces of the box, shaded differently, plus the background.
    assert len(numpy.unique(pixels.round(-1))) >= 4


# ---------------------------------------------------------------- real browser (chromium)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("chromium is not installed; install it with: bash scripts/system-packages.sh")
    return found


def run_chromium(page: Path, profile: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *arguments,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def console_messages(stderr: str) -> list[str]:
    """The page's console output (errors, CSP violations) as chromium logs it to stderr."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


@pytest.mark.slow
def test_console_check_catches_a_broken_page(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text(
        "<!doctype html><html><body><script>missingFunction();</script></body></html>",
        encoding="utf-8",
    )
    result = run_chromium(page, tmp_path / "profile", "--dump-dom")
    assert any("missingFunction" in line for line in console_messages(result.stderr))


@pytest.mark.slow
def test_page_loads_in_chromium_with_every_artifact(real_trace: Trace, tmp_path: Path) -> None:
    page = write_trace_html(real_trace, tmp_path / "page.html")
    result = run_chromium(page, tmp_path / "profile", "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    assert console_messages(result.stderr) == []
    dom = result.stdout
    assert dom.count("<img ") == 2  # the diagram and the 3D preview
    assert dom.count("<audio ") == 1 and dom.count("<video ") == 1
    assert '<pre class="code">' in dom and 'class="document"' in dom
    assert dom.count('<svg xmlns="http://www.w3.org/2000/svg"') == 2


@pytest.mark.slow
def test_page_with_linked_media_loads_without_errors(real_trace: Trace, tmp_path: Path) -> None:
    page = write_trace_html(real_trace, tmp_path / "linked.html", embed_limit_bytes=1000)
    assert len(list((tmp_path / "linked_media").iterdir())) == 5  # all but the 321-byte script
    result = run_chromium(page, tmp_path / "profile", "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    assert console_messages(result.stderr) == []  # relative media pass the page's CSP


@pytest.mark.slow
def test_screenshot_of_the_page_is_not_blank(real_trace: Trace, tmp_path: Path) -> None:
    import numpy
    from PIL import Image

    page = write_trace_html(real_trace, tmp_path / "page.html")
    shot = tmp_path / "shot.png"
    result = run_chromium(
        page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,2000"
    )
    assert result.returncode == 0 and shot.is_file(), result.stderr[-2000:]
    image = Image.open(shot).convert("RGB")
    assert image.size == (1200, 2000)
    pixels = numpy.asarray(image, dtype=numpy.uint32)
    assert pixels.std() > 25
    packed = (pixels[..., 0] << 16) | (pixels[..., 1] << 8) | pixels[..., 2]
    assert len(numpy.unique(packed)) > 200  # text, media and charts, not a flat page


def test_valid_and_relevant_are_shown_apart_and_escaped(tmp_path: Path) -> None:
    trace = build_trace()
    assert trace.response is not None
    image = trace.response.artifacts["image2"]
    relevance = Relevance(
        passed=False,
        reasons=(
            RelevanceReason(name="labels_not_in_answer", message="label <b>Tides</b> & more"),
        ),
    )
    trace.response.artifacts["image2"] = image.model_copy(update={"relevance": relevance})
    text = write_trace_html(trace, tmp_path / "page.html").read_text(encoding="utf-8")
    artifacts = text.split("<h3>Artifacts</h3>")[1]
    assert "<th>valid</th><th>relevant</th>" in artifacts
    assert (
        "not relevant (labels_not_in_answer): label &lt;b&gt;Tides&lt;/b&gt; &amp; more"
        in artifacts
    )
    assert "<b>Tides</b>" not in text
