"""``unima train chains`` with a scripted teacher: keep, reject, repair, resume, cache, output.

The items are read with their media described as absent (``require_media=False`` and a media
root without the files), so no test here waits for perception; ``test_train_items.py`` covers
perception's description.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hitemotion_fixtures import build_release
from langchain_core.messages import BaseMessage
from typer.testing import CliRunner

from unima.bench.fake_server import FakeModelServer, request_text
from unima.cli import app
from unima.errors import ConfigError, ModelError
from unima.testing import ScriptedChatModel
from unima.train.chains import ChainSettings, judge, run_chains
from unima.train.items import TrainingItem, prompt_version, read_training_items, step_titles

SPEC = "openai-compatible:http://127.0.0.1:9/v1:teacher"
runner = CliRunner()


def chain_text(level: int, argued: str, answer: str, *, cue: str, skip: str = "") -> str:
    """A chain in the level's format whose steps cite ``cue`` and argue ``argued``."""
    lines = [
        f'{title}: "{cue}" shows the speaker feels {argued}.'
        for title in step_titles(level)
        if title != skip
    ]
    return "<think>\n" + "\n".join(lines) + f"\n</think>\n<answer>{answer}</answer>"


GLAD, LONELY, DARE, PROUD = "so glad", "so lonely", "how dare you", "so proud"
MER_HAPPY = chain_text(1, "happy", "{'emotion': 'happy'}", cue=GLAD)
MER_SAD = chain_text(1, "sad", "{'emotion': 'sad'}", cue=LONELY)
EBIA_WRONG = chain_text(2, "anger", "{'emotion': 'anger', 'intent': 'agreeing'}", cue=DARE)
EBIA_NO_STEP = chain_text(
    2, "anger", "{'emotion': 'anger', 'intent': 'questioning'}", cue=DARE, skip="Directed at"
)
EBIA_HAPPY = chain_text(2, "happy", "{'emotion': 'happy', 'intent': 'encouraging'}", cue=PROUD)
EBIA_HAPPY_TOO = EBIA_HAPPY.replace("shows the speaker", "shows that the speaker")

# What the teacher answers, item by item: first asks in sample order, then repairs.
REPLIES = {
    "MER/0": {"ask": [MER_HAPPY, MER_HAPPY]},  # the second is a duplicate
    "MER/1": {
        "ask": [chain_text(1, "sad", "{'emotion': 'happy'}", cue=LONELY), "sad, I think"],
        "repair": [MER_SAD],  # the near-miss repaired; the second sample is malformed
    },
    "EBIA/0": {"ask": [EBIA_WRONG, EBIA_NO_STEP], "repair": [EBIA_WRONG]},
    "EBIA/1": {"ask": [EBIA_HAPPY, EBIA_HAPPY_TOO]},
}


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("release")
    data, _ = build_release(root, ("MER", "EBIA"), items=2)
    return data, root / "no-media"


@pytest.fixture(scope="module")
def items(release: tuple[Path, Path]) -> dict[str, TrainingItem]:
    data, media = release
    read = read_training_items(data, media_root=media, require_media=False, cache_dir=media)
    return {item.key: item for item in read.items}


def scripted_teacher(items: dict[str, TrainingItem]) -> ScriptedChatModel:
    """A teacher that answers each item's prompt from ``REPLIES``, the n-th ask its n-th reply."""
    by_prompt = {item.prompt: key for key, item in items.items()}
    asked: dict[tuple[str, str], int] = {}

    def answer(kind: str) -> Callable[[list[BaseMessage]], str]:
        def reply(messages: list[BaseMessage]) -> str:
            key = by_prompt[str(messages[1].content)]
            position = asked.get((key, kind), 0)
            asked[(key, kind)] = position + 1
            return REPLIES[key][kind][position]

        return reply

    return ScriptedChatModel(script={"tmpo_chain": answer("ask"), "tmpo_repair": answer("repair")})


def run(
    release: tuple[Path, Path],
    out: Path,
    model: Any,
    *,
    cache: Path,
    **settings: Any,
) -> Any:
    data, media = release
    return run_chains(
        data,
        out,
        ChainSettings(teacher=SPEC, **{"samples": 2, **settings}),
        media_root=media,
        cache_dir=cache,
        require_media=False,
        chat_model=model,
    )


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_right_chains_are_kept_near_misses_repaired_and_the_rest_rejected(
    release: tuple[Path, Path], items: dict[str, TrainingItem], tmp_path: Path
) -> None:
    model = scripted_teacher(items)
    summary = run(release, tmp_path / "out", model, cache=tmp_path / "cache")
    kept = rows(tmp_path / "out" / "chains.jsonl")
    # The release's order: level 1 (MER) before level 2 (EBIA).
    assert [(row["key"], row["provenance"]["sample_index"]) for row in kept] == [
        ("MER/0", 0),
        ("MER/1", 0),
        ("EBIA/1", 0),
        ("EBIA/1", 1),
    ]
    assert summary.kept == 4 and summary.repaired == 1
    assert dict(summary.rejected) == {
        "repair_partly_right": 1,
        "steps": 1,
        "duplicate": 1,
        "malformed": 1,
    }
    repaired = kept[1]
    assert repaired["completion"] == MER_SAD and repaired["provenance"]["repaired"] is True
    assert repaired["provenance"]["teacher"] == SPEC
    assert repaired["provenance"]["prompt_version"] == prompt_version()
    verdicts = repaired["provenance"]["verdicts"]
    assert verdicts["content"] == 1.0 and verdicts["structure"] == 1.0
    assert verdicts["well_formed"] is True and json.loads(verdicts["answer_json"]) == "sad"
    # The repair was asked with the previous reply and the correct label named.
    repair_calls = [messages for step, messages in model.calls if step == "tmpo_repair"]
    assert len(repair_calls) == 2
    mer_repair = next(m for m in repair_calls if m[1].content == items["MER/1"].prompt)
    assert mer_repair[2].type == "ai" and "happy" in str(mer_repair[2].content)
    assert str(mer_repair[3].content).startswith(
        'Your answer "happy" is wrong. The correct answer is sad.'
    )
    # Rows carry the item's columns; rejected replies keep their verdicts.
    assert TrainingItem.from_row(kept[0]) == items["MER/0"]
    rejected = rows(tmp_path / "out" / "rejected.jsonl")
    assert {(row["key"], row["outcome"]) for row in rejected} == {
        ("EBIA/0", "repair_partly_right"),
        ("EBIA/0", "steps"),
        ("MER/0", "duplicate"),
        ("MER/1", "malformed"),
    }
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["teacher"] == SPEC and manifest["prompt_version"] == prompt_version()
    assert manifest["counts"]["kept"] == 4 and manifest["counts"]["items_with_a_chain"] == 3
    assert manifest["counts"]["rejected"]["duplicate"] == 1
    assert len(manifest["data_hash"]) == 64


def test_a_rerun_resumes_and_a_new_folder_is_answered_from_the_cache(
    release: tuple[Path, Path], items: dict[str, TrainingItem], tmp_path: Path
) -> None:
    model = scripted_teacher(items)
    first = run(release, tmp_path / "out", model, cache=tmp_path / "cache")
    calls = len(model.calls)
    assert first.teacher_calls == calls == 10  # 8 asks, 2 repairs
    again = run(release, tmp_path / "out", model, cache=tmp_path / "cache")
    assert again.items == 0 and again.items_done_before == 4 and len(model.calls) == calls

    def no_calls(messages: list[BaseMessage]) -> str:
        raise AssertionError("the teacher was asked despite the cache")

    silent = ScriptedChatModel(script={"tmpo_chain": no_calls, "tmpo_repair": no_calls})
    cached = run(release, tmp_path / "copy", silent, cache=tmp_path / "cache")
    assert cached.teacher_calls == 0 and cached.cached_calls == calls
    assert (tmp_path / "copy" / "chains.jsonl").read_text() == (
        tmp_path / "out" / "chains.jsonl"
    ).read_text()


def test_the_cache_key_holds_the_sample_index_and_temperature(
    release: tuple[Path, Path], items: dict[str, TrainingItem], tmp_path: Path
) -> None:
    model = scripted_teacher(items)
    run(release, tmp_path / "out", model, cache=tmp_path / "cache", samples=1, limit=1)
    other = scripted_teacher(items)
    summary = run(
        release,
        tmp_path / "warmer",
        other,
        cache=tmp_path / "cache",
        samples=1,
        limit=1,
        temperature=1.0,
    )
    assert summary.teacher_calls == 1 and summary.cached_calls == 0


def test_a_crash_between_appends_leaves_no_duplicates(
    release: tuple[Path, Path], items: dict[str, TrainingItem], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run(release, out, scripted_teacher(items), cache=tmp_path / "cache", limit=2)
    assert {row["key"] for row in rows(out / "done.jsonl")} == {"MER/0", "MER/1"}
    # A crash after EBIA/1's chains were appended, before its done line; and a cut-off line.
    stray = {**items["EBIA/1"].to_row(), "completion": EBIA_HAPPY, "provenance": {}}
    with (out / "chains.jsonl").open("a") as handle:
        handle.write(json.dumps(stray) + "\n" + '{"key": "EBIA/0", "compl')
    summary = run(release, out, scripted_teacher(items), cache=tmp_path / "cache")
    assert summary.items == 2 and summary.items_done_before == 2
    keys = [row["key"] for row in rows(out / "chains.jsonl")]
    assert keys == ["MER/0", "MER/1", "EBIA/1", "EBIA/1"]


def test_teacher_failures_leave_the_item_to_a_rerun(
    release: tuple[Path, Path], items: dict[str, TrainingItem], tmp_path: Path
) -> None:
    def down(messages: list[BaseMessage]) -> str:
        raise ModelError("teacher: connection refused")

    summary = run(
        release,
        tmp_path / "out",
        ScriptedChatModel(script={"tmpo_chain": down}),
        cache=tmp_path / "cache",
        limit=1,
    )
    assert list(summary.failed) == ["MER/0"] and summary.kept == 0
    assert not (tmp_path / "out" / "done.jsonl").exists()
    retried = run(
        release, tmp_path / "out", scripted_teacher(items), cache=tmp_path / "cache", limit=1
    )
    assert retried.items == 1 and not retried.failed


def test_other_settings_refuse_to_add_to_a_folder(
    release: tuple[Path, Path], items: dict[str, TrainingItem], tmp_path: Path
) -> None:
    run(release, tmp_path / "out", scripted_teacher(items), cache=tmp_path / "cache", limit=1)
    with pytest.raises(ConfigError, match="samples 2 -> 3"):
        run(release, tmp_path / "out", scripted_teacher(items), cache=tmp_path / "cache", samples=3)


def test_a_bad_teacher_spec_fails_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"--teacher: .*unknown chat model provider"):
        run_chains(tmp_path / "missing", tmp_path / "out", ChainSettings(teacher="nonsense:x"))
    assert not (tmp_path / "out").exists()
    with pytest.raises(ConfigError, match="--samples"):
        ChainSettings(teacher=SPEC, samples=0)


def test_judge_outcomes(items: dict[str, TrainingItem]) -> None:
    item = items["MER/1"]
    assert judge(item, MER_SAD).outcome == "kept"
    assert judge(item, MER_HAPPY).outcome == "wrong"
    assert judge(item, "<think>x</think>").outcome == "malformed"
    assert judge(item, chain_text(1, "sad", "no label here", cue=LONELY)).outcome == "unparsed"
    assert judge(items["EBIA/0"], EBIA_WRONG).outcome == "partly_right"
    # Right answers whose steps argue for another label, or rest on no cue of the input:
    arguing_happy = chain_text(1, "happy", "{'emotion': 'sad'}", cue=LONELY)
    judged = judge(item, arguing_happy)
    assert judged.outcome == "inconsistent" and judged.verdicts["contradicts"] is True
    invented = chain_text(1, "sad", "{'emotion': 'sad'}", cue="her tearful face")
    assert judge(item, invented).outcome == "ungrounded"
    assert judge(item, invented, require_grounding=False).outcome == "kept"
    # A chain that names no label in its steps contradicts nothing.
    unnamed = chain_text(1, "lonely", "{'emotion': 'sad'}", cue=LONELY)
    assert judge(item, unnamed).outcome == "kept"


def test_inconsistent_and_ungrounded_chains_are_repaired_with_what_was_wrong(
    release: tuple[Path, Path], items: dict[str, TrainingItem], tmp_path: Path
) -> None:
    arguing_happy = chain_text(1, "happy", "{'emotion': 'sad'}", cue=LONELY)  # for MER/1
    invented = chain_text(1, "happy", "{'emotion': 'happy'}", cue="her wide smile")  # MER/0
    feedback: list[str] = []

    def ask(messages: list[BaseMessage]) -> str:
        return arguing_happy if "lonely" in str(messages[1].content) else invented

    def repair(messages: list[BaseMessage]) -> str:
        feedback.append(str(messages[3].content))
        return MER_SAD if "lonely" in str(messages[1].content) else invented

    model = ScriptedChatModel(script={"tmpo_chain": ask, "tmpo_repair": repair})
    summary = run(release, tmp_path / "out", model, cache=tmp_path / "cache", samples=1, limit=2)
    assert summary.kept == 1 and summary.repaired == 1
    assert dict(summary.rejected) == {"repair_ungrounded": 1}  # MER/0 invented a smile twice
    assert feedback[0].startswith("No mental state in your chain rests on a cue")
    assert "The correct answer is happy" in feedback[0]
    assert feedback[1].startswith("Your steps argue for another answer")
    assert "The correct answer is sad" in feedback[1]
    kept = rows(tmp_path / "out" / "chains.jsonl")
    assert [(row["key"], row["provenance"]["repaired"]) for row in kept] == [("MER/1", True)]


def test_the_chains_load_with_datasets(
    release: tuple[Path, Path], items: dict[str, TrainingItem], tmp_path: Path
) -> None:
    datasets = pytest.importorskip("datasets")
    run(release, tmp_path / "out", scripted_teacher(items), cache=tmp_path / "cache")
    loaded = datasets.load_dataset(
        "json",
        data_files=str(tmp_path / "out" / "chains.jsonl"),
        split="train",
        cache_dir=str(tmp_path / "hf"),
    )
    assert loaded.num_rows == 4
    assert {"key", "prompt", "completion", "label_json", "cues", "provenance"} <= set(
        loaded.column_names
    )
    row = loaded[1]
    assert row["provenance"]["repaired"] is True and row["provenance"]["verdicts"]["content"] == 1
    assert TrainingItem.from_row(row) == items[row["key"]]


def test_the_command_runs_against_an_openai_compatible_teacher(
    release: tuple[Path, Path], tmp_path: Path
) -> None:
    data, media = release

    def reply(body: dict[str, Any]) -> str:
        text = request_text(body)
        return MER_SAD if "lonely" in text else MER_HAPPY

    with FakeModelServer(slots=2, latency_s=0.0, reply=reply) as server:
        arguments = [
            "train", "chains", "--data", str(data), "--teacher", server.spec,
            "--out", str(tmp_path / "out"), "--samples", "1", "--tasks", "MER",
            "--media-root", str(media), "--allow-missing-media",
            "--cache-dir", str(tmp_path / "cache"), "--temperature", "0",
        ]  # fmt: skip
        result = runner.invoke(app, arguments)
        assert result.exit_code == 0, result.output
        assert server.served == 2
    assert "2 chain(s) kept" in result.output and "teacher calls 2" in result.output
    kept = rows(tmp_path / "out" / "chains.jsonl")
    assert [(row["key"], row["completion"]) for row in kept] == [
        ("MER/0", MER_HAPPY),
        ("MER/1", MER_SAD),
    ]
    refused = runner.invoke(
        app, ["train", "chains", "--data", str(data), "--teacher", "nonsense:x", "--out", "o"]
    )
    assert refused.exit_code == 1 and "unknown chat model provider" in refused.output
