"""The hosted backends (``openai``, ``openai-compatible``) of ``generate_image`` and
``synthesize_speech``, against a fake OpenAI-compatible server on loopback.

The server answers ``/v1/images/generations`` with a real PNG and ``/v1/audio/speech`` with the
request's text really spoken by the Piper voice, so the hosted backends' files pass the same
checks as the embedded tools' (decodes, not blank; transcribed back to the script).
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import numpy
import pytest
from loopback import serve_on_loopback
from PIL import Image

from unima import UniMA, load_trace
from unima.backends import piper_voice
from unima.config import load_settings
from unima.errors import ConfigError, MissingExtraError, ToolError
from unima.tools import TOOL_BACKENDS
from unima.tools.base import ToolContext
from unima.tools.image.hosted import CompatibleImageTool, OpenAIImageTool, nearest_size
from unima.tools.models.hosted import OPENAI_BASE_URL
from unima.tools.speech.hosted import CompatibleSpeechTool, OpenAISpeechTool

SCRIPT = "Tides rise and fall twice a day because the moon pulls on the oceans."
KEY = "test-key-123"
UNAUTHORIZED = {
    "error": {
        "message": "Incorrect API key provided: wrong-key.",
        "type": "invalid_request_error",
        "code": "invalid_api_key",
    }
}


def picture_png(width: int, height: int) -> bytes:
    """A real, non-blank PNG: a colour gradient with a dark disc."""
    columns = numpy.linspace(0, 255, width, dtype=numpy.float64)[numpy.newaxis, :]
    rows = numpy.linspace(0, 255, height, dtype=numpy.float64)[:, numpy.newaxis]
    pixels = numpy.zeros((height, width, 3), dtype=numpy.uint8)
    pixels[..., 0] = columns.repeat(height, axis=0).astype(numpy.uint8)
    pixels[..., 1] = rows.repeat(width, axis=1).astype(numpy.uint8)
    pixels[..., 2] = 128
    y, x = numpy.ogrid[:height, :width]
    disc = (x - width / 2) ** 2 + (y - height / 2) ** 2 < (min(width, height) / 4) ** 2
    pixels[disc] = (30, 20, 10)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def spoken_wav(text: str) -> bytes:
    """``text`` spoken by the Piper voice, as WAV bytes."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "speech.wav"
        piper_voice.synthesize(text, path)
        return path.read_bytes()


class FakeOpenAIHandler(BaseHTTPRequestHandler):
    """The Images and Audio speech endpoints of an OpenAI-compatible server.

    ``mode``: ``ok`` (base64 image, WAV speech), ``url`` (the image as a link to download),
    ``unauthorized`` (401 for every request), ``unsized`` (replies without Content-Length,
    read until the connection closes) or ``silent`` (no answer until ``released`` is set).
    """

    mode: ClassVar[str] = "ok"
    released: ClassVar[threading.Event] = threading.Event()
    seen: ClassVar[list[dict[str, Any]]] = []
    pictures: ClassVar[dict[str, bytes]] = {}

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append(
            {"path": self.path, "body": body, "authorization": self.headers["Authorization"]}
        )
        if self.mode == "silent":
            self.released.wait(10)
        elif self.mode == "unauthorized":
            self._reply(401, json.dumps(UNAUTHORIZED).encode(), "application/json")
        elif self.path == "/v1/images/generations":
            width, height = (int(side) for side in body["size"].split("x"))
            picture = picture_png(width, height)
            if self.mode == "url":
                type(self).pictures["/files/picture.png"] = picture
                item = {"url": f"http://{self.headers['Host']}/files/picture.png"}
            else:
                item = {
                    "b64_json": base64.b64encode(picture).decode(),
                    "revised_prompt": "an apple",
                }
            reply = {"created": 0, "data": [item]}
            self._reply(200, json.dumps(reply).encode(), "application/json")
        elif self.path == "/v1/audio/speech":
            self._reply(200, spoken_wav(body["input"]), "audio/wav")
        else:
            self._reply(404, b'{"error": {"message": "no such route"}}', "application/json")

    def do_GET(self) -> None:
        type(self).seen.append({"path": self.path})
        picture = self.pictures.get(self.path)
        if picture is None:
            self._reply(404, b"not found", "text/plain")
        else:
            self._reply(200, picture, "image/png")

    def _reply(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if self.mode != "unsized":
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(OSError):  # a client that refused the reply hung up
            self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server_address() -> Iterator[str]:
    with serve_on_loopback(FakeOpenAIHandler) as address:
        yield address


@pytest.fixture
def base_url(server_address: str) -> Iterator[str]:
    """The fake server's ``/v1`` base URL, its mode reset to ``ok`` and its log emptied."""
    FakeOpenAIHandler.mode = "ok"
    FakeOpenAIHandler.seen = []
    FakeOpenAIHandler.pictures = {}
    FakeOpenAIHandler.released = threading.Event()
    yield f"{server_address}/v1"
    FakeOpenAIHandler.released.set()


@pytest.fixture
def keyless(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("UNIMA_TOOL_API_KEY", raising=False)


def context_in(folder: Path, **settings: Any) -> ToolContext:
    folder.mkdir(parents=True, exist_ok=True)
    return ToolContext(work_dir=folder, settings=load_settings(**settings))


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def requests_to(path: str) -> list[dict[str, Any]]:
    return [request for request in FakeOpenAIHandler.seen if request["path"] == path]


def test_registered_under_the_tool_names() -> None:
    assert TOOL_BACKENDS.get("generate_image/openai") is OpenAIImageTool
    assert TOOL_BACKENDS.get("generate_image/openai-compatible") is CompatibleImageTool
    assert TOOL_BACKENDS.get("synthesize_speech/openai") is OpenAISpeechTool
    assert TOOL_BACKENDS.get("synthesize_speech/openai-compatible") is CompatibleSpeechTool


def test_locations_name_the_model_and_server() -> None:
    image = OpenAIImageTool("dall-e-3")
    assert (image.hosted.base_url, image.hosted.model) == (OPENAI_BASE_URL, "dall-e-3")
    assert OpenAISpeechTool().hosted.model == "tts-1"
    compatible = CompatibleSpeechTool("http://127.0.0.1:8880/v1/:kokoro:v1")
    assert (compatible.hosted.base_url, compatible.hosted.model) == (
        "http://127.0.0.1:8880/v1",
        "kokoro:v1",
    )
    version = CompatibleImageTool("http://127.0.0.1:8000/v1:flux").backend_version()
    assert "openai " in version and "model flux at http://127.0.0.1:8000/v1" in version
    assert "matplotlib" in version  # charts are still drawn by this backend


@pytest.mark.parametrize(
    "location", [None, "flux", "127.0.0.1:8000:flux", "http://127.0.0.1:8000/v1:"]
)
def test_a_compatible_backend_without_base_url_and_model_is_refused(location: str | None) -> None:
    with pytest.raises(ConfigError, match="openai-compatible:BASE_URL:MODEL"):
        CompatibleImageTool(location)


def test_the_agent_refuses_an_unreadable_compatible_spec() -> None:
    with pytest.raises(ConfigError, match="BASE_URL:MODEL"):
        UniMA(tool_backends={"synthesize_speech": "openai-compatible:kokoro"})


@pytest.mark.parametrize("tool", ["generate_image", "synthesize_speech"])
@pytest.mark.usefixtures("keyless")
def test_openai_without_a_key_is_refused_when_the_agent_is_built(tool: str) -> None:
    with pytest.raises(ConfigError, match="UNIMA_TOOL_API_KEY or OPENAI_API_KEY"):
        UniMA(tool_backends={tool: "openai"})


@pytest.mark.usefixtures("keyless")
def test_openai_takes_its_key_from_the_settings_or_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    UniMA(tool_backends={"generate_image": "openai:dall-e-3"}, tool_api_key=KEY)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    OpenAISpeechTool("gpt-4o-mini-tts").check_ready(load_settings())
    # A compatible server needs no key at all.
    monkeypatch.delenv("OPENAI_API_KEY")
    CompatibleSpeechTool("http://127.0.0.1:8880/v1:kokoro").check_ready(load_settings())


@pytest.mark.parametrize(
    ("model", "asked", "made"),
    [
        ("gpt-image-1", (960, 640), (1536, 1024)),
        ("gpt-image-1", (640, 960), (1024, 1536)),
        ("gpt-image-1", (500, 520), (1024, 1024)),
        ("dall-e-3", (960, 640), (1792, 1024)),
        ("dall-e-2", (300, 280), (256, 256)),
        ("dall-e-2", (900, 600), (1024, 1024)),
        ("flux", (960, 650), (960, 640)),
    ],
)
def test_sizes_are_the_nearest_the_model_makes(
    model: str, asked: tuple[int, int], made: tuple[int, int]
) -> None:
    assert nearest_size(model, *asked) == made


def test_an_illustration_comes_from_the_server(base_url: str, tmp_path: Path) -> None:
    tool = CompatibleImageTool(f"{base_url}:flux")
    context = context_in(tmp_path / "work", tool_api_key=KEY)
    arguments = tool.parse_arguments(
        {"kind": "illustration", "title": "A red apple", "prompt": "a red apple on a table"}
    )
    output = tool.run(arguments, context)
    verification = tool.verify(output, arguments, context)
    assert verification.passed, verification.problems
    (request,) = requests_to("/v1/images/generations")
    assert request["body"]["model"] == "flux"
    assert request["body"]["prompt"] == "a red apple on a table"
    assert request["body"]["size"] == "960x640"
    assert request["body"]["response_format"] == "b64_json"
    assert request["authorization"] == f"Bearer {KEY}"
    with Image.open(output.path) as image:
        assert (image.format, image.size) == ("PNG", (960, 640))
    assert output.meta["revised_prompt"] == "an apple"
    model = output.meta["model"]
    assert model["backend"] == "openai-compatible"
    assert (model["model"], model["base_url"]) == ("flux", base_url)
    assert (model["device"], model["dtype"]) == ("", "")
    assert model["seconds"] > 0


@pytest.mark.parametrize(
    ("model", "size", "response_format"),
    [("gpt-image-1", "1536x1024", None), ("dall-e-3", "1792x1024", "b64_json")],
)
def test_openai_models_are_asked_in_their_own_terms(
    base_url: str, tmp_path: Path, model: str, size: str, response_format: str | None
) -> None:
    tool = OpenAIImageTool(model)
    # api.openai.com is out of reach in tests: the same client talks to the fake server.
    tool.hosted.base_url = base_url
    context = context_in(tmp_path / "work", tool_api_key=KEY)
    arguments = tool.parse_arguments({"kind": "illustration", "title": "A red apple"})
    output = tool.run(arguments, context)
    assert tool.verify(output, arguments, context).passed
    (request,) = requests_to("/v1/images/generations")
    assert request["body"]["size"] == size
    assert request["body"].get("response_format") == response_format
    assert request["authorization"] == f"Bearer {KEY}"
    assert output.meta["model"]["backend"] == "openai"


def test_without_the_openai_package_the_extra_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "openai", None)  # find_spec reports it missing
    with pytest.raises(MissingExtraError, match=r'pip install "unima\[openai\]"'):
        CompatibleImageTool("http://127.0.0.1:8000/v1:flux").check_ready(load_settings())


def test_a_linked_image_is_downloaded(base_url: str, tmp_path: Path) -> None:
    FakeOpenAIHandler.mode = "url"
    tool = CompatibleImageTool(f"{base_url}:flux")
    context = context_in(tmp_path / "work")
    arguments = tool.parse_arguments({"kind": "illustration", "title": "A lighthouse at dusk"})
    output = tool.run(arguments, context)
    assert tool.verify(output, arguments, context).passed
    assert [request["path"] for request in FakeOpenAIHandler.seen] == [
        "/v1/images/generations",
        "/files/picture.png",
    ]
    # No prompt given: made from the title.
    assert FakeOpenAIHandler.seen[0]["body"]["prompt"].startswith("A lighthouse at dusk")


def test_a_chart_is_drawn_without_asking_the_server(base_url: str, tmp_path: Path) -> None:
    tool = CompatibleImageTool(f"{base_url}:flux")
    context = context_in(tmp_path / "work")
    arguments = tool.parse_arguments(
        {"kind": "bar_chart", "title": "Rain", "labels": ["May", "June"], "values": [3, 5]}
    )
    output = tool.run(arguments, context)
    assert tool.verify(output, arguments, context).passed
    assert "Rain" in output.meta["text"]
    assert FakeOpenAIHandler.seen == []


def test_speech_comes_from_the_server_and_is_heard_back(base_url: str, tmp_path: Path) -> None:
    tool = CompatibleSpeechTool(f"{base_url}:piper")
    context = context_in(tmp_path / "work", speech_speaker="joe")
    arguments = tool.parse_arguments({"script": SCRIPT, "format": "mp3"})
    output = tool.run(arguments, context)
    verification = tool.verify(output, arguments, context)
    assert verification.passed, verification.problems
    assert verification.checks["wer"] <= 0.2
    assert output.path.name == "speech.mp3" and output.mime == "audio/mpeg"
    assert sorted(path.name for path in output.path.parent.iterdir()) == ["speech.mp3"]
    (request,) = requests_to("/v1/audio/speech")
    assert request["body"]["input"] == SCRIPT
    assert (request["body"]["model"], request["body"]["voice"]) == ("piper", "joe")
    assert request["body"]["response_format"] == "wav"
    assert output.meta["voice"] == "joe"
    assert output.meta["duration_s"] > 2
    assert output.meta["model"]["model"] == "piper"


def test_tools_of_one_endpoint_share_one_client(base_url: str) -> None:
    settings = load_settings()
    first = CompatibleImageTool(f"{base_url}:flux").hosted.client(settings)
    second = CompatibleImageTool(f"{base_url}:flux").hosted.client(settings)
    assert first is second
    assert CompatibleImageTool(f"{base_url}:sdxl").hosted.client(settings) is not first


def test_the_agent_answers_with_hosted_files_and_serves_the_second_run_from_cache(
    base_url: str,
) -> None:
    agent = UniMA(
        tool_backends={
            "generate_image": f"openai-compatible:{base_url}:flux",
            "synthesize_speech": f"openai-compatible:{base_url}:piper",
        }
    )
    request = "Show me a picture of a red apple and narrate it as a short audio clip."
    first = agent.respond(request)
    assert first.status == "ok", first.problems
    image, audio = first.artifacts["image1"], first.artifacts["audio1"]
    assert image.meta["model"]["backend"] == audio.meta["model"]["backend"] == "openai-compatible"
    assert image.verification is not None and image.verification.passed
    assert audio.verification is not None and audio.verification.passed
    trace = load_trace(first.trace_path or "")
    ended = [event for event in trace.events if event.kind == "step_end"]
    models = {event.data["artifact"]["meta"]["model"]["model"] for event in ended}
    assert models == {"flux", "piper"}
    started = [event for event in trace.events if event.kind == "step_start"]
    assert all(base_url in event.data["backend_version"] for event in started)

    second = agent.respond(request)
    assert second.artifacts["image1"].sha256 == image.sha256
    assert second.artifacts["audio1"].sha256 == audio.sha256
    ended = [
        event for event in load_trace(second.trace_path or "").events if event.kind == "step_end"
    ]
    assert {event.data["status"] for event in ended} == {"cached"}
    assert len(requests_to("/v1/images/generations")) == 1
    assert len(requests_to("/v1/audio/speech")) == 1


def test_an_unreachable_server_fails_the_step_not_the_run(tmp_path: Path) -> None:
    base_url = f"http://127.0.0.1:{closed_port()}/v1"
    tool = CompatibleSpeechTool(f"{base_url}:piper")
    arguments = tool.parse_arguments({"script": SCRIPT})
    with pytest.raises(ToolError, match="cannot reach piper at") as raised:
        tool.run(arguments, context_in(tmp_path / "work"))
    assert not raised.value.recoverable

    agent = UniMA(tool_backends={"synthesize_speech": f"openai-compatible:{base_url}:piper"})
    response = agent.respond("Describe the water cycle. Include a narrated audio clip.")
    assert response.status in ("partial", "failed")
    assert "audio1" not in response.artifacts
    trace = load_trace(response.trace_path or "")
    (failed,) = [
        event
        for event in trace.events
        if event.kind == "step_end" and event.data["status"] == "failed"
    ]
    assert "cannot reach piper" in failed.data["error"]


@pytest.mark.parametrize("tool_class", [CompatibleImageTool, CompatibleSpeechTool])
def test_a_refused_key_is_a_clear_terminal_error(
    base_url: str, tmp_path: Path, tool_class: type[CompatibleImageTool | CompatibleSpeechTool]
) -> None:
    FakeOpenAIHandler.mode = "unauthorized"
    tool = tool_class(f"{base_url}:model")
    arguments = tool.parse_arguments(
        {"kind": "illustration", "title": "An apple"}
        if tool_class is CompatibleImageTool
        else {"script": SCRIPT}
    )
    with pytest.raises(ToolError) as raised:
        tool.run(arguments, context_in(tmp_path / "work", tool_api_key="wrong-key"))
    assert not raised.value.recoverable
    message = str(raised.value)
    assert "refused the key (HTTP 401: Incorrect API key provided" in message
    assert "UNIMA_TOOL_API_KEY" in message
    assert len(FakeOpenAIHandler.seen) == 1  # a refused key is not retried


@pytest.mark.parametrize("mode", ["ok", "unsized"])
@pytest.mark.parametrize("tool_class", [CompatibleImageTool, CompatibleSpeechTool])
def test_a_reply_over_the_byte_cap_is_refused(
    base_url: str,
    tmp_path: Path,
    mode: str,
    tool_class: type[CompatibleImageTool | CompatibleSpeechTool],
) -> None:
    FakeOpenAIHandler.mode = mode
    tool = tool_class(f"{base_url}:model", max_reply_bytes=4096)
    arguments = tool.parse_arguments(
        {"kind": "illustration", "title": "An apple"}
        if tool_class is CompatibleImageTool
        else {"script": SCRIPT}
    )
    work = tmp_path / "work"
    with pytest.raises(ToolError, match="over the 4096-byte cap") as raised:
        tool.run(arguments, context_in(work))
    assert not raised.value.recoverable
    assert list(work.iterdir()) == []


def test_a_silent_server_costs_one_step_timeout(base_url: str, tmp_path: Path) -> None:
    FakeOpenAIHandler.mode = "silent"
    tool = CompatibleImageTool(f"{base_url}:flux")
    arguments = tool.parse_arguments({"kind": "illustration", "title": "An apple"})
    started = time.monotonic()
    with pytest.raises(ToolError, match=r"did not answer within 1 s \(step_timeout_s\)") as raised:
        tool.run(arguments, context_in(tmp_path / "work", step_timeout_s=1.0))
    assert time.monotonic() - started < 3.0
    assert not raised.value.recoverable


def test_a_server_without_the_endpoint_is_a_terminal_error(base_url: str, tmp_path: Path) -> None:
    tool = CompatibleSpeechTool(f"{base_url.removesuffix('/v1')}/v2:piper")
    arguments = tool.parse_arguments({"script": SCRIPT})
    with pytest.raises(
        ToolError, match="has no such model or endpoint \\(HTTP 404: no such route"
    ) as raised:
        tool.run(arguments, context_in(tmp_path / "work"))
    assert not raised.value.recoverable
    assert "check the model name 'piper' and the base URL" in str(raised.value)


def test_a_compatible_server_is_never_sent_the_openai_key(
    base_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-the-users-openai-key")
    tool = CompatibleImageTool(f"{base_url}:flux")
    context = context_in(tmp_path / "work")
    arguments = tool.parse_arguments({"kind": "illustration", "title": "A red apple"})
    tool.run(arguments, context)
    (request,) = requests_to("/v1/images/generations")
    assert "sk-the-users-openai-key" not in request["authorization"]
    tool.close()


def test_the_reply_cap_comes_from_the_settings(base_url: str, tmp_path: Path) -> None:
    tool = CompatibleImageTool(f"{base_url}:flux")
    context = context_in(tmp_path / "work", tool_max_reply_bytes=2048)
    arguments = tool.parse_arguments({"kind": "illustration", "title": "A red apple"})
    with pytest.raises(ToolError, match="UNIMA_TOOL_MAX_REPLY_BYTES"):
        tool.run(arguments, context)
    tool.close()
