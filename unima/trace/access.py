"""Which files a trace may make the viewer read.

Traces are meant to be shared, so a trace is untrusted input: its ``path`` fields could name
``/etc/shadow`` or ``~/.ssh/id_rsa`` and the HTML page would embed them. The viewer therefore
reads a file only when its real path (symbolic links resolved) lies

- under a folder the viewer trusts: the folder holding the trace file, the folders the user
  allowed by name (``--allow-dir``), and this machine's work folder for the trace's run id
  (``<artifact dir>/../work/<run id>``); or
- in a content-addressed artifact store (this machine's, or the one the trace records) *and*
  is stored as ``<sha[:2]>/<sha><suffix>`` with bytes whose sha256 is that name. A store path
  recorded in a trace is chosen by whoever wrote the trace, so only the hash check makes it
  safe: nobody can name a secret file by its own hash without already knowing its content; or
- anywhere else, if it is a regular file of at most ``MAX_HASHED_BYTES`` whose bytes hash to the
  sha256 the trace records for that very item (a request's input file, an artifact). The same
  argument applies: whoever wrote the trace already had exactly those bytes, so showing them
  leaks nothing, and a user's own inputs (``--input ~/photo.png``) still show on their page.

Everything else is refused by name, without being opened.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from unima.config import Settings, load_settings
from unima.errors import InputError, UnimaError, UnsafePathError
from unima.filenames import check_run_id, check_tag
from unima.files import file_sha256
from unima.inputs.paths import require_regular_file
from unima.trace.schema import Trace

MAX_PATH_CHARS = 4096
# Outside the readable folders a file is hashed to compare with the trace's record; bounded so a
# hostile trace cannot make the viewer hash a huge file.
MAX_HASHED_BYTES = 1 << 30
_SHA256 = re.compile(r"[0-9a-f]{64}")
_STORED_NAME = re.compile(r"([0-9a-f]{64})(\.[a-z0-9]{1,10})?")


def _real(path: Path | str) -> Path:
    return Path(os.path.realpath(Path(path).expanduser()))


@dataclass(frozen=True)
class ReadableFolders:
    """The folders whose files a trace page may read.

    Args:
        folders: real paths of folders any regular file under which may be read.
        stores: real paths of artifact stores, whose files are read only when named by their
            own sha256 (``<sha[:2]>/<sha><suffix>``).
    """

    folders: tuple[Path, ...] = ()
    stores: tuple[Path, ...] = ()
    _verdicts: dict[str, Path | UnimaError] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def for_trace(
        cls,
        trace: Trace,
        *,
        trace_path: Path | str | None = None,
        allow: Iterable[Path | str] = (),
        settings: Settings | None = None,
    ) -> ReadableFolders:
        """The folders ``trace`` may read: see the module docstring.

        Args:
            trace: the (untrusted) trace.
            trace_path: the trace file, whose folder is readable.
            allow: further folders the user allowed by name.
            settings: this machine's settings (default: from ``UNIMA_*``), for its store.
        """
        settings = settings or load_settings()
        store = Path(settings.artifact_dir)
        folders = [_real(folder) for folder in allow]
        if trace_path is not None:
            folders.append(_real(Path(trace_path).parent))
        with suppress(UnsafePathError):  # a hostile run id names no work folder of ours
            folders.append(_real(store.parent / "work" / check_run_id(trace.run_id)))
        stores = [_real(store)]
        recorded = trace.settings.get("artifact_dir")
        if isinstance(recorded, str) and recorded and "\x00" not in recorded:
            stores.append(_real(recorded))
        return cls(folders=tuple(dict.fromkeys(folders)), stores=tuple(dict.fromkeys(stores)))

    def describe(self) -> str:
        """The readable folders, for messages."""
        shown = [str(folder) for folder in self.folders]
        shown += [f"{store} (by hash)" for store in self.stores]
        return ", ".join(shown) or "none"

    def check(self, path_text: object, sha256: object = None) -> Path:
        """Return the real path of the file ``path_text`` names, if the trace may read it.

        Args:
            path_text: the path as the trace records it.
            sha256: the sha256 the trace records for the same item, if any; a file outside
                the readable folders is read only when its bytes hash to it.

        Raises:
            UnsafePathError: the path is outside every readable folder (or not a path); the
                file was not opened.
            InputError: the path is inside, but the file is missing or not a regular file.
        """
        key = repr((path_text, sha256))
        verdict = self._verdicts.get(key)
        if verdict is None:
            try:
                verdict = self._check(path_text, sha256)
            except (UnsafePathError, InputError) as error:
                verdict = error
            self._verdicts[key] = verdict
        if isinstance(verdict, UnimaError):
            raise verdict
        return verdict

    def _check(self, path_text: object, sha256: object) -> Path:
        if (
            not isinstance(path_text, str)
            or not path_text
            or "\x00" in path_text
            or len(path_text) > MAX_PATH_CHARS
        ):
            raise UnsafePathError("refused: not a file path", source=repr(path_text)[:200])
        real = _real(path_text)
        if any(real.is_relative_to(folder) for folder in self.folders):
            return require_regular_file(real, shown=path_text)
        for store in self.stores:
            named_sha256 = _stored_sha256(real, store)
            if named_sha256 is None:
                continue
            require_regular_file(real, shown=path_text)
            if file_sha256(real) == named_sha256:
                return real
            raise UnsafePathError(
                f"refused to read {path_text}: its bytes do not match the sha256 its name in "
                "the artifact store claims",
                source=None,
            )
        if isinstance(sha256, str) and _SHA256.fullmatch(sha256):
            with suppress(InputError, OSError):
                require_regular_file(real, shown=path_text)
                if real.stat().st_size <= MAX_HASHED_BYTES and file_sha256(real) == sha256:
                    return real
        raise UnsafePathError(
            f"refused to read {path_text}: it is outside the folders this trace may read "
            f"({self.describe()}) and its bytes do not match a sha256 the trace records; "
            "pass --allow-dir with its folder to show it",
            source=None,
        )


def _stored_sha256(real: Path, store: Path) -> str | None:
    """The sha256 that ``real`` is named by, if it is laid out as ``<sha[:2]>/<sha><suffix>``."""
    if not real.is_relative_to(store):
        return None
    parts = real.relative_to(store).parts
    match = _STORED_NAME.fullmatch(parts[-1]) if len(parts) == 2 else None
    if match is None or parts[0] != match.group(1)[:2]:
        return None
    return match.group(1)


def refused_media(trace: Trace, readable: ReadableFolders) -> list[str]:
    """Why each file the trace names was not shown: a bad tag or a path outside its folders.

    The viewer prints these next to the page it wrote, so a refused path is seen, not hidden.
    """
    named: list[tuple[object, str | None, str | None]] = []
    if trace.request is not None:
        named += [(part.tag, part.path, part.sha256) for part in trace.request.parts if part.path]
    if trace.response is not None:
        named += [
            (tag, artifact.path, artifact.sha256)
            for tag, artifact in trace.response.artifacts.items()
        ]
    messages = []
    for tag, path_text, sha256 in named:
        try:
            check_tag(tag)
            readable.check(path_text, sha256)
        except UnsafePathError as error:
            messages.append(f"<{tag}> not shown: {error}")
        except InputError:
            continue  # a missing file is noted on the page; nothing was refused
    return messages
