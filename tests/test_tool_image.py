"""The procedural image tool: every kind drawn for real, checked, and its arguments validated."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw
from pydantic import ValidationError

from unima.tools import TOOL_BACKENDS
from unima.tools.base import ToolContext, ToolOutput
from unima.tools.image.arguments import ImageArguments
from unima.tools.image.checks import verify_png
from unima.tools.image.text import fit_text, load_font, text_width
from unima.tools.image.tool import ProceduralImageTool

TOOL = ProceduralImageTool()
CASES: dict[str, dict[str, Any]] = {
    "bar_chart": {
        "labels": ["North", "South", "East"],
        "values": [12, 30, 7],
        "series": {"2024": [10, 25, 9]},
    },
    "line_chart": {
        "labels": ["2021", "2022", "2023", "2024"],
        "values": [1, 3, 2, 5],
        "y_label": "Users",
    },
    "pie_chart": {"labels": ["Solar", "Wind", "Hydro"], "values": [30, 25, 45]},
    "scatter_chart": {"labels": ["a", "b", "c"], "values": [1, 2, 3], "series": {"y": [2.5, 4, 8]}},
    "diagram": {"labels": ["Receive", "Plan", "Dispatch", "Check"], "notes": ["Judge retries"]},
    "flowchart": {"labels": ["Start", "Read file", "Is it valid?", "End"], "caption": "Flow"},
    "timeline": {"labels": ["Press", "Steam", "Internet"], "values": [1440, 1712, 1983]},
    "illustration": {"labels": ["Oak tree", "Red house"], "caption": "A village", "seed": 4},
}


def make(tmp_path: Path, **raw: object) -> tuple[ImageArguments, Path]:
    arguments = TOOL.parse_arguments({"title": "Test picture", **raw})
    assert isinstance(arguments, ImageArguments)
    work_dir = Path(tempfile.mkdtemp(prefix="work-", dir=tmp_path))
    output = TOOL.run(arguments, ToolContext(work_dir=work_dir))
    return arguments, output.path


def png_output(path: Path) -> ToolOutput:
    return ToolOutput(path=path, mime="image/png")


def pixels(path: Path) -> numpy.ndarray:
    with Image.open(path) as image:
        return numpy.asarray(image.convert("RGB"), dtype=numpy.int16)


def test_registered_under_its_tool_name() -> None:
    assert TOOL_BACKENDS.get("generate_image/procedural") is ProceduralImageTool
    assert (TOOL.name, TOOL.modality, TOOL.backend) == ("generate_image", "image", "procedural")
    assert "matplotlib" in TOOL.backend_version()


@pytest.mark.parametrize("kind", sorted(CASES))
def test_every_kind_draws_a_verified_png_of_the_requested_size(kind: str, tmp_path: Path) -> None:
    arguments, path = make(tmp_path, kind=kind, width=800, height=500, **CASES[kind])
    assert path.parent.parent == tmp_path
    assert list(path.parent.iterdir()) == [path]
    verification = TOOL.verify(png_output(path), arguments, ToolContext(work_dir=path.parent))
    assert verification.passed, verification.problems
    assert verification.checks["width"] == 800 and verification.checks["height"] == 500
    assert verification.checks["format"] == "PNG"
    assert verification.checks["std"] > 10
    # The title band is drawn in dark ink somewhere near the top.
    top_band = pixels(path)[: 500 // 6]
    assert (top_band.sum(axis=2) < 200).sum() > 50


def test_bar_chart_pixels_follow_the_values(tmp_path: Path) -> None:
    _, first = make(tmp_path, kind="bar_chart", labels=["a", "b"], values=[1, 2])
    _, same = make(tmp_path, kind="bar_chart", labels=["a", "b"], values=[1, 2])
    _, other = make(tmp_path, kind="bar_chart", labels=["a", "b"], values=[2, 1])
    assert first.read_bytes() == same.read_bytes()
    assert (pixels(first) != pixels(other)).any(axis=2).sum() > 1000


def test_illustration_is_seeded(tmp_path: Path) -> None:
    _, first = make(tmp_path, kind="illustration", seed=1)
    _, again = make(tmp_path, kind="illustration", seed=1)
    _, other = make(tmp_path, kind="illustration", seed=2)
    assert first.read_bytes() == again.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_charts_drawn_in_parallel_threads_match_serial_ones(tmp_path: Path) -> None:
    raw = [
        {"kind": "line_chart", "labels": ["a", "b", "c"], "values": [index, 2, 3]}
        for index in range(4)
    ]
    serial = [make(tmp_path, **arguments)[1].read_bytes() for arguments in raw]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(
            pool.map(lambda arguments: make(tmp_path, **arguments)[1].read_bytes(), raw)
        )
    assert parallel == serial


def test_a_diagram_without_arrows_draws_the_same_boxes_unconnected(tmp_path: Path) -> None:
    labels = ["Light", "Oxygen", "Plants", "Sugar", "Chlorophyll"]
    _, joined = make(tmp_path, kind="diagram", labels=labels)
    _, loose = make(tmp_path, kind="diagram", labels=labels, arrows=False)
    with_arrows, without = pixels(joined), pixels(loose)
    # Only the arrows differ: the boxes and their labels are the same pixels.
    changed = numpy.any(with_arrows != without, axis=2)
    assert 0 < changed.mean() < 0.02
    # Every changed pixel is drawn ink in the joined picture and background in the loose one.
    background = numpy.array([252, 252, 250])
    assert numpy.all(numpy.abs(without[changed] - background).sum(axis=1) < 12)
    assert numpy.all(numpy.abs(with_arrows[changed] - background).sum(axis=1) > 12)


def test_a_diagram_draws_an_arrow_only_between_the_pairs_it_is_given(tmp_path: Path) -> None:
    labels = ["Sunlight", "Chlorophyll", "Carbon dioxide", "Glucose"]
    _, every = make(tmp_path, kind="diagram", labels=labels)
    _, some = make(tmp_path, kind="diagram", labels=labels, arrows=[True, False, True])
    _, none = make(tmp_path, kind="diagram", labels=labels, arrows=False)
    ink = [int((pixels(path).sum(axis=2) < 400).sum()) for path in (every, some, none)]
    assert ink[0] > ink[1] > ink[2]  # each arrow left out takes its ink with it


def test_dollar_signs_are_text_not_mathtext(tmp_path: Path) -> None:
    arguments, path = make(
        tmp_path, kind="bar_chart", title="Costs $5 vs $6", labels=["$a"], values=[5]
    )
    assert TOOL.verify(png_output(path), arguments, ToolContext(work_dir=tmp_path)).passed


def test_blank_and_wrongly_sized_images_fail_verification(tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    Image.new("RGB", (320, 200), (255, 255, 255)).save(blank)
    verification = verify_png(blank, width=320, height=200)
    assert not verification.passed
    assert any("blank" in problem for problem in verification.problems)
    assert verification.checks["std"] == 0 and verification.checks["distinct_colors"] == 1
    _, drawn = make(tmp_path, kind="diagram", labels=["x"], width=300, height=200)
    wrong_size = verify_png(drawn, width=320, height=200)
    assert not wrong_size.passed and "300x200" in wrong_size.problems[0]
    garbage = tmp_path / "garbage.png"
    garbage.write_bytes(b"not a png at all")
    assert "does not decode" in verify_png(garbage).problems[0]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"kind": "bar_chart", "labels": ["a", "b"], "values": [1]}, "1 values for 2 labels"),
        (
            {"kind": "line_chart", "labels": ["a"], "series": {"s": [1, 2]}},
            "series 's' has 2 numbers",
        ),
        ({"kind": "pie_chart", "labels": ["a", "b"], "values": [1, -1]}, "must not be negative"),
        ({"kind": "pie_chart", "labels": ["a"], "values": [0]}, "more than zero"),
        (
            {"kind": "pie_chart", "labels": ["a"], "values": [1], "series": {"s": [1]}},
            "series are for",
        ),
        ({"kind": "bar_chart", "values": [1]}, "needs labels"),
        ({"kind": "bar_chart", "labels": ["a"]}, "needs values"),
        ({"kind": "flowchart", "labels": [str(index) for index in range(25)]}, "at most 24 boxes"),
        ({"kind": "timeline", "labels": ["a", "b"], "values": [1]}, "1 values for 2 labels"),
        ({"kind": "diagram", "labels": ["a"], "width": 64}, "greater than or equal to 128"),
        ({"kind": "diagram", "labels": ["a"], "colour": "red"}, "Extra inputs are not permitted"),
        ({"kind": "line_chart", "labels": ["a"], "values": [float("nan")]}, "finite number"),
        ({"kind": "flowchart", "labels": ["a", "b"], "arrows": False}, "not a flowchart"),
        ({"kind": "diagram", "labels": ["a", "b", "c"], "arrows": [True]}, "1 arrows for 3 labels"),
    ],
)
def test_invalid_arguments_name_the_problem(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        TOOL.parse_arguments({"title": "t", **raw})


def test_tool_modules_import_without_heavy_libraries() -> None:
    code = (
        "import sys, unima.tools.image.tool, unima.tools.document.tool, unima.tools.mesh.tool; "
        "heavy = {'matplotlib', 'reportlab', 'docx', 'trimesh', 'pypdf'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(sorted(CASES)),
    labels=st.lists(
        st.text(alphabet="abcdefgh XYZ123?", min_size=1, max_size=30), min_size=1, max_size=8
    ),
    data=st.data(),
)
def test_random_valid_arguments_give_verified_images(
    kind: str, labels: list[str], data: st.DataObject, tmp_path: Path
) -> None:
    values = data.draw(st.lists(st.floats(0.5, 1e4), min_size=len(labels), max_size=len(labels)))
    size = data.draw(st.tuples(st.integers(128, 900), st.integers(128, 900)))
    title = data.draw(st.text(alphabet="abcdefghijklmnop $%&()", min_size=1, max_size=80))
    arguments, path = make(
        tmp_path,
        kind=kind,
        title=title,
        labels=labels,
        values=values,
        width=size[0],
        height=size[1],
    )
    verification = TOOL.verify(png_output(path), arguments, ToolContext(work_dir=path.parent))
    assert verification.passed, verification.problems


def test_a_label_shrinks_rather_than_break_a_word_between_characters() -> None:
    # The sky-blue diagram drew "atmospher" / "e" in a box wide enough for the word at a
    # slightly smaller size.
    draw = ImageDraw.Draw(Image.new("RGB", (400, 200)))
    largest = 34
    width = text_width(draw, "atmosphere", load_font(largest)) * 0.9
    block = fit_text(draw, "atmosphere", width, 120, largest=largest, max_lines=3)
    assert block.lines == ("atmosphere",)
    assert block.font.size < largest


def test_an_illustration_of_a_dish_depicts_it_and_keeps_every_label(tmp_path: Path) -> None:
    labels = ["Plated dish", "Spaghetti carbonara"]
    arguments = TOOL.parse_arguments(
        {"kind": "illustration", "title": "Spaghetti carbonara", "labels": labels}
    )
    output = TOOL.run(arguments, ToolContext(work_dir=tmp_path))
    verification = TOOL.verify(output, arguments, ToolContext(work_dir=tmp_path))
    assert verification.passed, verification.problems
    assert output.meta["text"][1:] == labels and output.meta["shortened_text"] == []
    # A table top, not a landscape: the middle band is wood and plate, with no sky blue in it.
    middle = pixels(output.path)[200:440]
    sky = (middle[..., 2] > middle[..., 0] + 30) & (middle[..., 2] > 150)
    assert sky.mean() < 0.01
