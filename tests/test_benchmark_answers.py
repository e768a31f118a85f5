"""The scoring rules of ``benchmarks/answers.py`` and the request set they score.

The benchmark's figures are only as good as these rules: a number written ``1,385`` or
``79.3`` must count, one that is only in the request must not, and a key concept the request
already names must not count for the answer. The request set itself is checked for what issue 12
asks of it (UniM's 30 domains, every output modality, 3-6 fair concepts each, 10 numbers).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from unima.errors import InputError
from unima.modalities import MEDIA_MODALITIES

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
# benchmarks/ is a folder of scripts that import their parts from it (the script's own folder
# is on sys.path when it runs); last here, so that it shadows nothing installed.
sys.path.append(str(BENCHMARKS))
answers = importlib.import_module("answers")
inputs = importlib.import_module("answering.inputs")
schema = importlib.import_module("answering.request_set")
scoring = importlib.import_module("answering.scoring")


def right(answer: str, request: Any) -> bool:
    return bool(scoring.numeric_right(answer, request.expected, request.tolerance, request.label))


def numeric(**changes: Any) -> Any:
    fields = {
        "id": "points",
        "domain": "Sports",
        "request": "Which player in <document1> scored the most points, and how many?",
        "expected": 1385,
        "tolerance": 0.5,
        "label": "Okafor",
    }
    return schema.NumericRequest.model_validate({**fields, **changes})


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Okafor scored 1,385 points.", [1385.0]),
        ("The mean is 79.33; rounded, 79.3.", [79.33, 79.3]),
        ("Jan 12, Feb 15", [12.0, 15.0]),  # a list, not a thousands separator
        ("It fell to \u22122 and then -3.5.", [-2.0, -3.5]),
        ("<image1> and <threeD2> show 3 pm", [3.0]),  # placeholder digits are not numbers
        ("$60.00 (60%)", [60.0, 60.0]),
    ],
)
def test_numbers_are_read_in_the_usual_formats(text: str, numbers: list[float]) -> None:
    assert scoring.numbers_in(text) == numbers


def test_a_number_counts_within_its_tolerance_only() -> None:
    assert scoring.number_found("The average is 79.3.", 79.333, 0.05)
    assert scoring.number_found("The average is 79.33 points.", 79.333, 0.05)
    assert not scoring.number_found("The average is 79.", 79.333, 0.05)
    assert not scoring.number_found("The average is 80.", 79.333, 0.05)


def test_a_labelled_number_must_share_a_sentence_with_its_label() -> None:
    request = numeric()
    assert right("Okafor scored the most: 1,385 points.", request)
    assert right("The top scorer is okafor (1385).", request)
    assert not right("The most points were 1,385. Okafor played well.", request)
    assert not right("Okafor scored the most, 1,204 points.", request)


def test_a_concept_counts_only_when_the_request_does_not_name_it() -> None:
    coverage = scoring.concept_coverage(
        "Why does a spoon look bent in water? Explain the refraction.",
        "Light slows down in water, so the ray changes its angle at the surface.",
        [["refract", "bend"], ["speed", "slows"], ["light", "ray"], ["density"]],
    )
    assert coverage.in_request == ("refract",)
    assert coverage.found == ("speed", "light")
    assert coverage.missed == ("density",)
    assert coverage.eligible == 3


def test_a_synonym_must_start_a_word_unless_it_starts_with_a_symbol() -> None:
    assert scoring.synonym_found("refract", "refraction bends light")
    assert not scoring.synonym_found("ray", "an array of values")  # not "ray" inside a word
    assert scoring.synonym_found("[::-1]", "return text[::-1]")
    assert scoring.synonym_found("Carbon Dioxide", scoring.normalise("CARBON\n  dioxide"))


def test_the_shipped_request_set_covers_what_issue_12_asks() -> None:
    request_set = schema.load_requests(answers.REQUESTS_FILE)
    assert len(request_set.answers) >= 40
    assert len({item.domain for item in request_set.answers}) == 30
    asked = Counter(
        modality for item in request_set.answers for modality in (item.outputs or {"text": 1})
    )
    assert set(asked) == {"text", *MEDIA_MODALITIES}
    assert min(asked.values()) >= 3, asked
    for item in request_set.answers:
        coverage = scoring.concept_coverage(item.request, "", item.concepts)
        assert coverage.eligible >= 3 and not coverage.in_request, item.id
    assert len(request_set.numeric) == 10
    kinds = {item.input.kind for item in request_set.numeric if item.input is not None}
    assert {"csv", "pdf", "bar_chart", "speech"} <= kinds
    assert any(item.input is None for item in request_set.numeric)  # a list typed in the request
    assert any(item.smoke for item in request_set.answers)
    assert any(item.smoke for item in request_set.numeric)


def test_the_text_inputs_are_built_byte_for_byte_the_same(tmp_path: Path) -> None:
    request_set = schema.load_requests(answers.REQUESTS_FILE)
    # The formats that need no model or plotting library; Office files get fixed dates.
    specs = [
        item.input
        for item in request_set.numeric
        if item.input is not None and item.input.kind in ("csv", "code", "xlsx", "docx", "pdf")
    ]
    digests = []
    for attempt in ("first", "second"):
        folder = tmp_path / attempt
        folder.mkdir()
        digests.append(
            [
                hashlib.sha256(inputs.build_input(spec, folder).read_bytes()).hexdigest()
                for spec in specs
            ]
        )
    assert digests[0] == digests[1]
    assert len(specs) >= 4


def _write(tmp_path: Path, content: dict[str, Any]) -> Path:
    path = tmp_path / "requests.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    return path


def _valid_set() -> dict[str, Any]:
    return {
        "schema_version": 1,
        "answers": [
            {
                "id": "tides",
                "domain": "Earth Science",
                "request": "Explain tides, with a diagram.",
                "outputs": {"image": 1},
                "concepts": [["moon"], ["gravity"], ["ocean", "sea"]],
            }
        ],
        "numeric": [
            {
                "id": "mean",
                "domain": "Finance",
                "request": "What is the mean of <document1>?",
                "input": {
                    "kind": "csv",
                    "file": "sales.csv",
                    "rows": [["region", "sales"], ["North", 10], ["South", 20]],
                    "statistic": "mean",
                },
                "expected": 15,
                "tolerance": 0.01,
            }
        ],
    }


def test_a_valid_request_set_loads(tmp_path: Path) -> None:
    loaded = schema.load_requests(_write(tmp_path, _valid_set()))
    assert [item.id for item in loaded.numeric] == ["mean"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda data: data["numeric"][0].update(expected=16), "the mean of the table is 15"),
        (
            lambda data: data["numeric"][0].update(request="Is the mean of <document1> 15?"),
            "is in the request itself",
        ),
        (lambda data: data["answers"][0].update(outputs={"picture": 1}), "unknown output"),
        (lambda data: data["answers"][0].update(concepts=[["moon"]]), "concepts"),
        (lambda data: data["answers"][0].update(id="mean"), "repeated: ['mean']"),
        (lambda data: data["numeric"][0]["input"].update(file="../escape.csv"), "file"),
        (lambda data: data.update(schema_version=2), "schema_version"),
    ],
)
def test_a_bad_request_set_is_refused_with_its_reason(
    tmp_path: Path, change: Any, message: str
) -> None:
    data = _valid_set()
    change(data)
    with pytest.raises(InputError, match="not a valid request set") as raised:
        schema.load_requests(_write(tmp_path, data))
    assert message in str(raised.value)


def test_a_missing_request_set_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the request set"):
        schema.load_requests(tmp_path / "absent.json")
