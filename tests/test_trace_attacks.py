"""A shared trace, a request or a model answer as an attacker: files, terminal, Markdown.

Issue 10 items: a trace is untrusted input, so its tags never become file names unchecked and
its paths are read only inside the run's own folders (01); text printed on a terminal cannot
drive it (10); ``answer.md`` does not carry live HTML (11); generated file names stay plain.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from test_trace_view import build_trace

from unima.errors import TraceError, UnsafePathError
from unima.filenames import check_run_id, check_tag, safe_file_name, tag_file_name
from unima.perception.view import render_perception
from unima.terminal import terminal_safe
from unima.trace.html import write_trace_html
from unima.trace.schema import Trace, load_trace
from unima.trace.store import ArtifactStore
from unima.trace.view import render_trace
from unima.types import Artifact, Part, Perception, Response

SECRET = b"root:$6$very-secret-hash:19000:0:99999:7:::\n"
HOSTILE = (
    "\x1b[2J\x1b]0;pwned\x07\x9b31m\r\u202egnp.exe\u202c [red]red[/red] [link=file:///etc]x[/link]"
)


def write_trace(folder: Path, trace: Trace) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "trace.json"
    path.write_text(trace.model_dump_json(), encoding="utf-8")
    return path


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


def with_request_part(trace: Trace, part: Part) -> Trace:
    assert trace.request is not None
    request = trace.request.model_copy(update={"parts": (part,)})
    return trace.model_copy(update={"request": request})


def with_answer_artifact(trace: Trace, tag: str, path: str) -> Trace:
    assert trace.response is not None
    made = trace.response.artifacts["image2"].model_copy(update={"path": path})
    response = trace.response.model_copy(update={"artifacts": {tag: made}})
    return trace.model_copy(update={"response": response})


def plain_console() -> Console:
    # No colour system: any escape byte in the output came from the text, not from rich.
    return Console(file=io.StringIO(), width=200, color_system=None, force_terminal=False)


def assert_terminal_safe(output: str) -> None:
    for character in ("\x1b", "\x9b", "\x07", "\r", "\u202e", "\u202c"):
        assert character not in output, f"{character!r} reached the terminal"
    assert "\\x1b[2J" in output and "\\u202e" in output  # shown, not hidden
    assert "[red]red[/red]" in output and "[link=file:///etc]x[/link]" in output


# ------------------------------------------------------------------ 01: trace reads and writes


def test_attack_01_tag_cannot_write_outside_the_page_media_folder(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    image = shared / "picture.png"
    shared.mkdir()
    image.write_bytes(png_bytes())
    tag = "../../../pwned"
    trace = with_request_part(build_trace(), Part(modality="image", tag=tag, path=str(image)))
    trace_file = write_trace(shared, trace)
    out = tmp_path / "view" / "deep" / "page.html"
    page = write_trace_html(load_trace(trace_file), out, embed_limit_bytes=0, trace_path=trace_file)
    assert not list(tmp_path.glob("pwned*"))
    written = {path.relative_to(out.parent) for path in out.parent.rglob("*")}
    assert all(not str(path).startswith("..") for path in written)
    text = page.read_text(encoding="utf-8")
    assert "not a placeholder tag" in text and "&#x27;../../../pwned&#x27;" in text


def test_attack_01_trace_cannot_embed_files_outside_its_folders(tmp_path: Path) -> None:
    secret = tmp_path / "etc" / "shadow"
    secret.parent.mkdir()
    secret.write_bytes(SECRET)
    shared = tmp_path / "shared"
    # A link beside the trace that points out of it is refused too.
    shared.mkdir()
    (shared / "link.png").symlink_to(secret)
    trace = with_request_part(
        build_trace(), Part(modality="document", tag="document1", path=str(secret))
    )
    trace = with_answer_artifact(trace, "image2", str(shared / "link.png"))
    trace_file = write_trace(shared, trace)
    page = write_trace_html(load_trace(trace_file), tmp_path / "page.html", trace_path=trace_file)
    text = page.read_text(encoding="utf-8")
    assert "very-secret-hash" not in text
    assert base64.b64encode(SECRET).decode()[:20] not in text
    assert f"refused to read {secret}" in text and "outside the folders" in text
    assert f"refused to read {shared / 'link.png'}" in text


def test_attack_01_files_of_the_run_are_still_shown(tmp_path: Path) -> None:
    data = png_bytes()
    store = ArtifactStore(tmp_path / "elsewhere" / "artifacts")
    stored, sha256, _ = store.put_bytes(data, ".png")
    shared = tmp_path / "shared"
    beside = shared / "media" / "input.png"
    beside.parent.mkdir(parents=True)
    beside.write_bytes(data)
    trace = with_request_part(build_trace(), Part(modality="image", tag="image1", path=str(beside)))
    trace = with_answer_artifact(trace, "image2", str(stored))
    trace = trace.model_copy(update={"settings": {"artifact_dir": str(store.root)}})
    trace_file = write_trace(shared, trace)
    page = write_trace_html(load_trace(trace_file), tmp_path / "page.html", trace_path=trace_file)
    text = page.read_text(encoding="utf-8")
    assert text.count(base64.b64encode(data).decode()) == 4 and "refused" not in text  # src + link
    # A recorded "store" holds only files named by their own sha256: a renamed file is refused.
    fake = store.root / sha256[:2] / f"{'f' * 64}.png"
    fake.write_bytes(SECRET)
    forged = with_answer_artifact(trace, "image2", str(fake))
    page = write_trace_html(forged, tmp_path / "forged.html", trace_path=trace_file)
    assert "very-secret-hash" not in page.read_text(encoding="utf-8")


def test_attack_01_an_input_elsewhere_is_shown_only_when_its_bytes_match_the_trace(
    tmp_path: Path,
) -> None:
    """A user's own input outside the trace's folders shows; a guessed or wrong hash does not."""
    data = png_bytes()
    photo = tmp_path / "home" / "photo.png"
    photo.parent.mkdir()
    photo.write_bytes(data)
    secret = tmp_path / "etc" / "shadow"
    secret.parent.mkdir()
    secret.write_bytes(SECRET)
    digest = hashlib.sha256(data).hexdigest()
    shared = tmp_path / "shared"
    shared.mkdir()
    own = Part(modality="image", tag="image1", path=str(photo), sha256=digest)
    trace_file = write_trace(shared, with_request_part(build_trace(), own))
    text = write_trace_html(
        load_trace(trace_file), tmp_path / "own.html", trace_path=trace_file
    ).read_text(encoding="utf-8")
    assert base64.b64encode(data).decode() in text
    assert f"refused to read {photo}" not in text
    # The same recorded hash on another file, or no hash at all, is refused unread.
    for sha256 in (digest, None, "not-a-hash"):
        hostile = Part(modality="document", tag="document1", path=str(secret), sha256=sha256)
        trace_file = write_trace(shared, with_request_part(build_trace(), hostile))
        text = write_trace_html(
            load_trace(trace_file), tmp_path / "hostile.html", trace_path=trace_file
        ).read_text(encoding="utf-8")
        assert base64.b64encode(SECRET).decode()[:20] not in text
        assert f"refused to read {secret}" in text


def test_attack_01_run_id_cannot_name_a_page_outside_the_folder(tmp_path: Path) -> None:
    trace = build_trace().model_copy(update={"run_id": "../../escaped"})
    with pytest.raises(TraceError, match="run id"):
        write_trace_html(trace, tmp_path / "pages" / "a" / "b")
    assert not list(tmp_path.rglob("escaped*"))


def _valid_trace_document() -> dict[str, Any]:
    return json.loads(build_trace().model_dump_json())


def _nested_list(depth: int) -> list[Any]:
    value: list[Any] = [1]
    for _ in range(depth):
        value = [value]
    return value


def _nested(depth: int) -> str:
    return '{"schema_version": 1, "x": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize(
    "hostile",
    [
        pytest.param(lambda: _nested(100_000), id="deep-nesting"),
        pytest.param(
            lambda: '{"schema_version": 1, "run_id": ' + "9" * 50_000 + "}", id="huge-int"
        ),
        pytest.param(lambda: {**_valid_trace_document(), "started_at": 1e300}, id="far-time"),
        pytest.param(lambda: {**_valid_trace_document(), "run_id": "../../x"}, id="run-id"),
        pytest.param(
            lambda: {**_valid_trace_document(), "plans": [{"content": "", "nodes": [{"x": 1}]}]},
            id="node-without-id",
        ),
        pytest.param(
            lambda: {
                **_valid_trace_document(),
                "plans": [{"content": "", "nodes": [{"id": "a", "tool": "t", "depends_on": 5}]}],
            },
            id="node-bad-field",
        ),
        pytest.param(
            lambda: {**_valid_trace_document(), "settings": {"a": _nested_list(15)}},
            id="deep-but-parseable",
        ),
    ],
)
def test_attack_01_malformed_trace_is_a_trace_error(
    tmp_path: Path, hostile: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import unima.trace.schema as schema

    monkeypatch.setattr(schema, "MAX_TRACE_DEPTH", 12)
    document = hostile()
    path = tmp_path / "hostile.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    with pytest.raises(TraceError):
        load_trace(path)


def test_attack_01_oversized_trace_is_a_trace_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import unima.trace.schema as schema

    monkeypatch.setattr(schema, "MAX_TRACE_BYTES", 1000)
    path = write_trace(tmp_path, build_trace())
    with pytest.raises(TraceError, match="larger than"):
        load_trace(path)


def test_attack_01_response_save_refuses_a_tag_that_is_a_path(tmp_path: Path) -> None:
    source = tmp_path / "made.png"
    source.write_bytes(png_bytes())
    made = Artifact(modality="image", path=str(source), mime="image/png", sha256="a" * 64)
    response = Response(content="see <image1>", artifacts={"../../escaped": made})
    with pytest.raises(UnsafePathError, match="not a placeholder tag"):
        response.save(tmp_path / "out" / "answer")
    assert not list(tmp_path.rglob("escaped*"))


def test_attack_01_tag_validator() -> None:
    assert check_tag("threeD2") == "threeD2" and tag_file_name("image1", ".PNG") == "image1.png"
    for bad in ("../image1", "image1/..", "image", "image1\n", "image\u0661", "text1", 3, None):
        with pytest.raises(UnsafePathError):
            check_tag(bad)
    assert check_run_id("20270115-080000-golden01")
    for bad in ("", "../x", ".hidden", "a/b", "a\x1b", "x" * 200):
        with pytest.raises(UnsafePathError):
            check_run_id(bad)


# ------------------------------------------------------------------ 10: terminal output


def test_attack_10_trace_view_shows_escape_codes_instead_of_running_them() -> None:
    trace = build_trace()
    assert trace.request is not None and trace.response is not None
    trace = trace.model_copy(
        update={
            "error": HOSTILE,
            "request": trace.request.model_copy(update={"text": HOSTILE}),
            "response": trace.response.model_copy(
                update={"content": HOSTILE, "problems": [HOSTILE]}
            ),
        }
    )
    console = plain_console()
    render_trace(trace, console)
    assert_terminal_safe(console.file.getvalue())  # type: ignore[attr-defined]


def test_attack_10_perceive_shows_escape_codes_instead_of_running_them() -> None:
    perception = Perception(
        modality="document",
        text=HOSTILE,
        summary=HOSTILE,
        failures=(HOSTILE,),
        meta={"title": HOSTILE, HOSTILE: 1},
    )
    console = plain_console()
    render_perception(perception, console, title=HOSTILE)
    assert_terminal_safe(console.file.getvalue())  # type: ignore[attr-defined]


def test_attack_10_run_output_shows_escape_codes_instead_of_running_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_command = importlib.import_module("unima.cli.run")  # the package re-exports a `run`
    source = tmp_path / "made.png"
    source.write_bytes(png_bytes())
    made = Artifact(modality="image", path=str(source), mime="image/png", sha256="a" * 64)
    response = Response(
        content=HOSTILE + " <image1>",
        artifacts={"image1": made},
        status="partial",
        problems=[HOSTILE],
        run_id="r1",
    )
    console = plain_console()
    monkeypatch.setattr(run_command, "console", console)
    run_command._print_response(response, None)
    assert_terminal_safe(console.file.getvalue())  # type: ignore[attr-defined]


def test_attack_10_trace_diff_shows_escape_codes_instead_of_running_them() -> None:
    from unima.trace.diff import diff_traces, render_diff

    trace = build_trace()
    assert trace.request is not None
    hostile = trace.model_copy(
        update={"request": trace.request.model_copy(update={"text": HOSTILE}), "run_id": "b"}
    )
    console = plain_console()
    render_diff(diff_traces(trace, hostile), console)
    assert_terminal_safe(console.file.getvalue())  # type: ignore[attr-defined]


def test_attack_10_run_progress_shows_step_errors_as_written() -> None:
    from unima.cli.progress import RunProgress
    from unima.trace.schema import TraceEvent

    console = plain_console()
    with RunProgress(console) as progress:
        for kind, data in (("step_start", {"tool": HOSTILE}), ("step_end", {"error": HOSTILE})):
            progress.update(
                TraceEvent(kind=kind, node="run_step", time=0.0, step_id=HOSTILE, data=data)
            )
    output = console.file.getvalue()  # type: ignore[attr-defined]
    for character in ("\x1b", "\x9b", "\x07", "\u202e"):
        assert character not in output
    assert "[red]red[/red]" in output


def test_attack_10_cli_errors_do_not_interpret_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    application = importlib.import_module("unima.cli.app")  # the package re-exports an `app`
    console = plain_console()
    monkeypatch.setattr(application, "error_console", console)
    application.fail(f"cannot read {HOSTILE}")
    output = console.file.getvalue()  # type: ignore[attr-defined]
    assert output.startswith("error: cannot read")
    assert_terminal_safe(output)


# ------------------------------------------------------------------ 11: answer.md


def test_attack_11_markdown_escapes_html_from_the_request_or_model(tmp_path: Path) -> None:
    source = tmp_path / "made.png"
    source.write_bytes(png_bytes())
    made = Artifact(modality="image", path=str(source), mime="image/png", sha256="a" * 64)
    response = Response(
        content='<script>alert(1)</script> **bold** <img src=x onerror="alert(2)"> <image1> & more',
        artifacts={"image1": made},
    )
    saved = response.save(tmp_path / "answer")
    markdown = (saved / "answer.md").read_text(encoding="utf-8")
    assert "<script" not in markdown and "<img" not in markdown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown
    assert "**bold**" in markdown and "&amp; more" in markdown
    assert "![image1](media/image1.png)" in markdown
    assert (saved / "media" / "image1.png").read_bytes() == source.read_bytes()


def test_attack_11_markdown_media_links_are_url_escaped() -> None:
    made = Artifact(modality="audio", path="/tmp/a b)(c/x.wav", mime="audio/wav", sha256="a" * 64)
    markdown = Response(content="<audio1>", artifacts={"audio1": made}).to_markdown()
    assert markdown == "[audio1 (audio)](/tmp/a%20b%29%28c/x.wav)"
    assert Response(content="<audio1>", artifacts={"audio1": made}).to_markdown("media") == (
        "[audio1 (audio)](media/audio1.wav)"
    )


# ------------------------------------------------------------------ output file names


def test_attack_also_output_names_store_keeps_no_control_characters(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path / "store")
    stored, sha256, _ = store.put_bytes(b"data", ".png\x1b[2J\n")
    assert stored.name == sha256 and stored.parent.name == sha256[:2]
    source = tmp_path / "figure.PNG\x1b]0;x"
    source.write_bytes(b"more")
    stored, sha256, _ = store.put_file(source)
    assert stored.name == sha256


def test_attack_also_output_names_saved_media_names_are_plain(tmp_path: Path) -> None:
    source = tmp_path / "made.wav\x1b[2J"
    source.write_bytes(b"RIFF")
    made = Artifact(modality="audio", path=str(source), mime="audio/wav", sha256="a" * 64)
    saved = Response(content="<audio1>", artifacts={"audio1": made}).save(tmp_path / "out")
    assert [path.name for path in (saved / "media").iterdir()] == ["audio1"]


def test_attack_also_output_names_free_names_are_cleaned() -> None:
    assert safe_file_name("re\x1b[2Jport\u202e.pdf") == "re_[2Jport_.pdf"
    assert safe_file_name("../../etc/passwd") == "_.._etc_passwd"
    assert safe_file_name("...") == "file"
    long = safe_file_name("é" * 300 + ".docx")
    assert long.endswith(".docx") and len(long.encode()) <= 200
    assert hashlib.sha256(long.encode()).hexdigest()  # valid UTF-8 after the cut


def test_attack_also_output_names_run_id_cannot_leave_the_trace_folder(tmp_path: Path) -> None:
    from unima import UniMA
    from unima.testing import fake_toolbox

    agent = UniMA(tools=fake_toolbox(), trace_dir=tmp_path / "traces")
    with pytest.raises(UnsafePathError, match="run id"):
        agent.respond("Explain tides. Include one image.", run_id="../../escaped\x1b[2J")
    assert not list(tmp_path.rglob("escaped*"))


def test_attack_07_terminal_output_shows_undecodable_file_names_as_escapes() -> None:
    name = os.fsdecode(b"/data/bad\xff\x1b.png")
    shown = terminal_safe(f"input {name}")
    assert shown == "input /data/bad\\xff\\x1b.png"
    shown.encode("utf-8")  # would raise on a surrogate escape
