"""HitEmotion fixtures with signal: all 24 tasks, whose ground truths show in their inputs.

``build_release(root)`` writes the release's layout (``with_prompt/`` and ``without_prompt/``,
each ``levelN/<Dataset>.json``, items ``{"id", "video"|"image", "conversations": [...]}``) under
``root/data`` and the media under ``root/media``. Unlike the bare fixtures of
``test_hitemotion_dataset.py`` (prompts "task X", solid images, one video), every item here
carries evidence for its answer, so a method can be right or wrong for reasons:

- the subject's words, quoted as the release quotes them ("The person in video says: ...",
  "Transcript: ...", "Tweet: ...", utterance lists), with clear emotion words, some negated
  ("I am not happy at all");
- videos (64x64, 1.5 s, H.264 + AAC) of one coloured frame over a synthetic voice: a loud tone
  whose pitch rises (lively), a quiet flat one (subdued), a loud flat high one (tense) or a
  middling flat one (level);
- images whose colour matches the valence (bright warm for pleasant, dark blue for sad, dark
  red for anger), with the meme's words drawn on meme images.

The items were written from the task definitions (label sets and answer formats of
``unima.eval.hitemotion.tasks``, prompts after ``/work/shared/data/hitemotion-sample/``), not
from what any method reads, and the measurements must keep it that way: a fixture is changed
when it misrepresents its task, never to move a score. The release's quirks kept: UR-FUNNY's
integer ids, ground truths as labels, JSON objects and Python-literal strings, PanoSent's
``vidoes/`` typo on a level-3 video.

The module is importable (not a test file) so the end-to-end test and
``docs/measurements/hitemotion_tom_vs_direct.py`` share it.
"""

from __future__ import annotations

import json
import shutil
import wave
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from unima.backends import ffmpeg
from unima.eval.hitemotion.tasks import TASKS, Task

Medium = Literal["video", "image", "panosent"]

SAMPLE_RATE = 16_000
CLIP_SECONDS = 1.5
FRAME_SIZE = (64, 64)
MEME_SIZE = (160, 64)
COLOURS: dict[str, tuple[int, int, int]] = {
    "warm": (250, 180, 60),
    "blue": (25, 40, 105),
    "grey": (128, 128, 128),
    "red": (170, 20, 20),
    "dark": (12, 12, 16),
    "pastel": (185, 225, 190),
    "product_red": (210, 25, 30),
    "product_blue": (30, 60, 210),
    "white": (245, 245, 245),
}
# name: (amplitude, start pitch Hz, end pitch Hz, syllables per second)
TONES: dict[str, tuple[float, float, float, float]] = {
    "lively": (0.8, 200.0, 400.0, 5.0),
    "subdued": (0.05, 120.0, 120.0, 2.0),
    "tense": (0.8, 320.0, 320.0, 6.0),
    "level": (0.25, 180.0, 180.0, 3.5),
}


@dataclass(frozen=True)
class Item:
    """One fixture item: its ground truth, the words before the instructions, its media look.

    Attributes:
        truth: the ground truth as the release writes it.
        head: the item's own text (quoted speech, tweet, conversation), may be empty.
        colour: the frame or image colour, a key of ``COLOURS``.
        tone: the voice of a video, a key of ``TONES``; ``None`` for an image.
        caption: words drawn on the image (meme text).
    """

    truth: Any
    head: str = ""
    colour: str = "grey"
    tone: str | None = None
    caption: str = ""


@dataclass(frozen=True)
class TaskFixture:
    """A task's items and its two prompts' instructions (ToM and direct)."""

    code: str
    medium: Medium
    tom: str
    direct: str
    items: tuple[Item, ...]


# -- the released prompts' chains, shortened -----------------------------------------------------

EXPERT = "You are a multimodal affective computing expert grounded in theory of mind."


def _level1(goal: str, subject: str, name: str, conclude: str) -> str:
    return (
        f"{EXPERT} Your task is to infer the {goal} by reasoning about their mental world from "
        f"multimodal evidence. Complete the {name} task as follows: (1) Decode Affective Signals "
        "(Perceptual Simulation): Systematically decode observable cues in each available "
        "channel—visual behavior (face, gaze, posture, gesture), speech prosody (tone, pitch, "
        "intensity, tempo) if available, and lexical content/transcript if provided—as outward "
        "evidence of an inner state. Briefly note the present cues and their likely implications. "
        "(2) Synthesize a Mental State Hypothesis (Cognitive Empathy): Integrate the decoded cues "
        f"into a coherent first-order hypothesis about what the {subject} is feeling now. If the "
        "cues converge, state that they reinforce the same valence. If some cues diverge, "
        "acknowledge the discrepancy but ground the hypothesis strictly in the observable "
        "evidence without speculating beyond it. (3) Attribute from the "
        f"{subject.capitalize()}’s Perspective (Perspective-Taking): Refine the hypothesis to "
        f"attribute the single most plausible here-and-now state from the {subject}’s "
        "perspective (not the viewer’s reaction and not a stable trait). (4) Conclude and Map to "
        f"Label: Provide your reasoning following the steps above, then {conclude}"
    )


def _level2(goal: str, speaker: str, audience: str, conclude: str) -> str:
    return (
        f"{EXPERT} Your task is to {goal} by modeling it as a communicative act from {speaker} "
        f"to {audience}. This requires a relational and contextual reasoning chain: first infer "
        "a mental state from observable cues (cues → state), then reason about how this state "
        "is directed toward entities and serves a communicative purpose (state → about(entity, "
        "context)). (1) Decode Propositional & Affective Content (Perceptual Simulation): "
        "Systematically decode observable signals—wording, evaluative terms, negations, "
        "emphasis, prosody and visual cues if available—as outward evidence of a mental "
        "attitude. (2) Infer Communicative Intent toward the Audience (Cognitive Empathy & "
        f"Perspective-Taking): Adopt the {speaker}'s perspective and infer what the utterance "
        "is meant to do to its audience. If channels diverge, treat this as a potential "
        "rhetorical device rather than noise. (3) Attribute the State to its Target (Relational "
        "Mapping): Map the inferred state and intent to the entity or audience it is directed "
        "at, keeping the reasoning concise and evidence-based. (4) Conclude and Output: Provide "
        f"your reasoning following the steps above, then {conclude}"
    )


def _level3(goal: str, conclude: str) -> str:
    return (
        f"{EXPERT} Your task is to {goal}, using causal and second-order reasoning. Proceed as "
        "follows: (1) Decode Cues (Perceptual Simulation): Systematically parse the content "
        "together with delivery cues—prosody if available (pitch/energy/tempo/emphasis), visual "
        "behavior and setting if available—as outward evidence of inner appraisals. (2) Model "
        "the Other Mind (Second-Order Perspective-Taking): From the relevant perspective (the "
        "subject, the audience or the viewer), appraise the events along core dimensions: goal "
        "congruence/obstruction, threat/safety, agency/blame, norm violation, loss. (3) Causal "
        "Attribution (Event → Appraisal → Emotion): Identify the concrete, proximate causes in "
        "the evidence that produce those appraisals. Do not import external facts. (4) "
        f"Conclude and Output: Provide your reasoning following the steps above, then {conclude}"
    )


def _one_label(labels: Iterable[str], key: str = "emotion") -> str:
    return f"choose exactly one label from: {', '.join(labels)}, and output exactly {{'{key}': 'label'}}."


def _direct(instruction: str, labels: Iterable[str], key: str | None = "emotion") -> str:
    text = (
        f"{instruction} Do not provide any additional explanations or extra content. Choose one "
        f"of the following labels as your final answer: {', '.join(labels)}."
    )
    return f"{text} Respond in the format: {{'{key}': 'label'}}." if key else text


def _labels(code: str) -> tuple[str, ...]:
    return TASKS[code].labels


SAYS = "The person in video says: "
POSITIVE_WORDS = "I am so happy today, this is wonderful news!"
NEGATED_WORDS = "I am not happy at all. This is terrible and it hurts."
NEUTRAL_WORDS = "The meeting starts at nine and ends at ten."


# -- the 24 tasks ----------------------------------------------------------------------------------

FIXTURES: tuple[TaskFixture, ...] = (
    # Level 1: Emotion Perception and Recognition
    TaskFixture(
        "FESD",
        "video",
        _level1(
            "subject’s current emotional valence",
            "subject",
            "face expression emotion detection",
            _one_label(_labels("FESD")),
        ),
        _direct("Determine the emotion conveyed.", _labels("FESD")),
        (
            Item("positive", SAYS + POSITIVE_WORDS, "warm", "lively"),
            Item("negative", SAYS + NEGATED_WORDS, "blue", "subdued"),
            Item("neutral", SAYS + NEUTRAL_WORDS, "grey", "level"),
        ),
    ),
    TaskFixture(
        "ISA",
        "image",
        _level1(
            "emotion the image evokes",
            "viewer",
            "image sentiment analysis",
            _one_label(_labels("ISA")),
        ),
        _direct("Recognize the emotion conveyed by the visual content.", _labels("ISA")),
        (
            Item("excitement", colour="warm"),
            Item("sadness", colour="blue"),
            Item("contentment", colour="pastel"),
        ),
    ),
    TaskFixture(
        "MESA",
        "image",
        _level1(
            "meme’s overall affective attitude",
            "creator",
            "meme sentiment analysis",
            _one_label(_labels("MESA")),
        ),
        _direct("Recognize the overall sentiment of the meme.", _labels("MESA")),
        (
            Item("very_positive", colour="warm", caption="BEST DAY EVER! I LOVE IT"),
            Item("very_negative", colour="blue", caption="I HATE MONDAYS. WORST DAY"),
            Item("neutral", colour="grey", caption="TUESDAY AT 3 PM"),
        ),
    ),
    TaskFixture(
        "MER",
        "video",
        _level1(
            "speaker’s current emotional state",
            "speaker",
            "multimodal emotion recognition",
            _one_label(_labels("MER")),
        ),
        _direct("Determine the emotion conveyed.", _labels("MER")),
        (
            Item("happy", SAYS + "That's wonderful, I'm so glad you came!", "warm", "lively"),
            Item("sad", SAYS + "I miss her so much. I feel so lonely now.", "blue", "subdued"),
            Item("angry", SAYS + "Get out! I am furious with you!", "red", "tense"),
            Item(
                "worried",
                SAYS + "I'm afraid the test results will be bad, I'm so nervous.",
                "dark",
                "level",
            ),
        ),
    ),
    TaskFixture(
        "MSA",
        "video",
        _level1(
            "speaker’s overall evaluative polarity",
            "speaker",
            "multimodal sentiment analysis",
            _one_label(_labels("MSA")),
        ),
        _direct("Determine the emotion conveyed.", _labels("MSA")),
        (
            Item(
                "negative",
                SAYS + "I am not happy at all with how they treated us.",
                "blue",
                "subdued",
            ),
            Item(
                "positive",
                SAYS + "This trip was great, I really enjoyed every day.",
                "warm",
                "lively",
            ),
            Item("neutral", SAYS + "We will take the train at eight tomorrow.", "grey", "level"),
        ),
    ),
    TaskFixture(
        "OSA",
        "video",
        _level1(
            "speaker’s evaluative attitude (overall polarity)",
            "speaker",
            "opinion sentiment analysis",
            _one_label(_labels("OSA")),
        ),
        _direct("Determine the emotion conveyed.", _labels("OSA")),
        (
            Item(
                "positive",
                SAYS + "I really loved this movie, the acting was great.",
                "warm",
                "lively",
            ),
            Item(
                "negative",
                SAYS + "The plot was not good, honestly it was boring and bad.",
                "blue",
                "subdued",
            ),
            Item("neutral", SAYS + "The film is about two hours long.", "grey", "level"),
        ),
    ),
    TaskFixture(
        "SIA",
        "video",
        _level1(
            "speaker’s evaluative state with graded intensity",
            "speaker",
            "sentiment intensity analysis",
            _one_label(_labels("SIA")),
        ),
        "Task: Determine the sentiment intensity category based on the video content and its "
        "transcript. Do not provide any explanations or extra text. Choose one of the following "
        f"labels as your final answer: {', '.join(_labels('SIA'))}. Respond in the format: "
        "{'emotion': 'label'}.",
        (
            Item(
                "Strong Positive",
                "Transcript: This is absolutely amazing, the best thing ever, I love it!\n",
                "warm",
                "lively",
            ),
            Item(
                "Strong Negative",
                "Transcript: This is horrible, the worst, I hate it so much.\n",
                "red",
                "tense",
            ),
            Item(
                "Slight Positive",
                "Transcript: It was okay, kind of nice I guess.\n",
                "grey",
                "level",
            ),
            Item("Neutral", "Transcript: The store opens at ten on weekdays.\n", "grey", "level"),
        ),
    ),
    TaskFixture(
        "SOER",
        "video",
        _level1(
            "emotion enacted by the singer",
            "performer",
            "song emotion recognition",
            _one_label(_labels("SOER")),
        ),
        _direct(
            "Please watch the provided video and determine the emotion it conveys.", _labels("SOER")
        ),
        (
            Item("happy", colour="warm", tone="lively"),
            Item("sad", colour="blue", tone="subdued"),
            Item("calm", colour="pastel", tone="level"),
        ),
    ),
    TaskFixture(
        "SPER",
        "video",
        _level1(
            "speaker’s emotional state during speech",
            "speaker",
            "speech emotion recognition",
            _one_label(_labels("SPER")),
        ),
        _direct(
            "Please watch the provided video and determine the emotion it conveys.", _labels("SPER")
        ),
        (
            Item("angry", colour="red", tone="tense"),
            Item("sad", colour="blue", tone="subdued"),
            Item("happy", colour="warm", tone="lively"),
        ),
    ),
    TaskFixture(
        "SCEA",
        "video",
        _level1(
            "commenter’s evaluative attitude toward the stock with graded strength",
            "commenter",
            "stock comment emotion analysis",
            _one_label(_labels("SCEA")),
        ),
        _direct("Determine the emotion conveyed.", _labels("SCEA")),
        (
            Item(
                "strong positive",
                SAYS + "Excellent earnings, this stock will surge, I am extremely bullish!",
                "warm",
                "lively",
            ),
            Item(
                "strong negative",
                SAYS + "Terrible results, the stock will crash, get out now.",
                "red",
                "tense",
            ),
            Item(
                "weak positive",
                SAYS + "Earnings look slightly better, maybe a small gain.",
                "grey",
                "level",
            ),
        ),
    ),
    # Level 2: Emotion Understanding and Analysis
    TaskFixture(
        "DPTM",
        "image",
        _level2(
            "detect persuasion techniques in the meme",
            "creator",
            "audience",
            "output exactly: {'techniques': ['label1','label2', ...]}",
        ),
        "\nTask: Detect which persuasion techniques are used in this meme. Do not explain. Choose "
        f"zero or more labels from the following list:\n{', '.join(_labels('DPTM'))}.\nRespond "
        "EXACTLY in the format: {'techniques': ['label1', 'label2', ...]}.",
        (
            Item(
                {"techniques": ["Loaded Language", "Name calling/Labeling", "Smears"]},
                "Meme text: THESE CORRUPT CROOKS ARE DESTROYING OUR COUNTRY\n",
                "red",
                caption="CORRUPT CROOKS",
            ),
            Item(
                {"techniques": ["Flag-waving", "Slogans"]},
                "Meme text: Stand with the flag. One nation, one people!\n",
                "warm",
                caption="ONE NATION",
            ),
            Item(
                {"techniques": []},
                "Meme text: Happy 90th birthday, grandma!\n",
                "warm",
                caption="HAPPY BIRTHDAY",
            ),
        ),
    ),
    TaskFixture(
        "EBIA",
        "video",
        _level2(
            "analyze the speaker’s emotion and the intent it serves",
            "speaker",
            "addressee",
            f"choose exactly one emotion from: {', '.join(_labels('EBIA'))}, and exactly one intent from: {', '.join(TASKS['EBIA'].secondary_labels)}. Output exactly: {{'emotion': 'label', 'intent': 'label'}}.",
        ),
        f"Analyze the emotion and intent. Choose one emotion: {', '.join(_labels('EBIA'))}. Choose "
        f"one intent: {', '.join(TASKS['EBIA'].secondary_labels)}. Respond in the format: "
        "{'emotion': 'label', 'intent': 'label'}.",
        (
            Item(
                "{'emotion': 'anger', 'intent': 'questioning'}",
                SAYS + "How dare you read my messages? Why would you do that?",
                "red",
                "tense",
            ),
            Item(
                "{'emotion': 'happy', 'intent': 'encouraging'}",
                SAYS + "You can do it! I'm so proud of you, keep going!",
                "warm",
                "lively",
            ),
            Item(
                "{'emotion': 'sad', 'intent': 'consoling'}",
                SAYS + "I'm so sorry about your dog. It will be okay, I'm here for you.",
                "blue",
                "subdued",
            ),
        ),
    ),
    TaskFixture(
        "HU",
        "video",
        _level2(
            "decide whether the punchline expresses humor",
            "speaker",
            "audience",
            "choose exactly one label from: true, false, and output the chosen label only.",
        ),
        _direct("Does this statement express humor?", TASKS["HU"].labels, None),
        (
            Item(
                "true",
                "The context sentences in the video are: my doctor told me i should exercise more, so i bought a treadmill and a gym membership. The punchline sentence in the video is: now i have two very expensive places to hang my clothes.",
                "warm",
                "lively",
            ),
            Item(
                "false",
                "The context sentences in the video are: the city collects two million tonnes of waste every year, and most of it goes to landfill. The punchline sentence in the video is: so we started a recycling program in every school.",
                "grey",
                "level",
            ),
        ),
    ),
    TaskFixture(
        "IAVE",
        "image",
        _level2(
            "infer the product attribute the listing implies",
            "seller",
            "shopper",
            "choose exactly one option from: {options}, and output the chosen option only.",
        ),
        "Answer with the option from the given choices directly: {options}.\nAnswer:",
        (
            Item(
                "Red",
                "[Category] Shirts & Tops Cotton crew neck tee. What is Color of this product based on the given information and the given image? ",
                "product_red",
            ),
            Item(
                "Blue",
                "[Category] Shirts & Tops Cotton crew neck tee. What is Color of this product based on the given information and the given image? ",
                "product_blue",
            ),
            Item(
                "Sleeveless",
                "[Category] Shirts & Tops Summer tank top with no sleeves, for the gym. What is Sleeve Style of this product based on the given information and the given image? ",
                "white",
            ),
        ),
    ),
    TaskFixture(
        "MABSA",
        "image",
        _level2(
            "determine the sentiment the author directs toward each target",
            "author",
            "readers",
            "output a mapping of every target to one label from: positive, neutral, negative, e.g. {'TargetA': 'positive', 'TargetB': 'neutral'}.",
        ),
        "Determine the sentiment toward each target. Choose one of the following labels for every "
        "target: positive, neutral, negative. Respond in the format: {'TargetA': 'positive', "
        "'TargetB': 'neutral'}.",
        (
            Item(
                "{'Paris': 'positive', 'airline': 'negative'}",
                "Tweet: Loved the concert in Paris tonight, wonderful city! But the airline lost my bag again, awful service.\nTargets: Paris, airline\n",
                "warm",
            ),
            Item(
                "{'mayor': 'neutral', 'library': 'neutral'}",
                "Tweet: The mayor will open the new library on Monday at 10 am.\nTargets: mayor, library\n",
                "grey",
            ),
        ),
    ),
    TaskFixture(
        "MQE",
        "panosent",
        _level2(
            "extract every opinion quintuple of the conversation",
            "each speaker",
            "the others",
            "output a single Python-style list of quintuples using single quotes and no extra commentary, e.g.: [('holder','target','aspect','opinion','sentiment'), ...].",
        ),
        "\nTask: Extract ALL sextuples in this conversation. Each sextuple must be (holder, target, "
        "aspect, opinion, sentiment, rationale). Respond ONLY with a single list of sextuples "
        "using single quotes.",
        (
            Item(
                "[('Maya', 'yoga class', 'instructor', 'patient', 'positive', 'she explained every pose kindly'), ('Li', 'yoga class', 'studio', 'too cold', 'negative', 'I could not relax')]",
                "Below is a conversation (utterance list). Each line shows [utterance_ID] speaker: text.\n[0] Maya: The instructor of the yoga class was patient; she explained every pose kindly.\n[1] Li: I agree, but the studio of the yoga class was too cold, I could not relax.\n",
                "warm",
                "level",
            ),
            Item(
                "[('Sophie', 'phone', 'camera', 'amazing', 'positive', 'the night photos are sharp'), ('Leah', 'phone', 'battery', 'weak', 'negative', 'it died by noon')]",
                "Below is a conversation (utterance list). Each line shows [utterance_ID] speaker: text.\n[0] Sophie: The camera of this phone is amazing, the night photos are sharp.\n[1] Leah: True, but the phone's battery is weak, it died by noon.\n",
                "grey",
                "level",
            ),
        ),
    ),
    TaskFixture(
        "MSD",
        "image",
        _level2(
            "determine the stance the tweet takes toward the target",
            "author",
            "readers",
            _one_label(_labels("MSD"), "stance"),
        ),
        "Determine the stance toward the target. Choose one of the following labels as your final "
        f"answer: {', '.join(_labels('MSD'))}. Respond in the format: {{'stance': 'label'}}.",
        (
            Item(
                "{'stance': 'support'}",
                "Tweet: Aetna and Humana together will be stronger. Great deal for patients, I fully support it!\nTarget: Merger and acquisition between Aetna and Humana.\n",
                "warm",
            ),
            Item(
                "{'stance': 'refute'}",
                "Tweet: This merger will never go through, the regulators will block it. Bad idea.\nTarget: Merger and acquisition between Aetna and Humana.\n",
                "blue",
            ),
            Item(
                "{'stance': 'unrelated'}",
                "Tweet: Beautiful sunset at the beach tonight.\nTarget: Merger and acquisition between Aetna and Humana.\n",
                "pastel",
            ),
        ),
    ),
    TaskFixture(
        "MDER",
        "video",
        _level2(
            "recognize the speaker’s emotion in this dialogue turn",
            "speaker",
            "the other participants",
            f"choose exactly one label from: {', '.join(_labels('MDER'))}. Output exactly: {{'emotion': 'label'}}.",
        ),
        _direct(
            "Please watch the provided video and determine the emotion it conveys.", _labels("MDER")
        ),
        (
            Item(
                "surprise",
                SAYS + "Oh my God, I can't believe it! You got the job?",
                "warm",
                "lively",
            ),
            Item(
                "sadness", SAYS + "He left me. I'm so sad, I just want to cry.", "blue", "subdued"
            ),
            Item(
                "disgust",
                SAYS + "Ew, this is disgusting, who left rotten food in here?",
                "red",
                "tense",
            ),
        ),
    ),
    # Level 3: Emotion Cognition and Reasoning
    TaskFixture(
        "EER",
        "video",
        _level3(
            "infer the emotion elicited in a typical viewer by this clip",
            f"choose exactly one label from: {', '.join(_labels('EER'))}. Output exactly: {{'emotion': 'label'}}.",
        ),
        "Recognize the viewer's elicited emotion after watching the clip. Do not provide any "
        "explanations or extra text. Choose one of the following labels as your final answer: "
        f"{', '.join(_labels('EER'))}. Respond in the format: {{'emotion': 'label'}}.",
        (
            Item("Amusement", colour="warm", tone="lively"),
            Item("Sadness", colour="blue", tone="subdued"),
            Item("Fear", colour="dark", tone="tense"),
        ),
    ),
    TaskFixture(
        "EI",
        "image",
        _level3(
            "attribute plausible causes of the stated emotion for the focal person",
            "output a concise numbered list (1., 2., …) of plausible causes, phrased as short clauses grounded in the scene, with no extra commentary.",
        ),
        "Based only on the visual content (facial expressions, body posture, social context, "
        "setting), list plausible causes for why the person(s) in the image would feel this "
        "emotion.\nWrite a concise numbered list (1., 2., ...). Do not add extra commentary.",
        (
            Item(
                "1. The dark, gloomy setting.\n2. Being alone.\n3. Cold, rainy weather.",
                "Emotion to explain: Sadness\n",
                "blue",
            ),
            Item(
                "1. The bright, sunny day.\n2. A warm, cheerful setting.\n3. Time outdoors with friends.",
                "Emotion to explain: Happiness\n",
                "warm",
            ),
        ),
    ),
    TaskFixture(
        "LR",
        "video",
        _level3(
            "explain why the audience laughed in the clip",
            "output a single sentence starting with: The audience laughed because ...",
        ),
        "\nExplain why the audience laughed, starting with 'The audience laughed because '.",
        (
            Item(
                "The audience laughed because after months of careful training and buying all the gear, Sam overslept on race day, an unexpected self-deprecating twist.",
                "You are to answer why the audience laughed given the video clip.\nThe corresponding subtitles are provided below:\n0: Sam: i spent six months training for the marathon\n1: Sam: bought the shoes, the watch, the special socks\n2: Sam: and on race day i overslept (audience laughs)\n",
                "warm",
                "lively",
            ),
            Item(
                "The audience laughed because Ana said her cat is the real boss of the house, an absurd reversal of who owns whom.",
                "You are to answer why the audience laughed given the video clip.\nThe corresponding subtitles are provided below:\n0: Ana: people ask me if i own a cat\n1: Ana: no, the cat is the real boss of the house, i just pay the rent (audience laughs)\n",
                "warm",
                "lively",
            ),
        ),
    ),
    TaskFixture(
        "MECPE",
        "video",
        _level3(
            "extract each emotional utterance with its emotion and the utterance that caused it",
            f"output exactly one JSON object mapping each target_utterance_id to {{'emotion': 'label', 'cause_utterance_id': 'ID'}}. Choose emotion from: {', '.join(_labels('MECPE'))}.",
        ),
        "\nTask: For each utterance that expresses an emotion, give its emotion and the ID of the "
        "utterance that causes it. Choose emotion from: "
        f"{', '.join(_labels('MECPE'))}. Respond in the format: {{'utterance_ID': {{'emotion': "
        "'label', 'cause_utterance_id': 'ID'}}}}.",
        (
            Item(
                "{'2': {'emotion': 'joy', 'cause_utterance_id': '1'}, '4': {'emotion': 'sadness', 'cause_utterance_id': '3'}}",
                "Below is a conversation (utterance list). Each line shows [utterance_ID] speaker: text.\n[1] Anna: I got the job at the hospital !\n[2] Ben: That is wonderful news , I am so happy for you !\n[3] Anna: But I have to move away from my family .\n[4] Ben: Oh no , that is really sad .\n",
                "warm",
                "level",
            ),
            Item(
                "{'2': {'emotion': 'anger', 'cause_utterance_id': '1'}, '3': {'emotion': 'disgust', 'cause_utterance_id': '3'}}",
                "Below is a conversation (utterance list). Each line shows [utterance_ID] speaker: text.\n[1] Carl: Someone ate my lunch from the fridge again !\n[2] Carl: I am so angry , this is the third time !\n[3] Dana: Ew , and they left rotten milk in there too , disgusting .\n",
                "red",
                "tense",
            ),
        ),
    ),
    TaskFixture(
        "SD",
        "video",
        _level3(
            "decide whether the statement is sarcastic by modeling the speaker’s nonliteral intent toward an audience",
            "output exactly one token: true or false.",
        ),
        _direct("Does this statement express sarcasm?", TASKS["SD"].labels, None),
        (
            Item(
                "true",
                "The person in the video says: Oh great, another meeting. I just love spending my whole evening here. ",
                "blue",
                "subdued",
            ),
            Item(
                "false",
                "The person in the video says: Thank you so much for the flowers, they are beautiful. ",
                "warm",
                "lively",
            ),
            Item(
                "false",
                "The person in the video says: I am so tired, I did not sleep at all last night. ",
                "blue",
                "subdued",
            ),
        ),
    ),
    TaskFixture(
        "SFA",
        "panosent",
        _level3(
            "detect ALL sentiment flips in the dialogue and attribute a trigger type for each flip",
            "output ONLY a single JSON-like list where each item describes one flip: [{'holder': '...', 'initial_sentiment': 'positive|negative|neutral', 'flipped_sentiment': 'positive|negative|neutral', 'trigger_type': 'Introduction of New Information|Logical Argumentation|Participant Feedback and Interaction|Personal Experience and Self-reflection'}].",
        ),
        "\nTask: Identify ALL sentiment flips in this conversation. For each flip, output "
        "{'holder': '...', 'initial_sentiment': 'positive|negative|neutral', 'flipped_sentiment': "
        "'positive|negative|neutral', 'trigger_type': 'one of the predefined types'}. The "
        "trigger_type must be one of: Introduction of New Information, Logical Argumentation, "
        "Participant Feedback and Interaction, Personal Experience and Self-reflection.\nRespond "
        "ONLY with a single list; [] if there is no flip.",
        (
            Item(
                "[{'holder': 'Nina', 'initial_sentiment': 'negative', 'flipped_sentiment': 'positive', 'trigger_type': 'Personal Experience and Self-reflection'}]",
                "Below is a conversation (utterance list). Each line shows [utterance_ID] speaker: text.\n[0] Nina: Honestly, I found the new update confusing and slow.\n[1] Omar: The new search is fast for me.\n[2] Nina: After using it all week myself, I have to admit the update is actually great.\n",
                "warm",
                "level",
            ),
            Item(
                "[]",
                "Below is a conversation (utterance list). Each line shows [utterance_ID] speaker: text.\n[0] Leo: The battery life of this phone is excellent.\n[1] Mia: I agree, and the screen is beautiful too.\n[2] Leo: Yes, the battery is still excellent after a year.\n",
                "grey",
                "level",
            ),
        ),
    ),
)
FIXTURES_BY_CODE: dict[str, TaskFixture] = {fixture.code: fixture for fixture in FIXTURES}
IAVE_OPTIONS = {
    "Red": "Black, Blue, Red, White",
    "Blue": "Black, Blue, Red, White",
    "Sleeveless": "3/4 Sleeve, Long Sleeve, Short Sleeve, Sleeveless",
}


# -- writing the release -------------------------------------------------------------------------


def build_release(
    root: Path, tasks: Iterable[str] | None = None, *, items: int | None = None
) -> tuple[Path, Path]:
    """Write the fixtures under ``root/data`` (both prompt folders) and ``root/media``.

    Args:
        root: an empty or new folder.
        tasks: task codes to write (all 24 when ``None``).
        items: at most this many items per task (all when ``None``).

    Returns:
        The data folder (holding ``with_prompt/`` and ``without_prompt/``) and the media root.
    """
    data, media, scratch = root / "data", root / "media", root / "synth"
    chosen = [FIXTURES_BY_CODE[code.upper()] for code in tasks] if tasks else list(FIXTURES)
    synth = _Synth(scratch)
    for fixture in chosen:
        task = TASKS[fixture.code]
        entries = fixture.items[:items] if items else fixture.items
        for folder, tom in (("with_prompt", True), ("without_prompt", False)):
            records = [
                _record(fixture, task, number, item, tom) for number, item in enumerate(entries)
            ]
            path = data / folder / f"level{task.level}" / f"{task.datasets[0]}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(records, indent=1, ensure_ascii=False), encoding="utf-8")
        for number, item in enumerate(entries):
            for field, relative in _media_paths(fixture, task, number).items():
                target = media / relative.replace("vidoes/", "videos/")
                target.parent.mkdir(parents=True, exist_ok=True)
                if field == "image":
                    shutil.copyfile(synth.image(item.colour, item.caption), target)
                else:
                    shutil.copyfile(synth.video(item.colour, item.tone or "level"), target)
    shutil.rmtree(scratch, ignore_errors=True)
    return data, media


def _record(fixture: TaskFixture, task: Task, number: int, item: Item, tom: bool) -> dict[str, Any]:
    # UR-FUNNY ids are integers in the release.
    identifier: str | int = number if fixture.code == "HU" else str(number)
    return {
        "id": identifier,
        **_media_paths(fixture, task, number),
        "conversations": [
            {"from": "human", "value": _prompt(fixture, item, tom)},
            {"from": "gpt", "value": item.truth},
        ],
    }


def _prompt(fixture: TaskFixture, item: Item, tom: bool) -> str:
    mark = {"video": "<video>", "image": "<image>", "panosent": "<image>\n<video>"}[fixture.medium]
    instructions = fixture.tom if tom else fixture.direct
    if fixture.code == "IAVE":
        instructions = instructions.replace("{options}", IAVE_OPTIONS[str(item.truth)])
    head = item.head
    if head and not head.endswith(("\n", " ")):
        head += " "
    return f"{mark}\n{head}{instructions}"


def _media_paths(fixture: TaskFixture, task: Task, number: int) -> dict[str, str]:
    dataset = task.datasets[0]
    if fixture.medium == "image":
        return {"image": f"{dataset}/images/{number}.png"}
    if fixture.medium == "video":
        return {"video": f"{dataset}/videos/{number}.mp4"}
    # PanoSent: MQE (level 2) and SFA (level 3) share one media folder; the release spells a
    # level-3 video folder "vidoes".
    stem = f"{number + (1 if task.level == 2 else 101):04d}"
    folder = "vidoes" if task.level == 3 and number == 0 else "videos"
    return {
        "video": f"PanoSent/{folder}/vid_{stem}.mp4",
        "image": f"PanoSent/images/img_{stem}.png",
    }


class _Synth:
    """Makes each distinct image and video once; build_release copies them into place."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._made: dict[tuple[str, str], Path] = {}

    def image(self, colour: str, caption: str) -> Path:
        key = ("image", f"{colour}|{caption}")
        if key not in self._made:
            path = self.folder / f"image_{len(self._made)}.png"
            size = MEME_SIZE if caption else FRAME_SIZE
            picture = Image.new("RGB", size, COLOURS[colour])
            if caption:
                ink = (20, 20, 20) if sum(COLOURS[colour]) > 380 else (250, 250, 250)
                font = ImageFont.load_default(size=13)
                ImageDraw.Draw(picture).text((4, 24), caption, fill=ink, font=font)
            picture.save(path)
            self._made[key] = path
        return self._made[key]

    def video(self, colour: str, tone: str) -> Path:
        key = ("video", f"{colour}|{tone}")
        if key not in self._made:
            frame = self.image(colour, "")
            sound = self.folder / f"tone_{tone}.wav"
            if not sound.exists():
                write_tone(sound, tone)
            path = self.folder / f"video_{len(self._made)}.mp4"
            command = [*ffmpeg.QUIET, "-loop", "1", "-framerate", "4", "-i", str(frame)]
            command += ["-i", str(sound), "-t", str(CLIP_SECONDS), "-c:v", "libx264"]
            command += ["-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)]
            ffmpeg.run_ffmpeg(command, timeout_s=60)
            self._made[key] = path
        return self._made[key]


def write_tone(path: Path, tone: str) -> None:
    """A voice-like WAV: a harmonic tone in syllable bursts, loud or quiet, rising or flat."""
    amplitude, start, end, syllables = TONES[tone]
    times = np.arange(int(SAMPLE_RATE * CLIP_SECONDS)) / SAMPLE_RATE
    pitch = np.linspace(start, end, times.size)
    phase = 2 * np.pi * np.cumsum(pitch) / SAMPLE_RATE
    voice = np.sin(phase) + 0.5 * np.sin(2 * phase) + 0.25 * np.sin(3 * phase)
    envelope = np.clip(np.sin(np.pi * syllables * times), 0.0, None) ** 0.5
    signal = amplitude * envelope * voice / 1.75
    samples = (np.clip(signal, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as output:
        output.setnchannels(1)
        output.setsampwidth(2)
        output.setframerate(SAMPLE_RATE)
        output.writeframes(samples.tobytes())
