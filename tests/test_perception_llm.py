"""The perception model: the exact message a vision chat model receives, and how its reply merges."""

from __future__ import annotations

import base64
import io
import wave
from pathlib import Path
from typing import Any, ClassVar

import pytest
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from unima.errors import ConfigError
from unima.perception.configure import resolve_perception_model
from unima.perception.vision_llm import PerceptionModel, reply_text
from unima.testing import ScriptedChatModel
from unima.types import Part, Perception

CAPTION = "A bar chart titled Sales with bars Q1 10, Q2 30 and Q3 20."
EXPECTED_SYSTEM_START = "unima-step: perceive\nYou are the perception step of UniMA"


def png_bytes(size: tuple[int, int], colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def image_payloads(message: BaseMessage) -> list[bytes]:
    """The PNG bytes of every image_url part of ``message``."""
    payloads = []
    assert isinstance(message.content, list)
    for item in message.content:
        if isinstance(item, dict) and item.get("type") == "image_url":
            url = item["image_url"]["url"]
            prefix = "data:image/png;base64,"
            assert url.startswith(prefix), url[:40]
            payloads.append(base64.b64decode(url[len(prefix) :], validate=True))
    return payloads


def sent(model: ScriptedChatModel) -> list[BaseMessage]:
    assert len(model.calls) == 1, model.calls
    step, messages = model.calls[0]
    assert step == "perceive"
    return messages


def test_image_message_is_exact_and_the_caption_merges(tmp_path: Path) -> None:
    png = png_bytes((120, 80))
    path = write(tmp_path / "chart.png", png)
    part = Part(modality="image", tag="image1", path=str(path), meta={"format": "png"})
    perception = Perception(
        modality="image",
        tag="image1",
        text="Sales\nQ1 Q2 Q3",
        summary="A 120 x 80 RGB image with the text Sales",
        meta={"file_name": "chart.png", "width": 120},
        backend="rapidocr+pillow",
        seconds=0.5,
    )
    chat = ScriptedChatModel(script={"perceive": f"  {CAPTION}\n"})
    result = PerceptionModel(chat).describe(
        perception, part, "What is the highest bar in <image1>?"
    )

    system, human = sent(chat)
    assert isinstance(system, SystemMessage) and isinstance(human, HumanMessage)
    assert isinstance(system.content, str) and system.content.startswith(EXPECTED_SYSTEM_START)
    assert "---" not in system.content
    assert isinstance(human.content, list) and len(human.content) == 2
    assert human.content[0] == {
        "type": "text",
        "text": (
            "Input <image1>: an image (chart.png).\n"
            "Offline perception (rapidocr+pillow): A 120 x 80 RGB image with the text Sales\n"
            'Text it found: "Sales Q1 Q2 Q3"\n'
            "Attached, in order: image 1: the image itself.\n"
            "The request this input belongs to: What is the highest bar in <image1>?"
        ),
    }
    # A PNG that already fits is sent byte for byte.
    assert image_payloads(human) == [png]

    assert result.summary == f"A 120 x 80 RGB image with the text Sales. Model caption: {CAPTION}"
    assert result.meta["model_caption"] == CAPTION
    assert result.meta["model"] == "scripted" and result.meta["model_images"] == 1
    assert result.meta["width"] == 120 and result.text == perception.text
    assert result.backend == "rapidocr+pillow+llm:scripted"
    assert result.failures == () and result.seconds >= 0.5


def test_large_images_are_downscaled_within_bounds(tmp_path: Path) -> None:
    import numpy as np
    from PIL import Image

    noise = np.random.default_rng(7).integers(0, 256, size=(900, 2400, 3), dtype=np.uint8)
    path = tmp_path / "photo.jpg"
    Image.fromarray(noise).save(path, "JPEG", quality=95)
    part = Part(modality="image", tag="image1", path=str(path), meta={"format": "jpeg"})
    perception = Perception(modality="image", tag="image1", summary="A photo.", backend="pillow")

    chat = ScriptedChatModel(script={"perceive": "Coloured noise."})
    PerceptionModel(chat, max_image_side=600).describe(perception, part)
    (payload,) = image_payloads(sent(chat)[1])
    assert payload.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(payload)) as shrunk:
        assert shrunk.size == (600, 225) and shrunk.mode == "RGB"

    # Noise does not compress: a byte cap forces a smaller side still.
    chat = ScriptedChatModel(script={"perceive": "Coloured noise."})
    PerceptionModel(chat, max_image_side=600, max_image_bytes=40_000).describe(perception, part)
    (payload,) = image_payloads(sent(chat)[1])
    assert len(payload) <= 40_000
    with Image.open(io.BytesIO(payload)) as shrunk:
        assert max(shrunk.size) < 600 and shrunk.size[0] / shrunk.size[1] == pytest.approx(
            2400 / 900, rel=0.05
        )


def test_video_keyframes_are_spread_and_labelled(tmp_path: Path) -> None:
    frames = [
        write(tmp_path / f"frame{index}.png", png_bytes((64, 36), (index * 40, 90, 160)))
        for index in range(6)
    ]
    video = write(tmp_path / "clip.mp4", b"not decoded by the model step")
    part = Part(modality="video", tag="video1", path=str(video), meta={"format": "mp4"})
    perception = Perception(
        modality="video",
        tag="video1",
        summary="A 6.0 s video.",
        backend="ffmpeg+rapidocr+faster-whisper",
        meta={
            "keyframes": [
                {"path": str(frame), "time_s": float(index)} for index, frame in enumerate(frames)
            ]
        },
    )
    chat = ScriptedChatModel(script={"perceive": "A coloured card changes hue."})
    result = PerceptionModel(chat, max_images=3).describe(perception, part, "What happens?")
    human = sent(chat)[1]
    assert image_payloads(human) == [
        frames[0].read_bytes(),
        frames[2].read_bytes(),
        frames[5].read_bytes(),
    ]
    assert isinstance(human.content, list)
    text = human.content[0]["text"]
    assert "Input <video1>: a video, shown as keyframes (clip.mp4)." in text
    assert (
        "Attached, in order: image 1: keyframe at 0.0 s; image 2: keyframe at 2.0 s; "
        "image 3: keyframe at 5.0 s." in text
    )
    assert result.meta["model_images"] == 3
    assert result.backend == "ffmpeg+rapidocr+faster-whisper+llm:scripted"


def test_projections_of_a_mesh_named_by_view(tmp_path: Path) -> None:
    views = {
        name: write(tmp_path / f"{name}.png", png_bytes((50, 50))) for name in ("front", "top")
    }
    mesh = write(tmp_path / "part.stl", b"solid x\nendsolid x\n")
    part = Part(modality="threeD", tag="threeD1", path=str(mesh), meta={"format": "stl"})
    perception = Perception(
        modality="threeD",
        summary="A mesh.",
        backend="trimesh",
        meta={"projections": {name: str(path) for name, path in views.items()}},
    )
    chat = ScriptedChatModel(script={"perceive": "A cube."})
    PerceptionModel(chat).describe(perception, part)
    human = sent(chat)[1]
    assert len(image_payloads(human)) == 2
    assert isinstance(human.content, list)
    assert "image 1: front projection; image 2: top projection" in human.content[0]["text"]


def test_a_failed_model_call_is_recorded_not_raised(tmp_path: Path) -> None:
    path = write(tmp_path / "a.png", png_bytes((10, 10)))
    part = Part(modality="image", tag="image1", path=str(path), meta={"format": "png"})
    perception = Perception(modality="image", summary="A tiny image.", backend="pillow")

    def refuse(messages: list[BaseMessage]) -> str:
        raise RuntimeError("HTTP 503 from the vision server")

    result = PerceptionModel(ScriptedChatModel(script={"perceive": refuse})).describe(
        perception, part
    )
    assert result.summary == "A tiny image." and result.backend == "pillow"
    assert result.failures == ("model caption: RuntimeError: HTTP 503 from the vision server",)
    assert "model_caption" not in result.meta

    empty = PerceptionModel(ScriptedChatModel(script={"perceive": "   "})).describe(
        perception, part
    )
    assert empty.failures == ("model caption: scripted returned an empty reply",)


def test_an_undecodable_image_is_a_failure_and_no_call(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    part = Part(modality="image", tag="image1", path=str(path), meta={"format": "png"})
    chat = ScriptedChatModel(script={"perceive": "never asked"})
    result = PerceptionModel(chat).describe(Perception(modality="image", backend="pillow"), part)
    assert chat.calls == []
    assert len(result.failures) == 1
    assert result.failures[0].startswith("model caption: could not prepare the input:")
    assert "broken.png" in result.failures[0]


def test_inputs_without_images_are_not_sent(tmp_path: Path) -> None:
    source = write(tmp_path / "main.py", b"print('hi')\n")
    part = Part(modality="code", tag="code1", path=str(source), meta={"format": "source"})
    perception = Perception(modality="code", text="print('hi')\n", summary="Python.", backend="ast")
    chat = ScriptedChatModel(script={"perceive": "never asked"})
    assert PerceptionModel(chat).describe(perception, part) is perception
    assert chat.calls == []


def test_audio_is_sent_as_an_audio_block_when_asked(tmp_path: Path) -> None:
    import numpy as np

    rate = 22_050
    tone = (np.sin(np.arange(rate * 3) * 2 * np.pi * 440 / rate) * 12_000).astype("<i2")
    path = tmp_path / "tone.wav"
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(tone.tobytes())
    part = Part(modality="audio", tag="audio1", path=str(path), meta={"format": "wav"})
    perception = Perception(modality="audio", summary="A 3.0 s tone.", backend="faster-whisper")

    silent = ScriptedChatModel(script={"perceive": "never asked"})
    PerceptionModel(silent).describe(perception, part)
    assert silent.calls == []  # audio is opt-in

    chat = ScriptedChatModel(script={"perceive": "A steady 440 Hz tone."})
    result = PerceptionModel(chat, send_audio=True, max_audio_seconds=2).describe(perception, part)
    human = sent(chat)[1]
    assert isinstance(human.content, list)
    audio: dict[str, Any] = human.content[1]
    assert audio["type"] == "audio" and audio["mime_type"] == "audio/wav"
    with wave.open(io.BytesIO(base64.b64decode(audio["base64"]))) as reader:
        assert (reader.getnchannels(), reader.getframerate()) == (1, 16_000)
        assert reader.getnframes() == 2 * 16_000
    assert "the recording (first 2 s)" in human.content[0]["text"]
    assert result.meta["model_caption"] == "A steady 440 Hz tone."


def test_resolving_perception_models() -> None:
    assert resolve_perception_model(None) is None
    assert resolve_perception_model("none") is None
    chat = ScriptedChatModel()
    made = resolve_perception_model(chat)
    assert isinstance(made, PerceptionModel) and made.chat_model is chat and made.name == "scripted"
    assert resolve_perception_model(made) is made
    remote = resolve_perception_model("openai-compatible:http://localhost:8000/v1:Qwen2.5-VL-7B")
    assert remote is not None and remote.name == "Qwen2.5-VL-7B"
    with pytest.raises(ConfigError, match="openai-compatible"):
        resolve_perception_model("nonsense:")
    with pytest.raises(ConfigError, match="perception model"):
        resolve_perception_model(42)
    with pytest.raises(ConfigError, match="max_images"):
        PerceptionModel(chat, max_images=0)


def test_reply_text_reads_content_blocks() -> None:
    class Reply:
        content: ClassVar[list[dict[str, str]]] = [
            {"type": "text", "text": "A  red"},
            {"type": "text", "text": "square."},
        ]

    assert reply_text(Reply()) == "A red square."


def test_real_mesh_projections_are_what_the_model_sees(tmp_path: Path) -> None:
    import trimesh
    from PIL import Image

    from unima.perception.configure import perceive_with_model

    path = tmp_path / "block.stl"
    trimesh.creation.box(extents=(40.0, 20.0, 10.0)).export(path)
    chat = ScriptedChatModel(script={"perceive": "A flat rectangular block."})
    perception = perceive_with_model(path, chat, question="What shape is <threeD1>?")
    human = sent(chat)[1]
    payloads = image_payloads(human)
    assert len(payloads) == 3
    for payload in payloads:
        with Image.open(io.BytesIO(payload)) as view:
            assert view.format == "PNG" and max(view.size) <= 1024
    assert isinstance(human.content, list)
    text = human.content[0]["text"]
    assert text.startswith("Input: a 3D model, shown as orthographic projections (block.stl).")
    assert "image 1: front projection; image 2: top projection; image 3: side projection" in text
    assert perception.backend.endswith("+llm:scripted")
    assert perception.summary.endswith("Model caption: A flat rectangular block.")
