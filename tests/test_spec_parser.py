"""The output-spec parser: which media a request asks for, and how many of each."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unima.errors import ConfigError, InputError
from unima.spec.parser import (
    first_output_index,
    infer_output_spec,
    output_spec_for,
    parse_output_spec,
)
from unima.types import MEDIA_MODALITIES, OutputSpec


def requested(text: str, **options: object) -> dict[str, int]:
    """The positive counts the parser reads from ``text`` ({} when it reads nothing)."""
    spec = parse_output_spec(text, **options)  # type: ignore[arg-type]
    return (
        {}
        if spec is None
        else {modality: count for modality, count in spec.counts.items() if count}
    )


def excluded(text: str) -> set[str]:
    spec = parse_output_spec(text)
    assert spec is not None, text
    return {modality for modality, count in spec.counts.items() if count == 0}


# --- quantities ----------------------------------------------------------------------------

QUANTITIES = [
    ("Your answer must include 1 image.", {"image": 1}),
    ("Please provide two images of the cell.", {"image": 2}),
    ("I'd like a pair of charts comparing the two years.", {"image": 2}),
    ("Give me three pictures of the coastline.", {"image": 3}),
    ("Add a couple of photos.", {"image": 2}),
    ("Add a couple photos.", {"image": 2}),
    ("Attach a single illustration.", {"image": 1}),
    ("Include an infographic.", {"image": 1}),
    ("Include a map.", {"image": 1}),
    ("Generate one or two diagrams.", {"image": 2}),
    ("Include 2-3 charts.", {"image": 3}),
    ("Include two to three charts.", {"image": 3}),
    ("Include between two and four images.", {"image": 4}),
    ("Create several sketches of the bridge.", {"image": 3}),
    ("Make a few drawings.", {"image": 3}),
    ("Include some images.", {"image": 2}),
    ("Include multiple plots.", {"image": 2}),
    ("Include annotated diagrams.", {"image": 2}),
    ("Both an image and an audio clip are required.", {"image": 1, "audio": 1}),
    ("Ensure the reply has both images side by side.", {"image": 2}),
    ("Provide twelve figures.", {"image": 12}),
    ("Include a dozen maps.", {"image": 12}),
    ("Include half a dozen photos.", {"image": 6}),
    ("Include twenty-one images.", {"image": 12}),
    ("Include exactly three graphs.", {"image": 3}),
    ("Include at least two images.", {"image": 2}),
    ("Include no more than three videos.", {"video": 3}),
    ("Include one more image.", {"image": 1}),
    ("Include another chart.", {"image": 1}),
    ("Include a set of four photographs.", {"image": 4}),
    ("Give a 2-page PDF.", {"document": 1}),
    ("Include the 2023 revenue chart.", {"image": 1}),
    ("Include 1 chart image.", {"image": 1}),
]


@pytest.mark.parametrize(("text", "counts"), QUANTITIES)
def test_quantities(text: str, counts: dict[str, int]) -> None:
    assert requested(text, max_per_modality=12) == counts


def test_vague_and_ranged_quantities_are_noted() -> None:
    spec = parse_output_spec("Generate one or two diagrams and several photos.")
    assert spec is not None and spec.counts == {"image": 5}
    assert any("larger bound" in note for note in spec.notes)
    assert any("'several' is read as 3" in note for note in spec.notes)


# --- synonyms ------------------------------------------------------------------------------

SYNONYMS = [
    ("Include a picture.", "image"),
    ("Include a photo.", "image"),
    ("Include a photograph.", "image"),
    ("Include a diagram.", "image"),
    ("Include a chart.", "image"),
    ("Include a plot.", "image"),
    ("Include a graph.", "image"),
    ("Include a figure.", "image"),
    ("Include an illustration.", "image"),
    ("Include a drawing.", "image"),
    ("Include a sketch.", "image"),
    ("Include a visualization.", "image"),
    ("Include a visualisation.", "image"),
    ("Include a flowchart.", "image"),
    ("Include a bar chart.", "image"),
    ("Include a 3D rendering of the molecule.", "image"),
    ("Include an audio clip.", "audio"),
    ("Include audio.", "audio"),
    ("Include a narration.", "audio"),
    ("Respond with a narrated audio clip.", "audio"),
    ("Add a spoken summary.", "audio"),
    ("Add a voice recording.", "audio"),
    ("Include a voice-over.", "audio"),
    ("Include a voiceover.", "audio"),
    ("Include a recording.", "audio"),
    ("Produce a podcast episode about the topic.", "audio"),
    ("Include a speech.", "audio"),
    ("Add an audio explanation.", "audio"),
    ("Add an MP3.", "audio"),
    ("Give a short video.", "video"),
    ("Include an animated clip.", "video"),
    ("Make an animation.", "video"),
    ("Include a video clip.", "video"),
    ("Include a video recording of the experiment.", "video"),
    ("Include a narrated video.", "video"),
    ("Send an animated GIF.", "video"),
    ("Add an MP4.", "video"),
    ("Attach a PDF.", "document"),
    ("Provide a report.", "document"),
    ("Provide a table.", "document"),
    ("Give me a printable handout.", "document"),
    ("Include a Word document.", "document"),
    ("Include a docx.", "document"),
    ("Add a spreadsheet of the results.", "document"),
    ("Add a slide deck.", "document"),
    ("Include a document.", "document"),
    ("Attach the corrected code.", "code"),
    ("Write a Python script.", "code"),
    ("Provide a code snippet.", "code"),
    ("Include a program.", "code"),
    ("Write a function that sorts a list.", "code"),
    ("Provide an implementation.", "code"),
    ("Give an SQL query.", "code"),
    ("Include a .py file.", "code"),
    ("Create a 3D model of the part.", "threeD"),
    ("Provide a mesh.", "threeD"),
    ("Provide a point cloud.", "threeD"),
    ("Generate a 3D printable bracket.", "threeD"),
    ("Export an STL file.", "threeD"),
    ("Include an OBJ.", "threeD"),
    ("Include a GLB.", "threeD"),
    ("Include a 3-D mesh.", "threeD"),
    ("Provide a CAD model.", "threeD"),
]


@pytest.mark.parametrize(("text", "modality"), SYNONYMS)
def test_synonyms(text: str, modality: str) -> None:
    assert requested(text) == {modality: 1}


@pytest.mark.parametrize(
    "text",
    [
        "Include a clip.",  # neither audio nor video
        "Include an image caption.",  # text about an image
        "Provide a video script.",  # the script is text
        "Write y as a function of x.",  # mathematics
        "Give a timeline of the events.",  # a timeline in words
        "Include a model answer.",
        "Give a short summary.",
    ],
)
def test_words_that_name_no_media(text: str) -> None:
    assert parse_output_spec(text) is None


# --- request frames ------------------------------------------------------------------------

FRAMES = [
    ("Provide the answer with one image.", {"image": 1}),
    ("Respond with text and one audio clip pronouncing the example.", {"audio": 1}),
    ("The answer should contain a 3D model and a short document.", {"threeD": 1, "document": 1}),
    ("Your response should be a short podcast.", {"audio": 1}),
    ("I need a chart and an audio explanation.", {"image": 1, "audio": 1}),
    ("I want two diagrams.", {"image": 2}),
    ("Show me a map of the route.", {"image": 1}),
    ("Explain photosynthesis with a diagram.", {"image": 1}),
    ("Explain the concept in a short video.", {"video": 1}),
    ("Present it in the form of a podcast.", {"audio": 1}),
    ("Turn the table in <document1> into a chart.", {"image": 1}),
    ("Accompany the answer with a voice recording.", {"audio": 1}),
    ("Render a diagram of the circuit.", {"image": 1}),
    ("Plot the data as a line chart.", {"image": 1}),
    ("Visualise the distribution with a histogram.", {"image": 1}),
    ("Output: 2 images, 1 audio clip.", {"image": 2, "audio": 1}),
    ("The deliverables: a report, a slide deck and a video.", {"document": 2, "video": 1}),
    ("Two images are required.", {"image": 2}),
    ("A chart and an audio clip should be included.", {"image": 1, "audio": 1}),
    ("One image, please.", {"image": 1}),
    ("Please include a picture of the timeline.", {"image": 1}),
    ("Include the fixed version of <code1>.", {"code": 1}),
    ("Give me a bar chart and a pie chart.", {"image": 2}),
    ("Give an image and a picture and a photo.", {"image": 3}),
    ("Create an audio version and a video version.", {"audio": 1, "video": 1}),
    (
        "Include one diagram, a narrated audio clip and a short video.",
        {"image": 1, "audio": 1, "video": 1},
    ),
    ("Make sure your reply includes a chart, and draw a map too.", {"image": 2}),
    ("Generate an image showing a map and a chart.", {"image": 1}),
    ("Include a diagram showing the heart, and a photo of a real heart.", {"image": 2}),
    ("The output should consist of a PDF and a Python script.", {"document": 1, "code": 1}),
    ("Explain it in a podcast episode.", {"audio": 1}),
    ("Answer in audio.", {"audio": 1}),
    ("I don't need a video; two charts are enough.", {"image": 2}),
    ("Attach an image (for example a photo of the device).", {"image": 1}),
    (
        "Please respond with an explanation accompanied by two diagrams and a narrated animation.",
        {"image": 2, "video": 1},
    ),
    ("Could you create a short animated video explaining the Krebs cycle?", {"video": 1}),
    ("It should have three images.", {"image": 3}),
    ("The response must be accompanied by one audio file.", {"audio": 1}),
    ("Provide the solution as a Python script.", {"code": 1}),
    ("Translate <document1> into French and provide it as a Word document.", {"document": 1}),
    ("Please generate: 1) a diagram, 2) an audio summary.", {"image": 1, "audio": 1}),
    ("Include a map, a chart, a timeline, and a photo.", {"image": 3}),
    ("Make a 3D printable model of a gear.", {"threeD": 1}),
    # An item and its format are one item.
    ("Write a short report (PDF) comparing TCP and UDP.", {"document": 1}),
    ("Write a report as a PDF about tides.", {"document": 1}),
    ("Write a report and a PDF.", {"document": 2}),
    # A bare noun after "in" is a field, not an item; media and formats still ask.
    ("Explain linear perspective in Renaissance painting, with a diagram.", {"image": 1}),
    ("Write it up in PDF.", {"document": 1}),
    # What is coordinated with an item asked for "in" is asked for too.
    ("Explain tides in a diagram and a narration.", {"image": 1, "audio": 1}),
    ("Explain tides in a diagram and a PDF report.", {"image": 1, "document": 1}),
    # A plural with no number, then a list: one item per thing listed; a stated number wins.
    ("Make 3D models of a rocket, a snowman and a car.", {"threeD": 3}),
    ("Draw pictures of a cat and a dog.", {"image": 2}),
    ("Make two 3D models of a rocket, a snowman and a car.", {"threeD": 2}),
    ("Plan a one-day walking tour of Paris, with a map-style diagram.", {"image": 1}),
]


def test_each_listed_item_gets_its_own_subject() -> None:
    spec = parse_output_spec("Make 3D models of a rocket, a snowman and a car.")
    assert spec is not None
    assert [(item.count, item.subject) for item in spec.wanted] == [
        (1, "rocket"),
        (1, "snowman"),
        (1, "car"),
    ]


@pytest.mark.parametrize(("text", "counts"), FRAMES)
def test_request_frames(text: str, counts: dict[str, int]) -> None:
    assert requested(text) == counts


@pytest.mark.parametrize(
    "text",
    [
        "The diagram <image1> shows a leaf.",
        "The image shows a leaf and a map.",
        "Summarise the key points in the attached PDF.",
        "Using the table in <document1>, explain the results.",
        "Here is a Python function in <code1>.",
        "The mesh <threeD1> is a bracket.",
        "Listen to <audio1> and summarise it.",
        "The chart in <image1> includes a map. Explain it.",
        "Describe the photo <image1>.",
        "Look at the photo and explain what it shows.",
        "What is the capital of France?",
        "Include the chart in <image1> in your answer.",
        "Plot the data.",
        "Sketch the process and explain it.",
        "<image1> is a photo of a dish.",
        "Compare the two buildings in <image1> and <image2>.",
        "Watch <video1> of a ball being thrown.",
        "Include a summary of the report.",
        "Add a caption to the image.",
        "<image1> consists of a map.",
        "Which chart in <document1> shows the highest value?",
        "Convert the recording in <audio1> into a transcript.",
        "Describe the audio clip <audio1>.",
        "What is shown in the image?",
    ],
)
def test_words_about_the_inputs_are_not_requests(text: str) -> None:
    assert parse_output_spec(text) is None


def test_an_input_placeholder_inside_a_request_is_not_an_output() -> None:
    assert parse_output_spec("Include <image1> in your answer.", input_tags=["image1"]) is None
    assert requested("Include <image2> in your answer.", input_tags=["image1"]) == {"image": 1}


def test_a_repeated_definite_phrase_is_the_same_item() -> None:
    assert requested("Include a chart and a map, and make sure the chart is labelled.") == {
        "image": 2
    }


def test_alternatives_and_attachments_count_once_with_a_note() -> None:
    either = parse_output_spec("Include an image or a video.")
    assert either is not None and either.counts == {"image": 1}
    assert any("alternative" in note for note in either.notes)
    narrated = parse_output_spec("Include a video with narration.")
    assert narrated is not None and narrated.counts == {"video": 1}
    report = parse_output_spec("Provide a PDF report with two charts.")
    assert report is not None and report.counts == {"document": 1}
    assert any("part of 'a PDF report'" in note for note in report.notes)
    assert requested("Provide a chart with an audio explanation.") == {"image": 1, "audio": 1}


# --- placeholders --------------------------------------------------------------------------


def test_named_placeholders_become_explicit_tags() -> None:
    spec = parse_output_spec("Ensure that your response includes both an <audio1> and an <image1>.")
    assert spec is not None
    assert spec.counts == {"audio": 1, "image": 1}
    assert spec.explicit_tags == ("audio1", "image1")
    assert spec.tags() == ["audio1", "image1"]


def test_bare_placeholders_in_a_request() -> None:
    spec = parse_output_spec(
        "Your answer must include <image2> and <image3>.", input_tags=["image1"]
    )
    assert spec is not None and spec.counts == {"image": 2}
    assert spec.explicit_tags == ("image2", "image3")


def test_placeholders_after_a_phrase_name_its_items() -> None:
    spec = parse_output_spec(
        "Include two images (<image2> and <image3>) and an audio clip <audio1>."
    )
    assert spec is not None and spec.counts == {"image": 2, "audio": 1}
    assert spec.explicit_tags == ("image2", "image3", "audio1")


def test_unnamed_items_are_numbered_after_named_ones_and_inputs() -> None:
    spec = parse_output_spec(
        "Include <image3> and a chart, plus an audio clip.", input_tags=["image1", "audio1"]
    )
    assert spec is not None and spec.counts == {"image": 2, "audio": 1}
    assert spec.explicit_tags == ("image3", "image4", "audio2")
    assert any("numbered image4" in note for note in spec.notes)


def test_uppercase_three_d_placeholder() -> None:
    spec = parse_output_spec("Include a <threeD2>.", input_tags=["threeD1"])
    assert spec is not None and spec.explicit_tags == ("threeD2",)


# --- negation ------------------------------------------------------------------------------

NEGATIONS = [
    ("No images, please.", {"image"}),
    ("Include no images.", {"image"}),
    ("Answer without audio.", {"audio"}),
    ("Provide the answer without any images or audio.", {"image", "audio"}),
    ("Please do not add a video.", {"video"}),
    ("Don't include a video.", {"video"}),
    ("Never include audio.", {"audio"}),
    ("Avoid images.", {"image"}),
    ("Exclude video from the answer.", {"video"}),
    ("Images should not be included.", {"image"}),
    ("Images are not needed.", {"image"}),
    ("Leave out any images.", {"image"}),
]


@pytest.mark.parametrize(("text", "modalities"), NEGATIONS)
def test_negations_exclude(text: str, modalities: set[str]) -> None:
    assert excluded(text) == modalities
    assert requested(text) == {}


@pytest.mark.parametrize(
    "text",
    [
        "Respond in text only.",
        "Answer in plain text.",
        "Text-only answer please.",
        "The answer should contain no media.",
        "No attachments.",
        "Respond with text and nothing else.",
        "Explain how tides work, in text only.",
        "Explain how tides work as plain text.",
    ],
)
def test_text_only_excludes_every_medium(text: str) -> None:
    assert excluded(text) == set(MEDIA_MODALITIES)
    assert requested(text) == {}


def test_text_only_about_an_input_is_not_a_request() -> None:
    assert parse_output_spec("The document <document1> is text only.") is None


def test_negation_ends_at_but() -> None:
    spec = parse_output_spec("Don't include a video, but include a chart.")
    assert spec is not None and spec.counts == {"video": 0, "image": 1}
    assert requested("Include a chart but no audio.") == {"image": 1}
    assert excluded("Include a chart but no audio.") == {"audio"}


def test_only_text_and_an_image_is_not_text_only() -> None:
    spec = parse_output_spec("Include only text and an image.")
    assert spec is not None and spec.counts == {"image": 1}


def test_a_contradiction_keeps_the_explicit_request_and_says_so() -> None:
    spec = parse_output_spec("Include exactly zero images but include an image.")
    assert spec is not None and spec.counts == {"image": 1}
    assert any(note.startswith("contradiction") and "image" in note for note in spec.notes)
    text_only = parse_output_spec("Respond in text only, but include a chart.")
    assert text_only is not None and text_only.counts["image"] == 1
    assert any("contradiction" in note for note in text_only.notes)


# --- caps ----------------------------------------------------------------------------------


def test_an_absurd_count_is_capped_with_a_note() -> None:
    spec = parse_output_spec("Include 50 videos.")
    assert spec is not None and spec.counts == {"video": 5}
    assert spec.notes == ("50 video requested; capped at 5 (max_per_modality)",)
    assert requested("Include 1,000 images.", max_per_modality=3) == {"image": 3}


def test_the_total_is_capped_by_trimming_the_largest_counts() -> None:
    spec = parse_output_spec("Include 5 images, 5 audio clips and 5 videos.")
    assert spec is not None and spec.total() == 12
    assert spec.counts == {"image": 4, "audio": 4, "video": 4}
    assert any("capped at 12 (max_total)" in note for note in spec.notes)
    small = parse_output_spec("Include 3 images and one audio clip.", max_total=2)
    assert small is not None and small.counts == {"image": 1, "audio": 1}


def test_caps_apply_to_explicit_tags() -> None:
    spec = parse_output_spec("Include <image2>, <image3> and <image4>.", max_per_modality=2)
    assert spec is not None and spec.explicit_tags == ("image2", "image3")
    assert any("dropped image4" in note for note in spec.notes)


# --- the dev set ---------------------------------------------------------------------------

# The input.content of the 12 unim-dev instances with the modalities of their reference outputs.
DEV_SET = [
    (
        "The diagram <image1> shows a leaf cross-section. Explain how photosynthesis works in this leaf. "
        "Your answer must include 1 image and 1 audio clip.",
        ["image1"],
        {"image": 1, "audio": 1},
    ),
    (
        "Using the table in <document1>, compute the mean and the median of the scores, and plot them. "
        "Provide the answer with one image.",
        ["document1"],
        {"image": 1},
    ),
    (
        "Here is a Python function in <code1> that is supposed to reverse a linked list but has a bug. Find "
        "the bug, fix it, and explain the fix. Include the corrected code and a diagram.",
        ["code1"],
        {"code": 1, "image": 1},
    ),
    (
        "The mesh <threeD1> is a bracket designed for a shelf. Describe its geometry and suggest one "
        "improvement. The answer should contain a 3D model of the improved bracket and a short document "
        "summarising the change.",
        ["threeD1"],
        {"threeD": 1, "document": 1},
    ),
    (
        "Listen to <audio1>, a short lecture about the printing press. Summarise its key points and give a "
        "timeline. Please include a picture of the timeline.",
        ["audio1"],
        {"image": 1},
    ),
    (
        "The report <document1> lists quarterly revenue for a small company. Analyse the trend, forecast the "
        "next quarter, and present the result with a chart and a spoken summary.",
        ["document1"],
        {"image": 1, "audio": 1},
    ),
    (
        "Explain the difference between a phoneme and an allophone, with an example from English. Respond "
        "with text and one audio clip pronouncing the example.",
        [],
        {"audio": 1},
    ),
    (
        "<image1> is a photo of a dish. Identify it and give a simple recipe. Include one image of the "
        "plated dish and a recipe document.",
        ["image1"],
        {"image": 1, "document": 1},
    ),
    (
        "Watch <video1> of a ball being thrown. Estimate the launch angle and explain projectile motion. "
        "Answer with an image of the trajectory and a short video of your own illustrating it.",
        ["video1"],
        {"image": 1, "video": 1},
    ),
    (
        "Compare the two buildings in <image1> and <image2>. Which design is more energy efficient and why? "
        "Your reply must include two images, a 3D model of a passive house and an audio summary.",
        ["image1", "image2"],
        {"image": 2, "threeD": 1, "audio": 1},
    ),
    (
        "A patient log in <document1> records daily steps for a week. Is the patient meeting the "
        "8000-steps goal? Give advice. The answer must contain 1 chart image.",
        ["document1"],
        {"image": 1},
    ),
    (
        "In <video1> a speaker describes her first day at a new job, and <audio1> is her voice message from "
        "the same evening. Describe how her emotional state changes and why. Please answer with text and "
        "one image visualising the change.",
        ["video1", "audio1"],
        {"image": 1},
    ),
]
DEV_REFERENCE_TAGS = [
    ["image2", "audio1"],
    ["image1"],
    ["code2", "image1"],
    ["threeD2", "document1"],
    ["image1"],
    ["image1", "audio1"],
    ["audio1"],
    ["image2", "document1"],
    ["image1", "video2"],
    ["image3", "image4", "threeD1", "audio1"],
    ["image1"],
    ["image1"],
]


@pytest.mark.parametrize(("text", "input_tags", "counts"), DEV_SET)
def test_dev_set_counts(text: str, input_tags: list[str], counts: dict[str, int]) -> None:
    spec = parse_output_spec(text, input_tags=input_tags)
    assert spec is not None and spec.stated
    assert spec.counts == counts
    # Without the input tags, the words alone must still tell inputs from requests.
    assert requested(text) == counts


def test_dev_set_output_tags_match_the_references() -> None:
    for (text, input_tags, _), reference in zip(DEV_SET, DEV_REFERENCE_TAGS, strict=True):
        spec = output_spec_for(text, input_tags=input_tags)
        assert sorted(spec.tags(first_output_index(input_tags))) == sorted(reference), text


# --- inference -----------------------------------------------------------------------------

INFERENCES = [
    ("Compare the GDP of France and Germany.", (), {"image": 1}),
    ("What is the trend in these sales figures?", (), {"image": 1}),
    ("Explain how photosynthesis works.", (), {"image": 1}),
    ("Describe the water cycle.", (), {"image": 1}),
    ("How do you pronounce 'quinoa'?", (), {"audio": 1}),
    ("Read this poem aloud.", (), {"audio": 1}),
    ("Make a podcast about bees.", (), {"audio": 1}),
    ("Animate a bouncing ball.", (), {"video": 1}),
    ("Write a Python function that reverses a string.", (), {"code": 1}),
    ("Fix this code.", ("code",), {"code": 1}),
    ("Design a 3D bracket for a shelf.", (), {"threeD": 1}),
    ("Improve this part so it is stronger.", ("threeD",), {"threeD": 1}),
    ("Draft a report on the findings.", (), {"document": 1}),
    ("What is the capital of France?", (), {}),
    ("Who wrote Hamlet?", (), {}),
]


@pytest.mark.parametrize(("text", "inputs", "counts"), INFERENCES)
def test_inference(text: str, inputs: tuple[str, ...], counts: dict[str, int]) -> None:
    spec = infer_output_spec(text, input_modalities=inputs)
    assert spec.counts == counts
    assert spec.stated is False
    assert spec.evidence, "an inferred spec always says why"


def test_inference_for_a_plain_question_says_text_only() -> None:
    spec = infer_output_spec("What is the boiling point of water?")
    assert spec.counts == {} and "text only" in spec.evidence[0]


def test_code_repair_needs_a_code_input() -> None:
    assert infer_output_spec("Fix the leaking tap.").counts == {}


def test_output_spec_for_prefers_what_is_stated() -> None:
    stated = output_spec_for("Compare them. Include two audio clips.")
    assert stated.stated and stated.counts == {"audio": 2}
    inferred = output_spec_for("Fix the bug in <code1>.", input_tags=["code1"])
    assert not inferred.stated and inferred.counts == {"code": 1}
    assert output_spec_for("Respond in text only.").total() == 0


def test_output_spec_for_caps_an_inferred_spec_too() -> None:
    spec = output_spec_for("Read this poem aloud and compare it with the original.", max_total=1)
    assert spec.total() == 1 and not spec.stated
    assert any("max_total" in note for note in spec.notes)


def test_output_spec_for_keeps_exclusions_over_inference() -> None:
    spec = output_spec_for("Compare the two pumps and explain how they work, without images.")
    assert spec.counts.get("image") == 0
    assert not spec.stated


# --- first_output_index and errors ---------------------------------------------------------


def test_first_output_index_numbers_after_the_inputs() -> None:
    first = first_output_index(["image1", "<image2>", "audio1", "threeD3"])
    assert first == {"image": 3, "audio": 2, "video": 1, "document": 1, "code": 1, "threeD": 4}


@pytest.mark.parametrize("bad", ["picture1", "image", "<image>", "text1", 7])
def test_bad_input_tags_are_input_errors(bad: object) -> None:
    with pytest.raises(InputError, match="placeholder tag"):
        first_output_index([bad])  # type: ignore[list-item]
    with pytest.raises(InputError):
        parse_output_spec("Include an image.", input_tags=[bad])  # type: ignore[list-item]


def test_bad_arguments_are_typed_errors() -> None:
    with pytest.raises(InputError, match="must be a string"):
        parse_output_spec(None)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="sequence of tags"):
        parse_output_spec("Include an image.", input_tags="image1")
    with pytest.raises(ConfigError, match="max_per_modality"):
        parse_output_spec("Include an image.", max_per_modality=0)
    with pytest.raises(ConfigError, match="max_total"):
        parse_output_spec("Include an image.", max_total=-3)


# --- robustness and speed ------------------------------------------------------------------

_WORDS = (
    "include provide no not without a an the two 50 several images image audio clip video "
    "<image1> <audio2> <threeD1> , . and or with of in text only 3D model PDF report code "
    "narrated animated exactly zero but please dozen - : ( )"
)
_VOCABULARY = st.sampled_from(_WORDS.split(" "))


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(st.text(max_size=200), st.lists(_VOCABULARY, max_size=40).map(" ".join)),
    max_per_modality=st.integers(1, 8),
    max_total=st.integers(1, 15),
)
def test_parse_never_raises_and_respects_the_caps(
    text: str, max_per_modality: int, max_total: int
) -> None:
    spec = parse_output_spec(text, max_per_modality=max_per_modality, max_total=max_total)
    if spec is None:
        return
    assert set(spec.counts) <= set(MEDIA_MODALITIES)
    assert all(0 <= count <= max_per_modality for count in spec.counts.values())
    assert spec.total() <= max_total
    if spec.explicit_tags:
        assert len(spec.explicit_tags) == spec.total() == len(set(spec.explicit_tags))
    assert len(spec.tags()) == spec.total()
    assert all(spec.counts.get(item.modality, 0) > 0 for item in spec.wanted)


def test_parsing_is_fast() -> None:
    templates = [text for text, *_ in DEV_SET] + [text for text, _ in QUANTITIES + FRAMES]
    texts = [f"{templates[number % len(templates)]} Case {number}." for number in range(2000)]
    started = time.perf_counter()
    for text in texts:
        parse_output_spec(text)
    assert time.perf_counter() - started < 2.0


# What each requested item should be: (modality, kind, subject) in the order the request names them.
WANTED = [
    ("Include a bar chart of the sales.", [("image", "bar_chart", "the sales")]),
    (
        "Add a line graph of the trend and a pie chart of the budget.",
        [("image", "line_chart", "the trend"), ("image", "pie_chart", "the budget")],
    ),
    (
        "Create a scatter plot of height against weight.",
        [("image", "scatter_chart", "height against weight")],
    ),
    ("Include a histogram.", [("image", "bar_chart", "")]),
    (
        "Show a picture of the plated dish for a classic French omelette.",
        [("image", "illustration", "the plated dish for a classic French omelette")],
    ),
    ("Attach a photo of a leaf, please.", [("image", "illustration", "a leaf")]),
    ("Include a drawing.", [("image", "illustration", "")]),
    ("Include an image.", [("image", None, "")]),
    ("Include an image of a red fox in snow.", [("image", "illustration", "a red fox in snow")]),
    ("Draw a picture of how rainbows form.", [("image", "diagram", "how rainbows form")]),
    (
        "Provide a flowchart of the steps to bake bread.",
        [("image", "flowchart", "the steps to bake bread")],
    ),
    (
        "Include a diagram of the stages of mitosis.",
        [("image", "flowchart", "the stages of mitosis")],
    ),
    ("Include a labelled diagram of the heart.", [("image", "diagram", "the heart")]),
    (
        "Include a picture of the timeline of the French revolution.",
        [("image", "timeline", "the timeline of the French revolution")],
    ),
    ("Make a 3D model of a raindrop.", [("threeD", "model", "a raindrop")]),
    ("Give me a 3D print of a DNA helix.", [("threeD", "model", "a DNA helix")]),
    ("Design a 3D printable bracket for a shelf.", [("threeD", "model", "bracket")]),
    (
        "Light with refractive index 1.333 enters water; explain refraction with a diagram and "
        "a 3D model.",
        [("image", "diagram", "refraction"), ("threeD", "model", "refraction")],
    ),
    (
        "Your answer must include an image of a cat wearing a hat and a short audio clip.",
        [("image", "illustration", "a cat wearing a hat"), ("audio", None, "")],
    ),
    (
        "Show me a 3D model of a raindrop with a short narration.",
        [("threeD", "model", "a raindrop"), ("audio", None, "")],
    ),
    (
        "Include a picture of a leaf and explain why leaves are green.",
        [("image", "illustration", "a leaf")],
    ),
    ("No images; include a 3D model of a snowman.", [("threeD", "model", "a snowman")]),
]
# Specs the request does not state: the cue says what the inferred item should be.
INFERRED_WANTED = [
    ("Draw the Eiffel Tower.", [("image", "illustration", "the Eiffel Tower")]),
    ("What does a platypus look like?", [("image", "illustration", "a platypus")]),
    ("Illustrate how a rainbow forms.", [("image", "diagram", "how a rainbow forms")]),
    ("Compare the populations of France and Spain.", [("image", "chart", "")]),
    ("Design a bracket for a shelf.", [("threeD", "model", "bracket")]),
    ("Explain why the sky is blue.", []),
]


@pytest.mark.parametrize(("text", "expected"), WANTED + INFERRED_WANTED)
def test_each_item_has_its_kind_and_subject(
    text: str, expected: list[tuple[str, str | None, str]]
) -> None:
    spec = output_spec_for(text)
    assert [(item.modality, item.kind, item.subject) for item in spec.wanted] == expected


def test_wanted_for_counts_items_in_the_order_they_are_named() -> None:
    spec = output_spec_for("Include two pictures of a cat, a bar chart of sales and a 3D model.")
    assert spec.counts == {"image": 3, "threeD": 1}
    kinds = [spec.wanted_for("image", index) for index in range(3)]
    assert [item.kind if item else None for item in kinds] == [
        "illustration",
        "illustration",
        "bar_chart",
    ]
    assert spec.wanted_for("image", 3) is None
    model = spec.wanted_for("threeD", 0)
    assert model is not None and model.kind == "model" and model.subject == ""


def test_a_pronoun_is_no_subject_but_a_named_object_is() -> None:
    pointing = output_spec_for("Sales were Jan 12 and Feb 15. Show them in a bar chart.")
    assert [(item.kind, item.subject) for item in pointing.wanted] == [("bar_chart", "")]
    named = output_spec_for("Explain refraction with a diagram.")
    assert [item.subject for item in named.wanted] == ["refraction"]


def test_a_report_on_a_subject_names_it_past_its_format() -> None:
    spec = output_spec_for("Write a short report (PDF) on the main renewable energy sources.")
    assert [item.subject for item in spec.wanted] == ["the main renewable energy sources"]
    # "on" names a place, not a subject, for pictures.
    assert [item.subject for item in output_spec_for("Show a picture on my screen.").wanted] == [""]


def test_a_spec_written_before_wanted_still_loads() -> None:
    old = {"counts": {"image": 1}, "stated": True, "evidence": [], "notes": []}
    spec = OutputSpec.model_validate(old)
    assert spec.wanted == () and spec.wanted_for("image", 0) is None
    assert OutputSpec.model_validate(spec.model_dump(mode="json")) == spec


def test_words_naming_an_input_are_no_cue_for_an_output() -> None:
    spec = output_spec_for(
        "Which fruit in the bar chart <image1> sold the most, and how many kilograms?",
        input_tags=["image1"],
        input_modalities=["image"],
    )
    assert spec.counts == {}
    asked = output_spec_for("Plot the trend in <image1>.", input_tags=["image1"])
    assert asked.counts == {"image": 1}
