"""Safe resolution of media paths that come from untrusted places (dataset JSON, requests).

A dataset entry such as ``{"image1": "image/img_0001_i1.png"}`` names a file *relative to a media
root*. Joining it naively lets ``../../etc/passwd``, ``/etc/passwd``, ``file:///etc/passwd`` or a
symbolic link inside the dataset read any file on the machine (the huggingface/datasets#8324 class
of bug). ``resolve_media_path`` applies the rules of the reliability notes (§3.2): refuse every
form that is not a plain relative path, resolve the real path, require it to stay under the real
root, and require a regular file (a FIFO would block a reader, a device would never end).

Files a user names directly (``unima perceive FILE``, ``--input FILE``, a path in
``build_request``) are not under a media root, but a symbolic link among them may still point at
``/etc/shadow``: ``check_link_stays_in_folder`` refuses a link whose target leaves the folder the
user named, unless the caller follows links on purpose (``follow_symlinks=True``,
``--follow-symlinks``).

File names are bytes. One that is not UTF-8 reaches Python with surrogate escapes
(``bad\\udcff.png``); it is kept as is for opening the file, and ``shown_path`` gives the form
for messages and metadata (``bad\\xff.png``), which is always valid UTF-8.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from unima.errors import InputError, UnsafePathError
from unima.filenames import shown_path

MAX_PATH_BYTES = 4096
MAX_COMPONENT_BYTES = 255

# "C:", "c:\", "C:/" (a drive letter is also a one-letter URL scheme, so it is checked first).
_DRIVE_PATTERN = re.compile(r"^[A-Za-z]:")
# RFC 3986 scheme: "http:", "file:", "data:", "s3:" ... before any slash.
_SCHEME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_CONTROL_PATTERN = re.compile(r"[\x00-\x1f\x7f]")


def check_relative_path_text(relative: object) -> str:
    """Validate the text of a relative media path without touching the file system.

    Args:
        relative: The path as found in a dataset or request.

    Returns:
        The same text, known to be a plain relative POSIX path.

    Raises:
        UnsafePathError: When the text is not a string, is empty, holds NUL or control
            characters, is a URL, an absolute or Windows path, uses backslashes, has a ``..``
            component, or is too long.
    """
    if not isinstance(relative, str):
        raise UnsafePathError(
            f"a media path must be a string, got {type(relative).__name__}", source=repr(relative)
        )
    shown = repr(relative[:200])
    if not relative.strip():
        raise UnsafePathError(
            "the media path is empty; give a path relative to the media root", source=shown
        )
    if "\x00" in relative:
        raise UnsafePathError("the media path contains a NUL byte", source=shown)
    if _CONTROL_PATTERN.search(relative):
        raise UnsafePathError(
            "the media path contains control characters (newline, tab ...)", source=shown
        )
    try:
        os.fsencode(relative)
    except UnicodeEncodeError:
        raise UnsafePathError(
            "the media path holds characters the file system cannot encode", source=shown
        ) from None
    if len(relative.encode("utf-8", "surrogatepass")) > MAX_PATH_BYTES:
        raise UnsafePathError(f"the media path is longer than {MAX_PATH_BYTES} bytes", source=shown)
    if _DRIVE_PATTERN.match(relative):
        raise UnsafePathError(
            "Windows drive paths are not accepted; give a path relative to the media root",
            source=shown,
        )
    if "\\" in relative:
        raise UnsafePathError(
            "backslashes are not accepted in media paths (Windows or UNC form); use '/'",
            source=shown,
        )
    if _SCHEME_PATTERN.match(relative):
        raise UnsafePathError(
            "URLs are not accepted as media paths; download the file and give its relative path",
            source=shown,
        )
    if relative.startswith("/"):
        raise UnsafePathError(
            "absolute paths are not accepted; give a path relative to the media root", source=shown
        )
    components = relative.split("/")
    if ".." in components:
        raise UnsafePathError("'..' components are not accepted in media paths", source=shown)
    for component in components:
        if len(component.encode("utf-8", "surrogatepass")) > MAX_COMPONENT_BYTES:
            raise UnsafePathError(
                f"a path component is longer than {MAX_COMPONENT_BYTES} bytes", source=shown
            )
    return relative


def resolve_media_path(root: Path | str, relative: str) -> Path:
    """Resolve ``relative`` under ``root`` and return the real path of a regular file inside it.

    Args:
        root: The media root (for UniM: ``data/<domain>/<subdomain>``). It must exist.
        relative: The path from the dataset or request, relative to ``root``.

    Returns:
        The absolute, symlink-free path of the file; it is always inside ``realpath(root)``.

    Raises:
        UnsafePathError: When ``relative`` is not a plain relative path or resolves (through
            symbolic links) outside the root.
        InputError: When the root is not a folder, or the file is missing, unreadable or not a
            regular file.
    """
    text = check_relative_path_text(relative)
    root_path = Path(root)
    if not root_path.is_dir():
        raise InputError("the media root is not an existing folder", source=str(root_path))
    real_root = Path(os.path.realpath(root_path))
    real = Path(os.path.realpath(real_root / text))
    if not real.is_relative_to(real_root):
        raise UnsafePathError(
            f"the media path resolves to {str(real)!r}, outside the media root {str(real_root)!r} "
            "(through a symbolic link); copy the file into the media root instead",
            source=repr(text),
        )
    return require_regular_file(real, shown=text)


def printable_error(error: InputError) -> InputError:
    """Make ``error``'s message and source valid UTF-8 (see ``shown_path``), in place.

    Loaders name the file with ``str(path)``; for a name that is not UTF-8 that text could
    not be written to a trace or printed, so errors are passed through here before they leave.
    """
    if error.source is not None:
        error.source = shown_path(error.source)
    error.args = tuple(shown_path(arg) if isinstance(arg, str) else arg for arg in error.args)
    return error


def check_link_stays_in_folder(path: Path | str, *, follow_symlinks: bool = False) -> None:
    """Refuse a symbolic link that leads out of the folder it sits in.

    ``folder/photo.png -> folder/sub/real.png`` is fine; ``folder/photo.png -> /etc/shadow``
    (directly or through a chain of links) is refused. A link in a folder above (``linked_dir/
    photo.png``) is the user's own choice of folder and is not checked.

    Args:
        path: The file the user named.
        follow_symlinks: Accept every link (the user asked to follow links).

    Raises:
        UnsafePathError: When ``path`` is a link whose target is outside its folder; the message
            names the link and its target.
    """
    if follow_symlinks or not os.path.islink(path):
        return
    link = Path(os.path.abspath(path))
    real_folder = Path(os.path.realpath(link.parent))
    target = Path(os.path.realpath(link))
    if not target.is_relative_to(real_folder):
        raise UnsafePathError(
            f"is a symbolic link to {shown_path(target)!r}, outside the folder "
            f"{shown_path(real_folder)!r}; refused so a link cannot hand unima another file. "
            "Pass follow_symlinks=True (command line: --follow-symlinks) to read it",
            source=shown_path(link),
        )


def require_regular_file(path: Path, *, shown: str | None = None) -> Path:
    """Check that ``path`` is an existing, readable regular file and return its absolute path.

    The file is opened with ``O_NONBLOCK`` and checked with ``fstat`` (not ``stat`` then
    ``open``), so a FIFO cannot block the check and a device or folder is refused.

    Raises:
        InputError: When the file is missing, unreadable, or not a regular file.
    """
    source = shown_path(shown if shown is not None else path)
    absolute = Path(os.path.abspath(path))
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(absolute, flags)
    except FileNotFoundError:
        raise InputError(
            "file not found; check the path and the media root", source=source
        ) from None
    except PermissionError:
        raise InputError("file is not readable (permission denied)", source=source) from None
    except IsADirectoryError:
        raise InputError("this is a folder, not a file", source=source) from None
    except OSError as error:
        raise InputError(f"cannot open the file ({error.strerror})", source=source) from None
    except ValueError:  # a NUL byte or a character the file system cannot encode
        raise UnsafePathError(
            "the path holds a NUL byte or characters the file system cannot encode",
            source=repr(source),
        ) from None
    try:
        mode = os.fstat(descriptor).st_mode
    finally:
        os.close(descriptor)
    if stat.S_ISDIR(mode):
        raise InputError("this is a folder, not a file", source=source)
    if not stat.S_ISREG(mode):
        raise InputError("this is not a regular file (FIFO, device or socket)", source=source)
    return absolute
