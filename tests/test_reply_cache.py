"""The model reply cache: a greedy model asked the same prompt again answers from disk.

Each test fails without the cache (``resolve.cached`` attaching it, ``ReplyCache`` storing and
reading LangChain generations, the key holding the call's options), or with a cache that also
served a sampling model, ignored ``--no-cache`` or hid its hits from the trace.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from typer.testing import CliRunner

from unima import UniMA, load_trace
from unima.cli import app
from unima.config import load_settings
from unima.errors import ConfigError
from unima.llm.reply_cache import ReplyCache, greedy
from unima.reasoners.guided import GuidedReasoner
from unima.reasoners.resolve import cached
from unima.testing import ScriptedChatModel, fake_toolbox

ANSWER = (
    "Tides come from the moon's gravity pulling on the oceans. The pull raises a bulge of water "
    "on the side facing the moon. A second bulge forms on the far side. As the Earth turns, each "
    "coast passes through both bulges, so most places get two high tides a day."
)
DIAGRAM = json.dumps({"title": "Tides", "nodes": ["Moon's gravity", "Ocean bulge", "High tide"]})
REQUEST = "Explain how tides work, with a diagram."


class GreedyScriptedChatModel(ScriptedChatModel):
    temperature: float = 0.0


def settings_in(folder: Path, **overrides: object) -> object:
    return load_settings(
        artifact_dir=folder / "artifacts", trace_dir=folder / "traces", **overrides
    )


def test_a_repeated_greedy_call_is_answered_from_the_cache(tmp_path: Path) -> None:
    model = cached(GreedyScriptedChatModel(default="the reply"), settings_in(tmp_path))
    messages = [SystemMessage("unima-step: guided_answer\nAnswer."), HumanMessage("Why?")]
    assert model.invoke(messages).content == "the reply"
    assert model.invoke(messages).content == "the reply"
    assert len(model.calls) == 1
    # The call's options are part of the key: a JSON-constrained call is a different call.
    model.invoke(messages, response_format={"type": "json_object"})
    assert len(model.calls) == 2


def test_the_cache_survives_the_process_in_its_file(tmp_path: Path) -> None:
    path = tmp_path / "replies.sqlite"
    first = GreedyScriptedChatModel(default="stored")
    first.cache = ReplyCache(path)
    messages = [HumanMessage("What is the capital of Australia?")]
    first.invoke(messages)
    second = GreedyScriptedChatModel(default="never asked")
    second.cache = ReplyCache(path)
    assert second.invoke(messages).content == "stored"
    assert second.calls == []
    assert ReplyCache(path).count() == 1


def test_sampling_models_and_no_cache_runs_are_left_alone(tmp_path: Path) -> None:
    sampling = GreedyScriptedChatModel(default="x", temperature=0.7)
    assert not greedy(sampling)
    assert cached(sampling, settings_in(tmp_path)).cache is None
    no_cache = cached(GreedyScriptedChatModel(default="x"), settings_in(tmp_path, cache=False))
    assert no_cache.cache is None
    assert not greedy(ScriptedChatModel(default="x"))  # no temperature: may sample


def test_a_second_run_asks_the_model_nothing_and_the_trace_says_why(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    script = {"guided_answer": ANSWER, "guided_diagram": DIAGRAM}

    def run(model: GreedyScriptedChatModel) -> object:
        reasoner = GuidedReasoner(cached(model, settings), timeout_s=5)
        agent = UniMA(reasoner=reasoner, tools=fake_toolbox(), settings=settings)
        return agent.respond(REQUEST)

    first_model = GreedyScriptedChatModel(script=script)
    first = run(first_model)
    assert first_model.calls, "the first run asks the model"
    second_model = GreedyScriptedChatModel(script=script)
    second = run(second_model)
    assert second_model.calls == []
    assert second.content == first.content
    trace = load_trace(second.trace_path)
    hits = [event for event in trace.events if event.kind == "model_reply_cached"]
    assert len(hits) == len(first_model.calls)


def test_a_damaged_entry_is_a_miss_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "replies.sqlite"
    model = GreedyScriptedChatModel(default="fresh")
    model.cache = ReplyCache(path)
    messages = [HumanMessage("Why is the sky blue?")]
    model.invoke(messages)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE replies SET generations = ?", ('[{"text": 42}]',))
    assert model.invoke(messages).content == "fresh"
    assert len(model.calls) == 2


def test_cache_info_counts_replies_and_prune_forgets_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    model = cached(GreedyScriptedChatModel(default="kept"), settings)
    model.invoke([HumanMessage("one")])
    model.invoke([HumanMessage("two")])
    runner = CliRunner()
    info = runner.invoke(app, ["cache", "info"])
    assert info.exit_code == 0, info.output
    assert "2 model replies" in info.output
    prune = runner.invoke(app, ["cache", "prune", "--replies"])
    assert prune.exit_code == 0, prune.output
    assert "forgot 2 model replies" in prune.output
    assert ReplyCache(settings.resolved_reply_cache_path()).count() == 0


def test_a_cache_path_that_is_a_folder_is_a_typed_error(tmp_path: Path) -> None:
    folder = tmp_path / "replies.sqlite"
    folder.mkdir()
    with pytest.raises(ConfigError, match="the model reply cache"):
        ReplyCache(folder)
