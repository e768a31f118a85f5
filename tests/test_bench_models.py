"""Benchmark model adapters: resolution, the openai-compatible adapter against a fake server on
loopback, the UniMA adapter with fake tools, and the predictions adapter's path checks."""

from __future__ import annotations

import base64
import io
import json
import os
import pickle
import wave
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest
from loopback import chat_completion, serve_on_loopback

from unima.bench.datasets.unim import UnimInstance
from unima.bench.models import MODELS, resolve_model
from unima.errors import ConfigError, InputError, ModelError


def png_bytes(colour: tuple[int, int, int] = (200, 30, 30), size: int = 8) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(buffer, "PNG")
    return buffer.getvalue()


def wav_bytes(frames: int = 1600) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(16_000)
        writer.writeframes(b"\x01\x00" * frames)
    return buffer.getvalue()


class FakeOpenAIHandler(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat endpoint replying with ``reply``; also serves ``files``."""

    reply: ClassVar[str] = ""
    status: ClassVar[int] = 200
    seen: ClassVar[list[dict[str, Any]]] = []
    files: ClassVar[dict[str, bytes]] = {}

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append(body)
        if self.status != 200:
            self._send(self.status, b'{"error": {"message": "no such model"}}')
            return
        self._send(200, chat_completion(body["model"], self.reply))

    def do_GET(self) -> None:
        data = self.files.get(self.path)
        self._send(200 if data is not None else 404, data or b"")

    def _send(self, status: int, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    FakeOpenAIHandler.reply = ""
    FakeOpenAIHandler.status = 200
    FakeOpenAIHandler.seen = []
    FakeOpenAIHandler.files = {}
    with serve_on_loopback(FakeOpenAIHandler) as address:
        yield address


@pytest.fixture
def image_instance(tmp_path: Path) -> tuple[UnimInstance, Path, bytes]:
    """An instance with one input image; returns (instance, dataset media root, image bytes)."""
    root = tmp_path / "data"
    folder = root / "general_domain" / "food" / "image"
    folder.mkdir(parents=True)
    image = png_bytes()
    (folder / "img_0001_01.png").write_bytes(image)
    instance = UnimInstance.model_validate(
        {
            "domain": "general_domain",
            "subdomain": "food",
            "id": "1",
            "input": {
                "content": "What dish is in <image1>? Include one image and one audio clip.",
                "modal": {"image1": "image/img_0001_01.png"},
            },
            "output": {"content": "Soup <image2>", "modal": {"image2": "image/x.png"}},
        }
    )
    return instance, root, image


def openai_reply(content: str, media: dict[str, Any]) -> str:
    return "Here you go:\n```json\n" + json.dumps({"content": content, "media": media}) + "\n```"


def test_resolve_model_names_the_known_adapters() -> None:
    assert MODELS.names() == ["openai-compatible", "predictions", "transformers", "unima"]
    with pytest.raises(ConfigError, match="Did you mean 'unima'"):
        resolve_model("unimaa")
    with pytest.raises(ConfigError, match="non-empty"):
        resolve_model("  ")


def test_openai_options_are_checked_and_read_from_text() -> None:
    spec = "openai-compatible:http://127.0.0.1:9/v1:tiny"
    with pytest.raises(ConfigError, match="Did you mean 'send_audio'"):
        resolve_model(spec, send_audi=True)
    with pytest.raises(ConfigError, match="cannot read option max_tokens"):
        resolve_model(spec, max_tokens="many")
    adapter = resolve_model(spec, send_audio="yes", temperature="0.5", extra_body='{"top_k": 1}')
    assert adapter.settings["send_audio"] is True
    assert adapter.settings["temperature"] == 0.5
    assert adapter.settings["extra_body"] == {"top_k": 1}
    with pytest.raises(ConfigError, match="openai-compatible:BASE_URL:MODEL"):
        resolve_model("openai-compatible:tiny")


def test_openai_adapter_sends_inputs_and_binds_returned_media(
    server: str, image_instance: tuple[UnimInstance, Path, bytes], tmp_path: Path
) -> None:
    instance, root, image = image_instance
    returned_png = png_bytes((10, 200, 10), size=16)
    returned_wav = wav_bytes()
    FakeOpenAIHandler.reply = openai_reply(
        "It is tomato soup <image2>, and here is how it sounds <audio1>.",
        {
            "image2": {"base64": base64.b64encode(returned_png).decode(), "mime": "image/png"},
            "audio1": "data:audio/wav;base64," + base64.b64encode(returned_wav).decode(),
        },
    )
    adapter = resolve_model(f"openai-compatible:{server}/v1:tiny-mllm", max_tokens=512)
    out = tmp_path / "answer"
    out.mkdir()
    result = adapter.predict(instance, root, out)

    (body,) = FakeOpenAIHandler.seen
    assert body["model"] == "tiny-mllm"
    assert body["max_tokens"] == 512
    system, user = body["messages"]
    assert system["role"] == "system"
    assert system["content"].startswith("unima-step: bench_answer")
    assert '"content"' in system["content"] and '"media"' in system["content"]
    parts = user["content"]
    assert parts[0]["type"] == "text"
    assert "What dish is in <image1>?" in parts[0]["text"]
    assert "<image1>: an image (img_0001_01.png), attached" in parts[0]["text"]
    assert "image2" in parts[0]["text"]  # the first free image placeholder is named
    assert parts[1] == {"type": "text", "text": "<image1>:"}
    assert parts[2]["type"] == "image_url"
    prefix = "data:image/png;base64,"
    assert parts[2]["image_url"]["url"].startswith(prefix)
    assert base64.b64decode(parts[2]["image_url"]["url"][len(prefix) :]) == image
    assert len(parts) == 3

    assert result.status == "ok", result.problems
    assert result.content == "It is tomato soup <image2>, and here is how it sounds <audio1>."
    assert list(result.modal) == ["image2", "audio1"]
    assert result.modal["image2"] == out / "image2.png"
    assert result.modal["image2"].read_bytes() == returned_png
    assert result.modal["audio1"] == out / "audio1.wav"
    assert result.modal["audio1"].read_bytes() == returned_wav
    assert result.trace_path is None


def test_audio_inputs_go_as_input_audio_parts_when_enabled(server: str, tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "social_science" / "law" / "audio").mkdir(parents=True)
    recording = wav_bytes()
    (root / "social_science" / "law" / "audio" / "a.wav").write_bytes(recording)
    instance = UnimInstance.model_validate(
        {
            "domain": "social_science",
            "subdomain": "law",
            "id": "7",
            "input": {"content": "Summarise <audio1>.", "modal": {"audio1": "audio/a.wav"}},
        }
    )
    FakeOpenAIHandler.reply = json.dumps({"content": "A short summary.", "media": {}})
    adapter = resolve_model(f"openai-compatible:{server}/v1:omni", send_audio=True)
    result = adapter.predict(instance, root, tmp_path)
    audio_part = FakeOpenAIHandler.seen[0]["messages"][1]["content"][2]
    assert audio_part["type"] == "input_audio"
    assert audio_part["input_audio"]["format"] == "wav"
    assert base64.b64decode(audio_part["input_audio"]["data"]) == recording
    assert (result.status, result.content, result.modal) == ("ok", "A short summary.", {})


def test_malformed_replies_become_partial_predictions(
    server: str, image_instance: tuple[UnimInstance, Path, bytes], tmp_path: Path
) -> None:
    instance, root, _ = image_instance
    adapter = resolve_model(f"openai-compatible:{server}/v1:tiny")

    FakeOpenAIHandler.reply = "Soup, obviously. <image2>"
    result = adapter.predict(instance, root, tmp_path / "a")
    assert result.status == "partial"
    assert result.content == "Soup, obviously. <image2>"
    assert result.modal == {}
    assert any("not the JSON answer format" in problem for problem in result.problems)
    assert any("placeholders without media: image2" in problem for problem in result.problems)

    FakeOpenAIHandler.reply = openai_reply(
        "Here <audio1> and <image2> and <code1>",
        {
            "audio1": {"base64": base64.b64encode(png_bytes()).decode()},  # a PNG, not audio
            "image2": {"base64": "not base64 at all!!"},
            "code1": {"text": "print('soup')\n", "filename": "soup.py"},
            "../../evil": {"text": "x"},
        },
    )
    result = adapter.predict(instance, root, tmp_path / "b")
    assert result.status == "partial"
    assert list(result.modal) == ["code1"]
    assert result.modal["code1"] == tmp_path / "b" / "code1.py"
    assert result.modal["code1"].read_text() == "print('soup')\n"
    problems = " | ".join(result.problems)
    assert "the item is image (image/png), but the placeholder needs audio" in problems
    assert "<image2>: the base64 data does not decode" in problems
    assert "'../../evil' is not a placeholder tag" in problems
    assert not (tmp_path / "evil").exists()
    assert sorted(path.name for path in (tmp_path / "b").iterdir()) == ["code1.py"]


def test_media_urls_are_fetched_only_when_allowed(
    server: str, image_instance: tuple[UnimInstance, Path, bytes], tmp_path: Path
) -> None:
    instance, root, _ = image_instance
    picture = png_bytes((1, 2, 3))
    FakeOpenAIHandler.files = {"/generated/p.png": picture}
    FakeOpenAIHandler.reply = openai_reply("See <image2>", {"image2": f"{server}/generated/p.png"})

    refused = resolve_model(f"openai-compatible:{server}/v1:tiny").predict(
        instance, root, tmp_path / "a"
    )
    assert refused.modal == {}
    assert any("URLs are off" in problem for problem in refused.problems)

    allowed = resolve_model(f"openai-compatible:{server}/v1:tiny", allow_urls=True).predict(
        instance, root, tmp_path / "b"
    )
    assert allowed.status == "ok", allowed.problems
    assert allowed.modal["image2"].read_bytes() == picture

    capped = resolve_model(
        f"openai-compatible:{server}/v1:tiny", allow_urls=True, max_media_bytes=len(picture) - 1
    ).predict(instance, root, tmp_path / "c")
    assert capped.modal == {}
    assert any("byte limit" in problem for problem in capped.problems)


def test_endpoint_errors_raise_model_errors(
    server: str, image_instance: tuple[UnimInstance, Path, bytes], tmp_path: Path
) -> None:
    instance, root, _ = image_instance
    FakeOpenAIHandler.status = 404
    adapter = resolve_model(f"openai-compatible:{server}/v1:missing", max_retries=0)
    with pytest.raises(ModelError, match=r"HTTP 404.*no such model"):
        adapter.predict(instance, root, tmp_path)
    FakeOpenAIHandler.status = 503
    with pytest.raises(ModelError, match=r"failed after 2 attempt\(s\): HTTP 503"):
        resolve_model(f"openai-compatible:{server}/v1:busy", max_retries=1).predict(
            instance, root, tmp_path
        )
    assert len(FakeOpenAIHandler.seen) == 3


def test_adapters_pickle_as_spec_and_options() -> None:
    adapter = resolve_model("openai-compatible:http://127.0.0.1:9/v1:tiny", send_audio=True)
    copy = pickle.loads(pickle.dumps(adapter))
    assert (copy.spec, copy.options, copy.settings["send_audio"]) == (
        adapter.spec,
        {"send_audio": True},
        True,
    )
    assert copy.describe() == adapter.describe()
    assert "api_key" not in json.dumps(adapter.describe())


def test_unima_adapter_copies_the_answer_and_trace(tmp_path: Path) -> None:
    instance = UnimInstance.model_validate(
        {
            "domain": "natural_science",
            "subdomain": "physics",
            "id": "3",
            "input": {"content": "Explain ocean tides. Include one image.", "modal": {}},
        }
    )
    adapter = resolve_model("unima", tools="fake", max_judge_rounds=0)
    out = tmp_path / "answer"
    out.mkdir()
    result = adapter.predict(instance, tmp_path, out)
    assert result.status == "ok", result.problems
    assert "<image1>" in result.content
    assert result.modal == {"image1": out / "image1.png"}
    assert result.modal["image1"].is_file()
    assert result.trace_path == out / "trace.json"
    trace = json.loads(result.trace_path.read_text())
    assert trace["response"]["content"] == result.content
    description = adapter.describe()
    assert description["reasoner"] == "heuristic"
    assert description["tool_backends"]["generate_image"] == "fake"
    assert description["settings"] == {"max_judge_rounds": 0}
    assert pickle.loads(pickle.dumps(adapter)).options == adapter.options


def test_unima_adapter_refuses_unknown_options() -> None:
    with pytest.raises(ConfigError, match="Did you mean 'max_judge_rounds'"):
        resolve_model("unima", max_judge_round=1)
    with pytest.raises(ConfigError, match="unknown tools option"):
        resolve_model("unima", tools="real")
    with pytest.raises(ConfigError, match="takes no arguments"):
        resolve_model("unima:gpt")


def write_predictions(folder: Path, lines: list[dict[str, Any]]) -> Path:
    path = folder / "predictions.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def test_predictions_adapter_copies_checked_files(
    image_instance: tuple[UnimInstance, Path, bytes], tmp_path: Path
) -> None:
    instance, root, _ = image_instance
    elsewhere = tmp_path / "elsewhere"
    media = elsewhere / "media" / "general_domain" / "food" / "1"
    media.mkdir(parents=True)
    picture = png_bytes((5, 5, 5))
    (media / "image2.png").write_bytes(picture)
    path = write_predictions(
        elsewhere,
        [
            {
                "domain": "general_area",  # the public folder spelling is normalised
                "subdomain": "food",
                "id": "1",
                "output": {
                    "content": "Soup <image2> <audio2>",
                    "modal": {
                        "image2": "media/general_domain/food/1/image2.png",
                        "audio2": "media/general_domain/food/1/missing.wav",
                    },
                },
            }
        ],
    )
    adapter = resolve_model(f"predictions:{path}")
    out = tmp_path / "answer"
    out.mkdir()
    result = adapter.predict(instance, root, out)
    assert result.content == "Soup <image2> <audio2>"
    assert result.modal == {"image2": out / "image2.png"}
    assert result.modal["image2"].read_bytes() == picture
    assert result.status == "partial"
    assert any("<audio2>" in problem for problem in result.problems)
    assert adapter.describe()["entries"] == 1


def test_predictions_adapter_refuses_paths_out_of_its_folder(
    image_instance: tuple[UnimInstance, Path, bytes], tmp_path: Path
) -> None:
    instance, root, _ = image_instance
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    secret = tmp_path / "secret.png"
    secret.write_bytes(png_bytes())
    os.symlink(secret, elsewhere / "link.png")
    key = {"domain": "general_domain", "subdomain": "food", "id": "1"}
    for hostile in ("../secret.png", "link.png", str(secret)):
        path = write_predictions(
            elsewhere,
            [{**key, "output": {"content": "<image2>", "modal": {"image2": hostile}}}],
        )
        adapter = resolve_model(f"predictions:{path}")
        with pytest.raises(InputError, match="no prediction for general_domain/food/1"):
            adapter.predict(instance, root, tmp_path / "out")
        assert adapter._problems, hostile  # the refused line is reported by the loader
    assert not (tmp_path / "out").exists()
    with pytest.raises(ConfigError, match="does not exist"):
        resolve_model(f"predictions:{tmp_path / 'nope.jsonl'}")
