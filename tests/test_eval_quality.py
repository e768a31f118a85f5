"""GQ on real files made here: better files score higher, broken ones null, the same file the same.

The released-code ports (image brisque-lite, 3D NR3D-Q v3) have their hand-checked cases in
``tests/test_gq_official.py``.
"""

from __future__ import annotations

import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from unima.bench.datasets.unim import Prediction, UnimInstance
from unima.eval.quality import QualityMetric, aggregate, score_item
from unima.eval.quality.code import score_code
from unima.eval.quality.image import score_image, score_pixels
from unima.eval.quality.text import score_text
from unima.eval.quality.threed import score_threed
from unima.eval.records import InstanceContext, MetricOptions

# --- fixtures made in the tests -------------------------------------------------------------


def _scene(path: Path) -> Image.Image:
    """A deterministic picture with shapes, lines and colour: sharp, textured content."""
    random = np.random.RandomState(0)
    picture = Image.new("RGB", (640, 480), (200, 220, 240))
    draw = ImageDraw.Draw(picture)
    for _ in range(40):
        x, y, radius = random.randint(0, 640), random.randint(0, 480), random.randint(10, 80)
        colour = tuple(int(value) for value in random.randint(0, 255, 3))
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)
    for _ in range(30):
        start = tuple(int(value) for value in random.randint(0, 480, 2))
        end = tuple(int(value) for value in random.randint(0, 480, 2))
        draw.line([start, end], fill=(0, 0, 0), width=2)
    picture.save(path)
    return picture


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray, int]:
    from unima.backends.piper_voice import synthesize

    path = tmp_path_factory.mktemp("speech") / "clean.wav"
    synthesize(
        "Photosynthesis turns light into chemical energy. Leaves take in carbon dioxide.", path
    )
    with wave.open(str(path)) as reader:
        rate = reader.getframerate()
        samples = np.frombuffer(reader.readframes(reader.getnframes()), np.int16) / 32768.0
    return path, samples, rate


def _failed(value: Any) -> bool:
    """A failed item: GQ null (as the released code writes it), flagged, with a reason."""
    return value.value is None and value.details.get("failed") is True and value.details["reason"]


# --- image ----------------------------------------------------------------------------------


def test_sharp_image_beats_blurred(tmp_path: Path) -> None:
    picture = _scene(tmp_path / "sharp.png")
    picture.filter(ImageFilter.GaussianBlur(6)).save(tmp_path / "blurred.png")
    sharp, blurred = (score_image(tmp_path / f"{name}.png") for name in ("sharp", "blurred"))
    assert sharp.judge == "gq:image/brisque-lite"
    assert sharp.value is not None and blurred.value is not None
    assert blurred.value < sharp.value


def test_frame_measure_ranks_sharp_blurred_flat_and_noisy(tmp_path: Path) -> None:
    # The video scorer's frame NR-IQA (``score_pixels``), kept beside the released image score.
    picture = _scene(tmp_path / "sharp.png")
    sharp = np.asarray(picture)
    blurred = np.asarray(picture.filter(ImageFilter.GaussianBlur(6)))
    flat = np.full_like(sharp, 128)
    noise = np.random.RandomState(1).normal(0, 25, sharp.shape)
    grainy = np.clip(sharp.astype(float) + noise, 0, 255).astype(np.uint8)
    sharp_score, sharp_parts, _ = score_pixels(sharp)
    blurred_score, blurred_parts, _ = score_pixels(blurred)
    flat_score, _flat_parts, flat_facts = score_pixels(flat)
    grainy_score, grainy_parts, _ = score_pixels(grainy)
    assert sharp_score > 85 and sharp_score - blurred_score > 20
    assert flat_score == 0.0 and flat_facts["blank"] is True
    assert grainy_score < sharp_score - 10
    grainy_noise, sharp_noise = grainy_parts["noise"], sharp_parts["noise"]
    assert grainy_noise is not None and sharp_noise is not None
    assert grainy_noise < 0.5 < sharp_noise
    blurred_sharpness, sharp_sharpness = blurred_parts["sharpness"], sharp_parts["sharpness"]
    assert blurred_sharpness is not None and sharp_sharpness is not None
    assert blurred_sharpness < 0.1 < sharp_sharpness


def test_thumbnail_frames_are_scaled_down(tmp_path: Path) -> None:
    small = np.asarray(_scene(tmp_path / "big.png").resize((64, 48)))
    _score, _parts, facts = score_pixels(small)
    assert facts["resolution_factor"] == pytest.approx((48 / 128) ** 0.5, abs=1e-4)


# --- audio ----------------------------------------------------------------------------------


# The v4.7 audio score's cases are in tests/test_gq_audio.py.


# --- 3D -------------------------------------------------------------------------------------


def test_watertight_mesh_beats_broken_mesh(tmp_path: Path) -> None:
    import trimesh

    trimesh.creation.icosphere(subdivisions=3).export(tmp_path / "sphere.obj")
    box = trimesh.creation.box()
    faces = box.faces[2:].copy()  # two faces removed: a hole
    faces[3] = faces[3][::-1]  # one face flipped: inconsistent winding
    vertices = np.vstack([box.vertices, [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5], [0.6, 0.5, 0.5]]])
    faces = np.vstack([faces, [[8, 9, 10]]])  # a degenerate sliver
    trimesh.Trimesh(vertices, faces, process=False).export(tmp_path / "broken.obj")
    sphere = score_threed(tmp_path / "sphere.obj", "obj")
    broken = score_threed(tmp_path / "broken.obj", "obj")
    assert sphere.judge == "gq:threeD/nr3dq-v3"
    assert sphere.value is not None and sphere.value > 85
    assert sphere.details["measurements"]["watertight"] is True
    assert broken.value is not None and broken.value < sphere.value - 10
    facts = broken.details["measurements"]
    assert facts["watertight"] is False and facts["components"] == 2
    assert broken.details["subscores"]["topology"] < sphere.details["subscores"]["topology"]


def test_surface_point_cloud_beats_random_cloud(tmp_path: Path) -> None:
    import trimesh

    directions = np.random.RandomState(0).normal(size=(1500, 3))
    trimesh.PointCloud(directions / np.linalg.norm(directions, axis=1, keepdims=True)).export(
        tmp_path / "surface.ply"
    )
    trimesh.PointCloud(np.random.RandomState(1).rand(1500, 3)).export(tmp_path / "random.ply")
    surface = score_threed(tmp_path / "surface.ply", "ply")
    scattered = score_threed(tmp_path / "random.ply", "ply")
    assert surface.details["measurements"]["kind"] == "point_cloud"
    assert surface.value is not None and scattered.value is not None
    assert surface.details["subscores"]["geometry"] > scattered.details["subscores"]["geometry"]
    assert surface.value > scattered.value


# --- text and code --------------------------------------------------------------------------


def test_prose_beats_degenerate_text() -> None:
    prose = score_text(
        "Photosynthesis happens mainly in the palisade layer shown in <image2>. Carbon dioxide "
        "enters through the stomata, and water arrives through the veins."
    )
    loop = score_text("the cell the cell the cell the cell the cell the cell the cell the cell")
    assert prose.judge == "gq:text/well-formedness"
    assert prose.value is not None and prose.value > 90
    assert loop.value is not None and loop.value < prose.value - 30
    assert loop.details["subscores"]["repetition"] == 0.0
    assert _failed(score_text("   <image1>  "))


@pytest.mark.sandbox
def test_python_that_runs_beats_failing_code(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(
        'def double(x):\n    """Twice x."""\n    return 2 * x\n\n\nprint(double(2))\n'
    )
    (tmp_path / "crash.py").write_text("raise SystemExit(3)\n")
    (tmp_path / "broken.py").write_text("def double(x:\n    return\n")
    good, crash, broken = (
        score_code(tmp_path / f"{n}.py", "Python") for n in ("good", "crash", "broken")
    )
    assert good.value == 100.0 and good.details["measurements"]["run_status"] == "ok"
    assert crash.value is not None and broken.value is not None
    assert good.value > crash.value > broken.value
    assert broken.details["subscores"] == {
        "parses": 0.0,
        "runs": 0.0,
        "style": pytest.approx(0.875),
    }


def test_other_languages_are_lexed_not_run(tmp_path: Path) -> None:
    (tmp_path / "ok.js").write_text("// doubles\nfunction f(x) { return x * 2; }\n")
    (tmp_path / "bad.js").write_text("function f(x) { return x * 2; \n")
    good, bad = (score_code(tmp_path / name, "JavaScript") for name in ("ok.js", "bad.js"))
    assert good.details["subscores"]["runs"] is None
    assert good.value is not None and bad.value is not None and good.value > bad.value


# --- document and video ---------------------------------------------------------------------


def test_document_with_text_beats_empty_document(tmp_path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    written = canvas.Canvas(str(tmp_path / "report.pdf"), pagesize=A4)
    for number, line in enumerate(
        [
            "Results of the survey.",
            "The mean score is 79.3 and the median is 81.5.",
            "Scores rose in every class compared with last year.",
        ]
    ):
        written.drawString(72, 760 - 20 * number, line)
    written.showPage()
    written.save()
    blank = canvas.Canvas(str(tmp_path / "blank.pdf"), pagesize=A4)
    blank.showPage()
    blank.save()
    report = score_item("document", tmp_path / "report.pdf")
    empty = score_item("document", tmp_path / "blank.pdf")
    assert report.judge == "gq:document/reopen"
    assert report.details["measurements"]["pages_with_text"] == 1
    assert report.value is not None and empty.value is not None
    assert report.value > empty.value + 30


def _ffmpeg(*arguments: str) -> None:
    from unima.backends.ffmpeg import QUIET, run_ffmpeg

    run_ffmpeg([*QUIET, *arguments], timeout_s=60)


def test_flickering_and_truncated_videos_score_lower(tmp_path: Path) -> None:
    source = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=8", "-t", "3"]
    encode = ["-pix_fmt", "yuv420p", "-c:v", "libx264", "-y"]
    _ffmpeg(*source, *encode, str(tmp_path / "steady.mp4"))
    _ffmpeg(
        *source,
        "-vf",
        r"eq=brightness=0.3*mod(floor(t*4+0.5)\,2):eval=frame",
        *encode,
        str(tmp_path / "flicker.mp4"),
    )
    data = (tmp_path / "steady.mp4").read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[: len(data) // 3])
    steady = score_item("video", tmp_path / "steady.mp4")
    flicker = score_item("video", tmp_path / "flicker.mp4")
    cut = score_item("video", tmp_path / "cut.mp4")
    assert steady.judge == "gq:video/frames-temporal"
    assert steady.value is not None and flicker.value is not None
    # The first third of the MP4 has no index (moov comes last): undecodable, so a null item.
    assert _failed(cut) and "cannot be decoded" in cut.details["reason"]
    assert steady.details["subscores"]["temporal"] > 0.9 > flicker.details["subscores"]["temporal"]
    assert flicker.details["measurements"]["luminance_flicker"] > 20
    assert flicker.value < steady.value


# --- failures, dispatch, metric -------------------------------------------------------------


@pytest.mark.parametrize(
    ("modality", "name", "data"),
    [
        ("image", "x.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 100),
        ("audio", "x.wav", b"RIFF\x00\x00\x00\x00WAVEfmt " + b"zz" * 200),
        ("video", "x.mp4", b"\x00\x00\x00\x18ftypisom" + b"\x00" * 300),
        ("threeD", "x.obj", b"v 1 2\nf x y z\n"),
        ("document", "x.pdf", b"%PDF-1.4\n" + b"\x00garbage" * 50),
        ("code", "x.py", b"\xff\xfe\x00bad"),
        ("image", "empty.png", b""),
    ],
)
def test_garbage_is_null_with_a_reason(
    tmp_path: Path, modality: str, name: str, data: bytes
) -> None:
    (tmp_path / name).write_bytes(data)
    value = score_item(modality, tmp_path / name)
    assert _failed(value), value
    assert value.judge.startswith(f"gq:{modality}/")


def test_missing_and_wrong_kind_items_are_null(
    tmp_path: Path, speech: tuple[Path, np.ndarray, int]
) -> None:
    missing = score_item("image", None)
    assert _failed(missing) and "missing" in missing.details["reason"]
    wrong = score_item("image", speech[0])
    assert _failed(wrong) and wrong.judge == "gq:image/wrong-kind"
    assert "audio" in wrong.details["reason"]


def _context(tmp_path: Path, prediction: Prediction | None) -> InstanceContext:
    instance = UnimInstance.model_validate(
        {
            "domain": "natural_science",
            "subdomain": "biology",
            "id": "7",
            "input": {"modal": {}, "content": "Explain photosynthesis with an image and audio."},
            "output": {
                "modal": {"image1": "image/a.png", "audio1": "audio/a.mp3"},
                "content": "See <image1> and hear <audio1>.",
            },
            "difficulty_level": 1,
        }
    )
    return InstanceContext(instance.key, instance, prediction, tmp_path, tmp_path)


def test_metric_averages_items_and_content(tmp_path: Path) -> None:
    _scene(tmp_path / "scene.png")
    prediction = Prediction(
        domain="natural_science",
        subdomain="biology",
        id="7",
        content="Chloroplasts capture light, as <image1> shows. The narration is <audio1>.",
        modal={"image1": "scene.png", "audio1": "nowhere.wav"},
    )
    metric = QualityMetric(MetricOptions(extra={"gq_listen": False}))
    [value] = metric.score(_context(tmp_path, prediction))
    items = value.details["items"]
    assert set(items) == {"image1", "audio1", "content"}
    # The missing audio is null and left out of the mean, as in the released code.
    assert items["audio1"]["value"] is None and value.details["failed_items"] == ["audio1"]
    expected = (items["image1"]["value"] + items["content"]["value"]) / 2
    assert value.name == "GQ" and value.value == pytest.approx(expected, abs=0.01)
    assert value.judge == "gq:audio/missing+image/brisque-lite+text/well-formedness"
    # determinism: the same instance scores byte-identically
    [again] = metric.score(_context(tmp_path, prediction))
    assert again == value


def test_metric_follows_the_abs_convention(tmp_path: Path) -> None:
    metric = QualityMetric()
    [absent] = metric.score(_context(tmp_path, None))
    declined = Prediction(domain="natural_science", subdomain="biology", id="7", status="failed")
    [refused] = metric.score(_context(tmp_path, declined))
    assert absent.value == 0.0
    assert refused.value is None and "declined" in refused.details["reason"]


def test_aggregate_without_items_is_not_scorable() -> None:
    assert aggregate({}).value is None


def test_scores_are_deterministic(tmp_path: Path) -> None:
    _scene(tmp_path / "scene.png")
    first, second = (score_image(tmp_path / "scene.png") for _ in range(2))
    assert first == second
