"""Bugs of the released UniM evaluation code that unima avoids (issue 15, item 9).

Each test pins one row of docs/metrics.md "Differences from the released code".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from unima.eval.judges.resolve import resolve_judge
from unima.eval.quality.code import score_code
from unima.eval.quality.document import score_document
from unima.eval.quality.text import score_text
from unima.eval.x2caption import VisionCaptioner, x2caption
from unima.llm.chat_models import chat_model_from_spec
from unima.testing import ScriptedChatModel

SERVER = "openai-compatible:http://127.0.0.1:9/v1"


@pytest.mark.parametrize("model", ["gpt-5-mini", "gpt-5"])
def test_a_gpt5_judge_is_sent_no_temperature(model: str) -> None:
    """The released GQ code sends temperature 0 to gpt-5-mini, which refuses it."""
    chat = chat_model_from_spec(f"{SERVER}:{model}", temperature=0.0)
    assert chat.temperature is None
    assert "temperature" not in chat._default_params
    # A model that takes a temperature keeps 0, for reproducible judging.
    assert chat_model_from_spec(f"{SERVER}:gpt-4o-mini", temperature=0.0).temperature == 0.0
    judge = resolve_judge(f"{SERVER}:{model}")
    assert "temperature" not in judge.chat_model._default_params  # type: ignore[attr-defined]


def test_document_text_and_code_quality_need_no_model(tmp_path: Path) -> None:
    """Where the released code's model call fails (null GQ), unima's offline measures score."""
    code = tmp_path / "tide.py"
    code.write_text("def tide(hour: int) -> int:\n    return hour % 12\n\nprint(tide(15))\n")
    notes = tmp_path / "notes.txt"
    notes.write_text("High tide comes twice a day. The moon's pull raises the sea on both sides.")
    code_quality = score_code(code, "python", run=False).value
    assert code_quality is not None and code_quality > 50
    assert score_document(notes).value is not None
    assert score_text(notes.read_text()).value is not None


def test_code_is_captioned_by_its_code_not_its_path(tmp_path: Path) -> None:
    """The released ICS captioner summarises ``code_to_text(path)``: the path string."""
    code = tmp_path / "folder_name_only" / "tide.py"
    code.parent.mkdir()
    code.write_text("def tide(hour):\n    return hour % 12\n")
    offline = x2caption(code, "code")
    assert "return hour % 12" in offline and "folder_name_only" not in offline
    vision = ScriptedChatModel(script={}, model_name="seer")
    captioned = x2caption(code, "code", captioner=VisionCaptioner(vision))
    assert "return hour % 12" in captioned and vision.calls == []


def test_a_pdf_is_captioned_from_its_content(tmp_path: Path) -> None:
    """The released ICS captioner sends a PDF's path and nothing of what it says."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = tmp_path / "report.pdf"
    page = canvas.Canvas(str(pdf), pagesize=A4)
    page.drawString(72, 760, "Quarterly tide report: spring tides peaked at 4.2 metres.")
    page.save()
    offline = x2caption(pdf, "document")
    assert "spring tides peaked at 4.2 metres" in offline
    vision = ScriptedChatModel(script={"x2caption": "A one-page tide report."}, model_name="m")
    assert x2caption(pdf, "document", captioner=VisionCaptioner(vision)) == (
        "A one-page tide report."
    )
    sent = " ".join(str(message.content) for message in vision.calls[0][1])
    assert "spring tides peaked at 4.2 metres" in sent


def test_a_page_image_document_is_sent_as_a_picture(tmp_path: Path) -> None:
    """The released captioners never send a document's page; unima sends a page image."""
    page = tmp_path / "page.png"
    image = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(image).text((20, 80), "TIDE TABLE 06:00 HIGH", fill="black")
    image.save(page)
    vision = ScriptedChatModel(script={"perceive": "A tide table page."}, model_name="seer")
    assert x2caption(page, "document", captioner=VisionCaptioner(vision)) == "A tide table page."
    step, messages = vision.calls[0]
    assert step == "perceive"
    assert any(
        isinstance(part, dict) and part.get("type") == "image_url" for part in messages[-1].content
    )
