"""Sniffing by magic bytes, the perception seam, and the minimal perceivers on real files."""

from __future__ import annotations

import io
import os
import re
import struct
import subprocess
import sys
import wave
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unima.errors import InputError
from unima.inputs.sniff import MAX_FILE_BYTES, Sniffed, sniff
from unima.perception import ALLOWED_FORMATS, PERCEIVERS, Perceiver, perceive
from unima.types import MEDIA_MODALITIES, Part, Perception

MINIMAL_PERCEIVERS = {
    "text": "MinimalTextPerceiver",
    "image": "MinimalImagePerceiver",
    "audio": "MinimalAudioPerceiver",
    "video": "MinimalVideoPerceiver",
    "document": "MinimalDocumentPerceiver",
    "code": "MinimalCodePerceiver",
    "threeD": "MinimalMeshPerceiver",
}


@pytest.fixture(autouse=True)
def _minimal_perceivers():
    """This file tests the minimal (fallback) perceivers: pin them in the registry."""
    saved_targets, saved_loaded = dict(PERCEIVERS._targets), dict(PERCEIVERS._loaded)
    for modality, name in MINIMAL_PERCEIVERS.items():
        PERCEIVERS.register(modality, f"unima.perception.readers.minimal:{name}", replace=True)
    yield
    PERCEIVERS._targets.clear()
    PERCEIVERS._targets.update(saved_targets)
    PERCEIVERS._loaded.clear()
    PERCEIVERS._loaded.update(saved_loaded)


CSV_TEXT = "name,score\nann,90\nbob,85.5\ncid,70\ndan,62\neve,99\nfay,77\n"
PYTHON_TEXT = (
    "import os\nfrom collections import deque\n\n\n"
    "def reverse_list(items):\n    return items[::-1]\n\n\n"
    "class Node:\n    def walk(self):\n        return self\n\n\n"
    "def main():\n    print(reverse_list([1, 2, 3]))\n"
)


def ffmpeg(*arguments: str) -> None:
    import imageio_ffmpeg

    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", *arguments],
        check=True,
        timeout=60,
    )


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` with almost no pixel data (a bomb)."""

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


def write_wav(path: Path, seconds: float = 1.0, rate: int = 16000) -> Path:
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(b"\x00\x10" * int(rate * seconds))
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One real file per format, made with the libraries and ffmpeg's built-in lavfi sources."""
    import docx
    import trimesh
    from PIL import Image
    from reportlab.pdfgen import canvas

    folder = tmp_path_factory.mktemp("media")
    files: dict[str, Path] = {}
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    for name, image_format in [
        ("png", "PNG"),
        ("jpeg", "JPEG"),
        ("gif", "GIF"),
        ("webp", "WEBP"),
        ("bmp", "BMP"),
        ("tiff", "TIFF"),
    ]:
        files[name] = folder / f"picture.{name}"
        image.save(files[name], format=image_format)
    files["wav"] = write_wav(folder / "tone.wav")
    sine = ["-f", "lavfi", "-i", "sine=frequency=440:duration=1"]
    for name in ("mp3", "flac", "ogg", "m4a"):
        files[name] = folder / f"tone.{name}"
        ffmpeg(*sine, str(files[name]))
    testsrc = ["-f", "lavfi", "-i", "testsrc=duration=1:size=64x64:rate=5"]
    files["mp4"] = folder / "clip.mp4"
    ffmpeg(*testsrc, *sine, "-shortest", "-pix_fmt", "yuv420p", str(files["mp4"]))
    files["mp4_silent"] = folder / "silent.mp4"
    ffmpeg(*testsrc, "-pix_fmt", "yuv420p", str(files["mp4_silent"]))
    files["mov"] = folder / "clip.mov"
    ffmpeg(*testsrc, "-pix_fmt", "yuv420p", str(files["mov"]))
    files["avi"] = folder / "clip.avi"
    ffmpeg(*testsrc, "-c:v", "mpeg4", str(files["avi"]))
    files["csv"] = folder / "scores.csv"
    files["csv"].write_text(CSV_TEXT)
    files["tsv"] = folder / "scores.tsv"
    files["tsv"].write_text(CSV_TEXT.replace(",", "\t"))
    files["md"] = folder / "notes.md"
    files["md"].write_text(
        "# Photosynthesis\n\nLight is *captured*.\n\n## Steps\n- absorb\n- convert\n"
    )
    files["txt"] = folder / "notes.txt"
    files["txt"].write_text("Plain words about leaves and light.\nA second line.\n")
    files["py"] = folder / "linked_list.py"
    files["py"].write_text(PYTHON_TEXT)
    files["js"] = folder / "app.js"
    files["js"].write_text("function greet(name) {\n  return 'hi ' + name;\n}\nclass Box {}\n")
    files["pdf"] = folder / "report.pdf"
    pdf = canvas.Canvas(str(files["pdf"]))
    pdf.setTitle("Quarterly report")
    pdf.drawString(72, 720, "Revenue grew in every quarter.")
    pdf.showPage()
    pdf.drawString(72, 720, "Second page text.")
    pdf.save()
    files["docx"] = folder / "memo.docx"
    document = docx.Document()
    document.add_heading("Bracket change", level=1)
    document.add_paragraph("A gusset stiffens the bracket.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "part", "mass"
    table.cell(1, 0).text, table.cell(1, 1).text = "bracket", "120 g"
    document.save(str(files["docx"]))
    box = trimesh.creation.box()
    for name in ("obj", "ply", "stl", "glb", "off"):
        files[name] = folder / f"box.{name}"
        box.export(str(files[name]))
    return files


# ---- sniffing ----------------------------------------------------------------------------------

EXPECTED_SNIFF = {
    "png": ("image", "png"), "jpeg": ("image", "jpeg"), "gif": ("image", "gif"), "webp": ("image", "webp"),
    "bmp": ("image", "bmp"), "tiff": ("image", "tiff"), "wav": ("audio", "wav"), "mp3": ("audio", "mp3"),
    "flac": ("audio", "flac"), "ogg": ("audio", "ogg"), "m4a": ("audio", "m4a"), "mp4": ("video", "mp4"),
    "mov": ("video", "mov"), "avi": ("video", "avi"), "csv": ("document", "csv"), "tsv": ("document", "tsv"),
    "md": ("document", "markdown"), "txt": ("document", "txt"), "py": ("code", "source"), "js": ("code", "source"),
    "pdf": ("document", "pdf"), "docx": ("document", "docx"), "obj": ("threeD", "obj"), "ply": ("threeD", "ply"),
    "stl": ("threeD", "stl"), "glb": ("threeD", "glb"), "off": ("threeD", "off"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED_SNIFF))
def test_sniff_identifies_real_files(media: dict[str, Path], name: str) -> None:
    found = sniff(media[name])
    assert (found.modality, found.format) == EXPECTED_SNIFF[name]
    assert found.format in ALLOWED_FORMATS[found.modality]


def test_sniff_uses_bytes_not_the_extension(media: dict[str, Path], tmp_path: Path) -> None:
    disguised = tmp_path / "song.mp3"
    disguised.write_bytes(media["png"].read_bytes())
    assert sniff(disguised) == Sniffed("image", "image/png", "png")
    assert sniff(media["wav"].read_bytes(), name="photo.png").format == "wav"


def test_sniff_code_language_and_hint(media: dict[str, Path], tmp_path: Path) -> None:
    assert sniff(media["py"]).language == "Python"
    assert sniff(media["js"]).language == "JavaScript"
    script = tmp_path / "tool"
    script.write_text("#!/usr/bin/env python3\nprint('hi')\n")
    assert sniff(script).modality == "code"
    assert sniff(media["txt"], hint="code").modality == "code"
    assert sniff(media["py"], hint="document").modality == "document"


def test_sniff_text_content_without_extension(tmp_path: Path) -> None:
    table = tmp_path / "table"
    table.write_text("a,b,c\n1,2,3\n4,5,6\n")
    assert sniff(table).format == "csv"
    obj_as_text = tmp_path / "mesh.txt"
    obj_as_text.write_text("# a triangle\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")
    assert sniff(obj_as_text).format == "obj"
    ascii_stl = tmp_path / "part.stl"
    ascii_stl.write_text(
        "solid part\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nendloop\nendfacet\nendsolid part\n"
    )
    assert sniff(ascii_stl).format == "stl"


@pytest.mark.parametrize(
    ("data", "hint", "expected"),
    [
        (
            b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\x00" * 40,
            None,
            ("video", "webm"),
        ),
        (
            b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\x00" * 40,
            "audio",
            ("audio", "webm"),
        ),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x82\x88matroska" + b"\x00" * 40, None, ("video", "mkv")),
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00" + b"\x00" * 40, "audio", ("audio", "mp4")),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00" + b"\x00" * 40, None, ("audio", "m4a")),
        (b"OggS\x00\x02" + b"\x00" * 22 + b"\x80theora" + b"\x00" * 40, None, ("video", "ogv")),
    ],
)
def test_sniff_ambiguous_containers(
    data: bytes, hint: str | None, expected: tuple[str, str]
) -> None:
    found = sniff(data, hint=hint)
    assert (found.modality, found.format) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty (0 bytes)"),
        (b"\xff\xfe\xfa invalid \xc3\x28 utf8", "not valid UTF-8"),
        (b"\x00\x01\x02\x03binary\x00junk" * 4, "unknown binary format"),
        (b"\x00\x00\x00\x20ftypheic\x00\x00\x00\x00" + b"\x00" * 40, "not accepted"),
        (b"%!PS-Adobe-3.0 EPSF-3.0\n" + bytes(range(128, 256)), "not valid UTF-8"),
        (b"\x00" * 80 + b"\xff\xff\xff\xff" + b"\x00" * 50, "unknown binary format"),
        (b"glTF\x01\x00\x00\x00\x20\x00\x00\x00" + b"\x00" * 20, "version 1"),
        (b"glTF\x02\x00\x00\x00\xff\x00\x00\x00" + b"\x00" * 20, "declares 255 bytes"),
        (b"   \n\t  \n", "only whitespace"),
    ],
)
def test_sniff_refuses_bad_bytes_naming_the_file(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)) as caught:
        sniff(data, name="upload.bin")
    assert "upload.bin" in str(caught.value)


def test_sniff_refuses_plain_zip_and_zip_with_escaping_names(tmp_path: Path) -> None:
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("readme.txt", "hi")
    with pytest.raises(InputError, match="not a DOCX or XLSX"):
        sniff(plain.getvalue(), name="bundle.zip")
    sneaky = io.BytesIO()
    with zipfile.ZipFile(sneaky, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("../../evil.xml", "x")
    with pytest.raises(InputError, match="climbs out"):
        sniff(sneaky.getvalue(), name="evil.docx")


def test_sniff_path_errors_name_the_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty") as caught:
        sniff(empty)
    assert str(empty) in str(caught.value)
    pipe = tmp_path / "stream.wav"
    os.mkfifo(pipe)
    with pytest.raises(InputError, match="not a regular file"):  # and it does not block
        sniff(pipe)


def test_files_over_the_modality_size_limit_are_refused(
    media: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(MAX_FILE_BYTES, "image", 100)
    with pytest.raises(InputError, match=r"over the 100-byte limit for image") as caught:
        sniff(media["png"])
    assert "picture.png" in str(caught.value)


def test_importing_the_seam_loads_no_heavy_library() -> None:
    code = (
        "import sys, unima.perception, unima.inputs.request, unima.inputs.paths\n"
        "heavy = [name for name in ('PIL', 'pypdf', 'docx', 'pygments', 'numpy', 'imageio_ffmpeg') if name in sys.modules]\n"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_allowlist_covers_every_media_modality() -> None:
    assert set(ALLOWED_FORMATS) == set(MEDIA_MODALITIES)
    assert "eps" not in ALLOWED_FORMATS["image"]


# ---- the seam ----------------------------------------------------------------------------------


@pytest.fixture
def restore_image_perceiver() -> object:
    yield
    PERCEIVERS.register(
        "image", "unima.perception.readers.minimal:MinimalImagePerceiver", replace=True
    )


def test_registry_has_a_perceiver_for_all_seven_modalities() -> None:
    assert set(PERCEIVERS.names()) == {
        "text",
        "image",
        "audio",
        "video",
        "document",
        "code",
        "threeD",
    }
    for modality in PERCEIVERS.names():
        perceiver_class = PERCEIVERS.get(modality)
        assert issubclass(perceiver_class, Perceiver)
        assert perceiver_class.modality == modality


def test_registering_a_better_perceiver_is_one_line(
    media: dict[str, Path], restore_image_perceiver: object
) -> None:
    class FakeImagePerceiver(Perceiver):
        modality = "image"
        backend = "fake"

        def perceive(self, part: Part) -> Perception:
            return Perception(
                modality="image", summary=f"fake look at {Path(part.path or '').name}"
            )

    PERCEIVERS.register("image", FakeImagePerceiver, replace=True)
    perception = perceive(media["png"])
    assert perception.summary == "fake look at picture.png"
    assert perception.backend == "fake"


def test_a_crashing_perceiver_gives_a_partial_perception(
    media: dict[str, Path], restore_image_perceiver: object
) -> None:
    class BrokenImagePerceiver(Perceiver):
        modality = "image"
        backend = "broken"

        def perceive(self, part: Part) -> Perception:
            raise RuntimeError("model weights are corrupt")

    PERCEIVERS.register("image", BrokenImagePerceiver, replace=True)
    perception = perceive(media["png"])
    assert perception.backend == "broken"
    assert any("model weights are corrupt" in failure for failure in perception.failures)
    assert perception.meta["size_bytes"] == media["png"].stat().st_size
    assert len(perception.meta["sha256"]) == 64
    assert "could not be fully perceived" in perception.summary


def test_input_errors_from_a_perceiver_propagate(
    media: dict[str, Path], restore_image_perceiver: object
) -> None:
    class RefusingImagePerceiver(Perceiver):
        modality = "image"
        backend = "refusing"

        def perceive(self, part: Part) -> Perception:
            raise InputError("hostile image", source=part.path)

    PERCEIVERS.register("image", RefusingImagePerceiver, replace=True)
    with pytest.raises(InputError, match="hostile image"):
        perceive(media["png"])


def test_perceive_accepts_every_item_form(media: dict[str, Path], tmp_path: Path) -> None:
    from PIL import Image

    from unima.inputs.parts import part_from_file

    by_path = perceive(str(media["png"]))
    by_part = perceive(part_from_file(media["png"], tag="image3"))
    by_image = perceive(Image.new("RGB", (64, 48), (200, 30, 30)), scratch_dir=tmp_path)
    by_bytes = perceive((media["png"].read_bytes(), "image/png"), scratch_dir=tmp_path)
    for perception in (by_path, by_part, by_image, by_bytes):
        assert perception.summary == "A 64x48 RGB PNG image."
        assert perception.backend == "pillow"
        assert perception.seconds > 0
    assert by_part.tag == "image3"
    assert by_image.meta["sha256"] == by_bytes.meta["sha256"] == by_path.meta["sha256"]
    text = perceive(Part(modality="text", text="Explain the water cycle briefly."))
    assert text.summary == "A text of 5 words: “Explain the water cycle briefly.”."


def test_perceive_refuses_a_part_without_a_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="local file path"):
        perceive(Part(modality="image", tag="image1"))
    with pytest.raises(InputError, match="file not found"):
        perceive(Part(modality="image", path=str(tmp_path / "gone.png")))


# ---- minimal perceivers ------------------------------------------------------------------------


def test_image_facts(media: dict[str, Path]) -> None:
    perception = perceive(media["png"])
    assert perception.meta["width"] == 64 and perception.meta["height"] == 48
    assert perception.meta["mode"] == "RGB"
    assert perception.meta["mean_rgb"] == [200.0, 30.0, 30.0]
    assert perception.failures == ()
    assert perceive(media["jpeg"]).summary == "A 64x48 RGB JPEG image."


def test_truncated_png_is_refused(media: dict[str, Path], tmp_path: Path) -> None:
    from PIL import Image

    large = tmp_path / "noise_source.png"
    Image.effect_noise((256, 256), 80).save(large)
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(large.read_bytes()[: large.stat().st_size // 2])
    with pytest.raises(InputError, match="cannot be decoded") as caught:
        perceive(truncated)
    assert "truncated.png" in str(caught.value)


@pytest.mark.parametrize(
    ("width", "height", "message"),
    [
        (30000, 30000, "decompression bomb"),
        (10000, 9000, "decompression bomb"),
        (8000, 8000, "over the limit"),
    ],
)
def test_huge_declared_images_are_refused(
    tmp_path: Path, width: int, height: int, message: str
) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_header_only(width, height))
    with pytest.raises(InputError, match=message):
        perceive(bomb)


def test_audio_probe(media: dict[str, Path]) -> None:
    perception = perceive(media["wav"])
    assert perception.meta["duration_seconds"] == pytest.approx(1.0, abs=0.05)
    audio = perception.meta["streams"][0]
    assert (audio["codec"], audio["sample_rate"], audio["channels"]) == ("pcm_s16le", 16000, 1)
    assert perception.summary == "A 1.0-second mono 16000 Hz WAV audio clip (pcm_s16le)."
    mp3 = perceive(media["mp3"])
    assert mp3.meta["duration_seconds"] == pytest.approx(1.0, abs=0.1)
    assert mp3.meta["has_audio"] and not mp3.meta["has_video"]


def test_video_probe(media: dict[str, Path]) -> None:
    perception = perceive(media["mp4"])
    video = next(stream for stream in perception.meta["streams"] if stream["type"] == "video")
    assert (video["codec"], video["width"], video["height"], video["fps"]) == ("h264", 64, 64, 5.0)
    assert perception.meta["has_audio"] is True
    assert perception.meta["duration_seconds"] == pytest.approx(1.0, abs=0.1)
    assert perception.summary.startswith(
        "A 1.0-second 64x64 MP4 video at 5 fps (h264), with a mono 44100 Hz"
    )
    silent = perceive(media["mp4_silent"])
    assert silent.meta["has_audio"] is False and silent.summary.endswith("without audio.")
    assert perceive(media["avi"]).meta["has_video"] is True


def test_audio_part_of_a_video_only_file_records_a_failure(media: dict[str, Path]) -> None:
    from unima.inputs.parts import part_from_file

    part = part_from_file(media["mp4_silent"], tag="audio1")
    perception = perceive(part)
    assert any("no audio stream" in failure for failure in perception.failures)


def test_damaged_wav_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x24\x00\x00\x00WAVEjunk" + b"\x13" * 20)
    with pytest.raises(InputError, match="ffmpeg cannot read it") as caught:
        perceive(broken)
    assert "broken.wav" in str(caught.value)


def test_csv_table(media: dict[str, Path]) -> None:
    perception = perceive(media["csv"])
    table = perception.meta["table"]
    assert table["columns"] == ["name", "score"]
    assert table["row_count"] == 6
    assert table["rows"][1] == ["bob", "85.5"]
    assert table["numeric_columns"] == ["score"]
    assert table["column_stats"]["score"] == {
        "min": 62.0,
        "max": 99.0,
        "mean": 80.583333,
        "count": 6,
    }
    assert (
        perception.summary
        == "A CSV table with 6 rows and 2 columns: name, score. Numeric columns: score."
    )
    assert perception.text == CSV_TEXT
    assert perceive(media["tsv"]).meta["table"]["row_count"] == 6


def test_csv_keeps_only_the_first_rows(tmp_path: Path) -> None:
    long_table = tmp_path / "long.csv"
    long_table.write_text("x,label\n" + "".join(f"{index},row{index}\n" for index in range(500)))
    table = perceive(long_table).meta["table"]
    assert len(table["rows"]) == 50 and table["row_count"] == 500
    assert table["numeric_columns"] == ["x"]


def test_markdown_and_text(media: dict[str, Path]) -> None:
    markdown = perceive(media["md"])
    assert markdown.meta["headings"] == ["Photosynthesis", "Steps"]
    assert (
        markdown.summary
        == "A Markdown document, 7 lines and 11 words; headings: Photosynthesis, Steps."
    )
    plain = perceive(media["txt"])
    assert plain.text.startswith("Plain words about leaves")
    assert plain.summary.startswith("A plain-text document, 2 lines and 9 words")


def test_python_code_outline(media: dict[str, Path]) -> None:
    perception = perceive(media["py"])
    assert perception.meta["language"] == "Python"
    assert perception.meta["parses"] is True
    assert perception.meta["functions"] == ["reverse_list", "Node.walk", "main"]
    assert perception.meta["classes"] == ["Node"]
    assert perception.meta["imports"] == ["os", "collections"]
    assert perception.meta["line_count"] == PYTHON_TEXT.count("\n")
    assert (
        perception.summary
        == "Python source, 15 lines, defines functions reverse_list, main, class Node."
    )
    assert perception.text == PYTHON_TEXT


def test_python_syntax_error_is_reported_not_raised(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n    pass\n")
    perception = perceive(broken)
    assert perception.meta["parses"] is False
    assert perception.meta["syntax_error"].startswith("line 1")
    assert "does not parse" in perception.summary


def test_other_languages_use_lexer_names(media: dict[str, Path]) -> None:
    perception = perceive(media["js"])
    assert perception.meta["language"] == "JavaScript"
    assert "greet" in perception.meta["functions"]
    assert perception.summary.startswith("JavaScript source, 4 lines, defines function greet")


def test_pdf_text(media: dict[str, Path]) -> None:
    perception = perceive(media["pdf"])
    assert perception.meta["page_count"] == 2
    assert "Revenue grew in every quarter." in perception.text
    assert "Second page text." in perception.text
    assert perception.meta["title"] == "Quarterly report"
    assert perception.summary.startswith(
        "A 2-page PDF document titled “Quarterly report”, beginning: “Revenue grew"
    )


def test_damaged_pdf_gives_a_partial_perception(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(b"%PDF-1.7\n this is not a pdf body at all \n%%EOF\n")
    perception = perceive(damaged)
    assert perception.failures and perception.failures[0].startswith("open pdf")
    assert perception.meta["size_bytes"] == damaged.stat().st_size


def test_docx_paragraphs_and_tables(media: dict[str, Path]) -> None:
    perception = perceive(media["docx"])
    assert perception.meta["headings"] == ["Bracket change"]
    assert perception.meta["tables"][0]["rows"] == [["part", "mass"], ["bracket", "120 g"]]
    assert "A gusset stiffens the bracket." in perception.text
    assert perception.summary.startswith(
        "A Word document with 2 paragraphs and 1 table; headings: Bracket change"
    )


def _rewrite_docx(source: Path, target: Path, member: str, edit: object) -> Path:
    with (
        zipfile.ZipFile(source) as original,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as rewritten,
    ):
        for info in original.infolist():
            data = original.read(info)
            rewritten.writestr(info, edit(data) if info.filename == member else data)  # type: ignore[operator]
    return target


@pytest.mark.parametrize("member", ["word/document.xml", "[Content_Types].xml"])
def test_docx_with_doctype_is_refused(media: dict[str, Path], tmp_path: Path, member: str) -> None:
    laughs = b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'

    def inject(data: bytes) -> bytes:
        declaration_end = data.index(b"?>") + 2
        return data[:declaration_end] + laughs + data[declaration_end:]

    hostile = _rewrite_docx(media["docx"], tmp_path / "hostile.docx", member, inject)
    with pytest.raises(InputError, match="DOCTYPE") as caught:
        perceive(hostile)
    assert "hostile.docx" in str(caught.value) and member in str(caught.value)


def test_xlsx_sheets_and_strings(tmp_path: Path) -> None:
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    workbook = tmp_path / "book.xlsx"
    with zipfile.ZipFile(workbook, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook xmlns="{main}"><sheets><sheet name="Sales" sheetId="1"/><sheet name="Costs" sheetId="2"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/sharedStrings.xml",
            f'<?xml version="1.0"?><sst xmlns="{main}"><si><t>Region</t></si><si><r><t>North</t></r><r><t>east</t></r></si></sst>',
        )
    perception = perceive(workbook)
    assert perception.meta["sheets"] == ["Sales", "Costs"]
    assert perception.text == "Region\nNortheast"
    assert (
        perception.summary
        == "An Excel workbook with 2 sheets: Sales, Costs; its cells include “Region Northeast”."
    )


def test_image_tagged_as_document_is_described_as_a_scan(media: dict[str, Path]) -> None:
    perception = perceive(Part(modality="document", tag="document1", path=str(media["png"])))
    assert perception.summary == "A document given as an image: a 64x48 RGB PNG image."
    assert perception.meta["mime"] == "image/png"


@pytest.mark.parametrize("name", ["obj", "ply", "off", "glb"])
def test_mesh_counts(media: dict[str, Path], name: str) -> None:
    perception = perceive(media[name])
    assert (perception.meta["vertex_count"], perception.meta["face_count"]) == (8, 12)
    assert "8 vertices and 12 faces" in perception.summary


def test_stl_counts_unmerged_vertices(media: dict[str, Path]) -> None:
    perception = perceive(media["stl"])
    assert (perception.meta["face_count"], perception.meta["vertex_count"]) == (12, 36)
    assert perception.summary == "An STL mesh with 36 vertices and 12 faces."


def test_obj_external_references_are_listed_not_followed(tmp_path: Path) -> None:
    mesh = tmp_path / "sneaky.obj"
    mesh.write_text("mtllib ../../etc/passwd\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")
    perception = perceive(mesh)
    assert perception.meta["external_references"] == ["../../etc/passwd"]
    assert perception.meta["face_count"] == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "huge.ply",
            b"ply\nformat ascii 1.0\nelement vertex 100000000\nproperty float x\nend_header\n0\n",
            "over the limit",
        ),
        (
            "liar.ply",
            b"ply\nformat binary_little_endian 1.0\nelement vertex 1000\nproperty float x\nproperty float y\nend_header\n"
            + b"\x00" * 40,
            "more than its 40 data bytes",
        ),
        ("liar.off", b"OFF\n5000 100 0\n0 0 0\n", "more than the file holds"),
    ],
)
def test_meshes_declaring_more_than_they_hold_are_refused(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    mesh = tmp_path / name
    mesh.write_bytes(content)
    with pytest.raises(InputError, match=message) as caught:
        perceive(mesh)
    assert name in str(caught.value)


# ---- fuzzing: only Sniffed / Perception or InputError, never another exception -----------------

_MAGIC_PREFIXES = [
    b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"RIFF\x10\x00\x00\x00WAVE", b"RIFF\x10\x00\x00\x00AVI ",
    b"ID3", b"\xff\xfb\x90\x00", b"fLaC", b"OggS", b"\x00\x00\x00\x18ftypisom", b"\x1a\x45\xdf\xa3", b"%PDF-1.4\n",
    b"PK\x03\x04", b"glTF\x02\x00\x00\x00", b"ply\nformat ascii 1.0\nelement vertex 3\n", b"OFF\n", b"solid x\n",
    b"v 0 0 0\nf 1 1 1\n", b"name,score\n",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    prefix=st.sampled_from(_MAGIC_PREFIXES),
    tail=st.binary(max_size=300),
    name=st.sampled_from(["f.bin", "f.py", "f.csv", ""]),
)
def test_property_sniff_never_crashes(prefix: bytes, tail: bytes, name: str) -> None:
    try:
        found = sniff(prefix + tail, name=name)
    except InputError:
        return
    assert found.format in ALLOWED_FORMATS[found.modality]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(prefix=st.sampled_from(_MAGIC_PREFIXES), tail=st.binary(min_size=1, max_size=300))
def test_property_perceive_never_crashes(tmp_path: Path, prefix: bytes, tail: bytes) -> None:
    try:
        perception = perceive((prefix + tail, "application/octet-stream"), scratch_dir=tmp_path)
    except InputError:
        return
    assert perception.summary


@pytest.mark.parametrize(
    "error",
    [NotImplementedError("zip file version 11.8"), RuntimeError("encrypted"), zlib.error("bad")],
)
def test_odd_zip_errors_are_input_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    from docx import Document

    path = tmp_path / "doc.docx"
    Document().save(path)

    def broken(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(zipfile.ZipFile, "__init__", broken)
    with pytest.raises(InputError, match=r"doc\.docx"):
        sniff(path)


def test_minimal_pdf_reader_refuses_a_huge_declared_page_count(tmp_path: Path) -> None:
    from test_bad_input_corpus import hundred_thousand_pages

    path = hundred_thousand_pages(tmp_path)
    with pytest.raises(InputError, match="declares 100000 pages"):
        perceive(path)  # the minimal perceivers are pinned in this file
