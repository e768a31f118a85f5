"""Text files: decode strictly as UTF-8, then tell text meshes, documents and source code apart.

glTF JSON (``.gltf``) is recognised by its content, before the other text checks, by
``sniff_gltf``: a JSON object whose ``asset`` object has a ``version`` of ``2.x``. A file named
``.gltf`` that is not such JSON (truncated, garbage, glTF 1.0) is refused rather than read as text.

Bytes cannot tell a CSV table from Python source, so here the extension and the content decide
together: a known document extension (``.csv``, ``.md``, ``.txt`` ...) wins, then a known code
extension or a shebang, then simple content patterns; pygments names the language.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from unima.errors import InputError
from unima.inputs.formats import MAX_GLTF_JSON_BYTES, Sniffed

TEXT_DOCUMENT_EXTENSIONS: dict[str, tuple[str, str]] = {
    ".csv": ("csv", "text/csv"),
    ".tsv": ("tsv", "text/tab-separated-values"),
    ".tab": ("tsv", "text/tab-separated-values"),
    ".md": ("markdown", "text/markdown"),
    ".markdown": ("markdown", "text/markdown"),
    ".txt": ("txt", "text/plain"),
    ".text": ("txt", "text/plain"),
    ".rst": ("txt", "text/plain"),
    ".log": ("txt", "text/plain"),
}

_OBJ_KEYWORDS = {"v", "vt", "vn", "vp", "f", "l", "p", "o", "g", "s", "usemtl", "mtllib", "#"}
# ``"asset": {... "version": "2.0"`` near the top: enough to call a cut-short sample glTF.
_GLTF_ASSET_VERSION = re.compile(rb'"asset"\s*:\s*\{[^{}]*"version"\s*:\s*"(\d+)\.\d+"')
# Top-level keys only glTF documents have together with an ``asset``.
_GLTF_KEYS = {"accessors", "bufferViews", "buffers", "meshes", "nodes", "scenes"}
_CODE_LINE = re.compile(
    r"^\s*(def |class |import |from \S+ import |function |const |let |var |#include|public |"
    r"private |package |fn |func |return\b|if \(|for \(|while \()"
)
_MARKDOWN_LINE = re.compile(
    r"^(#{1,6}\s|\s*[-*+]\s|\s*\d+\.\s|```|>\s)|\[[^\]]+\]\([^)]+\)|\*\*[^*]+\*\*"
)


def sniff_gltf(
    head: bytes, size: int, *, name: str, shown: str, read_all: Callable[[], bytes]
) -> Sniffed | None:
    """glTF 2.0 JSON by content; ``None`` for anything else (which stays text).

    The JSON is parsed whole (up to ``MAX_GLTF_JSON_BYTES``) when the head starts an object and
    either mentions ``"asset"`` or the file is named ``.gltf``; ``read_all`` supplies the bytes
    beyond the sample.

    Raises:
        InputError: For a file that claims to be glTF (named ``.gltf``, or an ``asset`` version in
            its head) but is not valid glTF 2.0 JSON, or is over the size limit.
    """
    named = Path(name).suffix.lower() == ".gltf"
    body = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if not body.startswith(b"{") or not (named or b'"asset"' in head):
        if named:
            raise InputError(
                "a .gltf file must hold a glTF 2.0 JSON object, and this one does not start with '{'",
                source=shown,
            )
        return None
    claimed = named or _GLTF_ASSET_VERSION.search(head) is not None
    if size > MAX_GLTF_JSON_BYTES:
        if claimed:
            raise InputError(
                f"the glTF JSON is {size} bytes, over the {MAX_GLTF_JSON_BYTES}-byte limit "
                "(export the model as GLB, whose geometry is binary)",
                source=shown,
            )
        return None
    data = head if size <= len(head) else read_all()
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        if claimed:
            raise InputError(f"the glTF file is not valid JSON ({error})", source=shown) from None
        return None
    asset = document.get("asset") if isinstance(document, dict) else None
    version = asset.get("version") if isinstance(asset, dict) else None
    if not isinstance(version, str):
        if named:
            raise InputError(
                "the .gltf file has no asset.version string, so it is not glTF 2.0 JSON",
                source=shown,
            )
        return None
    if not re.fullmatch(r"2\.\d+", version):
        if named or _GLTF_KEYS & set(document):
            raise InputError(
                f"glTF version {version[:20]!r} is not accepted (only 2.x)", source=shown
            )
        return None
    return Sniffed("threeD", "model/gltf+json", "gltf")


def sniff_text(data: bytes, *, complete: bool, name: str, hint: str | None, shown: str) -> Sniffed:
    if b"\x00" in data:
        raise InputError(f"unknown binary format (first bytes: {data[:16].hex(' ')})", source=shown)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    try:
        # A sample cut in the middle of a character is fine: ``final`` is false then.
        text = decoder.decode(data, final=complete)
    except UnicodeDecodeError as error:
        raise InputError(
            f"not a known binary format and not valid UTF-8 text "
            f"(byte 0x{data[error.start]:02x} at offset {error.start})",
            source=shown,
        ) from None
    controls = sum(1 for character in text if ord(character) < 32 and character not in "\t\n\r\f")
    if controls > max(8, len(text) // 20):
        raise InputError(f"unknown binary format (first bytes: {data[:16].hex(' ')})", source=shown)
    if not text.strip():
        raise InputError("the text file holds only whitespace", source=shown)
    extension = Path(name).suffix.lower()
    mesh = _sniff_text_mesh(text, extension, shown)
    if mesh is not None:
        return mesh
    return classify_text(text, name, hint)


def _sniff_text_mesh(text: str, extension: str, shown: str) -> Sniffed | None:
    lines = [line.strip() for line in text.splitlines()[:200] if line.strip()]
    first = lines[0].split() if lines else []
    if first and first[0].upper() in {"OFF", "COFF", "NOFF", "CNOFF", "STOFF"}:
        return Sniffed("threeD", "model/x-off", "off")
    if text.lstrip().startswith("solid") and ("facet" in text[:8192] or "endsolid" in text):
        return Sniffed("threeD", "model/stl", "stl")
    keywords = [line.split()[0] for line in lines if not line.startswith("#")]
    if keywords and "v" in keywords:
        known = sum(1 for keyword in keywords if keyword in _OBJ_KEYWORDS)
        if known >= 0.9 * len(keywords):
            return Sniffed("threeD", "model/obj", "obj")
    return None


def classify_text(text: str, name: str, hint: str | None = None) -> Sniffed:
    """Decide between a text document (CSV, TSV, Markdown, plain text) and source code.

    The extension decides when it is known; otherwise a shebang, pygments and simple line
    patterns decide. ``hint`` ("code" or "document") wins over the extension, so a UniM
    ``code1`` tag on a ``.txt`` file stays code.
    """
    extension = Path(name).suffix.lower()
    document = TEXT_DOCUMENT_EXTENSIONS.get(extension)
    if hint == "code":
        return _code(text, name)
    if hint == "document":
        if document:
            return Sniffed("document", document[1], document[0])
        return _document_by_content(text) or Sniffed("document", "text/plain", "txt")
    if document:
        return Sniffed("document", document[1], document[0])
    if text.startswith("#!") or _code_lexer_for_name(name, text) is not None:
        return _code(text, name)
    by_content = _document_by_content(text)
    if by_content is not None:
        return by_content
    lines = [line for line in text.splitlines()[:400] if line.strip()]
    code_lines = sum(
        1
        for line in lines
        if _CODE_LINE.match(line) or line.rstrip().endswith((";", "{", "}", ":"))
    )
    if lines and (code_lines >= 3 or code_lines >= 0.3 * len(lines)):
        return _code(text, name)
    return Sniffed("document", "text/plain", "txt")


def _document_by_content(text: str) -> Sniffed | None:
    if _looks_like_delimited(text, ","):
        return Sniffed("document", "text/csv", "csv")
    if _looks_like_delimited(text, "\t"):
        return Sniffed("document", "text/tab-separated-values", "tsv")
    lines = text.splitlines()[:400]
    headings = sum(1 for line in lines if re.match(r"^#{1,6}\s+\S", line))
    signals = sum(1 for line in lines if _MARKDOWN_LINE.search(line))
    if (headings >= 1 and signals >= 2) or signals >= 4:
        return Sniffed("document", "text/markdown", "markdown")
    return None


def _looks_like_delimited(text: str, delimiter: str) -> bool:
    lines = [line for line in text.splitlines()[:21] if line.strip()]
    if len(lines) < 2:
        return False
    try:
        rows = list(csv.reader(lines, delimiter=delimiter))
    except csv.Error:
        return False
    widths = {len(row) for row in rows}
    return len(rows) >= 2 and len(widths) == 1 and widths.pop() >= 2


def _code_lexer_for_name(name: str, text: str) -> Any:
    """The pygments lexer class the file name points to, unless it is a plain-text one."""
    if not name:
        return None
    # pygments' lexer tables take 50 ms to import; most inputs never need them.
    from pygments.lexers import find_lexer_class_for_filename

    lexer_class = find_lexer_class_for_filename(name, text[:4096])
    if lexer_class is None or lexer_class.name in {"Text only", "Markdown", "reStructuredText"}:
        return None
    return lexer_class


def guess_language(text: str, name: str = "") -> tuple[str, str]:
    """The programming language of ``text`` as (pygments name, MIME type), e.g. ("Python", "text/x-python")."""
    from pygments.lexers import guess_lexer
    from pygments.util import ClassNotFound

    lexer_class = _code_lexer_for_name(name, text)
    if lexer_class is None:
        try:
            lexer_class = type(guess_lexer(text[:20000]))
        except ClassNotFound:
            return "Text only", "text/plain"
    mimes = getattr(lexer_class, "mimetypes", None) or ["text/plain"]
    return lexer_class.name, mimes[0]


def _code(text: str, name: str) -> Sniffed:
    language, mime = guess_language(text, name)
    return Sniffed("code", mime, "source", language)
