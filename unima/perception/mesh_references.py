"""Confine the external files a 3D model references to the model's own folder.

OBJ names material libraries (``mtllib``) whose ``map_Kd`` lines name textures, PLY names a
``comment TextureFile``, and glTF buffers and images (in a GLB or a ``.gltf`` file) may carry a
``uri``. trimesh's default resolver follows those names wherever they point, so a hostile model
could make unima read ``/etc/passwd``, ``../../secret.png`` or fetch a URL. Before trimesh sees
the file, this module scans it (bounded reads, no mesh parsing) and sorts every reference into:

- allowed: a relative name that resolves (realpath) to a regular file inside the folder;
- refused: absolute, ``..``, a URL scheme, a NUL byte, or a link that resolves outside;
- missing: safe but absent (the loader just goes without it).

``ConfinedResolver`` (in ``unima.perception.mesh_decode``) then serves only the allowed names.
glTF ``data:`` URIs are embedded bytes, not references: base64 ones are accepted when bounded
(``MAX_DATA_URI_CHARACTERS``, the GLB JSON chunk itself is capped at 16 MiB by the header scan
and a ``.gltf`` file at ``MAX_GLTF_JSON_BYTES``), a larger one refuses the whole model, and one
that is not base64 is recorded as refused (trimesh would ask the resolver for it by name).

A refused or missing glTF *buffer* leaves trimesh without geometry: the perceiver then records
the refusal and keeps the header-scan counts (the same path as any failed decode); a refused
*image* only costs the texture. Buffer names are listed in ``References.buffers`` so the
resolver can allow them the size of a 3D file rather than of a texture.
"""

from __future__ import annotations

import json
import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from unima.errors import InputError
from unima.perception.readers.meshes import read_gltf_json

MAX_SCAN_BYTES = 64 * 2**20
MAX_MATERIAL_FILE_BYTES = 4 * 2**20
MAX_REFERENCES = 256
MAX_DATA_URI_CHARACTERS = 16 * 2**20
MAX_HEADER_LINES = 1000
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
# MTL statements whose argument is a file; options (``-s 1 1 1``) may precede the name.
_MTL_FILE_KEYWORDS = {
    "map_ka", "map_kd", "map_ks", "map_ns", "map_d", "map_bump", "bump", "disp", "decal",
    "refl", "norm", "map_pr", "map_pm", "map_ps", "map_ke",
}  # fmt: skip


@dataclass
class References:
    """The external files of one model: what may be read, what was refused, what is absent."""

    allowed: dict[str, str] = field(default_factory=dict)  # name as written -> real path
    refused: list[dict[str, str]] = field(default_factory=list)  # {"name", "reason"}
    missing: list[str] = field(default_factory=list)
    buffers: list[str] = field(default_factory=list)  # allowed names that are glTF buffers

    def names(self) -> list[str]:
        """Every reference as written, allowed or not, in first-seen order."""
        seen = [*self.allowed, *(item["name"] for item in self.refused), *self.missing]
        return list(dict.fromkeys(seen))


def refusal_reason(folder: Path, name: str) -> str | None:
    """Why ``name`` may not be read from ``folder`` (``None`` when it may).

    Both the name as written and its percent-decoded form are checked, since glTF URIs are
    percent-encoded (``%2e%2e/`` is ``../``).
    """
    for candidate in dict.fromkeys([name, unquote(name)]):
        if not candidate.strip():
            return "it is empty"
        if "\x00" in candidate:
            return "it contains a NUL byte"
        if _URL_SCHEME.match(candidate):
            return "it is a URL or drive path, not a file name relative to the model"
        if candidate.startswith(("/", "\\", "~")):
            return "it is an absolute path"
        if ".." in re.split(r"[\\/]", candidate):
            return "it climbs out of the model's folder with '..'"
    real_folder = os.path.realpath(folder)
    target = os.path.realpath(folder / unquote(name).replace("\\", "/"))
    if os.path.commonpath([real_folder, target]) != real_folder:
        return "it resolves (through a link) outside the model's folder"
    return None


def scan_references(path: Path, file_format: str) -> References:
    """Sort the external references of the model at ``path`` (see the module docstring).

    Raises:
        InputError: For a GLB whose JSON chunk or a ``.gltf`` file whose JSON cannot be read
            (over its limit, not JSON, not an object), or an embedded ``data:`` URI over the
            size limit.
    """
    references = References()
    if file_format == "obj":
        for library in _obj_material_libraries(path):
            if _admit(references, path.parent, library):
                for texture in _mtl_textures(Path(references.allowed[library])):
                    _admit(references, path.parent, texture)
    elif file_format == "ply":
        for texture in _ply_texture_files(path):
            _admit(references, path.parent, texture)
    elif file_format in ("glb", "gltf"):
        document = _glb_document(path) if file_format == "glb" else read_gltf_json(path)
        for key, uri in _gltf_uris(document, str(path), references):
            if _admit(references, path.parent, uri) and key == "buffers":
                references.buffers.append(uri)
    return references


def _admit(references: References, folder: Path, name: str) -> bool:
    if name in references.allowed:
        return True
    if len(references.names()) >= MAX_REFERENCES:
        references.refused.append({"name": name[:200], "reason": "too many references"})
        return False
    reason = refusal_reason(folder, name)
    if reason is not None:
        references.refused.append({"name": name[:200], "reason": reason})
        return False
    target = folder / unquote(name).replace("\\", "/")
    if not target.is_file():
        references.missing.append(name[:200])
        return False
    references.allowed[name] = os.path.realpath(target)
    return True


def _lines(path: Path, limit: int) -> list[str]:
    with path.open("rb") as handle:
        data = handle.read(limit)
    return data.decode("utf-8", "replace").splitlines()


def _obj_material_libraries(path: Path) -> list[str]:
    libraries: list[str] = []
    for line in _lines(path, MAX_SCAN_BYTES):
        # trimesh takes the rest of the first line mentioning ``mtllib`` as one name.
        if "mtllib" in line and not line.lstrip().startswith("#"):
            name = line[line.index("mtllib") + len("mtllib") :].strip()
            if name:
                libraries.append(name)
    return list(dict.fromkeys(libraries))


def _mtl_textures(path: Path) -> list[str]:
    textures: list[str] = []
    for line in _lines(path, MAX_MATERIAL_FILE_BYTES):
        keyword, _, rest = line.strip().partition(" ")
        rest = rest.strip()
        if keyword.lower() in _MTL_FILE_KEYWORDS and rest:
            textures.append(rest)  # trimesh asks for the whole rest of the line
            if rest.startswith("-"):
                textures.append(rest.split()[-1])  # the name after the options
    return list(dict.fromkeys(textures))


def _ply_texture_files(path: Path) -> list[str]:
    textures: list[str] = []
    with path.open("rb") as handle:
        for _ in range(MAX_HEADER_LINES):
            line = handle.readline(4096).decode("utf-8", "replace").strip()
            if not line or line == "end_header":
                break
            words = line.split(None, 2)
            if len(words) == 3 and words[0] == "comment" and words[1].lower() == "texturefile":
                textures.append(words[2].strip())
    return textures


def _glb_document(path: Path) -> dict[str, object]:
    shown = str(path)
    with path.open("rb") as handle:
        header = handle.read(20)
        if len(header) < 20:
            raise InputError("the GLB file is shorter than its headers", source=shown)
        length, kind = struct.unpack_from("<II", header, 12)
        if kind != 0x4E4F534A or length > MAX_DATA_URI_CHARACTERS:
            raise InputError("the GLB JSON chunk is missing or over 16 MiB", source=shown)
        try:
            document = json.loads(handle.read(length).decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise InputError(
                f"the GLB JSON chunk is not valid JSON ({error})", source=shown
            ) from None
    if not isinstance(document, dict):
        raise InputError("the GLB JSON chunk is not an object", source=shown)
    return document


def _gltf_uris(
    document: dict[str, object], shown: str, references: References
) -> list[tuple[str, str]]:
    """(``"buffers"`` or ``"images"``, uri) of every file reference; checks ``data:`` URIs."""
    uris: list[tuple[str, str]] = []
    for key in ("buffers", "images"):
        items = document.get(key)
        for item in items if isinstance(items, list) else []:
            uri = item.get("uri") if isinstance(item, dict) else None
            if not isinstance(uri, str):
                continue
            if uri.startswith("data:"):
                if len(uri) > MAX_DATA_URI_CHARACTERS:
                    raise InputError(
                        f"an embedded data: URI in {key} is {len(uri)} characters, over the limit",
                        source=shown,
                    )
                if ";base64," not in uri[:200]:
                    references.refused.append(
                        {"name": uri[:200], "reason": "a data: URI that is not base64"}
                    )
                continue
            uris.append((key, uri))
    return uris
