"""HitEmotion in the harness: the released layout, the 24 tasks, media checks and a whole run.

The fixtures are written here in the release's own layout (``with_prompt/`` and
``without_prompt/``, each ``levelN/<Dataset>.json``) for all 24 tasks, with tiny media where a
task has them: PNGs for image tasks, one short MP4 (ffmpeg, with a silent-ish tone track)
copied for every video. A run goes through the same runner as UniM, with the ``predictions:``
model (no model process does any work) and with a fake OpenAI-compatible server.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from typer.testing import CliRunner

from unima.backends import ffmpeg
from unima.bench.datasets import DATASETS
from unima.bench.datasets.hitemotion import (
    TASKS,
    HitEmotionLoader,
    load_hitemotion,
    normalise_ground_truth,
    prompt_folder,
    read_records,
    task_named,
    task_of_file,
)
from unima.bench.datasets.hitemotion.media import find_files
from unima.bench.fake_server import FakeModelServer
from unima.bench.records import Selection
from unima.bench.runner import run_benchmark
from unima.cli import app
from unima.errors import InputError

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "hitemotion-sample"

# The issue's mapping, written out again so a change to the task table is seen.
ISSUE_MAPPING = {
    "level1/CH-SIMS": "FESD",
    "level1/EmoSet": "ISA",
    "level1/Memotion": "MESA",
    "level1/MER2023": "MER",
    "level1/CH-SIMS_v2.0": "MSA",
    "level1/CMU-MOSI": "OSA",
    "level1/CMU-MOSEI": "SIA",
    "level1/RAVDSS_song": "SOER",
    "level1/RAVDSS_speech": "SPER",
    "level1/FMSA-SC": "SCEA",
    "level2/SemEval2021_Task6": "DPTM",
    "level2/MC-EIU": "EBIA",
    "level2/UR-FUNNY": "HU",
    "level2/ImplicitAVE": "IAVE",
    "level2/Twitter2015_2017": "MABSA",
    "level2/PanoSent": "MQE",
    "level2/MMWTWT": "MSD",
    "level2/MELD": "MDER",
    "level3/FilmStim": "EER",
    "level3/EIBench": "EI",
    "level3/SMILE": "LR",
    "level3/ECF": "MECPE",
    "level3/MUStARD": "SD",
    "level3/PanoSent": "SFA",
}
IMAGE_TASKS = {"ISA", "MESA", "DPTM", "IAVE", "MABSA", "MSD", "EI"}
# Ground truths in the shapes the release uses (label, JSON value, Python literal string).
GROUND_TRUTHS: dict[str, list[Any]] = {
    "DPTM": [{"techniques": ["Smears", "Doubt"]}, {"techniques": []}],
    "EBIA": [
        "{'emotion': 'anger', 'intent': 'questioning'}",
        "{'emotion': 'sad', 'intent': 'neutral'}",
    ],
    "MABSA": ["{'Kyoto': 'negative', 'mayor': 'neutral'}", "{'Barcelona': 'positive'}"],
    "MQE": [
        "[('Maya', 'Hatha Yoga', 'atmosphere', 'calming', 'positive', 'it helped')]",
        "[('Li', 'phone', 'battery', 'weak', 'negative', 'it died')]",
    ],
    "MSD": ["{'stance': 'refute'}", "{'stance': 'comment'}"],
    "MECPE": ["{'2': {'emotion': 'joy', 'cause_utterance_id': '1'}}", "{}"],
    "SFA": [
        "[{'holder': 'Marcus', 'initial_sentiment': 'neutral', 'flipped_sentiment': 'positive', "
        "'trigger_type': 'Logical Argumentation'}]",
        "[]",
    ],
    "EI": ["1. Personal life events.\n2. Weather.", "1. The cemetery setting."],
    "LR": ["The audience laughed because of the pun.", "(laughs) The audience laughed because."],
    "HU": ["true", "false"],
    "SD": ["true", "false"],
}


def _media_path(task: str, dataset: str, identifier: str) -> dict[str, str]:
    if task in IMAGE_TASKS:
        return {"image": f"{dataset}/images/{identifier}.png"}
    if task == "SFA":
        # Level 3 PanoSent: the release's "vidoes" typo; item 1 is text only.
        return {"video": f"PanoSent/vidoes/vid_{identifier}.mp4"} if identifier == "0" else {}
    if task == "MQE":
        return {"video": f"PanoSent/videos/vid_{identifier}.mp4"}
    return {"video": f"{dataset}/videos/{identifier}.mp4"}


def _prompt(task: str, tom: bool) -> str:
    mark = "<image>" if task in IMAGE_TASKS else "<video>"
    if task in {"MQE", "SFA"}:
        mark = "<image>\n<video>"  # PanoSent prompts mark both, whatever the item has
    if tom:
        body = (
            "You are a multimodal affective computing expert grounded in theory of mind. "
            "1. Decode Affective Signals. 2. Synthesize a Mental State Hypothesis. "
            "Output exactly {'emotion': 'label'}"
        )
    else:
        body = "Determine the emotion. Do not provide any additional explanations."
    return f"{mark}\nThe person in video says: task {task}. {body}"


@pytest.fixture(scope="module")
def video_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """One 1-second 32x32 MP4 with a tone track, made once for the module."""
    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    command = [*ffmpeg.QUIET, "-f", "lavfi", "-i", "testsrc=size=32x32:rate=4"]
    command += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000", "-t", "1"]
    command += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path)]
    ffmpeg.run_ffmpeg(command, timeout_s=60)
    return path.read_bytes()


def make_release(root: Path, video: bytes) -> tuple[Path, Path]:
    """The release layout under ``root/data`` for all 24 tasks, media under ``root/media``."""
    data, media = root / "data", root / "media"
    for task in TASKS:
        truths = GROUND_TRUTHS.get(task.code, ["neutral", "positive"])
        for folder, tom in (("with_prompt", True), ("without_prompt", False)):
            items = []
            for number, truth in enumerate(truths):
                # UR-FUNNY ids are integers in the release.
                identifier: str | int = number if task.code == "HU" else str(number)
                items.append(
                    {
                        "id": identifier,
                        **_media_path(task.code, task.dataset, str(number)),
                        "conversations": [
                            {"from": "human", "value": _prompt(task.code, tom)},
                            {"from": "gpt", "value": truth},
                        ],
                    }
                )
            path = data / folder / f"level{task.level}" / f"{task.dataset}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(items, indent=1), encoding="utf-8")
        for number in range(len(truths)):
            for name, relative in _media_path(task.code, task.dataset, str(number)).items():
                target = media / relative.replace("vidoes/", "videos/")
                target.parent.mkdir(parents=True, exist_ok=True)
                if name == "image":
                    Image.new("RGB", (8, 8), (200, 40 * number, 90)).save(target)
                else:
                    target.write_bytes(video)
    return data, media


@pytest.fixture
def release(
    tmp_path: Path, video_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return make_release(tmp_path, video_bytes)


def test_hitemotion_is_a_registered_benchmark() -> None:
    assert "hitemotion" in DATASETS.names()
    assert DATASETS.get("hitemotion").__name__ == "HitEmotionLoader"


def test_every_released_file_maps_to_its_task() -> None:
    assert len(TASKS) == 24
    assert {task.file.removesuffix(".json"): task.code for task in TASKS} == ISSUE_MAPPING
    for name, code in ISSUE_MAPPING.items():
        for prompt in ("with_prompt", "without_prompt"):
            task = task_of_file(Path(prompt) / f"{name}.json")
            assert task is not None and task.code == code
    assert [task.level for task in TASKS].count(1) == 10
    assert [task.level for task in TASKS].count(2) == 8
    assert [task.level for task in TASKS].count(3) == 6
    assert task_of_file(Path("with_prompt/level1/PanoSent.json")) is None
    assert task_of_file(Path("with_prompt/level4/MELD.json")) is None
    assert task_named("mer").code == "MER"
    with pytest.raises(InputError, match="did you mean MER"):
        task_named("MERR")


def test_ground_truths_of_every_shape_become_one_typed_record() -> None:
    assert normalise_ground_truth("negative").kind == "text"
    assert normalise_ground_truth("negative").label == "negative"
    assert normalise_ground_truth({"techniques": ["Smears"]}).value == {"techniques": ["Smears"]}
    mapping = normalise_ground_truth("{'emotion': 'sad', 'intent': 'neutral'}")
    assert (mapping.kind, mapping.value) == ("object", {"emotion": "sad", "intent": "neutral"})
    tuples = normalise_ground_truth("[('Maya', 'yoga', 'mood', 'calm', 'positive', 'x')]")
    assert tuples.kind == "list"
    assert tuples.value == [["Maya", "yoga", "mood", "calm", "positive", "x"]]
    assert normalise_ground_truth(("a", "b")).value == ["a", "b"]
    assert normalise_ground_truth([["a", 1]]).value == [["a", 1]]
    # Text that only starts with a bracket stays text; a number is refused.
    assert normalise_ground_truth("(laughs) because").kind == "text"
    with pytest.raises(ValueError, match="ground truth is a int"):
        normalise_ground_truth(3)


@pytest.mark.parametrize("prompt", ["tom", "direct"])
def test_both_prompt_folders_load_every_task(release: tuple[Path, Path], prompt: str) -> None:
    data, media = release
    load = HitEmotionLoader().load(prompt_folder(data, prompt), media_root=media)
    assert load.invalid == []
    tasks = {instance.extra["task"] for instance in load.instances}
    assert tasks == {task.code for task in TASKS}
    assert len(load.instances) == sum(len(GROUND_TRUTHS.get(t.code, "xx")) for t in TASKS)
    first = load.instances[0]
    assert first.key == ("level1", "fesd", "0")
    assert first.input.content.startswith("<video1>\nThe person in video says")
    assert first.input.modal == {"video1": "CH-SIMS/videos/0.mp4"}
    assert ("theory of mind" in first.input.content) == (prompt == "tom")
    assert first.output is None  # the reference answer never travels with the request
    assert first.extra == {
        "benchmark": "hitemotion",
        "task": "FESD",
        "level": 1,
        "dataset": "CH-SIMS",
        "reply_format": "text",
    }
    by_key = {instance.key: instance for instance in load.instances}
    # An item whose prompt marks an image it lacks keeps only its video.
    quintuples = by_key[("level2", "mqe", "0")].input
    assert quintuples.content.startswith("<video1>\nThe person in video says: task MQE.")
    assert quintuples.modal == {"video1": "PanoSent/videos/vid_0.mp4"}
    assert by_key[("level3", "sfa", "1")].input.modal == {}
    assert by_key[("level2", "hu", "1")].id == "1"  # integer ids read as strings
    # Every media folder the harness resolves leads to the media root itself.
    folder = first.media_root(load.root)
    assert (folder / "CH-SIMS/videos/0.mp4").resolve() == (media / "CH-SIMS/videos/0.mp4").resolve()
    records = read_records(find_files(prompt_folder(data, prompt)))
    assert len(records.records) == len(load.instances)
    ebia = next(r for r in records.records if r.task == "EBIA")
    assert ebia.ground_truth.value == {"emotion": "anger", "intent": "questioning"}


def test_the_vidoes_typo_is_read_with_a_warning(
    release: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    data, media = release
    with caplog.at_level(logging.WARNING, logger="unima.bench.datasets.hitemotion"):
        load = load_hitemotion(prompt_folder(data, "tom"), media_root=media)
    assert "1 HitEmotion media path(s) had the release's folder typo" in caplog.text
    sfa = next(i for i in load.instances if i.key == ("level3", "sfa", "0"))
    assert sfa.input.modal == {"video1": "PanoSent/videos/vid_0.mp4"}
    assert [(w.key, w.reason) for w in load.warnings] == [
        (
            ("level3", "sfa", "0"),
            "path typo in the release: 'PanoSent/vidoes/vid_0.mp4' read as "
            "'PanoSent/videos/vid_0.mp4'",
        )
    ]


def test_missing_media_is_reported_by_key_then_skipped_or_fatal(
    release: tuple[Path, Path],
) -> None:
    data, media = release
    (media / "MER2023/videos/1.mp4").unlink()
    (media / "EmoSet/images/0.png").unlink()
    load = load_hitemotion(prompt_folder(data, "direct"), media_root=media)
    assert {item.key for item in load.invalid} == {
        ("level1", "mer", "1"),
        ("level1", "isa", "0"),
    }
    assert all("file not found" in item.reason for item in load.invalid)
    assert ("level1", "mer", "1") not in {instance.key for instance in load.instances}
    assert ("level1", "mer", "0") in {instance.key for instance in load.instances}
    with pytest.raises(InputError, match=r"2 invalid item\(s\).*level1/(mer|isa)"):
        load_hitemotion(prompt_folder(data, "direct"), media_root=media, on_invalid="fail")


def test_paths_that_leave_the_media_root_are_refused(
    release: tuple[Path, Path], tmp_path: Path
) -> None:
    data, media = release
    secret = tmp_path / "secret.png"
    Image.new("RGB", (4, 4)).save(secret)
    (media / "EmoSet/images/link.png").symlink_to(secret)
    path = data / "with_prompt/level1/EmoSet.json"
    items = json.loads(path.read_text(encoding="utf-8"))
    items[0]["image"] = "../secret.png"
    items[1]["image"] = "EmoSet/images/link.png"
    items.append({**items[1], "id": "7", "image": "/etc/passwd"})
    path.write_text(json.dumps(items), encoding="utf-8")
    load = load_hitemotion(prompt_folder(data, "tom"), media_root=media)
    reasons = {item.key: item.reason for item in load.invalid}
    assert "'..' components are not accepted" in reasons[("level1", "isa", "0")]
    assert "outside the media root" in reasons[("level1", "isa", "1")]
    assert "absolute paths are not accepted" in reasons[("level1", "isa", "7")]
    assert not any(instance.subdomain == "isa" for instance in load.instances)


def test_bad_files_and_items_are_reported_not_fatal(release: tuple[Path, Path]) -> None:
    data, media = release
    folder = prompt_folder(data, "tom")
    (folder / "level2/MMWTWT.json").unlink()  # public snapshots lack some with-prompt files
    (folder / "level1/Unknown.json").write_text("[]", encoding="utf-8")
    path = folder / "level1/MER2023.json"
    items = json.loads(path.read_text(encoding="utf-8"))
    items.append({"id": "9", "conversations": [{"from": "human", "value": "hi"}]})
    items.append(dict(items[0]))  # a repeated id
    path.write_text(json.dumps(items), encoding="utf-8")
    load = load_hitemotion(folder, media_root=media)
    reasons = [(item.key, item.reason) for item in load.invalid]
    assert any(key is None and "not a HitEmotion file" in reason for key, reason in reasons)
    assert (
        ("level1", "mer", "9"),
        "conversations must be a list of the human turn and the gpt turn",
    ) in reasons
    assert any(
        key == ("level1", "mer", "0") and "duplicate id" in reason for key, reason in reasons
    )
    assert [(w.source, w.reason) for w in load.warnings if w.key is None] == [
        (str(folder / "level2/MMWTWT.json"), "no file for task MSD: it has no items here")
    ]


def test_the_prompt_picks_the_folder(release: tuple[Path, Path]) -> None:
    data, _ = release
    assert prompt_folder(data, "tom") == data / "with_prompt"
    assert prompt_folder(data, "direct") == data / "without_prompt"
    assert prompt_folder(data / "with_prompt", "tom") == data / "with_prompt"
    with pytest.raises(InputError, match="reads without_prompt"):
        prompt_folder(data / "with_prompt", "direct")
    with pytest.raises(InputError, match="tom or direct"):
        prompt_folder(data, "cot")
    with pytest.raises(InputError, match="choose one"):
        find_files(data)


def test_selection_by_task_level_and_limit(release: tuple[Path, Path]) -> None:
    data, media = release
    loader = HitEmotionLoader()
    load = loader.load(prompt_folder(data, "tom"), media_root=media)
    chosen = loader.select(load.instances, Selection(subdomains=["MER", "sd"]))
    assert [i.key for i in chosen] == [
        ("level1", "mer", "0"),
        ("level1", "mer", "1"),
        ("level3", "sd", "0"),
        ("level3", "sd", "1"),
    ]
    level2 = loader.select(load.instances, Selection(difficulties=[2]))
    assert {i.extra["task"] for i in level2} == {t.code for t in TASKS if t.level == 2}
    assert len(loader.select(load.instances, Selection(difficulties=[3], limit=3))) == 3
    sampled = loader.select(load.instances, Selection(sample=5, seed=1))
    assert sampled == loader.select(load.instances, Selection(sample=5, seed=1))
    with pytest.raises(InputError, match="unknown HitEmotion task"):
        loader.select(load.instances, Selection(subdomains=["MATH"]))
    with pytest.raises(InputError, match="levels are 1, 2 and 3"):
        loader.select(load.instances, Selection(difficulties=[4]))


def test_the_shared_sample_loads(tmp_path: Path) -> None:
    if not SAMPLE.is_dir():
        pytest.skip("the shared HitEmotion sample is not beside this checkout")
    for prompt in ("tom", "direct"):
        folder = prompt_folder(SAMPLE, prompt)
        records = read_records(find_files(folder))
        assert records.invalid == []
        assert len({record.task for record in records.records}) == (20 if prompt == "tom" else 24)
        # The media are not part of the sample: check the paths' text only.
        load = load_hitemotion(folder, media_root=tmp_path / "none", check_files=False)
        assert load.invalid == []
        assert len(load.instances) == len(records.records)


def _run(data: Path, media: Path, out: Path, model: str, *extra: str) -> Any:
    arguments = ["bench", "run", "hitemotion", "--data", str(data), "--media-root", str(media)]
    return CliRunner().invoke(
        app, [*arguments, "--out", str(out), "--model", model, "--timeout", "60", *extra]
    )


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_run_writes_hitemotion_predictions_and_resumes(
    release: tuple[Path, Path], tmp_path: Path
) -> None:
    data, media = release
    load = load_hitemotion(prompt_folder(data, "direct"), media_root=media)
    chosen = [i for i in load.instances if i.subdomain in {"mer", "sd", "dptm"}]
    answers = tmp_path / "answers.jsonl"
    answers.write_text(
        "".join(
            json.dumps(
                {
                    "domain": i.domain,
                    "subdomain": i.subdomain,
                    "id": i.id,
                    "output": {"content": f"<think>not {i.id}</think><answer>x{i.id}</answer>"},
                }
            )
            + "\n"
            for i in chosen
        ),
        encoding="utf-8",
    )
    out = tmp_path / "run"
    model = f"predictions:{answers}"
    result = _run(data, media, out, model, "--prompt", "direct", "--tasks", "MER,SD,DPTM")
    assert result.exit_code == 0, result.output
    first = _lines(out / "predictions.jsonl")
    assert first[0] == {
        "task": "MER",
        "level": 1,
        "id": "0",
        "output": "<think>not 0</think><answer>x0</answer>",
    }
    assert all(list(line) == ["task", "level", "id", "output"] for line in first)
    assert [(line["task"], line["id"]) for line in first] == [
        ("MER", "0"), ("MER", "1"), ("DPTM", "0"), ("DPTM", "1"), ("SD", "0"), ("SD", "1"),
    ]  # fmt: skip
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["benchmark"] == "hitemotion"
    assert manifest["dataset"]["path"].endswith("without_prompt")
    # --level narrows further; a smaller selection of the same run is refused, not mixed in.
    narrowed = _run(data, media, out, model, "--prompt", "direct", "--tasks", "MER", "--level", "1")
    assert narrowed.exit_code != 0

    # Lose part of the results, then run the same command again: only those are redone.
    with sqlite3.connect(out / "results.sqlite") as database:
        database.execute("DELETE FROM results WHERE subdomain='sd' OR (subdomain='mer' AND id='1')")
    (out / "predictions.jsonl").write_text("", encoding="utf-8")
    again = _run(data, media, out, model, "--prompt", "direct", "--tasks", "MER,SD,DPTM")
    assert again.exit_code == 0, again.output
    resumed = _lines(out / "predictions.jsonl")
    assert sorted(map(json.dumps, resumed)) == sorted(map(json.dumps, first))
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    redone = [tuple(e["key"]) for e in events if e["event"] == "done"][len(first) :]
    assert sorted(redone) == [("level1", "mer", "1"), ("level3", "sd", "0"), ("level3", "sd", "1")]


def test_the_cli_needs_a_prompt_and_known_tasks(release: tuple[Path, Path], tmp_path: Path) -> None:
    data, media = release
    result = _run(data, media, tmp_path / "a", "unima")
    assert result.exit_code != 0 and "needs --prompt" in result.output
    result = _run(data, media, tmp_path / "b", "unima", "--prompt", "tom", "--tasks", "MERR")
    assert result.exit_code != 0 and "did you mean MER" in result.output
    unim = CliRunner().invoke(
        app,
        [
            "bench",
            "run",
            "unim",
            "--data",
            str(data),
            "--out",
            str(tmp_path / "c"),
            "--prompt",
            "tom",
        ],
    )
    assert unim.exit_code != 0 and "apply to hitemotion only" in unim.output


def test_a_model_server_gets_the_prompt_and_media_and_its_whole_reply_is_kept(
    release: tuple[Path, Path], tmp_path: Path
) -> None:
    data, media = release
    bodies: list[dict[str, Any]] = []

    def reply(body: dict[str, Any]) -> str:
        bodies.append(body)
        return "<think>The face looks calm, not angry.</think>\n<answer>amusement</answer>"

    with FakeModelServer(slots=2, latency_s=0.0, reply=reply) as server:
        summary = run_benchmark(
            prompt_folder(data, "tom"),
            tmp_path / "run",
            server.spec,
            media_root=media,
            selection=Selection(subdomains=["ISA"]),
            benchmark="hitemotion",
        )
    assert summary.counts["done"] == 2
    messages = bodies[0]["messages"]
    assert [message["role"] for message in messages] == ["user"]  # no answer protocol
    parts = messages[0]["content"]
    assert parts[0]["text"].startswith("<image1>\nThe person in video says: task ISA.")
    assert "theory of mind" in parts[0]["text"]
    assert any(part["type"] == "image_url" for part in parts)
    # The runner itself writes HitEmotion's lines (not UniM's), before and after the run.
    assert summary.predictions == tmp_path / "run" / "predictions.jsonl"
    assert _lines(summary.predictions)[0] == {
        "task": "ISA",
        "level": 1,
        "id": "0",
        "output": "<think>The face looks calm, not angry.</think>\n<answer>amusement</answer>",
    }


def test_a_video_goes_to_a_model_server_as_keyframes_and_a_transcript(
    release: tuple[Path, Path], tmp_path: Path
) -> None:
    data, media = release
    bodies: list[dict[str, Any]] = []

    def reply(body: dict[str, Any]) -> str:
        bodies.append(body)
        return "{'emotion': 'neutral'}"

    with FakeModelServer(slots=1, latency_s=0.0, reply=reply) as server:
        summary = run_benchmark(
            prompt_folder(data, "direct"),
            tmp_path / "run",
            server.spec,
            media_root=media,
            selection=Selection(subdomains=["MER"], limit=1),
            benchmark="hitemotion",
        )
    assert summary.counts["done"] == 1, summary
    parts = bodies[0]["messages"][0]["content"]
    assert "<video1>: a video (0.mp4)" in parts[0]["text"]
    assert sum(part["type"] == "image_url" for part in parts) >= 1  # keyframes


def test_the_media_root_link_folder_is_reused(release: tuple[Path, Path], tmp_path: Path) -> None:
    data, media = release
    first = load_hitemotion(prompt_folder(data, "tom"), media_root=media, cache=tmp_path / "c")
    second = load_hitemotion(prompt_folder(data, "tom"), media_root=media, cache=tmp_path / "c")
    assert first.root == second.root
    assert first.fingerprint == second.fingerprint
    shutil.rmtree(media / "MELD")  # its items become invalid: another dataset
    third = load_hitemotion(prompt_folder(data, "tom"), media_root=media, cache=tmp_path / "c")
    assert third.fingerprint != first.fingerprint


def test_unima_answers_hitemotion_in_the_tom_mode(
    release: tuple[Path, Path], tmp_path: Path
) -> None:
    data, media = release
    out = tmp_path / "run"
    arguments = ["--prompt", "tom", "--tasks", "MSA", "--limit", "1", "--llm", "heuristic"]
    result = _run(data, media, out, "unima", *arguments, "--tools", "fake", "--reasoning", "tom")
    assert result.exit_code == 0, result.output
    (line,) = _lines(out / "predictions.jsonl")
    assert line["task"] == "MSA"
    assert "<think>" in line["output"] and "<answer>" in line["output"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "tom" in json.dumps(manifest["model"])
    refused = _run(data, media, tmp_path / "x", "unima", "--prompt", "tom", "--reasoning", "deep")
    assert refused.exit_code != 0 and "--reasoning takes direct or tom" in refused.output
