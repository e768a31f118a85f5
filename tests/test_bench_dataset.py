"""The UniM loader: layouts, normalisation, invalid instances, filters, sampling, fingerprint."""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unima.bench.datasets.unim import (
    InvalidInstance,
    UnimInstance,
    fingerprint,
    load_unim,
    select,
)
from unima.errors import InputError


def make_instance(
    domain: str = "natural_science",
    subdomain: str = "math",
    identifier: str = "1",
    **overrides: Any,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "domain": domain,
        "subdomain": subdomain,
        "id": identifier,
        "input": {
            "modal": {"image1": f"image/img_{identifier}_i1.png"},
            "content": "Explain <image1>. Answer with one audio clip.",
        },
        "output": {
            "modal": {"audio1": f"audio/aud_{identifier}_o1.mp3"},
            "content": "The narration <audio1> explains it.",
        },
        "difficulty_level": 1,
    }
    record.update(overrides)
    return record


def add_media(
    media_root: Path, record: dict[str, Any], *, folder: tuple[str, str] | None = None
) -> None:
    """Create every file the record's modal entries name (under the given folder names)."""
    domain, subdomain = folder or (record["domain"], record["subdomain"])
    for side in ("input", "output"):
        for relative in (record.get(side) or {}).get("modal", {}).values():
            path = media_root / domain / subdomain / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"media")


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [record if isinstance(record, str) else json.dumps(record) for record in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def dataset(tmp_path: Path, records: list[dict[str, Any]]) -> tuple[Path, Path]:
    """A single JSONL with a separate media root holding every file."""
    media = tmp_path / "media"
    media.mkdir(exist_ok=True)
    for record in records:
        add_media(media, record)
    return write_jsonl(tmp_path / "instances.jsonl", records), media


# Layouts ---------------------------------------------------------------------------------------


def test_single_jsonl_with_separate_media_root(tmp_path: Path) -> None:
    records = [make_instance(identifier=i) for i in ("10", "2", "1")]
    records.append(make_instance(subdomain="physics", identifier="1"))  # same id, other subdomain
    data, media = dataset(tmp_path, records)

    loaded = load_unim(data, media_root=media)

    assert loaded.invalid == []
    assert loaded.root == media
    assert [item.key for item in loaded.instances] == [
        ("natural_science", "math", "1"),
        ("natural_science", "math", "2"),
        ("natural_science", "math", "10"),
        ("natural_science", "physics", "1"),
    ]
    first = loaded.instances[0]
    assert first.media_root(media) == media / "natural_science" / "math"
    assert first.input_modalities == {"image"} and first.output_modalities == {"audio"}
    agent_input = first.to_agent_input()
    assert "output" not in agent_input and "narration" not in json.dumps(agent_input)
    assert agent_input["input"]["modal"] == {"image1": "image/img_1_i1.png"}


def test_dev_layout_finds_the_data_folder_beside_the_file(tmp_path: Path) -> None:
    record = make_instance()
    add_media(tmp_path / "data", record)
    data = write_jsonl(tmp_path / "instances.jsonl", [record])

    loaded = load_unim(data)

    assert loaded.root == tmp_path / "data"
    assert [item.key for item in loaded.instances] == [("natural_science", "math", "1")]


def test_folder_tree_of_json_files(tmp_path: Path) -> None:
    tree = tmp_path / "set"
    records = [make_instance(identifier=str(i)) for i in range(1, 7)]
    for record in records:
        add_media(tree / "data", record)
    (tree / "natural_science" / "math").mkdir(parents=True)
    (tree / "natural_science" / "math" / "one.json").write_text(json.dumps(records[0]))
    (tree / "natural_science" / "list.json").write_text(json.dumps(records[1:3]))
    concatenated = "\n".join(json.dumps(record, indent=2) for record in records[3:5])
    (tree / "natural_science" / "math" / "many.json").write_text(concatenated)
    write_jsonl(tree / "deeper" / "a" / "b" / "rest.jsonl", records[5:])
    (tree / ".hidden.json").write_text("not json at all")
    (tree / "notes.txt").write_text("ignored")
    # A .json document among the media must not be read as instances.
    (tree / "data" / "natural_science" / "math" / "table.json").write_text("[1, 2]")

    loaded = load_unim(tree)

    assert loaded.invalid == []
    assert loaded.root == tree / "data"
    assert sorted(int(item.id) for item in loaded.instances) == [1, 2, 3, 4, 5, 6]
    assert [path.name for path in loaded.files] == [
        "rest.jsonl",
        "list.json",
        "many.json",
        "one.json",
    ]


def test_release_layout_reads_only_the_placeholder_files(tmp_path: Path) -> None:
    record = make_instance(domain="general_area", subdomain="food")
    add_media(tmp_path / "data", record)
    write_jsonl(tmp_path / "qapairs_placeholder" / "general_area" / "food.jsonl", [record])
    captioned = dict(record, output={"modal": {}, "content": "captioned"})
    write_jsonl(tmp_path / "qapairs_caption" / "general_area" / "food.jsonl", [captioned])

    loaded = load_unim(tmp_path)

    assert loaded.invalid == []
    assert [item.key for item in loaded.instances] == [("general_domain", "food", "1")]


def test_media_beside_the_instance_files(tmp_path: Path) -> None:
    record = make_instance(subdomain="law", domain="social_science")
    record["input"]["modal"] = {"document1": "document/table.json"}
    record["input"]["content"] = "Read <document1>."
    add_media(tmp_path, record)
    (tmp_path / "social_science" / "law" / "document" / "table.json").write_text("[1, 2]")
    write_jsonl(tmp_path / "social_science" / "law" / "instances.jsonl", [record])

    loaded = load_unim(tmp_path, media_root=tmp_path)

    assert loaded.invalid == [] and [item.subdomain for item in loaded.instances] == ["law"]
    assert [path.name for path in loaded.files] == ["instances.jsonl"]


def test_instance_file_linked_outside_the_folder_is_reported(tmp_path: Path) -> None:
    outside = write_jsonl(tmp_path / "outside.jsonl", [make_instance(identifier="2")])
    tree = tmp_path / "set"
    record = make_instance()
    add_media(tree / "data", record)
    write_jsonl(tree / "a.jsonl", [record])
    (tree / "b.jsonl").symlink_to(outside)

    loaded = load_unim(tree)

    assert [item.id for item in loaded.instances] == ["1"]
    assert loaded.invalid == [
        InvalidInstance(None, str(tree / "b.jsonl"), loaded.invalid[0].reason)
    ]
    assert "links outside" in loaded.invalid[0].reason


def test_byte_order_mark_and_bad_encoding(tmp_path: Path) -> None:
    record = make_instance()
    data, media = dataset(tmp_path, [record])
    data.write_bytes(b"\xef\xbb\xbf" + json.dumps(record).encode() + b"\n\xff\xfe{}\n")

    loaded = load_unim(data, media_root=media)

    assert [item.id for item in loaded.instances] == ["1"]
    assert [item.source for item in loaded.invalid] == [f"{data}:2"]


def test_missing_dataset_and_empty_folder_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_unim(tmp_path / "nope.jsonl")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"no \.json or \.jsonl"):
        load_unim(tmp_path / "empty", media_root=tmp_path)
    data = write_jsonl(tmp_path / "x.jsonl", [make_instance()])
    with pytest.raises(InputError, match="media root"):
        load_unim(data, media_root=tmp_path / "missing")
    with pytest.raises(InputError, match="on_invalid"):
        load_unim(data, on_invalid="ignore")  # type: ignore[arg-type]


# Normalisation ---------------------------------------------------------------------------------


def test_public_spellings_are_normalised(tmp_path: Path) -> None:
    record = make_instance(domain="general_area", subdomain="Earth Science", identifier=7)
    del record["difficulty_level"]
    record["difficulty"] = "hard"
    record["source_url"] = "https://example.org/post"
    record["input"]["content"] += " Headings like <h1> or <b> are plain text."
    media = tmp_path / "media"
    add_media(media, record, folder=("general_area", "9_earth_science"))
    data = write_jsonl(tmp_path / "x.jsonl", [record])

    loaded = load_unim(data, media_root=media)

    assert loaded.invalid == []
    (instance,) = loaded.instances
    assert instance.key == ("general_domain", "earth_science", "7")
    assert instance.field == "general_domain"
    assert instance.difficulty_level == 3
    assert instance.extra == {"source_url": "https://example.org/post"}
    assert instance.media_root(media) == media / "general_area" / "9_earth_science"
    round_trip = instance.to_unim()
    assert round_trip["source_url"] == "https://example.org/post"
    assert UnimInstance.model_validate(round_trip) == instance


def test_numbered_subdomain_and_compute_science_spellings() -> None:
    instance = UnimInstance.model_validate(make_instance(subdomain="5_Compute Science"))
    assert instance.subdomain == "computer_science"
    assert UnimInstance.model_validate(make_instance(domain="NS")).domain == "natural_science"


def test_text_and_inline_code_entries_are_not_files(tmp_path: Path) -> None:
    record = make_instance()
    record["output"] = {
        "modal": {"text1": "a caption", "code1": "print('hi')\nprint(2)", "code2": "code/sol.py"},
        "content": "See <text1>, <code1> and <code2>.",
    }
    data, media = dataset(tmp_path, [record])

    loaded = load_unim(data, media_root=media)

    assert loaded.invalid == []
    assert loaded.instances[0].output_modalities == {"text", "code"}
    (media / "natural_science" / "math" / "code" / "sol.py").unlink()
    reloaded = load_unim(data, media_root=media)
    assert reloaded.instances == []
    assert "code2" in reloaded.invalid[0].reason and "not found" in reloaded.invalid[0].reason


def test_unplaced_modal_entry_is_loaded_with_a_warning(tmp_path: Path) -> None:
    record = make_instance()
    record["input"]["content"] = "Explain the image1 (no brackets)."
    data, media = dataset(tmp_path, [record])

    loaded = load_unim(data, media_root=media)

    assert len(loaded.instances) == 1
    assert [(w.key, "image1" in w.reason) for w in loaded.warnings] == [
        (("natural_science", "math", "1"), True)
    ]


# Invalid instances -----------------------------------------------------------------------------


def _with_input(modal: dict[str, str], content: str) -> dict[str, Any]:
    return make_instance(identifier="9", input={"modal": modal, "content": content})


INVALID_CASES = {
    "tag without modal entry": (
        _with_input({"image1": "image/img_9_i1.png"}, "Compare <image1> with <image2>."),
        "<image2>",
    ),
    "output tag without modal entry": (
        make_instance(identifier="9", output={"modal": {}, "content": "Hear <audio1>."}),
        "<audio1>",
    ),
    "bad modal key": (_with_input({"picture1": "image/a.png"}, "Look."), "picture1"),
    "capitalised placeholder": (
        _with_input({"image1": "image/a.png"}, "See <Image1>."),
        "<Image1>",
    ),
    "unnumbered placeholder": (_with_input({"image1": "image/a.png"}, "See <image>."), "<image>"),
    "abbreviated placeholder": (_with_input({"image1": "image/a.png"}, "See <img1>."), "<img1>"),
    "traversal": (_with_input({"image1": "../../../etc/passwd"}, "See <image1>."), "'..'"),
    "absolute path": (_with_input({"image1": "/etc/passwd"}, "See <image1>."), "absolute"),
    "url": (_with_input({"image1": "http://169.254.169.254/x.png"}, "See <image1>."), "URL"),
    "file url": (_with_input({"image1": "file:///etc/passwd"}, "See <image1>."), "URL"),
    "backslash": (_with_input({"image1": "..\\..\\x.png"}, "See <image1>."), "backslash"),
    "missing file": (_with_input({"image1": "image/nowhere.png"}, "See <image1>."), "not found"),
    "bad difficulty": (make_instance(identifier="9", difficulty_level=7), "difficulty_level"),
    "missing input": ({"domain": "natural_science", "subdomain": "math", "id": "9"}, "input"),
    "content not a string": (_with_input({}, 42), "content"),  # type: ignore[arg-type]
    "unsafe id": (make_instance(identifier="../9"), "id"),
}


@pytest.mark.parametrize("case", sorted(INVALID_CASES))
def test_each_invalid_instance_is_reported_and_the_rest_load(tmp_path: Path, case: str) -> None:
    bad, expected = INVALID_CASES[case]
    good = make_instance(identifier="1")
    data, media = dataset(tmp_path, [good])
    write_jsonl(data, [good, bad])

    loaded = load_unim(data, media_root=media)

    assert [item.key for item in loaded.instances] == [("natural_science", "math", "1")]
    (problem,) = loaded.invalid
    assert problem.source == f"{data}:2"
    assert expected in problem.reason
    if case not in {"unsafe id", "missing input"}:
        assert problem.key == ("natural_science", "math", "9")


def test_symlink_out_of_the_media_root_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"secret")
    record = _with_input({"image1": "image/link.png"}, "See <image1>.")
    data, media = dataset(tmp_path, [make_instance()])
    write_jsonl(data, [record])
    (media / "natural_science" / "math" / "image" / "link.png").symlink_to(secret)

    loaded = load_unim(data, media_root=media)

    assert loaded.instances == []
    assert "outside the media root" in loaded.invalid[0].reason


def test_media_folder_linked_outside_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    record = make_instance(subdomain="chemistry")
    add_media(outside, record)
    media = tmp_path / "media" / "natural_science"
    media.mkdir(parents=True)
    (media / "chemistry").symlink_to(outside / "natural_science" / "chemistry")
    data = write_jsonl(tmp_path / "x.jsonl", [record])

    loaded = load_unim(data, media_root=tmp_path / "media")

    assert loaded.instances == [] and "links outside" in loaded.invalid[0].reason


def test_without_file_checks_paths_are_still_refused(tmp_path: Path) -> None:
    records = [
        _with_input({"image1": "image/nowhere.png"}, "See <image1>."),
        dict(_with_input({"image1": "../x.png"}, "See <image1>."), id="10"),
    ]
    data = write_jsonl(tmp_path / "x.jsonl", records)

    loaded = load_unim(data, media_root=tmp_path / "absent", check_files=False)

    assert [item.id for item in loaded.instances] == ["9"]
    assert [item.key for item in loaded.invalid] == [("natural_science", "math", "10")]


def test_duplicate_key_is_invalid_and_the_first_is_kept(tmp_path: Path) -> None:
    first = make_instance()
    second = make_instance(domain="general_area")  # not a duplicate: another field
    again = make_instance(domain="natural_science", subdomain="1_math", identifier=1)
    again["input"]["content"] = "A different <image1> question."
    data, media = dataset(tmp_path, [first, second])
    write_jsonl(data, [first, second, again])

    loaded = load_unim(data, media_root=media)

    assert len(loaded.instances) == 2
    math = next(item for item in loaded.instances if item.key == ("natural_science", "math", "1"))
    assert math.input.content == first["input"]["content"]
    (duplicate,) = loaded.invalid
    assert duplicate.key == ("natural_science", "math", "1")
    assert "duplicate key" in duplicate.reason and f"{data}:1" in duplicate.reason


def test_malformed_lines_and_non_objects_are_reported(tmp_path: Path) -> None:
    good = make_instance()
    data, media = dataset(tmp_path, [good])
    write_jsonl(data, [good, "{not json", "[1, 2]", "", "null"])

    loaded = load_unim(data, media_root=media)

    assert len(loaded.instances) == 1
    assert [item.source.rsplit(":", 1)[1] for item in loaded.invalid] == ["2", "3", "5"]
    assert "malformed JSON" in loaded.invalid[0].reason
    assert all(item.key is None for item in loaded.invalid)


def test_on_invalid_fail_raises_with_the_first_problems(tmp_path: Path) -> None:
    good = make_instance()
    bad = [_with_input({"image1": "/etc/passwd"}, "<image1>") | {"id": str(i)} for i in range(12)]
    data, media = dataset(tmp_path, [good])
    write_jsonl(data, [good, *bad])

    with pytest.raises(InputError) as raised:
        load_unim(data, media_root=media, on_invalid="fail")

    message = str(raised.value)
    assert "12 invalid instance(s)" in message
    assert "natural_science/math/0" in message and "absolute paths" in message
    assert "and 2 more" in message
    assert load_unim(data, media_root=media, on_invalid="skip").instances[0].id == "1"


# Filters and sampling --------------------------------------------------------------------------


def _population() -> list[UnimInstance]:
    items = []
    for number in range(60):
        domain = ("natural_science", "social_science", "general_domain")[number % 3]
        subdomain = ("math", "law", "food")[number % 3]
        output = {"modal": {"video1": "v.mp4"}, "content": "<video1>"} if number % 4 == 0 else None
        record = make_instance(domain, subdomain, str(number), difficulty_level=1 + number % 3)
        record["output"] = output
        if number % 5 == 0:
            record["input"] = {"modal": {"audio1": "a.mp3"}, "content": "Hear <audio1>."}
        items.append(UnimInstance.model_validate(record))
    return items


def test_filters_combine() -> None:
    population = _population()
    assert {item.field for item in select(population, fields=["GA", "general_area"])} == {
        "general_domain"
    }
    assert all(item.subdomain == "law" for item in select(population, subdomains=["law"]))
    assert len(select(population, domains=["Natural Science"])) == 20
    hard = select(population, difficulties=["hard"])
    assert hard and all(item.difficulty_level == 3 for item in hard)
    audio_or_video = select(population, input_modalities=["audio", "video"])
    assert {int(item.id) for item in audio_or_video} == set(range(0, 60, 5))
    videos = select(population, output_modalities=["video"], subdomains=["math"])
    assert {int(item.id) for item in videos} == {n for n in range(0, 60, 12)}
    limited = select(population, limit=3)
    assert [item.key for item in limited] == [item.key for item in select(population)[:3]]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"input_modalities": ["smell"]}, "unknown modality"),
        ({"fields": ["astrology"]}, "unknown field"),
        ({"difficulties": [5]}, "difficulty"),
        ({"subdomains": ["lwa"]}, "did you mean law"),
        ({"limit": -1}, "limit"),
        ({"sample": 2.5}, "sample"),
    ],
)
def test_bad_filters_are_input_errors(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        select(_population(), **arguments)


def test_seeded_sample_is_deterministic_nested_and_order_independent() -> None:
    population = _population()
    shuffled = list(population)
    random.Random(5).shuffle(shuffled)

    first = select(population, sample=10, seed=7)
    assert [item.key for item in first] == [
        item.key for item in select(shuffled, sample=10, seed=7)
    ]
    assert len(first) == 10
    assert [item.key for item in first] == [
        item.key for item in select(population) if item in first
    ]
    larger = {item.key for item in select(population, sample=20, seed=7)}
    assert {item.key for item in first} <= larger
    other_seed = {item.key for item in select(population, sample=10, seed=8)}
    assert other_seed != {item.key for item in first}
    assert len(select(population, sample=500)) == 60
    assert len(select(population, sample=10, limit=4, seed=7)) == 4


# Fingerprint -----------------------------------------------------------------------------------


def test_fingerprint_is_order_independent_and_content_sensitive(tmp_path: Path) -> None:
    records = [make_instance(identifier=str(i)) for i in range(1, 6)]
    data, media = dataset(tmp_path, records)
    reference = load_unim(data, media_root=media).fingerprint

    write_jsonl(data, list(reversed(records)))
    assert load_unim(data, media_root=media).fingerprint == reference
    assert fingerprint(reversed(load_unim(data, media_root=media).instances)) == reference

    records[2]["input"]["content"] += " Be brief."
    write_jsonl(data, records)
    assert load_unim(data, media_root=media).fingerprint != reference
    write_jsonl(data, records[:4])
    assert load_unim(data, media_root=media).fingerprint != reference
    assert len(reference) == 64


def test_canonical_json_matches_the_model_dump() -> None:
    for record in (make_instance(), make_instance(output=None, extra={"b": [1, {"a": None}]}, z=1)):
        instance = UnimInstance.model_validate(record)
        expected = json.dumps(
            instance.model_dump(mode="json"),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        assert instance.canonical_json() == expected


# Performance -----------------------------------------------------------------------------------


def test_loading_31k_instances_without_file_checks_is_fast(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("w", encoding="utf-8") as stream:
        for number in range(31_026):
            record = make_instance(subdomain=f"sub{number % 30}", identifier=str(number))
            stream.write(json.dumps(record) + "\n")

    # CPU time, not wall time: other processes on a busy test machine must not fail this test.
    started = time.process_time()
    loaded = load_unim(path, check_files=False)
    elapsed = time.process_time() - started

    assert len(loaded.instances) == 31_026 and loaded.invalid == []
    assert elapsed < 10, f"loading took {elapsed:.1f} s of CPU time"


# Property: any record is loaded or reported, never raised -------------------------------------

_json_leaf = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
)
_json = st.recursive(
    _json_leaf,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)
_names = st.sampled_from(
    ["domain", "subdomain", "id", "input", "output", "difficulty_level", "difficulty", "extra", "x"]
)
_side = st.fixed_dictionaries(
    {},
    optional={
        "content": st.text(max_size=30) | st.sampled_from(["<image1>", "<image>", "a <audio2> b"]),
        "modal": st.dictionaries(
            st.sampled_from(["image1", "audio2", "Image1", "text1", "code1", ""]),
            st.sampled_from(["a.png", "../x", "/etc/passwd", "http://x", "", "a\nb"]) | _json_leaf,
            max_size=3,
        ),
    },
)
_instance_dicts = st.dictionaries(
    _names, _json | _side | st.sampled_from(["general_area", "1_math", "3"]), max_size=7
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(_instance_dicts | _json, min_size=1, max_size=4))
def test_arbitrary_records_are_loaded_or_reported(records: list[Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "media").mkdir()
        path = root / "x.jsonl"
        path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")

        loaded = load_unim(path, media_root=root / "media")

        assert len(loaded.instances) + len(loaded.invalid) == len(records)
        assert all(isinstance(item, InvalidInstance) and item.reason for item in loaded.invalid)
        assert len({item.key for item in loaded.instances}) == len(loaded.instances)
        for instance in loaded.instances:
            assert UnimInstance.model_validate(instance.to_unim()) == instance


_VALID = make_instance()
_mutations = st.sampled_from(sorted(_VALID)).flatmap(
    lambda name: st.tuples(
        st.just(name), _json | _side | st.sampled_from(["general_area", "1_math"])
    )
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutation=_mutations, nested=st.booleans())
def test_mutated_instances_are_loaded_or_reported(mutation: tuple[str, Any], nested: bool) -> None:
    name, value = mutation
    record = json.loads(json.dumps(_VALID))
    if nested and isinstance(record.get(name), dict):
        record[name]["content"] = value  # break one side only
    else:
        record[name] = value
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        add_media(root / "media", _VALID)
        path = write_jsonl(root / "x.jsonl", [record, _VALID])

        loaded = load_unim(path, media_root=root / "media")

        assert len(loaded.instances) + len(loaded.invalid) == 2
        good = ("natural_science", "math", "1")
        # The good line loads, unless the mutated one claimed its key first (then it is a
        # reported duplicate).
        assert good in {item.key for item in loaded.instances} or any(
            item.key == good and "duplicate key" in item.reason for item in loaded.invalid
        )
        for problem in loaded.invalid:
            assert problem.source in {f"{path}:1", f"{path}:2"} and problem.reason
