"""resolve_media_path: only plain relative paths to regular files inside the root get through."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unima.errors import InputError, UnsafePathError
from unima.inputs.paths import require_regular_file, resolve_media_path


@pytest.fixture(scope="module")
def media_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A media root with files, a folder, links in and out, next to a secret outside it."""
    base = tmp_path_factory.mktemp("paths")
    root = base / "root"
    (root / "image").mkdir(parents=True)
    (root / "image" / "ok.png").write_bytes(b"png bytes")
    (root / "top.txt").write_text("hello")
    (base / "secret.txt").write_text("outside the root")
    (base / "outside_dir").mkdir()
    (base / "outside_dir" / "inner.txt").write_text("also outside")
    os.symlink(base / "secret.txt", root / "link_out.txt")
    os.symlink(base / "outside_dir", root / "dir_out")
    os.symlink(root / "image" / "ok.png", root / "link_in.png")
    os.mkfifo(root / "pipe")
    return root


def test_plain_relative_path_resolves_inside_root(media_root: Path) -> None:
    resolved = resolve_media_path(media_root, "image/ok.png")
    assert resolved == (media_root / "image" / "ok.png").resolve()
    assert resolved.is_absolute()
    assert resolved.read_bytes() == b"png bytes"


def test_root_may_be_given_as_string(media_root: Path) -> None:
    assert resolve_media_path(str(media_root), "top.txt").read_text() == "hello"


def test_link_that_stays_inside_resolves_to_its_target(media_root: Path) -> None:
    assert (
        resolve_media_path(media_root, "link_in.png") == (media_root / "image" / "ok.png").resolve()
    )


@pytest.mark.parametrize(
    ("relative", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("../secret.txt", "'..'"),
        ("image/../../secret.txt", "'..'"),
        ("image/../top.txt", "'..'"),
        ("/etc/passwd", "absolute"),
        ("file:///etc/passwd", "URL"),
        ("http://169.254.169.254/latest/meta-data/", "URL"),
        ("data:image/png;base64,AAAA", "URL"),
        ("C:\\Windows\\win.ini", "Windows drive"),
        ("c:/windows/win.ini", "Windows drive"),
        ("\\\\server\\share\\x", "backslash"),
        ("..\\..\\secret.txt", "backslash"),
        ("image\\ok.png", "backslash"),
        ("image/ok\x00.png", "NUL"),
        ("image/ok.png\n", "control"),
        ("image/\ud800.png", "cannot encode"),
        ("a" * 5000, "longer than 4096"),
        ("image/" + "b" * 300, "component"),
    ],
)
def test_unsafe_forms_are_refused_with_the_reason(
    media_root: Path, relative: str, reason: str
) -> None:
    with pytest.raises(UnsafePathError) as caught:
        resolve_media_path(media_root, relative)
    message = str(caught.value)
    assert reason in message
    assert repr(relative[:20])[1:-1][:10] in message  # the offending path is named


@pytest.mark.parametrize("relative", [None, 3, b"image/ok.png", Path("image/ok.png")])
def test_non_strings_are_refused(media_root: Path, relative: object) -> None:
    with pytest.raises(UnsafePathError, match="must be a string"):
        resolve_media_path(media_root, relative)  # type: ignore[arg-type]


@pytest.mark.parametrize("relative", ["link_out.txt", "dir_out/inner.txt"])
def test_links_out_of_the_root_are_refused(media_root: Path, relative: str) -> None:
    with pytest.raises(UnsafePathError, match="outside the media root") as caught:
        resolve_media_path(media_root, relative)
    assert relative in str(caught.value)


def test_missing_file_is_an_input_error_naming_it(media_root: Path) -> None:
    with pytest.raises(InputError, match="file not found") as caught:
        resolve_media_path(media_root, "image/missing.png")
    assert not isinstance(caught.value, UnsafePathError)
    assert "image/missing.png" in str(caught.value)


@pytest.mark.parametrize(
    ("relative", "reason"), [(".", "folder"), ("image", "folder"), ("pipe", "not a regular file")]
)
def test_folders_and_fifos_are_refused(media_root: Path, relative: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        resolve_media_path(media_root, relative)


def test_missing_root_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="media root is not an existing folder"):
        resolve_media_path(tmp_path / "nope", "x.png")


def test_require_regular_file_refuses_devices() -> None:
    with pytest.raises(InputError, match="not a regular file"):
        require_regular_file(Path("/dev/zero"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of their mode")
def test_unreadable_file_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked.png"
    locked.write_bytes(b"x")
    locked.chmod(0)
    with pytest.raises(InputError, match="permission denied"):
        resolve_media_path(tmp_path, "locked.png")


_PIECES = st.sampled_from(
    ["..", ".", "/", "\\", ":", "%2e%2e", "\x00", "\n", " ", "image", "ok.png", "top.txt", "link_out.txt",
     "dir_out", "inner.txt", "secret.txt", "C:", "file:", "\u2024\u2024", "\uff0e\uff0e", "~", "pipe"]
)  # fmt: skip


def _check_outcome(root: Path, relative: object) -> None:
    real_root = Path(os.path.realpath(root))
    try:
        resolved = resolve_media_path(root, relative)  # type: ignore[arg-type]
    except InputError:  # UnsafePathError included: refusing is always a valid outcome
        return
    assert resolved.is_relative_to(real_root)
    assert resolved.is_file()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(relative=st.lists(_PIECES, max_size=8).map("".join))
def test_property_path_pieces_stay_inside_or_fail(media_root: Path, relative: str) -> None:
    _check_outcome(media_root, relative)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    relative=st.one_of(
        st.text(max_size=60),
        st.text(st.characters(codec=None, categories=["Cs", "Lo", "Po", "Cc"]), max_size=20),
        st.binary(max_size=20),
        st.integers(),
        st.none(),
    )
)
def test_property_arbitrary_values_never_crash(media_root: Path, relative: object) -> None:
    _check_outcome(media_root, relative)
