"""The Theory-of-Mind reasoning mode: chains per level, model replies checked, the offline chain
from synthetic media, trace events and the viewers."""

from __future__ import annotations

import io
import json
import re
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from rich.console import Console
from typer.testing import CliRunner

from unima.agent import UniMA
from unima.backends.ffmpeg import QUIET, run_ffmpeg
from unima.cli import app
from unima.errors import ConfigError
from unima.llm.calls import ModelCallScope
from unima.reasoners.base import RequestView
from unima.reasoners.heuristic.reasoner import HeuristicReasoner
from unima.reasoners.tom import (
    LEVEL_STEPS,
    MentalState,
    ToMReasoner,
    read_question,
    with_reasoning,
)
from unima.reasoners.tom.lexicon import word_cues
from unima.reasoners.tom.prosody import measure_prosody
from unima.testing import ScriptedChatModel, fake_toolbox
from unima.trace.html import trace_html
from unima.trace.preview import MediaPlacement
from unima.trace.recorder import TraceRecorder
from unima.trace.schema import Trace, load_trace, mental_states
from unima.trace.view import render_trace
from unima.types import AnalysisReport, Caption, OutputSpec, Part, Perception, Request

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "data" / "hitemotion-sample"
# HitEmotion's released prompt for MER2023 (level 1), shortened in the middle.
MER_PROMPT = (
    "<video>\nThe person in video says: {words} You are a multimodal affective computing expert "
    "grounded in theory of mind. Your task is to infer the speaker's current emotional state. "
    "(1) Decode Affective Signals (Perceptual Simulation): ... (4) Conclude and Map to Label: "
    "Provide your reasoning following the steps above, then choose exactly one label from: "
    "happy, sad, neutral, angry, worried, surprise, and output exactly {{'emotion': 'label'}}."
)
MC_EIU_PROMPT = (
    "<video>\nThe person in video says: {words} You are a multimodal affective computing expert "
    "grounded in theory of mind. (3) Infer Communicative Intent toward the Addressee "
    "(Perspective-Taking & Relational Mapping): ... (4) Conclude and Map to Labels: choose "
    "exactly one emotion from: happy, surprise, sad, disgust, anger, fear, neutral, and exactly "
    "one intent from: questioning, agreeing, acknowledging, encouraging, consoling, suggesting, "
    "wishing, neutral. Output exactly: {{'emotion': 'label', 'intent': 'label'}}."
)
MUSTARD_PROMPT = (
    "<video>\nThe person in the video says: {words} You are a multimodal affective computing "
    "expert grounded in theory of mind. Your task is to decide whether the statement is "
    "sarcastic using causal and second-order reasoning. ... (5) Conclude and Output: output "
    "exactly one token: true or false."
)
ANSWER_FORMAT = re.compile(r"^<think>\n.+\n</think>\n<answer>(?P<answer>.+)</answer>$", re.DOTALL)
CAPTION = Caption(dense_caption="", paraphrase="", output_spec=OutputSpec())


# -- helpers ------------------------------------------------------------------------------------


def plan_with_trace(
    reasoner: ToMReasoner, view: RequestView, output_tags: list[str] | None = None
) -> tuple[str, Trace]:
    """The plan's text and the trace its events went to (through the run's model-call scope)."""
    trace = Trace(run_id="tom-test", unima_version="test", started_at=1.0)
    recorder = TraceRecorder(trace, Path("."))
    scope = ModelCallScope(on_event=lambda kind, **data: recorder.event(kind, "plan", **data))
    plan = scope.run(
        reasoner.plan, view, CAPTION, AnalysisReport(needed=False), output_tags or [], []
    )
    return plan.content, trace


def answer_of(content: str) -> str:
    match = ANSWER_FORMAT.match(content)
    assert match, content
    return match.group("answer")


def write_tone(path: Path, *, rising: bool, loud: bool, seconds: float = 1.0) -> Path:
    """A 16 kHz mono WAV: a tone gliding 140 -> 280 Hz near full scale, or a flat quiet 150 Hz."""
    rate = 16_000
    times = np.arange(int(seconds * rate)) / rate
    # One octave over the clip, or a level tone.
    frequency = 140.0 * 2 ** (times / seconds) if rising else np.full_like(times, 150.0)
    phase = 2 * np.pi * np.cumsum(frequency) / rate
    amplitude = 0.8 if loud else 0.01
    samples = (amplitude * np.sin(phase) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes(samples.tobytes())
    return path


def write_picture(path: Path, colour: tuple[int, int, int]) -> Path:
    picture = Image.new("RGB", (96, 64), colour)
    # A few other pixels: "mostly" this colour.
    for x in range(0, 96, 12):
        picture.putpixel((x, 5), (128, 128, 128))
    picture.save(path)
    return path


def model_reply(steps: list[str], answer: dict[str, str], **entry: Any) -> str:
    return json.dumps(
        {
            "steps": [
                {
                    "step": step,
                    "cue": entry.get("cue", f"cue for {step}"),
                    "modality": "text",
                    "evidence": entry.get("evidence", "it's really uncomfortable"),
                    "state": f"state at {step}",
                    "confidence": 0.7,
                }
                for step in steps
            ],
            "answer": answer,
            "confidence": 0.8,
        }
    )


def steps_of(level: int) -> list[str]:
    return [step for step in LEVEL_STEPS[level] if step != "label"]


# -- reading questions ---------------------------------------------------------------------------


def test_released_prompts_are_read_with_their_level_options_and_format() -> None:
    expected_levels = {"level1": 1, "level2": 2, "level3": 3}
    files = sorted((SAMPLES / "with_prompt").glob("level*/*.json"))
    if not files:
        pytest.skip(f"the HitEmotion sample is not at {SAMPLES}")
    for file in files:
        item = json.loads(file.read_text(encoding="utf-8"))[0]
        question = read_question(item["conversations"][0]["value"])
        assert question is not None, file
        assert question.level == expected_levels[file.parent.name], file
        assert question.released
    mer = read_question(MER_PROMPT.format(words="Hi."))
    assert mer is not None and mer.shape == "template"
    assert mer.options("emotion") == ("happy", "sad", "neutral", "angry", "worried", "surprise")
    eiu = read_question(MC_EIU_PROMPT.format(words="Hi."))
    assert eiu is not None and [field.name for field in eiu.fields] == ["emotion", "intent"]
    assert "consoling" in eiu.options("intent")


@pytest.mark.parametrize(
    "text",
    [
        "Explain photosynthesis. Include one diagram.",
        "Write a poem about feeling happy.",
        "How do I feel better after a cold?",
        "Is this a cat or a dog?",
    ],
)
def test_other_questions_are_not_emotion_questions(text: str) -> None:
    assert read_question(text) is None


def test_plain_emotion_questions_are_recognised() -> None:
    sarcasm = read_question("Is the speaker in <audio1> sarcastic?")
    assert (
        sarcasm is not None and sarcasm.level == 3 and sarcasm.options("label") == ("true", "false")
    )
    choice = read_question("Is the woman in <image1> happy, sad or angry?")
    assert choice is not None and choice.options("emotion") == ("happy", "sad", "angry")


# -- with a chat model ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "prompt", "answer", "expected"),
    [
        (1, MER_PROMPT, {"emotion": "worried"}, "{'emotion': 'worried'}"),
        (
            2,
            MC_EIU_PROMPT,
            {"emotion": "anger", "intent": "questioning"},
            "{'emotion': 'anger', 'intent': 'questioning'}",
        ),
        (3, MUSTARD_PROMPT, {"label": "true"}, "true"),
    ],
)
def test_the_model_is_asked_the_chain_of_the_level(
    level: int, prompt: str, answer: dict[str, str], expected: str
) -> None:
    model = ScriptedChatModel(script={f"tom_level{level}": model_reply(steps_of(level), answer)})
    reasoner = ToMReasoner(HeuristicReasoner(), chat_model=model)
    view = RequestView(Request(text=prompt.format(words="Mom, it's really uncomfortable.")))
    content, trace = plan_with_trace(reasoner, view)

    assert answer_of(content) == expected
    step, messages = model.calls[0]
    assert step == f"tom_level{level}"
    user = str(messages[-1].content)
    for wanted in steps_of(level):
        assert f'"{wanted}"' in user
    # JSON-schema constrained where the runtime allows it.
    assert model.options[0][1]["response_format"]["type"] == "json_schema"
    states = mental_states(trace)
    assert [state.step for state in states] == [*steps_of(level), "label"]
    assert {state.source for state in states} == {"model"}
    assert all(state.level == level for state in states)
    for wanted in steps_of(level):
        assert f"state at {wanted}" in content  # the chain is the think block


def test_a_bad_reply_is_asked_again_with_its_problem() -> None:
    bad = model_reply(["perceptual_simulation"], {"emotion": "joyful"})
    good = model_reply(steps_of(1), {"emotion": "Sad"})
    model = ScriptedChatModel(script={"tom_level1": [bad, good]})
    reasoner = ToMReasoner(HeuristicReasoner(), chat_model=model)
    content, trace = plan_with_trace(
        reasoner, RequestView(Request(text=MER_PROMPT.format(words="I miss her.")))
    )
    assert answer_of(content) == "{'emotion': 'sad'}"  # the option as the question spells it
    retry = str(model.calls[1][1][-1].content)
    assert "rejected because" in retry and "mental_state_hypothesis" in retry
    fields = [event for event in trace.events if event.kind == "guided_field"]
    assert fields and fields[0].data["attempts"] == 2


def test_an_answer_outside_the_options_is_rejected() -> None:
    outside = model_reply(steps_of(1), {"emotion": "joyful"})
    model = ScriptedChatModel(script={"tom_level1": [outside, outside]})
    reasoner = ToMReasoner(HeuristicReasoner(), chat_model=model)
    content, trace = plan_with_trace(
        reasoner, RequestView(Request(text=MER_PROMPT.format(words="I'm not happy at all.")))
    )
    fallback = [event for event in trace.events if event.kind == "field_fallback"]
    assert fallback and "joyful" in " ".join(fallback[0].data["problems"])
    assert "not one of" in " ".join(fallback[0].data["problems"])
    # Unusable replies: the offline chain answers, from perception.
    assert {state.source for state in mental_states(trace)} == {"perception"}
    assert answer_of(content) in {
        f"{{'emotion': '{label}'}}" for label in ("sad", "worried", "angry")
    }


# -- offline, from perception --------------------------------------------------------------------


def test_negation_turns_a_positive_word_negative() -> None:
    (cue,) = word_cues("I am not happy")
    assert cue.negated and cue.valence < 0 and cue.span == "not happy" and cue.category == ""
    assert word_cues("I am happy")[0].valence > 0


def test_negated_text_chooses_negative_for_the_reason_recorded() -> None:
    question = "What is the sentiment of <text1>: positive, negative or neutral?"
    states = {}
    for name, words in (
        ("negated", "Honestly, I am not happy with this."),
        ("plain", "I am happy with this."),
    ):
        part = Part(modality="text", tag="text1", text=words)
        content, trace = plan_with_trace(
            ToMReasoner(HeuristicReasoner()), RequestView(Request(text=question, parts=(part,)))
        )
        states[name] = (answer_of(content), mental_states(trace))
    answer, recorded = states["negated"]
    assert answer == "negative"
    cue = next(state for state in recorded if state.step == "perceptual_simulation")
    assert (
        cue.evidence == "not happy"
        and cue.tag == "text1"
        and cue.valence is not None
        and cue.valence < 0
    )
    assert "negated 'happy'" in cue.state
    assert states["plain"][0] == "positive"


def test_prosody_measures_a_rising_loud_tone_and_a_flat_quiet_one(tmp_path: Path) -> None:
    rising = write_tone(tmp_path / "rising.wav", rising=True, loud=True)
    flat = write_tone(tmp_path / "flat.wav", rising=False, loud=False)
    with wave.open(str(rising)) as file:
        samples = np.frombuffer(file.readframes(file.getnframes()), dtype="<i2") / 32768.0
    measured = measure_prosody(samples)
    assert measured.pitch_hz is not None and 180 < measured.pitch_hz < 220
    assert 9 < measured.pitch_slope_st_per_s < 15  # one octave (12 semitones) per second
    assert measured.energy_dbfs > -6

    question = "Which emotion does the speaker in <audio1> show: neutral, calm, happy, sad, angry or fearful?"
    results = {}
    for name, path in (("rising", rising), ("flat", flat)):
        part = Part(modality="audio", tag="audio1", path=str(path), mime="audio/wav")
        content, trace = plan_with_trace(
            ToMReasoner(HeuristicReasoner()), RequestView(Request(text=question, parts=(part,)))
        )
        prosody = next(state for state in mental_states(trace) if state.cue == "prosody")
        results[name] = (answer_of(content), prosody)
    loud_label, loud = results["rising"]
    quiet_label, quiet = results["flat"]
    assert (
        loud.arousal is not None
        and quiet.arousal is not None
        and loud.arousal > 0.6 > quiet.arousal
    )
    assert "high arousal" in loud.state and "rising pitch" in loud.state
    assert "low arousal" in quiet.state and "flat pitch" in quiet.state
    assert "slope +" in loud.evidence and loud.start_s is not None and loud.end_s is not None
    assert loud_label == "happy"  # high arousal, rising: the closest option
    assert quiet_label in ("neutral", "calm")  # low arousal


def test_colours_choose_between_dark_blue_and_bright_yellow(tmp_path: Path) -> None:
    question = "What is the sentiment of <image1>: positive, negative or neutral?"
    results = {}
    for name, colour in (("blue", (10, 20, 90)), ("yellow", (250, 230, 40))):
        path = write_picture(tmp_path / f"{name}.png", colour)
        part = Part(modality="image", tag="image1", path=str(path), mime="image/png")
        content, trace = plan_with_trace(
            ToMReasoner(HeuristicReasoner()), RequestView(Request(text=question, parts=(part,)))
        )
        colour_state = next(state for state in mental_states(trace) if state.cue == "colour")
        results[name] = (answer_of(content), colour_state)
    assert results["blue"][0] == "negative"
    assert results["blue"][1].state == "dark, cool colours read unpleasant"
    assert results["yellow"][0] == "positive"
    assert results["yellow"][1].state == "bright, warm colours read pleasant"


def test_each_level_records_its_own_chain_offline() -> None:
    words = "Oh great, you broke it again? Thanks a lot."
    for level, prompt in ((1, MER_PROMPT), (2, MC_EIU_PROMPT), (3, MUSTARD_PROMPT)):
        content, trace = plan_with_trace(
            ToMReasoner(HeuristicReasoner()),
            RequestView(Request(text=prompt.format(words=words))),
        )
        steps = [state.step for state in mental_states(trace)]
        chain = [step for step in LEVEL_STEPS[level] if step in steps]
        assert chain == list(LEVEL_STEPS[level]), (level, steps)
        # the steps appear in chain order
        assert [steps.index(step) for step in chain] == sorted(steps.index(step) for step in chain)
        answer_of(content)
    # level 2: the intent comes from the speech act (a question to the addressee)
    assert "'intent': 'questioning'" in answer_of(content_for(MC_EIU_PROMPT, words))
    # level 3: pleasant words ("great", "thanks") and an unpleasant one ("broke") -> reversal
    assert answer_of(content_for(MUSTARD_PROMPT, words)) == "true"
    assert answer_of(content_for(MUSTARD_PROMPT, "I love this, it is great.")) == "false"


def content_for(prompt: str, words: str) -> str:
    content, _ = plan_with_trace(
        ToMReasoner(HeuristicReasoner()), RequestView(Request(text=prompt.format(words=words)))
    )
    return content


def test_no_evidence_answers_neutral_not_a_guess() -> None:
    content = content_for(MER_PROMPT, "The meeting is at ten.")
    assert answer_of(content) == "{'emotion': 'neutral'}"


# -- the switch, the trace and the viewers -------------------------------------------------------


def test_other_questions_get_the_wrapped_reasoners_plan() -> None:
    view = RequestView(Request(text="Explain photosynthesis."))
    direct = HeuristicReasoner().plan(view, CAPTION, AnalysisReport(needed=False), [], [])
    content, trace = plan_with_trace(ToMReasoner(HeuristicReasoner()), view)
    assert content == direct.content
    assert mental_states(trace) == []


def test_with_reasoning_switches_modes() -> None:
    heuristic = HeuristicReasoner()
    assert with_reasoning(heuristic, "direct") is heuristic
    tom = with_reasoning(heuristic, "tom")
    assert isinstance(tom, ToMReasoner) and tom.name == "tom:heuristic" and tom.asker is None
    assert with_reasoning(tom, "tom") is tom
    with pytest.raises(ConfigError, match="unknown reasoning mode"):
        with_reasoning(heuristic, "deep")


def test_the_agent_in_tom_mode_records_the_chain_and_the_viewers_show_it_escaped() -> None:
    words = "I am not happy <script>alert(1)</script> with this."
    agent = UniMA(reasoning="tom")
    assert agent.settings.reasoning == "tom" and agent.reasoner.name == "tom:heuristic"
    response = agent.respond(f'What is the sentiment of "{words}"? Positive, negative or neutral?')
    assert answer_of(response.content) == "negative"
    trace = load_trace(response.trace_path or "")
    states = mental_states(trace)
    assert states and all(isinstance(state, MentalState) for state in states)
    assert any(event.kind == "tom_answer" for event in trace.events)

    page = trace_html(trace, MediaPlacement(page_dir=Path("."), folder=Path("media")))
    assert "Theory-of-Mind chain" in page and "perceptual_simulation" in page
    assert "<script>alert" not in page
    # A state holding markup (a model's words, say) is shown escaped.
    trace.events.append(
        trace.events[-1].model_copy(
            update={
                "kind": "mental_state",
                "data": {"step": "label", "state": "<b>sad</b>", "confidence": 0.5},
            }
        )
    )
    page = trace_html(trace, MediaPlacement(page_dir=Path("."), folder=Path("media")))
    assert "&lt;b&gt;sad&lt;/b&gt;" in page and "<b>sad</b>" not in page

    output = io.StringIO()
    render_trace(trace, Console(file=output, width=200, color_system=None))
    shown = output.getvalue()
    assert "Theory-of-Mind chain" in shown and "not happy" in shown


def test_a_malformed_mental_state_event_is_skipped_by_the_viewers() -> None:
    trace = Trace(run_id="tom-bad", unima_version="test", started_at=1.0)
    recorder = TraceRecorder(trace, Path("."))
    recorder.event("mental_state", "plan", step="label", state="sad", confidence=7)
    recorder.event("mental_state", "plan", step="label", state="sad", confidence=0.4)
    assert [state.confidence for state in mental_states(trace)] == [0.4]


def test_run_command_takes_the_reasoning_mode(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "run",
            'Is the speaker of "I am so happy today!" happy, sad or angry?',
            "--reasoning",
            "tom",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "<answer>happy</answer>" in result.output
    trace_path = re.search(r"trace: (\S+\.json)", result.output)
    assert trace_path is not None
    view = runner.invoke(app, ["trace", "view", trace_path.group(1)])
    assert view.exit_code == 0 and "Theory-of-Mind chain" in view.output
    refused = runner.invoke(app, ["run", "Is she happy or sad?", "--reasoning", "deep"])
    assert refused.exit_code != 0 and "unknown reasoning mode" in refused.output


def test_a_video_gives_prosody_and_keyframe_colour_cues(tmp_path: Path) -> None:
    tone = write_tone(tmp_path / "tone.wav", rising=True, loud=True)
    video = tmp_path / "clip.mp4"
    run_ffmpeg(
        [
            *QUIET,
            "-f",
            "lavfi",
            "-i",
            "color=c=0x0a145a:s=64x48:d=1",
            "-i",
            str(tone),
            "-shortest",
            "-c:v",
            "mpeg4",
            "-c:a",
            "aac",
            str(video),
        ],
        timeout_s=60,
    )
    keyframe = write_picture(tmp_path / "keyframe-01.png", (10, 20, 90))
    part = Part(modality="video", tag="video1", path=str(video), mime="video/mp4")
    perception = Perception(
        modality="video", tag="video1", meta={"keyframes": [{"time_s": 0.5, "path": str(keyframe)}]}
    )
    question = "What emotion does the person in <video1> show: happy, sad, angry or neutral?"
    content, trace = plan_with_trace(
        ToMReasoner(HeuristicReasoner()),
        RequestView(Request(text=question, parts=(part,)), {"video1": perception}),
    )
    cues = {state.cue: state for state in mental_states(trace)}
    assert cues["prosody"].modality == "video" and "rising pitch" in cues["prosody"].state
    colour = cues["colour at 0.50 s"]
    assert colour.start_s == 0.5 and colour.tag == "video1" and "dark" in colour.state
    assert answer_of(content) in ("happy", "sad", "angry", "neutral")


def test_transcript_words_keep_their_segment_times_and_give_the_rate(tmp_path: Path) -> None:
    tone = write_tone(tmp_path / "speech.wav", rising=False, loud=True)
    segments = [{"start": 0.2, "end": 1.0, "text": "I am so angry with you!"}]
    perception = Perception(
        modality="audio", tag="audio1", text="I am so angry with you!", meta={"segments": segments}
    )
    part = Part(modality="audio", tag="audio1", path=str(tone), mime="audio/wav")
    question = "Which emotion does <audio1> express: happy, sad, angry or neutral?"
    content, trace = plan_with_trace(
        ToMReasoner(HeuristicReasoner()),
        RequestView(Request(text=question, parts=(part,)), {"audio1": perception}),
    )
    states = mental_states(trace)
    word = next(state for state in states if state.evidence == "so angry")
    assert (word.start_s, word.end_s, word.modality) == (0.2, 1.0, "audio")
    prosody = next(state for state in states if state.cue == "prosody")
    assert "7.5 words/s" in prosody.evidence  # six words in 0.8 s
    assert answer_of(content) == "angry"


def test_an_emotion_question_with_a_video_input_is_answered_in_text(tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    run_ffmpeg(
        [*QUIET, "-f", "lavfi", "-i", "color=c=yellow:s=64x48:d=1", "-c:v", "mpeg4", str(video)],
        timeout_s=60,
    )
    prompt = MER_PROMPT.format(words="I am so glad you came!").replace("<video>", "<video1>")
    response = UniMA(reasoning="tom", tools=fake_toolbox()).respond([prompt, video])
    # The spec parser infers a video answer from "The person in video says"; the ToM mode
    # answers an emotion question in text.
    assert response.artifacts == {} and response.output_spec.counts == {}
    assert answer_of(response.content) == "{'emotion': 'happy'}"
    states = mental_states(load_trace(response.trace_path or ""))
    assert any(state.cue.startswith("colour at") and state.tag == "video1" for state in states)


def test_the_model_is_shown_the_measured_prosody(tmp_path: Path) -> None:
    tone = write_tone(tmp_path / "tone.wav", rising=True, loud=True)
    part = Part(modality="audio", tag="audio1", path=str(tone), mime="audio/wav")
    reply = model_reply(steps_of(1), {"emotion": "happy"})
    model = ScriptedChatModel(script={"tom_level1": reply})
    question = "Which emotion does <audio1> express: happy, sad, angry or neutral?"
    content, _ = plan_with_trace(
        ToMReasoner(HeuristicReasoner(), chat_model=model),
        RequestView(Request(text=question, parts=(part,))),
    )
    assert answer_of(content) == "happy"
    prompt = str(model.calls[0][1][-1].content)
    assert "prosody of <audio1>" in prompt and "slope +" in prompt
