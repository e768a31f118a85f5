"""Image perception on real rendered files: OCR words, charts, colours, formats and bad input."""

from __future__ import annotations

import io
import random
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unima.errors import InputError
from unima.inputs.parts import part_from_file
from unima.perception import perceive
from unima.perception.image import ImagePerceiver
from unima.types import Perception


def font(size: int):
    import matplotlib
    from PIL import ImageFont

    return ImageFont.truetype(
        str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"), size
    )


def render_words(size=(720, 220), mode="RGB"):
    from PIL import Image, ImageDraw

    image = Image.new(mode, size, "white")
    draw = ImageDraw.Draw(image)
    draw.text((24, 30), "Museum opens at 9", font=font(38), fill="black")
    draw.text((24, 130), "Tickets 12 euros", font=font(38), fill="black")
    return image


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    folder = tmp_path_factory.mktemp("images")
    files: dict[str, Path] = {}
    words = render_words()
    files["png"] = folder / "words.png"
    words.save(files["png"])
    files["jpeg"] = folder / "words.jpg"
    words.save(files["jpeg"], quality=90)
    files["webp"] = folder / "words.webp"
    words.save(files["webp"], quality=90)
    files["gif"] = folder / "words.gif"
    second = Image.new("RGB", words.size, "black")
    words.convert("P").save(files["gif"], save_all=True, append_images=[second.convert("P")])
    files["bmp"] = folder / "words.bmp"
    words.save(files["bmp"])
    files["tiff"] = folder / "words.tiff"
    words.save(files["tiff"], compression="tiff_lzw")

    figure, axes = plt.subplots(figsize=(9.6, 6.4), dpi=100)
    axes.bar(["Ada", "Ben", "Cleo", "Dan"], [72, 45, 88, 60], color="#1f77b4")
    axes.set_title("Exam scores", fontsize=20)
    axes.set_ylim(0, 100)
    axes.set_xlabel("Student")
    files["bar_chart"] = folder / "bar_chart.png"
    figure.savefig(files["bar_chart"])
    plt.close(figure)

    figure, axes = plt.subplots(figsize=(8, 5), dpi=100)
    axes.plot([0, 2, 4, 6, 8, 10], [5, 15, 10, 25, 20, 30], color="#d62728")
    axes.set_title("Rainfall by hour", fontsize=18)
    files["line_chart"] = folder / "line_chart.png"
    figure.savefig(files["line_chart"])
    plt.close(figure)

    two_colours = Image.new("RGB", (200, 100), (255, 255, 255))
    two_colours.paste((200, 20, 20), (0, 0, 50, 100))  # a quarter red, three quarters white
    files["two_colours"] = folder / "two_colours.png"
    two_colours.save(files["two_colours"])
    return files


def test_png_with_words_is_read_by_ocr(images: dict[str, Path]) -> None:
    perception = perceive(images["png"])
    assert perception.modality == "image"
    assert perception.backend == "rapidocr+pillow"
    assert perception.text == "Museum opens at 9\nTickets 12 euros"
    meta = perception.meta
    assert (meta["width"], meta["height"], meta["mode"]) == (720, 220, "RGB")
    first = meta["ocr"][0]
    assert first["text"].startswith("Museum") and 0.5 < first["confidence"] <= 1.0
    assert len(first["box"]) == 4 and 15 <= first["box"][0][0] <= 40
    tickets = next(line for line in meta["ocr"] if line["text"].startswith("Tickets"))
    assert tickets["box"][0][1] > first["box"][2][1]  # the second line lies below the first
    assert "chart" not in meta
    assert meta["dominant_colours"][0]["name"] == "white"
    assert "Museum opens at 9" in perception.summary and "720x220" in perception.summary
    assert perception.failures == ()


def test_bar_chart_axis_numbers_labels_and_title(images: dict[str, Path]) -> None:
    perception = perceive(images["bar_chart"])
    chart = perception.meta["chart"]
    assert chart["title"] == "Exam scores"
    assert chart["labels"] == ["Ada", "Ben", "Cleo", "Dan"]
    assert chart["y_axis"] == [100, 80, 60, 40, 20, 0]  # the "0" comes from the enlarged re-read
    assert set(chart["axis_numbers"]) >= {0, 20, 40, 60, 80, 100}
    assert chart["x_title"] == "Student"
    summary = perception.summary
    assert summary.startswith("A 960x640 PNG chart titled “Exam scores”")
    assert "Ada, Ben, Cleo, Dan" in summary and "y-axis values 0 to 100" in summary
    assert "blue" in summary  # the bars' colour


def test_line_chart_numeric_x_axis(images: dict[str, Path]) -> None:
    chart = perceive(images["line_chart"]).meta["chart"]
    assert chart["title"] == "Rainfall by hour"
    assert chart["x_axis"][:3] == [0, 2, 4] and chart["x_axis"][-1] == 10
    assert chart["y_axis"] and chart["y_axis"] == sorted(chart["y_axis"], reverse=True)


@pytest.mark.parametrize(
    ("name", "image_format"),
    [("jpeg", "JPEG"), ("webp", "WEBP"), ("gif", "GIF"), ("bmp", "BMP"), ("tiff", "TIFF")],
)
def test_every_image_format_is_read(images: dict[str, Path], name: str, image_format: str) -> None:
    perception = perceive(images[name])
    assert perception.meta["image_format"] == image_format
    assert "Museum opens" in perception.text and "Tickets 12 euros" in perception.text
    if name == "gif":
        assert perception.meta["frames"] == 2  # the first frame is the one read


def test_dominant_colours_of_a_two_colour_image(images: dict[str, Path]) -> None:
    perception = perceive(images["two_colours"])
    colours = perception.meta["dominant_colours"]
    assert [(colour["hex"], colour["share"]) for colour in colours] == [
        ("#ffffff", 0.75),
        ("#c81414", 0.25),
    ]
    assert [colour["name"] for colour in colours] == ["white", "red"]
    assert "mostly white (75%) with red (25%)" in perception.summary
    assert perception.text == "" and "No text was found" in perception.summary


def test_pil_image_input_and_transparent_text(tmp_path: Path) -> None:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (600, 150), (0, 0, 0, 0))
    ImageDraw.Draw(image).text((20, 40), "Harbour lights", font=font(40), fill="black")
    perception = perceive(image, scratch_dir=tmp_path)
    assert perception.text == "Harbour lights"
    assert perception.meta["mode"] == "RGBA"


def test_wrong_extension_is_sniffed_by_content(images: dict[str, Path], tmp_path: Path) -> None:
    disguised = tmp_path / "photo.png"
    disguised.write_bytes(images["jpeg"].read_bytes())
    perception = perceive(disguised)
    assert perception.meta["image_format"] == "JPEG"
    assert "Tickets 12 euros" in perception.text


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )


def test_bad_images_raise_input_error_naming_the_file(
    images: dict[str, Path], tmp_path: Path
) -> None:
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(images["png"].read_bytes()[:300])
    with pytest.raises(InputError, match=r"truncated.png"):
        perceive(truncated)
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header_only(30_000, 30_000))
    with pytest.raises(InputError, match=r"bomb.png.*(bomb|limit)"):
        perceive(bomb)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty.png"):
        perceive(empty)
    huge_side = tmp_path / "wide.png"
    huge_side.write_bytes(_png_header_only(20_000, 10))
    with pytest.raises(InputError, match=r"wide.png"):
        perceive(huge_side)


def _mutations(data: bytes, seed: int, count: int) -> bytes:
    generator = random.Random(seed)
    mutable = bytearray(data)
    for _ in range(count):
        action = generator.random()
        position = generator.randrange(len(mutable))
        if action < 0.6:
            mutable[position] = generator.randrange(256)
        elif action < 0.8:
            del mutable[position : position + generator.randrange(1, 64)]
        else:
            mutable[position:position] = bytes(generator.randrange(256) for _ in range(8))
    return bytes(mutable)


@pytest.fixture(scope="module")
def small_images() -> dict[str, bytes]:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (120, 40), "white")
    ImageDraw.Draw(image).text((5, 5), "Fuzz 7", font=font(20), fill="black")
    encoded = {}
    for image_format in ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP"):
        buffer = io.BytesIO()
        image.save(buffer, format=image_format)
        encoded[image_format] = buffer.getvalue()
    return encoded


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    image_format=st.sampled_from(["PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP"]),
    seed=st.integers(0, 2**32 - 1),
    count=st.integers(1, 12),
)
def test_fuzz_mutated_images_never_crash(
    small_images: dict[str, bytes], tmp_path: Path, image_format: str, seed: int, count: int
) -> None:
    path = tmp_path / f"fuzz.{image_format.lower()}"
    path.write_bytes(_mutations(small_images[image_format], seed, count))
    try:
        part = part_from_file(path)
        # The perceiver itself, not ``perceive``: its last-resort guard would hide a bug here.
        perception = ImagePerceiver().perceive(part) if part.modality == "image" else None
    except InputError as error:
        assert str(path) in str(error)
        return
    if perception is not None:
        assert isinstance(perception, Perception) and perception.summary


def _line(text: str, left: float, top: float, right: float, bottom: float):
    from unima.backends.ocr import OcrLine

    return OcrLine(text, 0.9, ((left, top), (right, top), (right, bottom), (left, bottom)))


def test_chart_heuristics_on_synthetic_lines() -> None:
    from unima.perception.image_chart import find_axes, missing_ticks, read_chart

    ticks = [_line(str(value), 40, 500 - value * 4, 70, 516 - value * 4) for value in (100, 75, 50)]
    chart = read_chart(
        [
            _line("Visitors", 300, 10, 420, 40),
            *ticks,
            _line("Mon", 150, 540, 190, 556),
            _line("Tue", 300, 540, 340, 556),
        ],
        600,
        600,
    )
    assert chart is not None
    assert (chart["title"], chart["y_axis"], chart["labels"]) == (
        "Visitors",
        [100, 75, 50],
        ["Mon", "Tue"],
    )
    y_ticks, x_ticks = find_axes(ticks, 600, 600)
    assert x_ticks == [] and [value for _, value in y_ticks] == [100, 75, 50]
    predicted = missing_ticks(y_ticks, "y", 600, 600)
    # 25 and 0 lie below the column at the same spacing; 125 would lie above the image.
    assert sorted(value for _, value in predicted) == [0, 25]
    box = next(box for box, value in predicted if value == 25)
    assert box[2] == 71 and 390 <= box[1] < 400 < box[3]
    uneven = [(line, value) for line, value in zip(ticks, (100, 90, 50), strict=True)]
    assert missing_ticks(uneven, "y", 600, 600) == []
    # A receipt: numbers, but in no aligned, monotonic column or row, is not a chart.
    receipt = [_line("Coffee 3.50", 20, 20, 200, 40), _line("12", 400, 60, 430, 80)]
    assert read_chart([*receipt, _line("7", 20, 100, 35, 120)], 600, 600) is None


def test_colour_names_are_merged_in_the_summary_phrase() -> None:
    from unima.perception.image_colours import describe_colours

    colours = [
        {"hex": "#ffffff", "share": 0.9, "name": "white"},
        {"hex": "#f0f0f0", "share": 0.05, "name": "white"},
        {"hex": "#1f77b4", "share": 0.05, "name": "blue"},
    ]
    assert describe_colours(colours) == "mostly white (95%) with blue (5%)"
