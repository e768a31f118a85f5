"""The LLM reasoner, driven by the scripted fake chat model and by a fake OpenAI server."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest
from loopback import chat_completion, serve_on_loopback

from unima import UniMA, load_trace
from unima.errors import ConfigError
from unima.llm.chat_models import parse_chat_spec
from unima.testing import ScriptedChatModel, fake_toolbox

CAPTION = json.dumps(
    {
        "dense_caption": "A question about tides.",
        "paraphrase": "How do tides work?",
        "topic": "tides",
        "key_terms": ["moon"],
    }
)
ANALYSE = json.dumps({"needed": False, "reason": "no data"})


def plan_reply(content: str, steps: list[dict[str, Any]]) -> str:
    return json.dumps({"content": content, "content_specs": {}, "steps": steps})


GOOD_PLAN = plan_reply(
    "Tides follow the moon. <image1> shows the bulges.",
    [
        {
            "id": "draw",
            "tool": "generate_image",
            "arguments": {"kind": "diagram"},
            "produces": "image1",
        }
    ],
)
CYCLIC_PLAN = plan_reply(
    "Tides follow the moon. <image1> shows the bulges.",
    [
        {
            "id": "a",
            "tool": "generate_image",
            "arguments": {},
            "produces": "image1",
            "depends_on": ["b"],
        },
        {"id": "b", "tool": "generate_mesh", "arguments": {}, "depends_on": ["a"]},
    ],
)
REQUEST = "Explain tides. Include one diagram."


def test_scripted_model_plan_is_used() -> None:
    model = ScriptedChatModel(script={"caption": CAPTION, "analyse": ANALYSE, "plan": GOOD_PLAN})
    response = UniMA(reasoner=model, tools=fake_toolbox()).respond(REQUEST)
    assert response.content.startswith("Tides follow the moon.")
    assert list(response.artifacts) == ["image1"]
    assert [step for step, _ in model.calls] == ["caption", "analyse", "plan"]
    plan_messages = model.calls[2][1]
    assert "<image1>" in plan_messages[0].content and "generate_image" in plan_messages[0].content
    trace = load_trace(response.trace_path)
    assert trace.reasoner == "llm:scripted"
    assert trace.caption is not None and trace.caption.paraphrase == "How do tides work?"


def test_invalid_plan_is_repaired_with_the_problems_named() -> None:
    model = ScriptedChatModel(
        script={"caption": CAPTION, "analyse": ANALYSE, "plan": [CYCLIC_PLAN, GOOD_PLAN]}
    )
    response = UniMA(reasoner=model, tools=fake_toolbox()).respond(REQUEST)
    plan_calls = [messages for step, messages in model.calls if step == "plan"]
    assert len(plan_calls) == 2
    assert "cycle" in plan_calls[1][0].content
    assert response.content.startswith("Tides follow the moon.")


def test_persistently_invalid_plan_falls_back_to_the_heuristic_reasoner() -> None:
    model = ScriptedChatModel(script={"caption": CAPTION, "analyse": ANALYSE, "plan": CYCLIC_PLAN})
    response = UniMA(reasoner=model, tools=fake_toolbox(), llm_repair_attempts=1).respond(REQUEST)
    assert response.status == "ok" and list(response.artifacts) == ["image1"]
    trace = load_trace(response.trace_path)
    kinds = [event.kind for event in trace.events]
    assert kinds.count("plan_rejected") == 2 and "plan_fallback" in kinds
    assert trace.plans[-1].reasoner == "heuristic"


def test_unparseable_replies_are_sent_back_then_fall_back() -> None:
    model = ScriptedChatModel(
        script={"caption": "I think tides are nice.", "analyse": ANALYSE, "plan": GOOD_PLAN}
    )
    response = UniMA(reasoner=model, tools=fake_toolbox(), llm_repair_attempts=1).respond(REQUEST)
    caption_calls = [messages for step, messages in model.calls if step == "caption"]
    assert len(caption_calls) == 2
    assert "not valid" in caption_calls[1][-1].content
    assert response.status == "ok"


def test_placeholder_mismatch_triggers_replanning() -> None:
    wrong = plan_reply(
        "Tides follow the moon. <image1> and <image2> show them.",
        [{"id": "draw", "tool": "generate_image", "arguments": {}, "produces": "image1"}],
    )
    model = ScriptedChatModel(
        script={"caption": CAPTION, "analyse": ANALYSE, "plan": [wrong, GOOD_PLAN]}
    )
    response = UniMA(reasoner=model, tools=fake_toolbox()).respond(REQUEST)
    plan_calls = [messages for step, messages in model.calls if step == "plan"]
    assert "<image2>" in plan_calls[1][0].content  # the problem was named to the model
    assert list(response.artifacts) == ["image1"]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("openai:gpt-4o-mini", ("openai", None, "gpt-4o-mini")),
        (
            "openai-compatible:http://localhost:8000/v1:Qwen2.5-7B",
            ("openai-compatible", "http://localhost:8000/v1", "Qwen2.5-7B"),
        ),
        (
            "openai-compatible:http://127.0.0.1:11434/v1:llama3:8b",
            ("openai-compatible", "http://127.0.0.1:11434/v1", "llama3:8b"),
        ),
        (
            "openai-compatible:https://example.org:vllm-model",
            ("openai-compatible", "https://example.org", "vllm-model"),
        ),
    ],
)
def test_chat_specs_parse(spec: str, expected: tuple[str, str | None, str]) -> None:
    assert parse_chat_spec(spec) == expected


@pytest.mark.parametrize(
    "spec", ["openai", "bogus:model", "openai-compatible:localhost:model", "openai-compatible:"]
)
def test_bad_chat_specs_name_the_problem(spec: str) -> None:
    with pytest.raises(ConfigError, match="openai"):
        parse_chat_spec(spec)


def test_unknown_reasoner_name_suggests_the_known_one() -> None:
    with pytest.raises(ConfigError, match="Did you mean 'heuristic'"):
        UniMA(reasoner="heuristik")


class FakeOpenAIHandler(BaseHTTPRequestHandler):
    """Answers /v1/chat/completions from the scripted replies, by the prompt's step."""

    replies: ClassVar[dict[str, str]] = {}
    seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append(body)
        system = body["messages"][0]["content"]
        step = system.split("\n", 1)[0].split(":", 1)[1].strip()
        data = chat_completion(body["model"], self.replies[step])
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_openai_server() -> Iterator[str]:
    FakeOpenAIHandler.replies = {"caption": CAPTION, "analyse": ANALYSE, "plan": GOOD_PLAN}
    FakeOpenAIHandler.seen = []
    with serve_on_loopback(FakeOpenAIHandler) as address:
        yield f"{address}/v1"


def test_openai_compatible_endpoint_end_to_end(fake_openai_server: str) -> None:
    agent = UniMA(
        reasoner=f"openai-compatible:{fake_openai_server}:tiny-model", tools=fake_toolbox()
    )
    response = agent.respond(REQUEST)
    assert response.content.startswith("Tides follow the moon.")
    assert [body["model"] for body in FakeOpenAIHandler.seen] == ["tiny-model"] * 3
    assert FakeOpenAIHandler.seen[2]["messages"][0]["content"].startswith("unima-step: plan")


def test_failed_step_is_repaired_with_the_models_new_arguments() -> None:
    repair = json.dumps({"arguments": {"kind": "illustration", "note": "simpler"}})
    model = ScriptedChatModel(
        script={"caption": CAPTION, "analyse": ANALYSE, "plan": GOOD_PLAN, "repair_step": repair}
    )
    toolbox = fake_toolbox()
    image_tool = toolbox.get("generate_image")
    image_tool.fail_runs = 1  # type: ignore[attr-defined]
    response = UniMA(reasoner=model, tools=toolbox).respond(REQUEST)
    assert response.status == "ok"
    repair_messages = next(messages for step, messages in model.calls if step == "repair_step")
    assert "scripted failure" in repair_messages[1].content
    trace = load_trace(response.trace_path)
    assert len(trace.plans) == 2
    assert trace.plans[1].nodes[0]["arguments"] == {"kind": "illustration", "note": "simpler"}


def test_attack_07_non_utf8_input_name_reaches_the_model_server_escaped(
    fake_openai_server: str, tmp_path: Path
) -> None:
    name = os.fsdecode(b"notes\xff.txt")
    (tmp_path / name).write_text("Tides rise twice a day.\n")
    agent = UniMA(
        reasoner=f"openai-compatible:{fake_openai_server}:tiny-model", tools=fake_toolbox()
    )
    response = agent.respond([REQUEST, str(tmp_path / name)])
    assert response.content.startswith("Tides follow the moon.")
    assert [body["model"] for body in FakeOpenAIHandler.seen] == ["tiny-model"] * 3
    analyse_prompt = FakeOpenAIHandler.seen[1]["messages"][1]["content"]
    assert "notes\\xff.txt" in analyse_prompt
