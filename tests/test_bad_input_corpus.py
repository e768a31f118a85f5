"""The bad-input corpus of the reliability notes (§3.5, items B01-B43), generated in the test.

Items B44 and up are the attacks of issue 10 (non-UTF-8 names, symlinks out of the named folder,
a 20,000-deep glTF node chain, a truncated MP3, a 150-megapixel PNG, a text file named ``.pdf``,
OBJ faces indexing missing vertices), with dedicated ``test_attack_*`` tests at the end.

Every item is made here, in ``tmp_path`` (nothing hostile is shipped), and fed through a public
entry point: ``unima.perceive(path)`` for files, ``unima.inputs.request.build_request`` for the paths of
a UniM instance. Each must end in one of:

- ``input_error``: an ``InputError`` whose message names the file (or the UniM tag) and matches
  the problem;
- ``partial``: a ``Perception`` of the right modality whose ``failures`` record the problem;
- ``perception``: a ``Perception`` (the input is odd but harmless), checked by a function;
- ``survives``: either of the first two (fuzz-like inputs whose exact fate depends on the
  decoder version): never another exception.

Nothing may crash the process or hang: every case runs in a daemon thread with a wall-clock
guard, so a hang fails the test instead of blocking the suite. Items already covered in depth
by the per-loader test files are re-checked here cheaply, so this one table lists the whole
corpus; the coverage table is ``CORPUS`` below. The last tests check the agent (a bad input
raises ``InputError`` and still leaves a failed trace), fuzz ``build_request`` with arbitrary
UniM instances, and fuzz every loader with byte mutations of the corpus files.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import struct
import subprocess
import tarfile
import threading
import time
import unicodedata
import wave
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unima.errors import InputError, UnsafePathError
from unima.inputs.request import build_request
from unima.perception import perceive
from unima.types import Perception

GUARD_SECONDS = 60.0


# ---- the outcome of one case ---------------------------------------------------------------


@dataclass(frozen=True)
class UnimPaths:
    """A UniM instance whose ``<image1>`` names ``relative`` under the media root ``root``."""

    root: Path
    relative: object


@dataclass(frozen=True)
class Case:
    """One corpus item: how to make it and what must come of it.

    Attributes:
        item: The §3.5 item and a few words (``"B16 truncated JPEG"``).
        make: Writes the input under the given folder; returns the file to perceive, or a
            ``UnimPaths`` to give to ``build_request``.
        outcome: ``input_error``, ``partial``, ``perception`` or ``survives``.
        pattern: For ``input_error``, a regex the message must match; for ``partial``, a
            substring one failure must contain.
        modality: The modality a perception must have (``None``: not checked).
        check: Further assertions on a perception.
        error_type: The error class an ``input_error`` must be.
    """

    item: str
    make: Callable[[Path], Path | UnimPaths]
    outcome: str
    pattern: str = ""
    modality: str | None = None
    check: Callable[[Perception], None] | None = None
    error_type: type[InputError] = InputError


def run_guarded(work: Callable[[], Any], seconds: float = GUARD_SECONDS) -> Any:
    """Run ``work`` in a daemon thread; return its result or its exception, fail on a hang.

    A daemon thread (not a pool) so a decoder stuck in C cannot block the interpreter's exit.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the test, which decides
            outcome["error"] = error

    worker = threading.Thread(target=target, daemon=True, name="bad-input-case")
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail(f"hung: no answer after {seconds:.0f} s")
    return outcome


def unim_instance(relative: object) -> dict[str, Any]:
    return {
        "domain": "corpus",
        "subdomain": "paths",
        "id": 1,
        "input": {"content": "Describe <image1>.", "modal": {"image1": relative}},
    }


def check_case(case: Case, tmp_path: Path) -> None:
    target = case.make(tmp_path)
    if isinstance(target, UnimPaths):
        outcome = run_guarded(
            lambda: build_request(unim_instance(target.relative), media_root=target.root)
        )
        named = "<image1>"
    else:
        outcome = run_guarded(lambda: perceive(target))
        named = target.name
    error = outcome.get("error")
    if error is not None and not isinstance(error, InputError):
        raise AssertionError(f"{case.item}: untyped {type(error).__name__}: {error}") from error
    if case.outcome == "input_error" or (case.outcome == "survives" and error is not None):
        assert error is not None, f"{case.item}: accepted, but it must be refused"
        assert isinstance(error, case.error_type), f"{case.item}: {type(error).__name__}"
        message = str(error)
        assert named in message, f"{case.item}: the message does not name {named!r}: {message}"
        if case.outcome == "input_error":
            assert re.search(case.pattern, message), f"{case.item}: {message}"
        return
    if error is not None:
        raise AssertionError(f"{case.item}: refused, expected a perception: {error}") from error
    perception = outcome["value"]
    if isinstance(target, UnimPaths):  # a request: the check looks at it
        assert case.check is not None
        case.check(perception)
        return
    assert isinstance(perception, Perception)
    if case.modality is not None:
        assert perception.modality == case.modality, f"{case.item}: {perception.modality}"
    check_perception(perception, case.item)
    if case.outcome == "partial":
        assert any(case.pattern in failure for failure in perception.failures), (
            f"{case.item}: no failure mentions {case.pattern!r}: {perception.failures}"
        )
    if case.check is not None:
        case.check(perception)


def check_perception(perception: Perception, item: str) -> None:
    assert perception.summary, f"{item}: a perception without a summary"
    # "perceive: ..." is the last-resort guard of ``perceive``: an exception escaped the
    # perceiver, which should have refused the input or recorded the failing step instead.
    escaped = [failure for failure in perception.failures if failure.startswith("perceive: ")]
    assert not escaped, f"{item}: an exception escaped the perceiver: {escaped}"
    json.dumps(perception.meta, allow_nan=False)  # meta must stay strict JSON for the trace


# ---- small writers -------------------------------------------------------------------------


def ffmpeg(*arguments: str) -> None:
    import imageio_ffmpeg

    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", *arguments],
        check=True,
        timeout=60,
    )


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(
    width: int, height: int, *, extra_chunks: bytes = b"", rows: bytes | None = None
) -> bytes:
    """A grey 8-bit PNG; ``rows`` (filter bytes included) defaults to all-black pixels."""
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    if rows is None:
        compressor = zlib.compressobj(9)
        row = b"\x00" * (width + 1)
        data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    else:
        data = zlib.compress(rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + header
        + extra_chunks
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


def pillow_bytes(image_format: str, size: tuple[int, int] = (96, 64), **options: Any) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(buffer, format=image_format, **options)
    return buffer.getvalue()


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def wav_bytes(*, rate: int = 8000, channels: int = 1, frames: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as handle:
        handle.setnchannels(channels)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(b"\x00\x00" * frames * channels)
    return buffer.getvalue()


def pdf_bytes(objects: list[bytes]) -> bytes:
    """A PDF of ``objects`` (object 1 is the catalog) with a correct xref table."""
    pieces, offsets, length = [b"%PDF-1.4\n"], [], 9
    for number, body in enumerate(objects, 1):
        offsets.append(length)
        piece = b"%d 0 obj\n" % number + body + b"\nendobj\n"
        pieces.append(piece)
        length += len(piece)
    pieces.append(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    pieces += [b"%010d 00000 n \n" % offset for offset in offsets]
    pieces.append(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, length)
    )
    return b"".join(pieces)


def one_page_pdf(
    content: bytes, *, catalog_extra: bytes = b"", more: list[bytes] | None = None
) -> bytes:
    return pdf_bytes(
        [
            b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            *(more or []),
        ]
    )


_DOCX_CACHE: dict[str, bytes] = {}


def docx_bytes() -> bytes:
    """A small real DOCX made by python-docx (made once; every case copies the bytes)."""
    if "docx" not in _DOCX_CACHE:
        from docx import Document

        document = Document()
        document.add_paragraph("The bracket holds 120 g.")
        buffer = io.BytesIO()
        document.save(buffer)
        _DOCX_CACHE["docx"] = buffer.getvalue()
    return _DOCX_CACHE["docx"]


def rewrite_docx(
    edit: Callable[[str, bytes], bytes], extra: dict[str, bytes] | None = None
) -> bytes:
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(docx_bytes())) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, edit(info.filename, source.read(info)))
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return output.getvalue()


def inject_doctype(doctype: bytes) -> Callable[[str, bytes], bytes]:
    def edit(name: str, data: bytes) -> bytes:
        if name != "word/document.xml":
            return data
        end = data.index(b"?>") + 2
        return data[:end] + doctype + data[end:]

    return edit


# ---- B01-B13: paths and dataset JSON -------------------------------------------------------


def media_root(folder: Path) -> Path:
    """``root/image/ok.png`` (a real PNG) with ``secret.txt`` next to the root, outside it."""
    root = folder / "root"
    write(root / "image" / "ok.png", png_bytes(8, 8))
    write(folder / "secret.txt", "root:x:0:0:outside the media root\n")
    return root


def unim(relative: object) -> Callable[[Path], UnimPaths]:
    return lambda folder: UnimPaths(media_root(folder), relative)


def symlink_out(folder: Path) -> UnimPaths:
    root = media_root(folder)
    os.symlink(folder / "secret.txt", root / "image" / "link.png")
    return UnimPaths(root, "image/link.png")


def fifo_in_root(folder: Path) -> UnimPaths:
    root = media_root(folder)
    os.mkfifo(root / "image" / "stream.png")
    return UnimPaths(root, "image/stream.png")


def device_link(folder: Path) -> UnimPaths:
    root = media_root(folder)
    os.symlink("/dev/zero", root / "image" / "zero.png")
    return UnimPaths(root, "image/zero.png")


def nfc_and_nfd_names(folder: Path) -> UnimPaths:
    """Two files whose names differ only in Unicode normalisation: the exact one is chosen."""
    root = media_root(folder)
    name = "café.png"
    write(root / "image" / unicodedata.normalize("NFC", name), png_bytes(4, 4))
    write(root / "image" / unicodedata.normalize("NFD", name), png_bytes(6, 6))
    return UnimPaths(root, "image/" + unicodedata.normalize("NFD", name))


def nfd_request_picks_the_nfd_file(request: Any) -> None:
    (part,) = request.parts
    assert Path(part.path).name == unicodedata.normalize("NFD", "café.png")
    assert part.modality == "image" and Path(part.path).stat().st_size == len(png_bytes(6, 6))


def rtl_override_name(folder: Path) -> Path:
    """A name that displays as ``...exe.png``-like text; the bytes (an ELF binary) decide."""
    return write(folder / "invoice\u202egnp.exe", b"\x7fELF\x02\x01\x01" + b"\x00" * 64)


def unreadable(folder: Path) -> Path:
    path = write(folder / "locked.png", png_bytes(4, 4))
    path.chmod(0)
    return path


def deep_json(folder: Path) -> Path:
    return write(folder / "deep.json", "[" * 100_000 + "]" * 100_000)


def sparse_json(folder: Path) -> Path:
    """A 1 GiB JSON file that costs a few kB of disk: real text first, a hole after."""
    path = write(folder / "huge.json", "[" + "0," * 200_000)
    os.truncate(path, 2**30)
    return path


def huge_integer_json(folder: Path) -> Path:
    return write(folder / "number.json", '{"n": ' + "7" * 100_000 + "}\n")


def huge_integer_python(folder: Path) -> Path:
    return write(folder / "number.py", "N = " + "7" * 100_000 + "\n")


def nan_and_duplicates_json(folder: Path) -> Path:
    return write(
        folder / "odd.json", '{"a": NaN, "b": Infinity, "a": -Infinity, "\\ud800": "lone"}\n'
    )


def json_source(perception: Perception) -> None:
    assert perception.meta["language"] == "JSON" and perception.meta["line_count"] == 1


def digit_limit_reported(perception: Perception) -> None:
    assert perception.meta["parses"] is False
    assert "4300 digits" in perception.meta["syntax_error"]


def bom_csv(folder: Path) -> Path:
    return write(folder / "bom.csv", "\ufeffname,score\nann,90\nbob,85\n")


def bom_is_not_in_the_header(perception: Perception) -> None:
    assert perception.meta["table"]["columns"] == ["name", "score"]


def invalid_utf8(folder: Path) -> Path:
    return write(folder / "latin1.txt", b"caf\xe9 au lait\n")


def encoded_surrogate(folder: Path) -> Path:
    # CESU-8 / WTF-8 bytes of U+D800: not valid UTF-8.
    return write(folder / "surrogate.md", b"# Title\n\xed\xa0\x80 lone surrogate\n")


# ---- B14-B21: images -----------------------------------------------------------------------


def bomb_png(folder: Path) -> Path:
    return write(folder / "bomb.png", png_bytes(30_000, 30_000, rows=b"\x00"))


def image_49_megapixels(folder: Path) -> Path:
    return write(folder / "big.png", png_bytes(7000, 7000))


def big_image_is_described(perception: Perception) -> None:
    assert (perception.meta["width"], perception.meta["height"]) == (7000, 7000)


def truncated_jpeg(folder: Path) -> Path:
    data = pillow_bytes("JPEG", (256, 256))
    return write(folder / "cut.jpg", data[: len(data) // 2])


def truncated_png(folder: Path) -> Path:
    data = pillow_bytes("PNG", (256, 256))
    return write(folder / "cut.png", data[: len(data) // 2])


def tiff_named_png(folder: Path) -> Path:
    return write(folder / "photo.png", pillow_bytes("TIFF"))


def is_tiff(perception: Perception) -> None:
    assert perception.meta["image_format"] == "TIFF"


def binary_eps_named_png(folder: Path) -> Path:
    # A DOS EPS binary header: Pillow would hand this to Ghostscript; it must never get there.
    header = b"\xc5\xd0\xd3\xc6" + struct.pack("<IIIIII", 30, 40, 0, 0, 0, 0) + b"\xff\xff"
    return write(
        folder / "vector.png", header + b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 1 1\n"
    )


def gif_many_frames(folder: Path) -> Path:
    """A 1x1 GIF with 100,000 frames (1.7 MB): each frame is 17 bytes written by hand."""
    screen = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    control = b"\x21\xf9\x04\x00\x01\x00\x00\x00"  # 10 ms per frame
    descriptor = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
    pixels = b"\x02\x02\x44\x01\x00"  # LZW: clear, colour 0, end
    return write(
        folder / "frames.gif", screen + (control + descriptor + pixels) * 100_000 + b"\x3b"
    )


def apng_many_frames(folder: Path) -> Path:
    """An APNG whose animation control chunk declares 100,000 frames."""
    control = png_chunk(b"acTL", struct.pack(">II", 100_000, 0))
    return write(folder / "frames.apng.png", png_bytes(2, 2, extra_chunks=control))


def png_text_chunk_bomb(folder: Path) -> Path:
    """A zTXt chunk that inflates to 64 MB of text (Pillow caps text chunks at 1 MB)."""
    compressor = zlib.compressobj(9)
    block = b"A" * 2**20
    inflated = b"".join(compressor.compress(block) for _ in range(64)) + compressor.flush()
    chunk = png_chunk(b"zTXt", b"Comment\x00\x00" + inflated)
    return write(folder / "ztxt.png", png_bytes(4, 4, extra_chunks=chunk))


def png_itxt_chunk_bomb(folder: Path) -> Path:
    compressor = zlib.compressobj(9)
    block = b"B" * 2**20
    inflated = b"".join(compressor.compress(block) for _ in range(64)) + compressor.flush()
    chunk = png_chunk(b"iTXt", b"Comment\x00\x01\x00en\x00Comment\x00" + inflated)
    return write(folder / "itxt.png", png_bytes(4, 4, extra_chunks=chunk))


def malformed_exif_jpeg(folder: Path) -> Path:
    """A JPEG whose EXIF block points its IFD far outside itself, with a looping next-IFD."""
    data = pillow_bytes("JPEG", (32, 32))
    tiff = b"MM\x00*" + struct.pack(">I", 8) + struct.pack(">H", 2)
    tiff += struct.pack(">HHII", 0x8769, 4, 1, 0x7FFFFFF0)  # Exif IFD pointer far away
    tiff += struct.pack(">HHII", 0x0112, 3, 0xFFFFFFF, 0)  # orientation with an absurd count
    tiff += struct.pack(">I", 8)  # the next IFD is this one again
    segment = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + struct.pack(">H", len(segment) + 2) + segment
    return write(folder / "exif.jpg", data[:2] + app1 + data[2:])


def malformed_icc_png(folder: Path) -> Path:
    profile = zlib.compress(b"not an ICC profile at all" * 10)
    chunk = png_chunk(b"iCCP", b"broken\x00\x00" + profile)
    return write(folder / "icc.png", png_bytes(16, 16, extra_chunks=chunk))


def tiff_ifd(next_offset: int, strip_offset: int, *, dimensions: bool = True) -> bytes:
    """One little-endian IFD of a 1x1 8-bit grey strip (without width and height if asked)."""
    entries = [
        (256, 3, 1, 1),  # width
        (257, 3, 1, 1),  # height
        (258, 3, 1, 8),  # bits per sample
        (259, 3, 1, 1),  # no compression
        (262, 3, 1, 1),  # black is zero
        (273, 4, 1, strip_offset),
        (277, 3, 1, 1),
        (278, 3, 1, 1),
        (279, 4, 1, 1),
    ]
    if not dimensions:
        entries = entries[2:]
    body = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        packed = struct.pack("<HI", value, 0)[:4] if kind == 3 else struct.pack("<I", value)
        body += struct.pack("<HHI", tag, kind, count) + packed
    return body + struct.pack("<I", next_offset)


def two_frame_tiff(*, back_to_first: bool, second_has_dimensions: bool) -> bytes:
    first_offset = 8
    second_offset = first_offset + len(tiff_ifd(0, 0))
    pixel_offset = second_offset + len(tiff_ifd(0, 0, dimensions=second_has_dimensions))
    second = tiff_ifd(
        first_offset if back_to_first else 0, pixel_offset, dimensions=second_has_dimensions
    )
    return (
        b"II*\x00"
        + struct.pack("<I", first_offset)
        + tiff_ifd(second_offset, pixel_offset)
        + second
        + b"\x80"
    )


def looping_tiff(folder: Path) -> Path:
    """A two-IFD TIFF whose second IFD points back to the first (an endless chain)."""
    data = two_frame_tiff(back_to_first=True, second_has_dimensions=True)
    return write(folder / "loop.tif", data)


def tiff_frame_without_dimensions(folder: Path) -> Path:
    """Pillow's ``n_frames`` raises TypeError here (found by the fuzz test below)."""
    data = two_frame_tiff(back_to_first=False, second_has_dimensions=False)
    return write(folder / "no-size.tif", data)


# ---- B22-B27: audio and video --------------------------------------------------------------


def wav_with_header(
    folder: Path, name: str, *, rate: int, channels: int, data_size: int | None = None
) -> Path:
    body = b"\x00\x01" * 4000
    byte_rate = (rate * 2 * max(channels, 1)) & 0xFFFFFFFF
    header = b"RIFF" + struct.pack("<I", 36 + len(body)) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, channels, rate, byte_rate, 2, 16)
    declared = len(body) if data_size is None else data_size
    return write(folder / name, header + b"data" + struct.pack("<I", declared) + body)


def ten_hours_declared_wav(folder: Path) -> Path:
    # 8 kHz, 16-bit mono: 10 hours is 576,000,000 bytes of samples; the file holds 8 kB.
    return wav_with_header(folder, "ten-hours.wav", rate=8000, channels=1, data_size=576_000_000)


def two_frames_not_endless(perception: Perception) -> None:
    assert perception.meta["frames"] == 2


def only_what_the_file_holds(perception: Perception) -> None:
    # ffmpeg measures the data actually present; the header's ten hours are never decoded.
    assert perception.meta["duration_s"] < 1.0


def ten_hours_of_silence_flac(folder: Path) -> Path:
    """A FLAC whose stream info says 10 hours (encoding a real one takes 12 s; the probe reads
    the same header either way)."""
    path = folder / "ten-hours.flac"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "1", "-c:a", "flac", str(path))
    data = bytearray(path.read_bytes())
    offset = 8 + 10  # STREAMINFO: rate (20 bits), channels, bits per sample, then 36-bit samples
    packed = int.from_bytes(data[offset : offset + 8], "big")
    packed = (packed & ~((1 << 36) - 1)) | (8000 * 36_000)
    data[offset : offset + 8] = packed.to_bytes(8, "big")
    return write(path, bytes(data))


def video_16384_wide(folder: Path) -> Path:
    path = folder / "wide.avi"
    ffmpeg("-f", "lavfi", "-i", "color=c=gray:size=16384x16:rate=1", "-t", "1",
           "-c:v", "mjpeg", "-q:v", "31", str(path))  # fmt: skip
    return path


def avi_declaring_a_billion_frames(folder: Path) -> Path:
    path = folder / "endless.avi"
    ffmpeg("-f", "lavfi", "-i", "color=c=gray:size=32x32:rate=1", "-t", "2",
           "-c:v", "mjpeg", str(path))  # fmt: skip
    data = bytearray(path.read_bytes())
    main_header = data.index(b"avih") + 8
    struct.pack_into("<I", data, main_header + 16, 10**9)  # dwTotalFrames
    stream_header = data.index(b"strh") + 8
    struct.pack_into("<I", data, stream_header + 32, 10**9)  # dwLength
    # Drop the index so the demuxer has only the headers to go by.
    index = data.find(b"idx1")
    if index != -1:
        data[index : index + 4] = b"JUNK"
    return write(path, bytes(data))


def corrupted_h264(folder: Path) -> Path:
    import random

    source = folder / "source.mp4"
    # faststart puts the index first, so the damage lands in the H.264 data, not in the index.
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=5", "-t", "1", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(source))  # fmt: skip
    data = bytearray(source.read_bytes())
    media_data = data.index(b"mdat") + 4
    generator = random.Random(35)
    for _ in range(400):
        position = generator.randrange(media_data, len(data))
        data[position] = generator.randrange(256)
    return write(folder / "corrupt.mp4", bytes(data))


def hls_playlist_as_mp4(folder: Path) -> Path:
    return write(
        folder / "playlist.mp4",
        "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n"
        "#EXTINF:10,\nhttp://169.254.169.254/latest/meta-data/\n#EXT-X-ENDLIST\n",
    )


def concat_list_as_mp4(folder: Path) -> Path:
    return write(
        folder / "concat.mp4", "ffconcat version 1.0\nfile '/etc/passwd'\nfile '../secret.mp4'\n"
    )


def never_read_the_references(perception: Perception) -> None:
    assert "root:" not in perception.text and perception.modality != "video"


def header_only_mp4(folder: Path) -> Path:
    return write(
        folder / "header.mp4", struct.pack(">I", 24) + b"ftypisom" + b"\x00\x00\x02\x00isomiso2"
    )


def header_only_flac(folder: Path) -> Path:
    info = struct.pack(">HH", 4096, 4096) + b"\x00" * 6
    info += struct.pack(">Q", (8000 << 44) | (0 << 41) | (15 << 36) | 0) + b"\x00" * 16
    return write(
        folder / "header.flac", b"fLaC" + b"\x80" + struct.pack(">I", len(info))[1:] + info
    )


# ---- B28-B32: PDF --------------------------------------------------------------------------


def circular_prev_pdf(folder: Path) -> Path:
    """Two xref sections whose /Prev entries point at each other (pypdf#3654)."""
    base = one_page_pdf(b"BT /F1 12 Tf 72 720 Td (Loop) Tj ET")
    first = int(base.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    marker = b"/Root 1 0 R "
    second = len(base) + len(b"/Prev 0000000000 ")
    base = base.replace(marker, marker + b"/Prev %010d " % second, 1)
    update = b"xref\n0 1\n0000000000 65535 f \n"
    update += b"trailer\n<< /Size 5 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        first,
        second,
    )
    return write(folder / "prev-loop.pdf", base + update)


def outline_cycle_pdf(folder: Path) -> Path:
    outlines = [
        b"<< /Type /Outlines /First 6 0 R /Last 6 0 R /Count 2 >>",
        b"<< /Title (One) /Parent 5 0 R /Next 7 0 R /Dest [3 0 R /Fit] >>",
        b"<< /Title (Two) /Parent 5 0 R /Next 6 0 R /Prev 6 0 R /First 6 0 R /Dest [3 0 R /Fit] >>",
    ]
    data = one_page_pdf(
        b"BT /F1 12 Tf 72 720 Td (Outlined) Tj ET", catalog_extra=b"/Outlines 5 0 R ", more=outlines
    )
    return write(folder / "outline-loop.pdf", data)


def inline_image_without_ei(folder: Path) -> Path:
    content = b"q 10 0 0 10 0 0 cm BI /W 4 /H 4 /BPC 8 /CS /G ID " + bytes(range(200)) * 50
    return write(folder / "inline.pdf", one_page_pdf(content))


def flate_bomb_pdf(folder: Path) -> Path:
    compressor = zlib.compressobj(9)
    block = b"0 0 m " * 100_000
    stream = b"".join(compressor.compress(block) for _ in range(140)) + compressor.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    return write(folder / "flate-bomb.pdf", pdf_bytes(objects))


def encrypted_pdf(folder: Path) -> Path:
    from reportlab.pdfgen import canvas

    path = folder / "locked.pdf"
    pdf = canvas.Canvas(str(path), encrypt="correct horse")
    pdf.drawString(72, 720, "Secret plans")
    pdf.save()
    return path


def one_page(perception: Perception) -> None:
    assert perception.meta["page_count"] == 1


def secret_not_read(perception: Perception) -> None:
    assert "Secret plans" not in perception.text


def hundred_thousand_pages(folder: Path) -> Path:
    count = 100_000
    kids = b" ".join(b"%d 0 R" % (number + 4) for number in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count,
        b"<< /Length 0 >>\nstream\n\nendstream",
    ]
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R >>"
    objects += [page] * count
    return write(folder / "pages.pdf", pdf_bytes(objects))


# ---- B33-B36: DOCX -------------------------------------------------------------------------


def billion_laughs_docx(folder: Path) -> Path:
    entities = b'<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">'
        % (level, (b"&lol%d;" % (level - 1) if level > 1 else b"&lol;") * 10)
        for level in range(1, 10)
    )
    return write(
        folder / "laughs.docx", rewrite_docx(inject_doctype(b"<!DOCTYPE lolz [" + entities + b"]>"))
    )


def xxe_docx(folder: Path) -> Path:
    doctype = b'<!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    edit = inject_doctype(doctype)

    def with_reference(name: str, data: bytes) -> bytes:
        data = edit(name, data)
        return (
            data.replace(b"The bracket", b"&xxe; The bracket")
            if name == "word/document.xml"
            else data
        )

    return write(folder / "xxe.docx", rewrite_docx(with_reference))


def high_ratio_docx(folder: Path) -> Path:
    return write(
        folder / "ratio.docx",
        rewrite_docx(
            lambda name, data: data, extra={"word/media/zeros.bin": b"\x00" * (20 * 2**20)}
        ),
    )


def many_entries_docx(folder: Path) -> Path:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_STORED) as archive:
        with zipfile.ZipFile(io.BytesIO(docx_bytes())) as source:
            for info in source.infolist():
                archive.writestr(info.filename, source.read(info))
        for number in range(100_000):
            archive.writestr(f"x/{number}", b"")
    return write(folder / "entries.docx", output.getvalue())


def overlapping_entries_docx(folder: Path) -> Path:
    """Two central-directory entries that share one local file (the overlap zip bomb)."""
    data = bytearray(docx_bytes())
    central = data.rindex(b"PK\x05\x06")
    directory_offset = struct.unpack_from("<I", data, central + 16)[0]
    position, offsets = directory_offset, []
    while data[position : position + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, position + 28)
        offsets.append((position, bytes(data[position + 46 : position + 46 + name_length])))
        position += 46 + name_length + extra_length + comment_length
    document = next(offset for offset, name in offsets if name == b"word/document.xml")
    shared_local = struct.unpack_from("<I", data, document + 42)[0]
    for offset, name in offsets:
        if name.startswith(b"docProps/"):  # these entries now all point at document.xml
            struct.pack_into("<I", data, offset + 42, shared_local)
    return write(folder / "overlap.docx", bytes(data))


def text_named_docx(folder: Path) -> Path:
    return write(folder / "notes.docx", b"\x01\x02\x03 not a zip archive \x00\xff" * 20)


def broken_zip_docx(folder: Path) -> Path:
    data = docx_bytes()
    return write(folder / "broken.docx", data[:4] + b"\xff" * 60 + data[64:200])


def escaping_names_docx(folder: Path) -> Path:
    return write(
        folder / "escape.docx",
        rewrite_docx(lambda name, data: data, extra={"../../evil.xml": b"<x/>"}),
    )


# ---- B37-B41: 3D ---------------------------------------------------------------------------


CUBE_OBJ = (
    "v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nv 0 0 1\nv 1 0 1\nv 1 1 1\nv 0 1 1\n"
    "f 1 3 2\nf 1 4 3\nf 5 6 7\nf 5 7 8\nf 1 2 6\nf 1 6 5\n"
    "f 2 3 7\nf 2 7 6\nf 3 4 8\nf 3 8 7\nf 4 1 5\nf 4 5 8\n"
)


def obj_escaping_material(folder: Path) -> Path:
    return write(folder / "model" / "sneaky.obj", "mtllib ../../etc/passwd\n" + CUBE_OBJ)


def obj_absolute_texture(folder: Path) -> Path:
    write(folder / "model" / "box.mtl", "newmtl skin\nmap_Kd /etc/passwd\n")
    return write(folder / "model" / "box.obj", "mtllib box.mtl\nusemtl skin\n" + CUBE_OBJ)


def mesh_still_perceived(perception: Perception) -> None:
    assert perception.meta["face_count"] == 12
    assert perception.meta["refused_references"]


def glb_with_uris(folder: Path, name: str, uris: list[str]) -> Path:
    import trimesh

    glb = trimesh.creation.box().export(file_type="glb")
    length = struct.unpack_from("<I", glb, 12)[0]
    document = json.loads(glb[20 : 20 + length])
    binary = glb[20 + length + 8 :]
    document["buffers"] = [{"uri": uri, "byteLength": len(binary)} for uri in uris]
    document["images"] = [{"uri": uri} for uri in uris]
    chunk = json.dumps(document).encode()
    chunk += b" " * (-len(chunk) % 4)
    header = struct.pack("<4sII", b"glTF", 2, 20 + len(chunk))
    return write(folder / name, header + struct.pack("<II", len(chunk), 0x4E4F534A) + chunk)


def glb_escaping_uris(folder: Path) -> Path:
    return glb_with_uris(
        folder,
        "escape.glb",
        ["file:///etc/passwd", "../../outside.bin", "https://example.com/x.bin"],
    )


def binary_stl_declaring_too_many_faces(folder: Path) -> Path:
    return write(folder / "liar.stl", b"\x00" * 80 + struct.pack("<I", 2**32 - 1) + b"\x00" * 100)


def ply_hundred_million_vertices(folder: Path) -> Path:
    return write(
        folder / "huge.ply",
        b"ply\nformat ascii 1.0\nelement vertex 100000000\nproperty float x\n"
        b"property float y\nproperty float z\nend_header\n0 0 0\n",
    )


def non_finite_vertices(folder: Path) -> Path:
    return write(
        folder / "nan.obj",
        "v nan 0 0\nv inf 1 0\nv 0 -inf 0\nv 0 0 0\nv 1 0 0\nv 0 1 0\n"
        "f 1 2 3\nf 4 5 6\nf 4 4 4\nf 5 5 6\n",
    )


def finite_facts_only(perception: Perception) -> None:
    # The non-finite vertices are dropped (6 declared); every reported number is finite.
    assert perception.meta["vertex_count"] < 6
    for corner in perception.meta["bounds"]:
        assert all(math.isfinite(value) for value in corner)
    assert all(math.isfinite(value) for value in perception.meta["extents"])


# ---- B42-B43: archives ---------------------------------------------------------------------


def hostile_tar(folder: Path) -> Path:
    output = io.BytesIO()
    with tarfile.open(fileobj=output, mode="w") as archive:
        for name, kind, target in [
            ("link", tarfile.SYMTYPE, "/etc/passwd"),
            ("hard", tarfile.LNKTYPE, "/etc/shadow"),
            ("null", tarfile.CHRTYPE, ""),
            ("/etc/cron.d/evil", tarfile.REGTYPE, ""),
            ("../../evil.sh", tarfile.REGTYPE, ""),
        ]:
            member = tarfile.TarInfo(name)
            member.type = kind
            member.linkname = target
            archive.addfile(member, io.BytesIO(b"") if kind == tarfile.REGTYPE else None)
    return write(folder / "bundle.tar", output.getvalue())


def zip_with_absolute_names(folder: Path) -> Path:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        info = zipfile.ZipInfo("placeholder")
        info.filename = "/etc/cron.d/evil"  # ZipInfo strips a leading slash; set it back
        archive.writestr(info, b"* * * * * root true\n")
    return write(folder / "absolute.docx", output.getvalue())


def zip_with_parent_names(folder: Path) -> Path:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/../../../evil.xml", "<x/>")
    return write(folder / "parent.docx", output.getvalue())


# ---- B44-B50: the attacks of issue 10 ------------------------------------------------------


def non_utf8_name(folder: Path) -> Path:
    """A file whose name is not UTF-8 (``bad\\xff.txt``): Python holds it with a surrogate."""
    return write(folder / os.fsdecode(b"bad\xff.txt"), "Spiral galaxies have arms.\n")


def name_shown_safely_and_json_clean(perception: Perception) -> None:
    document = json.loads(perception.model_dump_json())
    assert document["meta"]["file_name"] == "bad\\xff.txt"


def symlink_leaving_the_folder(folder: Path) -> Path:
    """``inputs/photo.png`` is a link to ``secret/shadow``, outside the folder the user named."""
    secret = write(folder / "secret" / "shadow", "root:$6$hash:19000:0:99999:7:::\n")
    link = folder / "inputs" / "photo.png"
    link.parent.mkdir(parents=True)
    link.symlink_to(secret)
    return link


def glb_with_nodes(folder: Path, name: str, nodes: list[dict[str, Any]]) -> Path:
    """A box GLB (binary chunk kept) whose node list and scene are replaced by ``nodes``."""
    import trimesh

    glb = trimesh.creation.box().export(file_type="glb")
    length = struct.unpack_from("<I", glb, 12)[0]
    document = json.loads(glb[20 : 20 + length])
    binary_chunk = glb[20 + length :]
    document["nodes"] = nodes
    document["scenes"] = [{"nodes": [0]}]
    document["scene"] = 0
    chunk = json.dumps(document, separators=(",", ":")).encode()
    chunk += b" " * (-len(chunk) % 4)
    body = struct.pack("<II", len(chunk), 0x4E4F534A) + chunk + binary_chunk
    return write(folder / name, struct.pack("<4sII", b"glTF", 2, 12 + len(body)) + body)


def deep_node_chain_glb(folder: Path) -> Path:
    """20,000 nodes, each the only child of the one before and each showing the box (~600 kB).

    trimesh's scene graph is worse than quadratic in the chain's length: 1,000 levels take
    about 3 s, 3,000 about a minute, 20,000 far past the decode timeout.
    """
    nodes: list[dict[str, Any]] = [{"mesh": 0, "children": [index + 1]} for index in range(19_999)]
    nodes.append({"mesh": 0})
    return glb_with_nodes(folder, "deep.glb", nodes)


def node_cycle_glb(folder: Path) -> Path:
    return glb_with_nodes(folder, "cycle.glb", [{"children": [1]}, {"children": [0], "mesh": 0}])


def header_scan_only(perception: Perception) -> None:
    assert perception.meta["decoded_by"] == "header-scan"
    assert perception.meta["header_vertex_count"] > 0


def truncated_mp3(folder: Path) -> Path:
    """A 5 s MP3 (with its Xing header, which states the length) cut to 40 % of its bytes."""
    whole = folder / "whole.mp3"
    tone = "sine=frequency=440:duration=5"
    ffmpeg("-f", "lavfi", "-i", tone, "-ac", "1", "-ar", "16000", "-b:a", "32k", str(whole))
    data = whole.read_bytes()
    return write(folder / "cut.mp3", data[: len(data) * 2 // 5])


def summary_says_truncated(perception: Perception) -> None:
    assert "truncated" in perception.summary, perception.summary
    assert perception.meta["file_truncated"] is True


def png_150_megapixels(folder: Path) -> Path:
    """15000 x 10000: over Pillow's warning limit (89.5 MP), under its error limit (179 MP)."""
    return write(folder / "big.png", png_bytes(15_000, 10_000, rows=b""))


def text_named_pdf(folder: Path) -> Path:
    return write(folder / "report.pdf", "Quarterly report\nRevenue grew 4 percent.\n")


def obj_face_index_zero(folder: Path) -> Path:
    # OBJ indices start at 1: trimesh reads 0 as -1 (the last vertex) without a word.
    return write(folder / "zero.obj", CUBE_OBJ + "f 0 1 2\n")


def obj_face_index_past_the_end(folder: Path) -> Path:
    return write(folder / "past.obj", CUBE_OBJ + "f 1 2 99\nf -1 -2 -40\n")


# ---- the table -----------------------------------------------------------------------------

CORPUS: list[Case] = [
    # Paths and dataset JSON
    Case("B01 ../../../etc/passwd", unim("../../../etc/passwd"), "input_error", r"'\.\.' components", error_type=UnsafePathError),
    Case("B02 /etc/passwd", unim("/etc/passwd"), "input_error", "absolute paths are not accepted", error_type=UnsafePathError),
    Case("B03 file:// URL", unim("file:///etc/passwd"), "input_error", "URLs are not accepted", error_type=UnsafePathError),
    Case("B03 metadata URL", unim("http://169.254.169.254/latest/meta-data/"), "input_error", "URLs are not accepted", error_type=UnsafePathError),
    Case("B04 symlink out of the root", symlink_out, "input_error", "outside the media root", error_type=UnsafePathError),
    Case("B05 FIFO", fifo_in_root, "input_error", "not a regular file"),
    Case("B05 /dev/zero through a link", device_link, "input_error", "outside the media root", error_type=UnsafePathError),
    Case("B05 /dev/zero perceived", lambda folder: Path("/dev/zero"), "input_error", "not a regular file"),
    Case("B05 a folder", unim("image"), "input_error", "folder, not a file"),
    Case("B06 NUL in the path", unim("image/ok\x00.png"), "input_error", "NUL byte", error_type=UnsafePathError),
    Case("B06 empty path", unim(""), "input_error", "empty", error_type=UnsafePathError),
    Case("B06 '.'", unim("."), "input_error", "folder, not a file"),
    Case("B06 5,000-character path", unim("a/" * 2500), "input_error", "longer than 4096 bytes", error_type=UnsafePathError),
    Case("B06 newline in the path", unim("image/ok.png\nimage/ok.png"), "input_error", "control characters", error_type=UnsafePathError),
    Case("B07 Windows drive", unim("C:\\Windows\\win.ini"), "input_error", "Windows drive", error_type=UnsafePathError),
    Case("B07 UNC path", unim("\\\\server\\share\\x"), "input_error", "backslash", error_type=UnsafePathError),
    Case("B07 ..\\..\\x", unim("..\\..\\x"), "input_error", "backslash", error_type=UnsafePathError),
    Case("B08 NFC and NFD twins", nfc_and_nfd_names, "perception", check=nfd_request_picks_the_nfd_file),
    Case("B08 RTL override in the name", rtl_override_name, "input_error", "unknown binary format"),
    Case("B09 missing file", unim("image/missing.png"), "input_error", "file not found"),
    Case("B09 permission denied", unreadable, "input_error", "permission denied"),
    Case("B09 zero bytes", lambda folder: write(folder / "empty.png", b""), "input_error", r"empty \(0 bytes\)"),
    Case("B10 JSON nested 100,000 deep", deep_json, "perception", modality="code", check=json_source),
    Case("B11 1 GiB JSON", sparse_json, "input_error", "over the 10485760-byte limit for code"),
    Case("B12 100,000-digit integer in JSON", huge_integer_json, "perception", modality="code", check=json_source),
    Case("B12 100,000-digit integer in Python", huge_integer_python, "perception", modality="code", check=digit_limit_reported),
    Case("B13 NaN, Infinity, duplicate keys, escaped lone surrogate", nan_and_duplicates_json, "perception", modality="code", check=json_source),
    Case("B13 byte-order mark", bom_csv, "perception", modality="document", check=bom_is_not_in_the_header),
    Case("B13 invalid UTF-8", invalid_utf8, "input_error", "not valid UTF-8"),
    Case("B13 lone surrogate bytes", encoded_surrogate, "input_error", "not valid UTF-8"),
    # Images
    Case("B14 30000x30000 PNG bomb", bomb_png, "input_error", "decompression bomb"),
    Case("B15 49-megapixel image", image_49_megapixels, "perception", modality="image", check=big_image_is_described),
    Case("B16 truncated JPEG", truncated_jpeg, "input_error", "cannot be decoded"),
    Case("B16 truncated PNG", truncated_png, "input_error", "cannot be decoded"),
    Case("B17 TIFF named .png", tiff_named_png, "perception", modality="image", check=is_tiff),
    Case("B17 EPS named .png", binary_eps_named_png, "input_error", "unknown binary format"),
    Case("B18 GIF with 100,000 frames", gif_many_frames, "input_error", "frames, over the limit of 500"),
    Case("B18 APNG declaring 100,000 frames", apng_many_frames, "input_error", "frames, over the limit of 500"),
    Case("B19 zTXt chunk bomb", png_text_chunk_bomb, "input_error", "cannot be decoded .*too large"),
    Case("B19 iTXt chunk bomb", png_itxt_chunk_bomb, "input_error", "cannot be decoded .*too large"),
    # pytest turns warnings into errors, so Pillow's "Tag data larger than file" is one here.
    Case("B20 malformed EXIF", malformed_exif_jpeg, "input_error", "cannot be decoded .*Tag data larger than file"),
    Case("B20 malformed ICC profile", malformed_icc_png, "perception", modality="image"),
    Case("B21 TIFF with a looping IFD chain", looping_tiff, "perception", modality="image", check=two_frames_not_endless),
    Case("B21 TIFF frame without dimensions", tiff_frame_without_dimensions, "input_error", r"cannot be decoded \(TypeError"),
    # Audio and video
    Case("B22 WAV declaring 4 GB of data", lambda folder: wav_with_header(folder, "4gb.wav", rate=8000, channels=1, data_size=0xFFFFFFF0), "perception", modality="audio", check=only_what_the_file_holds),
    Case("B22 WAV at 0 Hz", lambda folder: wav_with_header(folder, "zero-hz.wav", rate=0, channels=1), "input_error", "cannot read it"),
    Case("B22 WAV with 65,535 channels", lambda folder: wav_with_header(folder, "channels.wav", rate=8000, channels=65535), "input_error", "65535 channels"),
    Case("B23 WAV header declaring 10 hours in 8 kB", ten_hours_declared_wav, "perception", modality="audio", check=only_what_the_file_holds),
    Case("B23 FLAC of 10 hours of silence", ten_hours_of_silence_flac, "input_error", "lasts 36000 s, over the 1800-second limit"),
    Case("B24 video 16384 pixels wide", video_16384_wide, "input_error", "over 4096 pixels per side"),
    Case("B24 AVI declaring 10^9 frames", avi_declaring_a_billion_frames, "input_error", "lasts 1000000000 s, over the 7200-second limit"),
    Case("B25 corrupted H.264 stream", corrupted_h264, "survives", modality="video"),
    Case("B26 HLS playlist named .mp4", hls_playlist_as_mp4, "perception", check=never_read_the_references),
    Case("B26 concat list named .mp4", concat_list_as_mp4, "perception", check=never_read_the_references),
    Case("B27 zero-length MP4", lambda folder: write(folder / "empty.mp4", b""), "input_error", r"empty \(0 bytes\)"),
    Case("B27 header-only MP4", header_only_mp4, "input_error", "ffmpeg cannot read it"),
    Case("B27 header-only WAV", lambda folder: write(folder / "header.wav", wav_bytes(frames=0)), "partial", "no audio samples could be decoded", modality="audio"),
    Case("B27 header-only FLAC", header_only_flac, "partial", "no audio samples could be decoded", modality="audio"),
    # PDF
    Case("B28 circular /Prev xref", circular_prev_pdf, "perception", modality="document", check=one_page),
    Case("B29 outline cycle", outline_cycle_pdf, "perception", modality="document", check=one_page),
    Case("B29 inline image without EI", inline_image_without_ei, "partial", "Unexpected end of stream", modality="document"),
    Case("B30 FlateDecode past 75 MB", flate_bomb_pdf, "partial", "Limit reached while decompressing", modality="document"),
    Case("B31 encrypted PDF", encrypted_pdf, "partial", "encrypted", modality="document", check=secret_not_read),
    Case("B32 100,000 empty pages", hundred_thousand_pages, "input_error", "declares 100000 pages, over the limit of 2000"),
    # DOCX
    Case("B33 billion laughs", billion_laughs_docx, "input_error", "DOCTYPE"),
    Case("B34 XXE to a local file", xxe_docx, "input_error", "DOCTYPE"),
    Case("B35 high compression ratio", high_ratio_docx, "input_error", "looks like a zip bomb"),
    Case("B35 100,000 entries", many_entries_docx, "input_error", "over the limit of 5000"),
    Case("B35 overlapping entries", overlapping_entries_docx, "input_error", "archive is damaged .*differ"),
    Case("B36 a 'docx' that is not a zip", text_named_docx, "input_error", "unknown binary format"),
    Case("B36 a damaged zip", broken_zip_docx, "input_error", "damaged"),
    Case("B36 entry names with ../", escaping_names_docx, "input_error", "climbs out"),
    # 3D
    Case("B37 OBJ mtllib ../../etc/passwd", obj_escaping_material, "partial", "etc/passwd", modality="threeD", check=mesh_still_perceived),
    Case("B37 absolute texture path", obj_absolute_texture, "partial", "/etc/passwd", modality="threeD", check=mesh_still_perceived),
    Case("B38 glTF buffer and image URIs leaving the folder", glb_escaping_uris, "partial", "refused", modality="threeD"),
    Case("B39 binary STL declaring 2^32-1 faces", binary_stl_declaring_too_many_faces, "input_error", "unknown binary format"),
    Case("B40 ASCII PLY with 10^8 vertices", ply_hundred_million_vertices, "input_error", "over the limit"),
    Case("B41 NaN/inf vertices, degenerate faces", non_finite_vertices, "perception", modality="threeD", check=finite_facts_only),
    # Archives
    Case("B42 tar with links, devices, absolute and .. names", hostile_tar, "input_error", "unknown binary format"),
    Case("B43 zip with absolute names", zip_with_absolute_names, "input_error", "absolute or climbs out"),
    Case("B43 zip with .. names", zip_with_parent_names, "input_error", "absolute or climbs out"),
    # Issue 10
    Case("B44 file name that is not UTF-8", non_utf8_name, "perception", modality="document", check=name_shown_safely_and_json_clean),
    Case("B45 symlink leaving the named folder", symlink_leaving_the_folder, "input_error", r"symbolic link to .*shadow.*outside the folder", error_type=UnsafePathError),
    Case("B46 GLB with a 20,000-deep node chain", deep_node_chain_glb, "partial", "over the limit of 256", modality="threeD", check=header_scan_only),
    Case("B46 GLB with a node cycle", node_cycle_glb, "partial", "cycle", modality="threeD", check=header_scan_only),
    Case("B47 truncated MP3", truncated_mp3, "partial", "only", modality="audio", check=summary_says_truncated),
    Case("B48 150-megapixel PNG", png_150_megapixels, "input_error", "decompression bomb"),
    Case("B49 text file named .pdf", text_named_pdf, "partial", "named .pdf", modality="document"),
    Case("B50 OBJ face with index 0", obj_face_index_zero, "partial", "vertices that do not exist", modality="threeD"),
    Case("B50 OBJ faces past the last vertex", obj_face_index_past_the_end, "partial", "vertices that do not exist", modality="threeD"),
]  # fmt: skip


@pytest.mark.timeout(GUARD_SECONDS + 30)
@pytest.mark.parametrize("case", CORPUS, ids=[case.item for case in CORPUS])
def test_bad_input_is_refused_or_recorded_never_a_crash(case: Case, tmp_path: Path) -> None:
    if case.make is unreadable and os.geteuid() == 0:
        pytest.skip("root reads files regardless of their mode")
    check_case(case, tmp_path)


def test_every_corpus_item_is_in_the_table() -> None:
    covered = {int(case.item[1:3]) for case in CORPUS}
    assert covered == set(range(1, 51))


# ---- the agent: a bad input is an InputError and a failed trace, never a crash -------------


def failed_trace(folder: Path) -> Any:
    from unima.trace.schema import load_trace

    (path,) = sorted((folder / "traces").glob("*.json"))
    trace = load_trace(path)
    assert trace.status == "failed" and trace.error_type in ("InputError", "UnsafePathError")
    return trace


@pytest.mark.timeout(GUARD_SECONDS + 30)
@pytest.mark.parametrize(
    ("make", "message"),
    [
        # Refused while the request is built (the sniffer).
        (
            lambda folder: ["Describe <image1>.", write(folder / "empty.png", b"")],
            r"empty\.png.*empty",
        ),
        # Accepted by the sniffer, refused by the image perceiver inside the graph.
        (lambda folder: ["Describe <image1>.", bomb_png(folder)], r"bomb\.png.*decompression bomb"),
        (
            lambda folder: ["Summarise <document1>.", hundred_thousand_pages(folder)],
            r"pages\.pdf.*100000 pages",
        ),
    ],
    ids=["B09 zero bytes", "B14 bomb", "B32 pages"],
)
def test_agent_refuses_bad_input_and_records_a_failed_trace(
    tmp_path: Path, make: Callable[[Path], list[Any]], message: str
) -> None:
    from unima import UniMA
    from unima.testing import fake_toolbox

    inputs = make(tmp_path)
    agent = UniMA(tools=fake_toolbox())
    outcome = run_guarded(lambda: agent.respond(inputs))
    error = outcome.get("error")
    assert isinstance(error, InputError), f"expected InputError, got {error!r}"
    assert re.search(message, str(error)), str(error)
    trace = failed_trace(tmp_path)
    assert re.search(message, trace.error or "")


def test_agent_refuses_a_unim_path_that_leaves_the_media_root(tmp_path: Path) -> None:
    from unima import UniMA
    from unima.testing import fake_toolbox

    root = media_root(tmp_path)
    agent = UniMA(tools=fake_toolbox())
    with pytest.raises(UnsafePathError, match=r"<image1>.*'\.\.' components"):
        agent.respond(unim_instance("../secret.txt"), media_root=root)
    trace = failed_trace(tmp_path)
    assert trace.error_type == "UnsafePathError" and "<image1>" in (trace.error or "")


# ---- build_request on arbitrary UniM instances: a Request or an InputError, nothing else ----


@pytest.fixture(scope="module")
def unim_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A media root with one file per modality, links in and out, a FIFO and a secret outside."""
    base = tmp_path_factory.mktemp("unim")
    root = base / "root"
    write(root / "image" / "a.png", png_bytes(8, 8))
    write(root / "audio" / "a.wav", wav_bytes())
    write(root / "document" / "a.csv", "name,score\nann,90\nbob,85\n")
    write(root / "code" / "a.py", "def f(x):\n    return x\n")
    write(root / "threeD" / "a.obj", CUBE_OBJ)
    write(root / "empty.png", b"")
    write(base / "secret.png", png_bytes(4, 4))
    os.symlink(base / "secret.png", root / "image" / "out.png")
    os.symlink(root / "image" / "a.png", root / "image" / "in.png")
    os.mkfifo(root / "pipe.wav")
    return root


def mostly(usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``usual`` nine times in ten, ``odd`` otherwise, so most examples reach the file checks."""
    return st.integers(0, 9).flatmap(lambda draw: odd if draw == 0 else usual)


_VALID_TAGS = st.sampled_from(
    ["image1", "image2", "audio1", "video1", "document1", "code1", "threeD1"]
)
_ODD_TAGS = st.one_of(
    st.sampled_from(["text1", "image0", "image01", "IMAGE1", "picture", "", "image1 ", "threeD٣"]),
    st.text(max_size=12),
    st.integers(),
)  # fmt: skip
_TAGS = mostly(_VALID_TAGS, _ODD_TAGS)
_PATH_PIECES = st.sampled_from(
    ["image", "a.png", "in.png", "out.png", "audio", "a.wav", "document", "a.csv", "code", "a.py",
     "threeD", "a.obj", "empty.png", "pipe.wav", "..", ".", "/", "\\", "C:", "file:", "%2e%2e", "\x00",
     "\n", "~", "\u202e", "\ud800", "missing.png"]
)  # fmt: skip
_REAL_FILES = st.sampled_from(
    ["image/a.png", "image/in.png", "image/out.png", "audio/a.wav", "document/a.csv", "code/a.py",
     "threeD/a.obj", "empty.png", "pipe.wav", "image", "./image/a.png", "image//a.png"]
)  # fmt: skip
_JUNK = st.one_of(
    st.none(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20), st.booleans(),
    st.binary(max_size=8), st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)  # fmt: skip
_PATHS = mostly(
    st.one_of(
        _REAL_FILES,
        st.lists(_PATH_PIECES, min_size=1, max_size=6).map("".join),
        st.lists(_PATH_PIECES, min_size=1, max_size=4).map("/".join),
    ),
    st.one_of(st.text(max_size=30), _JUNK),
)
_TEXT_CONTENT = st.lists(
    st.one_of(st.text(max_size=15), _TAGS.map(lambda tag: f"<{tag}>")), max_size=6
).map("".join)
# Tags with a file that fits them, so many examples get all the way to a Request.
_FITTING = st.sampled_from(
    [("image1", "image/a.png"), ("image2", "image/in.png"), ("audio1", "audio/a.wav"),
     ("document1", "document/a.csv"), ("document2", "image/a.png"), ("code1", "code/a.py"),
     ("threeD1", "threeD/a.obj")]
)  # fmt: skip
_MODAL = st.one_of(
    st.lists(_FITTING, min_size=1, max_size=3).map(dict),
    st.tuples(
        st.lists(_FITTING, max_size=2).map(dict), st.dictionaries(_TAGS, _PATHS, max_size=3)
    ).map(lambda pair: {**pair[0], **pair[1]}),
)
_INPUT = st.fixed_dictionaries(
    {"content": mostly(_TEXT_CONTENT, _JUNK), "modal": mostly(_MODAL, _JUNK)}
)
_INSTANCES = mostly(
    st.fixed_dictionaries(
        {"input": _INPUT},
        optional={"domain": _JUNK, "subdomain": _JUNK, "id": _JUNK, "output": _JUNK},
    ),
    st.one_of(
        st.dictionaries(st.text(max_size=8), _JUNK, max_size=3),
        st.fixed_dictionaries({"input": st.dictionaries(st.text(max_size=8), _JUNK, max_size=3)}),
    ),
)


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(instance=_INSTANCES, with_root=mostly(st.just(True), st.just(False)))
def test_property_build_request_gives_a_request_or_an_input_error(
    unim_root: Path, instance: dict[Any, Any], with_root: bool
) -> None:
    from unima.types import Request

    real_root = Path(os.path.realpath(unim_root))
    try:
        request = build_request(instance, media_root=unim_root if with_root else None)
    except InputError as error:
        assert str(error)  # every refusal says something
        return
    assert isinstance(request, Request)
    for part in request.parts:
        assert part.path is not None and Path(part.path).is_relative_to(real_root)
        assert Path(part.path).is_file()
        assert part.tag in instance["input"]["modal"]


# ---- fuzz: mutations of the corpus files, through every loader ------------------------------

# Cheap file-making cases (no ffmpeg, no large files): their bytes seed the mutations.
_FUZZ_SEEDS = [
    case
    for case in CORPUS
    if case.make
    in (
        deep_json, huge_integer_python, nan_and_duplicates_json, bom_csv, bomb_png,
        truncated_jpeg, tiff_named_png, apng_many_frames, malformed_exif_jpeg, malformed_icc_png,
        looping_tiff, header_only_mp4, header_only_flac, circular_prev_pdf, outline_cycle_pdf,
        inline_image_without_ei, encrypted_pdf, xxe_docx, overlapping_entries_docx,
        escaping_names_docx, obj_escaping_material, glb_escaping_uris,
        binary_stl_declaring_too_many_faces, ply_hundred_million_vertices, non_finite_vertices,
        zip_with_parent_names,
    )
]  # fmt: skip


@pytest.fixture(scope="module")
def fuzz_seeds(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, bytes]]:
    seeds = []
    for case in _FUZZ_SEEDS:
        made = case.make(tmp_path_factory.mktemp("seed"))
        assert isinstance(made, Path)
        seeds.append((made.name, made.read_bytes()))
    return seeds


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    choice=st.integers(0, len(_FUZZ_SEEDS) - 1),
    edits=st.lists(st.tuples(st.integers(0, 2**16), st.integers(0, 255)), max_size=10),
    cut=st.one_of(st.none(), st.integers(1, 4096)),
)
def test_fuzz_mutated_corpus_files_are_refused_or_perceived(
    fuzz_seeds: list[tuple[str, bytes]],
    tmp_path: Path,
    choice: int,
    edits: list[tuple[int, int]],
    cut: int | None,
) -> None:
    name, seed = fuzz_seeds[choice]
    data = bytearray(seed)
    for position, value in edits:
        data[position % len(data)] = value
    path = write(tmp_path / "fuzz" / name, bytes(data[:cut] if cut else data))
    outcome = run_guarded(lambda: perceive(path))
    error = outcome.get("error")
    if error is not None:
        assert isinstance(error, InputError), f"untyped {type(error).__name__}: {error}"
        assert name in str(error)
        return
    check_perception(outcome["value"], name)


# ---- issue 10: one dedicated test per attack -----------------------------------------------


@pytest.mark.timeout(60)
def test_attack_12_deep_glb_node_chain_is_refused_before_trimesh_walks_it(tmp_path: Path) -> None:
    path = deep_node_chain_glb(tmp_path)
    assert 500_000 < path.stat().st_size < 800_000
    started = time.perf_counter()
    outcome = run_guarded(lambda: perceive(path), seconds=30)
    assert time.perf_counter() - started < 20, "the node chain was walked"
    perception = outcome["value"]
    (failure,) = [failure for failure in perception.failures if "node" in failure]
    assert "20000 levels deep, over the limit of 256" in failure
    assert perception.meta["decoded_by"] == "header-scan"
    assert perception.meta["header_face_count"] == 12


def test_attack_12_node_cycle_and_shared_child_are_refused(tmp_path: Path) -> None:
    cycle = perceive(node_cycle_glb(tmp_path))
    assert any("cycle" in failure for failure in cycle.failures), cycle.failures
    shared = perceive(
        glb_with_nodes(
            tmp_path, "shared.glb", [{"children": [1, 2]}, {"children": [2]}, {"mesh": 0}]
        )
    )
    assert any("more than one parent" in failure for failure in shared.failures), shared.failures


def test_attack_12_an_ordinary_node_tree_is_still_loaded(tmp_path: Path) -> None:
    nodes: list[dict[str, Any]] = [{"children": [index + 1]} for index in range(9)]
    nodes.append({"mesh": 0})
    perception = perceive(glb_with_nodes(tmp_path, "ten.glb", nodes))
    assert perception.meta["decoded_by"] == "trimesh", perception.failures
    assert perception.meta["face_count"] == 12


def test_attack_also_truncated_mp3_says_truncated_in_the_summary(tmp_path: Path) -> None:
    perception = perceive(truncated_mp3(tmp_path))
    assert any("only" in failure for failure in perception.failures), perception.failures
    assert "truncated" in perception.summary
    # The length given first is what decodes, not what the header claims.
    assert perception.summary.startswith("A 1.9 s") or perception.summary.startswith("A 2.0 s")
    assert "5.0 s" in perception.summary


def test_attack_also_150_megapixel_png_is_refused_without_pillows_raw_warning(
    tmp_path: Path,
) -> None:
    import warnings

    path = png_150_megapixels(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # what a user's interpreter does: print, not raise
        with pytest.raises(InputError, match=r"big\.png.*decompression bomb"):
            perceive(path)
    assert [str(warning.message) for warning in caught] == []


def test_attack_also_text_named_pdf_is_recorded(tmp_path: Path) -> None:
    perception = perceive(text_named_pdf(tmp_path))
    assert perception.meta["format"] == "txt"
    assert any(
        "named .pdf" in failure and "plain text" in failure for failure in perception.failures
    ), perception.failures
    # A name that agrees with the bytes records nothing.
    honest = perceive(write(tmp_path / "report.txt", "Quarterly report\n"))
    assert not honest.failures


@pytest.mark.parametrize("make", [obj_face_index_zero, obj_face_index_past_the_end])
def test_attack_also_obj_faces_indexing_missing_vertices_are_recorded(
    tmp_path: Path, make: Callable[[Path], Path]
) -> None:
    perception = perceive(make(tmp_path))
    (failure,) = [f for f in perception.failures if "do not exist" in f]
    assert "8 vertices" in failure
    clean = perceive(write(tmp_path / "cube.obj", CUBE_OBJ))
    assert not clean.failures
