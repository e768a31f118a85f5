"""HTML previews of media files for the trace page: inline where small, linked copies otherwise.

Images, audio and video under the embed limit become ``data:`` URIs, so the page is one file;
larger ones are copied into a folder next to the page and linked relatively, so the page still
works opened from disk. Documents show their text, code its highlighted source, and a 3D model
a shaded orthographic projection drawn with numpy and Pillow (no OpenGL, no network).
"""

from __future__ import annotations

import base64
import io
import mimetypes
import shutil
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from unima.filenames import tag_file_name

DEFAULT_EMBED_LIMIT_BYTES = 8 * 1024 * 1024
TEXT_PREVIEW_CHARS = 4_000
CODE_PREVIEW_CHARS = 20_000
MESH_PREVIEW_SIZE = (480, 360)
MESH_PREVIEW_MAX_FACES = 200_000
FALLBACK_MIME = {
    "image": "image/png",
    "audio": "audio/wav",
    "video": "video/mp4",
    "document": "application/pdf",
    "code": "text/plain",
    "threeD": "model/gltf-binary",
}


@dataclass(frozen=True)
class MediaPlacement:
    """Where media that is too large to embed goes: ``folder`` next to the page.

    Args:
        page_dir: the folder of the HTML page (links are relative to it).
        folder: the folder that receives copies of large files.
        embed_limit_bytes: files up to this size are embedded as ``data:`` URIs.
    """

    page_dir: Path
    folder: Path
    embed_limit_bytes: int = DEFAULT_EMBED_LIMIT_BYTES


def media_mime(path: Path, mime: str | None, modality: str) -> str:
    """A browser-usable mime type: the recorded one unless it is generic, else from the suffix."""
    if mime and mime != "application/octet-stream":
        return mime
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or FALLBACK_MIME.get(modality, "application/octet-stream")


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def media_source(path: Path, mime: str, file_name: str, placement: MediaPlacement) -> str:
    """A URL for ``path`` usable in ``src``/``href``: a data URI, or a relative link to a copy.

    ``file_name`` names the copy; it must already be one plain component (``tag_file_name``).
    """
    if path.stat().st_size <= placement.embed_limit_bytes:
        return data_uri(path.read_bytes(), mime)
    if Path(file_name).name != file_name or file_name in ("", ".", ".."):
        raise ValueError(f"{file_name!r} is not a plain file name")
    placement.folder.mkdir(parents=True, exist_ok=True)
    copy = placement.folder / file_name
    if not copy.exists() or copy.stat().st_size != path.stat().st_size:
        shutil.copyfile(path, copy)
    relative = copy.relative_to(placement.page_dir)
    return quote(relative.as_posix())


def _download_link(source: str, name: str, label: str) -> str:
    attribute = f' download="{escape(name, quote=True)}"' if source.startswith("data:") else ""
    return f'<a class="download" href="{escape(source, quote=True)}"{attribute}>{escape(label)}</a>'


def pdf_first_page_text(path: Path) -> tuple[str, int]:
    """The text of a PDF's first page and its page count."""
    # Each preview imports only its own reader (pypdf, docx, pygments, trimesh): a page with
    # one image should not import them all.
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    if not reader.pages:
        return "", 0
    return (reader.pages[0].extract_text() or "").strip(), len(reader.pages)


def docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    return "\n".join(paragraph.text for paragraph in document.paragraphs if paragraph.text.strip())


def _document_text(path: Path) -> tuple[str, str]:
    """``(what the text is, the text)`` for a document, by its format."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        text, pages = pdf_first_page_text(path)
        return f"first page of {pages}", text
    if suffix == ".docx":
        return "text", docx_text(path)
    return "source", path.read_text(encoding="utf-8", errors="replace")


def _highlighted_code(path: Path) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import TextLexer, guess_lexer_for_filename
    from pygments.util import ClassNotFound

    source = path.read_text(encoding="utf-8", errors="replace")[:CODE_PREVIEW_CHARS]
    try:
        lexer = guess_lexer_for_filename(path.name, source)
    except ClassNotFound:
        lexer = TextLexer()
    # Inline styles (noclasses) keep the page free of a stylesheet the highlighter would need.
    return highlight(source, lexer, HtmlFormatter(noclasses=True, nowrap=True))


def mesh_preview_png(path: Path, size: tuple[int, int] = MESH_PREVIEW_SIZE) -> bytes:
    """A shaded orthographic view of a mesh file, as PNG bytes.

    The view looks down at 30 degrees onto the model with Z up (the convention of unima's mesh
    tool and of CAD); faces are painted far to near with Lambert shading, drawn at twice the
    size and scaled down for smooth edges.
    """
    import numpy
    import trimesh
    from PIL import Image, ImageDraw

    mesh: Any = trimesh.load(str(path), force="mesh")
    vertices = numpy.asarray(mesh.vertices, dtype=numpy.float64)
    faces = numpy.asarray(mesh.faces, dtype=numpy.int64)
    if len(faces) == 0:
        raise ValueError(f"{path.name} has no faces to draw")
    try:
        colours = numpy.asarray(mesh.visual.face_colors, dtype=numpy.float64)[:, :3]
    except Exception:  # textured or odd visuals: fall back to one neutral colour
        colours = numpy.tile([150.0, 160.0, 172.0], (len(faces), 1))
    if len(faces) > MESH_PREVIEW_MAX_FACES:
        keep = numpy.linspace(0, len(faces) - 1, MESH_PREVIEW_MAX_FACES).astype(int)
        faces, colours = faces[keep], colours[keep]

    yaw, pitch = numpy.radians(35.0), numpy.radians(-60.0)
    turn = numpy.array(
        [[numpy.cos(yaw), -numpy.sin(yaw), 0], [numpy.sin(yaw), numpy.cos(yaw), 0], [0, 0, 1]]
    )
    tilt = numpy.array(
        [
            [1, 0, 0],
            [0, numpy.cos(pitch), -numpy.sin(pitch)],
            [0, numpy.sin(pitch), numpy.cos(pitch)],
        ]
    )
    rotated = (vertices - vertices.mean(axis=0)) @ (tilt @ turn).T
    triangles = rotated[faces]
    normals = numpy.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
    lengths = numpy.linalg.norm(normals, axis=1, keepdims=True)
    normals = normals / numpy.where(lengths == 0, 1, lengths)
    light = numpy.array([0.4, 0.5, 1.0]) / numpy.linalg.norm([0.4, 0.5, 1.0])
    # abs(): meshes with inconsistent winding still shade instead of turning black.
    shade = 0.3 + 0.7 * numpy.abs(normals @ light)
    shaded = numpy.clip(colours * shade[:, None], 0, 255).astype(int)

    scale_up = 2
    width, height = size[0] * scale_up, size[1] * scale_up
    span = numpy.ptp(rotated[:, :2], axis=0)
    factor = 0.9 * min(width / max(span[0], 1e-9), height / max(span[1], 1e-9))
    centre = (rotated[:, :2].max(axis=0) + rotated[:, :2].min(axis=0)) / 2
    screen_x = (triangles[:, :, 0] - centre[0]) * factor + width / 2
    screen_y = height / 2 - (triangles[:, :, 1] - centre[1]) * factor
    order = numpy.argsort(triangles[:, :, 2].mean(axis=1))  # far (small z) first
    image = Image.new("RGB", (width, height), (246, 247, 250))
    draw = ImageDraw.Draw(image)
    for index in order:
        polygon = list(zip(screen_x[index].tolist(), screen_y[index].tolist(), strict=True))
        draw.polygon(polygon, fill=tuple(shaded[index].tolist()))
    image = image.resize(size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def media_preview(
    name: str, modality: str, path: Path, mime: str | None, placement: MediaPlacement
) -> str:
    """An HTML fragment showing one file the way a reader would want to see it.

    ``name`` (a checked placeholder tag such as ``image1``) labels it and names a linked copy;
    ``path`` is a file the caller has already allowed (see ``unima.trace.access``). A missing
    or unreadable file becomes a visible note, never an exception: a trace outlives its media.
    """
    label = escape(name)
    if not path.is_file():
        return f'<p class="missing">&lt;{label}&gt; file not found: {escape(str(path))}</p>'
    mime = media_mime(path, mime, modality)
    file_name = tag_file_name(name, path.suffix)
    try:
        source = media_source(path, mime, file_name, placement)
        link = _download_link(source, file_name, f"{file_name} ({path.stat().st_size:,} bytes)")
        if modality == "image":
            body = f'<img src="{escape(source, quote=True)}" alt="{label}">'
        elif modality == "audio":
            body = f'<audio controls preload="metadata" src="{escape(source, quote=True)}"></audio>'
        elif modality == "video":
            body = (
                f'<video controls preload="metadata" width="640" '
                f'src="{escape(source, quote=True)}"></video>'
            )
        elif modality == "code":
            body = f'<pre class="code">{_highlighted_code(path)}</pre>'
        elif modality == "document":
            what, text = _document_text(path)
            shown = text[:TEXT_PREVIEW_CHARS] + ("…" if len(text) > TEXT_PREVIEW_CHARS else "")
            body = (
                f'<div class="document"><div class="what">{escape(what)}</div>'
                f"<pre>{escape(shown) or '(no text)'}</pre></div>"
            )
        elif modality == "threeD":
            preview = data_uri(mesh_preview_png(path), "image/png")
            body = f'<img class="mesh" src="{preview}" alt="{label}: 3D preview">'
        else:
            body = ""
    except Exception as error:  # a corrupt file costs its preview, not the page
        body = (
            f'<p class="missing">no preview of &lt;{label}&gt;: '
            f"{escape(type(error).__name__)}: {escape(str(error)[:300])}</p>"
        )
        link = ""
    return (
        f'<figure class="media {escape(modality)}" data-tag="{label}">{body}'
        f"<figcaption>&lt;{label}&gt; {escape(modality)} · {escape(mime)} {link}</figcaption>"
        "</figure>"
    )
