"""The RapidOCR backend on rendered text: words, positions, reading order, bounds and bad files."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from unima.backends.ocr import OcrLine, lines_to_text, reading_order, recognize
from unima.errors import InputError
from unima.perception.image_chart import parse_number


def font(size: int):
    import matplotlib
    from PIL import ImageFont

    return ImageFont.truetype(
        str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"), size
    )


def render(lines: list[tuple[tuple[int, int], str]], size=(800, 240), mode="RGB", size_pt=36):
    """An image with each text drawn in black at its position."""
    from PIL import Image, ImageDraw

    background = (255, 255, 255, 0) if mode == "RGBA" else "white"
    image = Image.new(mode, size, background)
    draw = ImageDraw.Draw(image)
    for position, text in lines:
        draw.text(position, text, font=font(size_pt), fill="black")
    return image


def box(left: float, top: float, right: float, bottom: float) -> tuple:
    return ((left, top), (right, top), (right, bottom), (left, bottom))


def test_recognize_reads_words_with_positions(tmp_path: Path) -> None:
    path = tmp_path / "words.png"
    render([((20, 30), "Revenue 2024"), ((20, 130), "Harbour"), ((420, 130), "Lantern")]).save(path)
    lines = recognize(path)
    texts = [line.text for line in lines]
    assert texts[0] == "Revenue 2024"
    assert "Harbour" in texts and "Lantern" in texts
    harbour = next(line for line in lines if line.text == "Harbour")
    lantern = next(line for line in lines if line.text == "Lantern")
    # Boxes are in the file's own pixels, whatever scaling OCR used inside.
    assert 10 <= harbour.left <= 35 and 120 <= harbour.top <= 150
    assert 400 <= lantern.left <= 440 and lantern.left > harbour.right
    assert all(0.5 <= line.confidence <= 1.0 for line in lines)
    assert lines_to_text(lines) == "Revenue 2024\nHarbour Lantern"
    assert harbour.to_json()["box"][0] == [round(harbour.box[0][0], 1), round(harbour.box[0][1], 1)]


def test_recognize_accepts_pil_and_arrays_and_transparency() -> None:
    import numpy as np

    transparent = render([((20, 60), "Orchard 17")], mode="RGBA")
    assert [line.text for line in recognize(transparent)] == ["Orchard 17"]
    array = np.asarray(render([((20, 60), "Meadow 42")]).convert("RGB"))
    assert [line.text for line in recognize(array)] == ["Meadow 42"]


def test_large_image_is_downscaled_and_boxes_scaled_back() -> None:
    image = render([((100, 300), "Glacier")], size=(1600, 800), size_pt=100)
    lines = recognize(image, max_side=600)  # read at 600x300, boxes reported at 1600x800
    assert [line.text for line in lines] == ["Glacier"]
    assert 80 <= lines[0].left <= 130 and 420 <= lines[0].right <= 500


def test_blank_and_tiny_images_give_no_lines() -> None:
    from PIL import Image

    assert recognize(Image.new("RGB", (300, 100), "white")) == []
    assert recognize(Image.new("L", (3, 2), 0)) == []


def test_bad_files_raise_input_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    with pytest.raises(InputError, match=r"broken.png"):
        recognize(broken)
    eps = tmp_path / "figure.eps"
    eps.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n")
    with pytest.raises(InputError, match=r"cannot be decoded"):
        recognize(eps)  # EPS is not on the decoder allowlist (it would run Ghostscript)


def test_concurrent_calls_share_one_engine() -> None:
    images = [render([((20, 60), word)]) for word in ("Falcon", "Willow", "Copper")]
    results: dict[int, list[str]] = {}

    def work(index: int) -> None:
        results[index] = [line.text for line in recognize(images[index])]

    threads = [threading.Thread(target=work, args=(index,)) for index in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == {0: ["Falcon"], 1: ["Willow"], 2: ["Copper"]}


def test_reading_order_groups_rows_then_left_to_right() -> None:
    lines = [
        OcrLine("right", 0.9, box(300, 102, 380, 122)),
        OcrLine("title", 0.9, box(100, 10, 300, 40)),
        OcrLine("left", 0.9, box(10, 100, 80, 120)),
        OcrLine("footer", 0.9, box(10, 200, 90, 220)),
    ]
    assert [line.text for line in reading_order(lines)] == ["title", "left", "right", "footer"]
    assert lines_to_text(lines) == "title\nleft right\nfooter"
    assert lines_to_text([]) == ""


@pytest.mark.parametrize(
    ("text", "value"),
    [("100", 100.0), ("1,000", 1000.0), ("\u22125", -5.0), ("-2.5", -2.5), ("40%", 40.0),
     ("$2.5k", 2500.0), ("0.25", 0.25), ("Ada", None), ("2024 sales", None), ("", None)],
)  # fmt: skip
def test_parse_number(text: str, value: float | None) -> None:
    assert parse_number(text) == value


def test_read_line_reads_a_known_crop_without_detection() -> None:
    from unima.backends.ocr import read_line

    image = render([((10, 10), "Delta 508")], size=(300, 60), size_pt=30)
    text, confidence = read_line(image)
    assert text == "Delta 508" and confidence > 0.8
    from PIL import Image

    assert read_line(Image.new("RGB", (40, 20), "white"))[0] == ""
