"""``compose_video`` with the diffusers backend, on a tiny random text-to-video pipeline.

The pipeline is built and saved by the test (``tests/tiny_models/text_to_video.py``): its clips
are noise, which is enough to follow them from the model into the composed, narrated MP4. A real
model on a GPU: ``pytest -m gpu tests/test_compose_video_diffusers.py`` with
``UNIMA_TEST_VIDEO_MODEL=/models/<a diffusers video pipeline folder>``.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("diffusers", reason="needs the diffusers extra")
torch = pytest.importorskip("torch", reason="needs the diffusers extra")

import numpy as np  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402

from tests.tiny_models.text_to_video import save_tiny_text_to_video  # noqa: E402
from unima import UniMA, load_trace  # noqa: E402
from unima.backends import ffmpeg  # noqa: E402
from unima.config import Settings, load_settings  # noqa: E402
from unima.errors import ConfigError, MissingExtraError, ToolError  # noqa: E402
from unima.tools import TOOL_BACKENDS  # noqa: E402
from unima.tools.base import ToolContext  # noqa: E402
from unima.tools.models.loading import LoadedModel, folder_fingerprint  # noqa: E402
from unima.tools.video.diffusion import (  # noqa: E402
    DiffusersVideoTool,
    VideoPipeline,
    clip_pictures,
    load_video_pipeline,
    scene_prompt,
)
from unima.types import Artifact  # noqa: E402

CLIP_FRAMES = 4
# What a tiny model needs: two denoising steps, four frames per clip, the CPU.
TINY: dict[str, Any] = {"video_steps": 2, "video_frames": CLIP_FRAMES, "model_device": "cpu"}
NARRATED_REQUEST = "Describe the water cycle. Include a short narrated video."


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_text_to_video(tmp_path_factory.mktemp("models") / "tiny-text-to-video")


@pytest.fixture(scope="module")
def tool(model_folder: Path) -> DiffusersVideoTool:
    return DiffusersVideoTool(str(model_folder))


@pytest.fixture
def settings() -> Settings:
    return load_settings(**TINY)


def _image_artifact(path: Path, kind: str = "illustration") -> Artifact:
    return Artifact(
        modality="image", path=str(path), mime="image/png", sha256="0" * 64, meta={"kind": kind}
    )


def test_registered_under_its_planner_name() -> None:
    assert TOOL_BACKENDS.get("compose_video/diffusers") is DiffusersVideoTool


def test_a_scene_prompt_is_made_from_its_caption_and_the_title() -> None:
    assert scene_prompt("Clouds drift inland.", "The water cycle") == (
        "Clouds drift inland, The water cycle, smooth motion, high quality"
    )
    assert scene_prompt("How the water cycle works", "The water cycle") == (
        "How the water cycle works, smooth motion, high quality"
    )
    assert scene_prompt("", "Rain") == "Rain, smooth motion, high quality"


def test_frames_arrive_as_pictures_from_arrays_or_images() -> None:
    floats = np.zeros((2, 4, 6, 3), dtype=np.float32)  # frames, height, width, channels
    floats[1] = 0.5
    floats[1, 0, 0] = 1.7  # past the range: clipped
    pictures = clip_pictures(floats)
    assert len(pictures) == 2 and pictures[0].size == (6, 4) and pictures[0].mode == "RGB"
    assert pictures[0].getpixel((5, 3)) == (0, 0, 0)
    assert pictures[1].getpixel((5, 3)) == (128, 128, 128)
    assert pictures[1].getpixel((0, 0)) == (255, 255, 255)
    assert clip_pictures((floats.clip(0, 1) * 200).astype(np.uint8))[1].getpixel((0, 0)) == (
        200,
        200,
        200,
    )
    assert clip_pictures([Image.new("L", (3, 3))])[0].mode == "RGB"
    with pytest.raises(ValueError, match="pictures"):
        clip_pictures(["not a picture"])


class _RecordingPipeline:
    """Stands in for a diffusers pipeline: records its call, returns frames of one colour."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def answer(self, **options: Any) -> Any:
        self.calls.append(options)
        frames = [Image.new("RGB", (8, 8), (200, 40, 40))] * options.get("num_frames", 3)
        return type("Output", (), {"frames": [frames]})()


class _TextToVideo(_RecordingPipeline):
    def __call__(
        self, prompt: str, num_frames: int = 3, num_inference_steps: int = 50,
        guidance_scale: float = 9.0, generator: Any = None, output_type: str = "np",
    ) -> Any:  # fmt: skip
        return self.answer(
            prompt=prompt, num_frames=num_frames, num_inference_steps=num_inference_steps,
            guidance_scale=guidance_scale, output_type=output_type,
        )  # fmt: skip


class _ImageToVideo(_RecordingPipeline):
    """Stable Video Diffusion's call: an image and a guidance range, no prompt."""

    def __call__(
        self, image: Image.Image, num_frames: int = 3, num_inference_steps: int = 25,
        min_guidance_scale: float = 1.0, max_guidance_scale: float = 3.0,
        generator: Any = None, output_type: str = "pil",
    ) -> Any:  # fmt: skip
        return self.answer(
            image=image, num_frames=num_frames, num_inference_steps=num_inference_steps,
            max_guidance_scale=max_guidance_scale, output_type=output_type,
        )  # fmt: skip


def test_the_kind_of_pipeline_decides_what_it_is_called_with(tmp_path: Path) -> None:
    settings = load_settings(video_steps=7, video_frames=5, video_guidance=2.5)
    text = VideoPipeline.wrap(_TextToVideo(), tmp_path)
    assert text.kind == "text-to-video"
    clip = text.generate(prompt="rain", image=None, seed=1, settings=settings)
    assert len(clip) == 5 and clip[0].getpixel((0, 0)) == (200, 40, 40)
    assert text.pipeline.calls == [
        {
            "prompt": "rain",
            "num_frames": 5,
            "num_inference_steps": 7,
            "guidance_scale": 2.5,
            "output_type": "pil",
        }
    ]

    first_frame = Image.new("RGB", (8, 8), "blue")
    image = VideoPipeline.wrap(_ImageToVideo(), tmp_path)
    assert image.kind == "image-to-video"
    image.generate(prompt="ignored", image=first_frame, seed=1, settings=settings)
    (call,) = image.pipeline.calls
    assert "prompt" not in call and call["image"] is first_frame
    assert call["max_guidance_scale"] == 2.5 and call["num_frames"] == 5


def test_a_pipeline_that_makes_no_video_is_refused(tmp_path: Path) -> None:
    class ImagePipeline:
        def __call__(self, prompt: str, num_inference_steps: int = 50) -> None:
            return None

    with pytest.raises(ToolError, match="ImagePipeline, which makes no video"):
        VideoPipeline.wrap(ImagePipeline(), tmp_path)


def test_generated_clips_become_the_scenes_of_a_narrated_video(
    tool: DiffusersVideoTool, model_folder: Path, settings: Settings, tmp_path: Path
) -> None:
    arguments = tool.parse_arguments(
        {
            "title": "The water cycle",
            "scenes": [
                {"caption": "Water evaporates.", "duration_s": 1.5, "prompt": "steam over a sea"},
                {"caption": "Clouds form.", "duration_s": 1.0},
            ],
            "narration": "Water rises from the sea and falls again as rain.",
            "fps": 8,
            "width": 256,
            "height": 144,
        }
    )
    context = ToolContext(work_dir=tmp_path, seed=3, settings=settings)
    output = tool.run(arguments, context)
    meta = output.meta
    assert meta["pipeline"] == "TextToVideoSDPipeline" and meta["pipeline_kind"] == "text-to-video"
    assert meta["clip_frames"] == [CLIP_FRAMES, CLIP_FRAMES]
    assert meta["prompts"] == [
        "steam over a sea",
        "Clouds form, The water cycle, smooth motion, high quality",
    ]
    assert meta["model"] | {"load_s": 0, "seconds": 0} == {
        "backend": "diffusers",
        "model": "tiny-text-to-video",
        "revision": folder_fingerprint(model_folder),
        "device": "cpu",
        "dtype": "float32",
        "load_s": 0,
        "seconds": 0,
    }
    assert meta["model"]["seconds"] > 0
    assert meta["has_audio"] and meta["narration_s"] > 1.5
    assert meta["duration_s"] >= meta["narration_s"]

    verification = tool.verify(output, arguments, context)
    assert verification.passed, verification.problems
    assert verification.checks["has_audio"] and verification.checks["audio_rms"] > 0.02
    info = ffmpeg.probe_media(output.path)
    assert (info.width, info.height) == (256, 144)
    assert info.duration_s == pytest.approx(meta["duration_s"], abs=0.15)

    # The first scene shows the model's clip (seed: the run's, plus the scene's place), spread
    # over its 12 frames: at 0.5 s, frame 4 of 12 shows the clip's picture 4 * 4 // 12 = 1.
    clip = load_video_pipeline(model_folder, "cpu", "float32").generate(
        prompt="steam over a sea", image=None, seed=3, settings=settings
    )
    frame = ffmpeg.decode_frame(output.path, 0.5, width=256, height=144).astype(np.float32)
    region = (slice(24, 90), slice(16, 240))  # between the title band and the caption
    differences = [
        float(
            np.abs(
                frame[region]
                - np.asarray(ImageOps.fit(picture, (256, 144)), dtype=np.float32)[region]
            ).mean()
        )
        for picture in clip
    ]
    assert int(np.argmin(differences)) == 1 and differences[1] < 12, differences
    assert min(differences[0], *differences[2:]) > 20, differences


def test_a_planned_chart_stays_and_every_other_scene_is_generated(
    tool: DiffusersVideoTool, settings: Settings, tmp_path: Path
) -> None:
    picture = tmp_path / "halves.png"
    image = Image.new("RGB", (160, 96), (220, 20, 20))
    image.paste((20, 20, 220), (80, 0, 160, 96))
    image.save(picture)
    arguments = tool.parse_arguments(
        {
            "scenes": [
                {"caption": "The planned chart.", "duration_s": 1.0},
                {"caption": "The planned picture.", "duration_s": 1.0},
                {"caption": "A generated clip.", "duration_s": 1.0, "prompt": "waves"},
            ],
            "image_steps": ["picture1", "picture2", "picture3"],
            "fps": 6,
            "width": 160,
            "height": 96,
        }
    )
    dependencies = {
        "picture1": _image_artifact(picture, "bar_chart"),
        "picture2": _image_artifact(picture),
        "picture3": _image_artifact(picture, "bar_chart"),
    }
    context = ToolContext(work_dir=tmp_path, dependencies=dependencies, settings=settings)
    output = tool.run(arguments, context)
    # A chart's exact numbers stay; a depiction becomes moving pictures; a prompt always does.
    assert output.meta["clip_frames"] == [0, CLIP_FRAMES, CLIP_FRAMES]
    assert output.meta["prompts"][0] is None and output.meta["prompts"][2] == "waves"
    assert "The planned picture" in output.meta["prompts"][1]
    assert tool.verify(output, arguments, context).passed


class _ImageToVideoTool(DiffusersVideoTool):
    """The backend with a recording image-to-video pipeline in place of the folder's model."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.model = VideoPipeline.wrap(_ImageToVideo(), Path(location))

    def _pipeline(self, settings: Any) -> LoadedModel:
        return LoadedModel(value=self.model, device="cpu", dtype="float32")


def test_an_image_to_video_model_starts_from_the_scene_images(
    model_folder: Path, settings: Settings, tmp_path: Path
) -> None:
    picture = tmp_path / "blue.png"
    Image.new("RGB", (64, 48), (20, 20, 220)).save(picture)
    tool = _ImageToVideoTool(str(model_folder))
    arguments = tool.parse_arguments(
        {
            "title": "Tides",
            "scenes": [
                {"caption": "The sea rises.", "duration_s": 1.0},
                {"caption": "No picture here.", "duration_s": 1.0},
            ],
            "image_steps": ["picture1"],
            "fps": 6,
            "width": 160,
            "height": 96,
        }
    )
    context = ToolContext(
        work_dir=tmp_path,
        dependencies={"picture1": _image_artifact(picture)},
        settings=settings,
    )
    output = tool.run(arguments, context)
    (call,) = tool.model.pipeline.calls
    assert call["image"].getpixel((0, 0)) == (20, 20, 220) and "prompt" not in call
    assert output.meta["pipeline_kind"] == "image-to-video"
    assert output.meta["clip_frames"] == [CLIP_FRAMES, 0]
    assert output.meta["prompts"] == [None, None]  # this pipeline takes no prompt
    assert "scene 2 has no image for the image-to-video model: drawn" in output.meta["notes"]
    verification = tool.verify(output, arguments, context)
    assert verification.passed, verification.problems
    # The generated scene shows the pipeline's red frames, not the blue first frame.
    frame = ffmpeg.decode_frame(output.path, 0.5, width=160, height=96)
    assert frame[40, 80].tolist() == pytest.approx([200, 40, 40], abs=12)


def test_end_to_end_narrated_video_from_the_model_then_a_cache_hit(model_folder: Path) -> None:
    agent = UniMA(tool_backends={"compose_video": f"diffusers:{model_folder}"}, **TINY)
    try:
        response = agent.respond(NARRATED_REQUEST)
        video = response.artifacts["video1"]
        assert video.mime == "video/mp4" and response.status == "ok"
        assert video.verification is not None and video.verification.passed
        assert video.verification.checks["has_audio"]
        assert video.meta["model"]["backend"] == "diffusers"
        assert video.meta["clip_frames"] == [CLIP_FRAMES]

        assert response.trace_path is not None
        trace = load_trace(response.trace_path)
        (start,) = (event for event in trace.events if event.kind == "step_start")
        assert start.data["backend"] == "diffusers"
        assert f"model {folder_fingerprint(model_folder)}" in start.data["backend_version"]
        (end,) = (event for event in trace.events if event.kind == "step_end")
        assert end.data["status"] == "ok"
        recorded = end.data["artifact"]["meta"]["model"]
        assert recorded["model"] == "tiny-text-to-video" and recorded["device"] == "cpu"
        assert recorded["dtype"] == "float32" and recorded["seconds"] > 0

        again = agent.respond(NARRATED_REQUEST)
        assert again.trace_path is not None
        (end,) = (
            event for event in load_trace(again.trace_path).events if event.kind == "step_end"
        )
        assert end.data["status"] == "cached"
        assert again.artifacts["video1"].sha256 == video.sha256
    finally:
        agent.close()


def test_a_missing_folder_is_refused_before_a_run(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        UniMA(tool_backends={"compose_video": f"diffusers:{tmp_path / 'absent'}"})


def test_a_folder_without_model_index_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no model_index\.json"):
        UniMA(tool_backends={"compose_video": f"diffusers:{tmp_path}"})


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_on_a_machine_without_it_is_refused(
    model_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNIMA_MODEL_DEVICE", "cuda")
    with pytest.raises(ConfigError, match="no CUDA device"):
        UniMA(tool_backends={"compose_video": f"diffusers:{model_folder}"})


def test_a_missing_extra_names_the_install_line(
    model_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        "importlib.util.find_spec",
        lambda name, *rest: None if name == "diffusers" else find_spec(name, *rest),
    )
    with pytest.raises(MissingExtraError, match=r"unima\[diffusers\]"):
        UniMA(tool_backends={"compose_video": f"diffusers:{model_folder}"})


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_half_precision_on_cuda(model_folder: Path, tmp_path: Path) -> None:
    real_model = os.environ.get("UNIMA_TEST_VIDEO_MODEL")
    tool = DiffusersVideoTool(real_model or str(model_folder))
    # A real model makes its own number of frames (some accept only 4k + 1).
    settings = load_settings(
        model_device="cuda",
        model_dtype="float16",
        video_steps=4 if real_model else 2,
        video_frames=None if real_model else CLIP_FRAMES,
    )
    tool.check_ready(settings)
    arguments = tool.parse_arguments(
        {
            "title": "Rain",
            "scenes": [{"caption": "Rain falls on a city street.", "duration_s": 2.0}],
            "narration": "Rain falls on the city.",
            "fps": 8,
        }
    )
    context = ToolContext(work_dir=tmp_path, settings=settings)
    try:
        output = tool.run(arguments, context)
        verification = tool.verify(output, arguments, context)
        assert verification.passed, verification.problems
        assert output.meta["model"]["device"] == "cuda"
        assert output.meta["model"]["dtype"] == "float16"
        assert output.meta["clip_frames"][0] > 1
    finally:
        tool.close()
