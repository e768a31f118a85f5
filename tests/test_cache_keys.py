"""The artifact cache key holds everything that changes a step's file, and a cached artifact is
served only when it is the file the step's arguments ask for."""

from __future__ import annotations

import importlib
import sqlite3
import sys
from pathlib import Path

import pytest

from unima import UniMA, load_trace
from unima.config import Settings, load_settings
from unima.graph.execute import step_cache_key
from unima.tools.document.tool import OfficeDocumentTool
from unima.trace.cache import ArtifactCache, artifact_mismatch, cache_key, source_fingerprint
from unima.types import Artifact, Verification

PDF_REQUEST = "Describe the water cycle. Provide a PDF report."
DOCX_REQUEST = "Describe the water cycle. Provide a Word document."
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def document_key(**arguments: object) -> str:
    tool = OfficeDocumentTool()
    parsed = tool.parse_arguments({"title": "Water", "body": "Rain falls.", **arguments})
    return step_cache_key(tool, parsed, seed=0, dependencies={})


def test_a_different_format_is_a_different_key() -> None:
    assert document_key(format="pdf") != document_key(format="docx")
    assert document_key(format="docx") != document_key(format="markdown")


def test_a_left_out_default_keys_like_the_spelled_default() -> None:
    assert document_key() == document_key(format="pdf", author="", sections=[], tables=[])


def test_every_argument_that_shapes_the_file_is_in_the_key() -> None:
    assert document_key() != document_key(title="Water cycle")
    assert document_key() != document_key(author="A. Writer")
    assert document_key() != document_key(body="Rain falls.\n\nRivers run.")


def test_the_code_version_is_in_the_key() -> None:
    def key(code_version: str) -> str:
        return cache_key(
            tool="render_document",
            backend="reportlab",
            backend_version="reportlab 4; python-docx 1",
            code_version=code_version,
            arguments={"format": "pdf"},
            seed=0,
            input_sha256={},
        )

    assert key("a") != key("b")
    assert document_key() == document_key()  # the loaded tools' code version is stable


def test_the_code_version_follows_the_source_of_the_tools_room(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    room = tmp_path / "plugin_cache_probe" / "tools"
    room.mkdir(parents=True)
    (tmp_path / "plugin_cache_probe" / "__init__.py").write_text("")
    (room / "__init__.py").write_text("")
    (room / "writer.py").write_text("SUFFIX = '.pdf'\n")
    (room / "helpers.py").write_text("DEFAULT = 'pdf'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    monkeypatch.delitem(sys.modules, "plugin_cache_probe", raising=False)
    monkeypatch.delitem(sys.modules, "plugin_cache_probe.tools", raising=False)
    source_fingerprint.cache_clear()
    before = source_fingerprint("plugin_cache_probe.tools.writer")
    assert source_fingerprint("plugin_cache_probe.tools.writer") == before  # stable
    (room / "helpers.py").write_text("DEFAULT = 'docx'\n")  # a sibling the tool uses changed
    source_fingerprint.cache_clear()
    assert source_fingerprint("plugin_cache_probe.tools.writer") != before
    source_fingerprint.cache_clear()


def test_a_module_without_a_spec_still_has_a_code_version() -> None:
    assert len(source_fingerprint("__main__")) == 64
    assert len(source_fingerprint("no_such_package_for_the_cache.tools")) == 64


def artifact(path: str, mime: str, modality: str = "document", **meta: object) -> Artifact:
    return Artifact(
        tag="document1",
        modality=modality,  # type: ignore[arg-type]
        path=path,
        mime=mime,
        sha256="0" * 64,
        size_bytes=1,
        meta=dict(meta),
    )


def test_a_cached_file_of_another_format_does_not_fit() -> None:
    docx = artifact("/store/aa/aa.docx", DOCX_MIME, format="docx")
    assert "pdf" in artifact_mismatch(docx, modality="document", arguments={"format": "pdf"})
    assert artifact_mismatch(docx, modality="document", arguments={"format": "docx"}) == ""
    markdown = artifact("/store/aa/aa.md", "text/markdown", format="markdown")
    assert artifact_mismatch(markdown, modality="document", arguments={"format": "markdown"}) == ""
    renamed = artifact("/store/aa/aa.pdf", "application/pdf", format="docx")
    assert "written as docx" in artifact_mismatch(
        renamed, modality="document", arguments={"format": "pdf"}
    )


def test_a_cached_file_of_another_modality_or_mime_does_not_fit() -> None:
    pdf = artifact("/store/aa/aa.pdf", "application/pdf")
    assert "image" in artifact_mismatch(pdf, modality="image", arguments={})
    lying = artifact("/store/aa/aa.pdf", DOCX_MIME)
    assert "mime" in artifact_mismatch(lying, modality="document", arguments={})
    wav = artifact("/store/aa/aa.wav", "audio/wav", modality="audio")
    assert artifact_mismatch(wav, modality="audio", arguments={"format": "wav"}) == ""
    unspecific = artifact("/store/aa/aa.png", "application/octet-stream", modality="image")
    assert artifact_mismatch(unspecific, modality="image", arguments={}) == ""


def test_a_cached_file_with_another_suffix_than_the_file_name_does_not_fit() -> None:
    script = artifact("/store/aa/aa.py", "text/x-python", modality="code")
    assert artifact_mismatch(script, modality="code", arguments={"filename": "main.py"}) == ""
    assert "main.js" in artifact_mismatch(
        script, modality="code", arguments={"filename": "main.js"}
    )


def cache_entries(settings: Settings) -> dict[str, str]:
    """sha256 -> key of every cache entry."""
    with sqlite3.connect(settings.resolved_cache_path()) as connection:
        return dict(connection.execute("SELECT sha256, key FROM entries").fetchall())


def document_step_status(response_trace: str | None) -> str:
    assert response_trace is not None
    trace = load_trace(response_trace)
    (status,) = [
        event.data["status"]
        for event in trace.events
        if event.kind == "step_end" and event.step_id == "make_document1"
    ]
    return str(status)


def test_a_stale_entry_of_another_format_is_not_served_for_a_pdf() -> None:
    """The reported failure: a DOCX from an entry another code version wrote under the key of
    a PDF step. The entry is dropped, the PDF made again and cached in its place."""
    agent = UniMA()
    pdf = agent.respond(PDF_REQUEST).artifacts["document1"]
    docx = agent.respond(DOCX_REQUEST).artifacts["document1"]
    assert pdf.mime == "application/pdf" and docx.mime == DOCX_MIME
    pdf_key = cache_entries(agent.settings)[pdf.sha256]
    cache = ArtifactCache(agent.settings.resolved_cache_path())
    cache.put(pdf_key, docx)
    cache.close()

    again = agent.respond(PDF_REQUEST)
    served = again.artifacts["document1"]
    assert served.mime == "application/pdf" and Path(served.path).suffix == ".pdf"
    assert document_step_status(again.trace_path) == "ok"  # made again, not "cached"
    assert cache_entries(agent.settings)[served.sha256] == pdf_key

    third = agent.respond(PDF_REQUEST)
    assert third.artifacts["document1"].mime == "application/pdf"
    assert document_step_status(third.trace_path) == "cached"


def test_an_intact_entry_is_still_served() -> None:
    agent = UniMA()
    first = agent.respond(DOCX_REQUEST)
    second = agent.respond(DOCX_REQUEST)
    assert document_step_status(first.trace_path) == "ok"
    assert document_step_status(second.trace_path) == "cached"
    assert second.artifacts["document1"].sha256 == first.artifacts["document1"].sha256


def test_unverified_artifacts_are_not_cached(tmp_path: Path) -> None:
    cache = ArtifactCache(tmp_path / "cache.sqlite")
    failed = artifact(str(tmp_path / "a.pdf"), "application/pdf").model_copy(
        update={"verification": Verification(passed=False, problems=("blank",))}
    )
    cache.put("key", failed)
    assert cache.stats() == (0, 0)
    cache.close()


@pytest.fixture(scope="module")
def module_settings() -> Settings:
    """Settings read the way a module-scoped agent reads them: before the per-test folders."""
    return load_settings()


def test_module_scoped_agents_do_not_write_into_the_working_folder(
    module_settings: Settings,
) -> None:
    working_folder = Path.cwd().resolve()
    for path in (
        module_settings.resolved_cache_path(),
        Path(module_settings.artifact_dir),
        Path(module_settings.trace_dir),
    ):
        assert not path.resolve().is_relative_to(working_folder), path
