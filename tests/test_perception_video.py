"""Video perception on real files: rendered scenes with narration, lavfi test videos, bad input."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unima.errors import ConfigError, InputError
from unima.perception import perceive
from unima.perception.contact_sheet import format_time, render_contact_sheet
from unima.perception.keyframes import (
    MAX_ANALYSIS_FRAMES,
    analysis_rate,
    cut_indices,
    detect_scenes,
    frame_differences,
    keyframe_size,
    plan_keyframes,
    uniform_times,
)
from unima.perception.video import VideoPerceiver, scratch_root, text_key
from unima.types import Perception

NARRATION = "Plants use sunlight to make sugar."
# Text, background and text colour of each two-second scene.
SCENES = [
    ("FIRST SCENE", (250, 250, 250), (0, 0, 0)),
    ("SECOND SCENE", (20, 30, 110), (255, 255, 255)),
    ("THIRD SCENE", (250, 215, 60), (0, 0, 0)),
]
FPS = 12
SECONDS_PER_SCENE = 2
DEADLINE_S = 60.0


@pytest.fixture(autouse=True)
def _private_scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keyframes of perceptions through the registry go to the test's folder, not /tmp."""
    monkeypatch.setenv("UNIMA_PERCEPTION_SCRATCH_DIR", str(tmp_path / "scratch"))


def ffmpeg(*arguments: str, stdin: bytes | None = None) -> None:
    import imageio_ffmpeg

    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", *arguments],
        input=stdin,
        check=True,
        timeout=60,
    )


def words(text: str) -> set[str]:
    from unima.backends.whisper import normalize_words

    return set(normalize_words(text))


def render_scenes(size: tuple[int, int] = (640, 360)) -> bytes:
    """Raw RGB frames of the scenes: big text on a plain background, two seconds each."""
    import matplotlib
    from PIL import Image, ImageDraw, ImageFont

    font_path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    font = ImageFont.truetype(str(font_path), 56)
    frames = []
    for text, background, colour in SCENES:
        picture = Image.new("RGB", size, background)
        ImageDraw.Draw(picture).text(
            (size[0] // 2, size[1] // 2), text, fill=colour, font=font, anchor="mm"
        )
        frames.append(picture.tobytes() * (FPS * SECONDS_PER_SCENE))
    return b"".join(frames)


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The narrated scene video (MP4), and lavfi test videos in WebM, MOV and AVI."""
    from unima.backends.piper_voice import synthesize

    folder = tmp_path_factory.mktemp("videos")
    narration = folder / "narration.wav"
    synthesize(NARRATION, narration)
    files = {"scenes": folder / "scenes.mp4"}
    seconds = str(len(SCENES) * SECONDS_PER_SCENE)
    ffmpeg(
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "640x360", "-r", str(FPS), "-i", "pipe:0",
        "-i", str(narration), "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
        "-t", seconds, str(files["scenes"]),
        stdin=render_scenes(),
    )  # fmt: skip
    source = ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-f", "lavfi",
              "-i", "sine=frequency=440:sample_rate=22050", "-t", "2"]  # fmt: skip
    codecs = {
        "webm": ["-c:v", "libvpx", "-b:v", "200k", "-c:a", "libvorbis"],
        "mov": ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"],
        "avi": ["-c:v", "mpeg4", "-c:a", "libmp3lame"],
    }
    for extension, codec in codecs.items():
        files[extension] = folder / f"testsrc.{extension}"
        ffmpeg(*source, *codec, str(files[extension]))
    files["sound_only"] = folder / "sound-only.mp4"  # sniffed as video: an ISO brand, no M4A
    ffmpeg("-i", str(narration), "-c:a", "aac", "-f", "mp4", str(files["sound_only"]))
    files["silent"] = folder / "silent.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x64:rate=5", "-t", "1", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", str(files["silent"]))  # fmt: skip
    return files


@pytest.fixture(scope="module")
def scene_perception(
    videos: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Perception:
    from unima.inputs.parts import part_from_file

    scratch = tmp_path_factory.mktemp("scratch")
    return VideoPerceiver(scratch_dir=scratch).perceive(part_from_file(videos["scenes"]))


def test_scene_video_facts(scene_perception: Perception) -> None:
    meta = scene_perception.meta
    assert scene_perception.modality == "video"
    assert (meta["width"], meta["height"], meta["fps"]) == (640, 360, 12.0)
    assert (meta["video_codec"], meta["audio_codec"]) == ("h264", "aac")
    assert meta["duration_s"] == pytest.approx(6.0, abs=0.1)
    assert scene_perception.failures == ()


def test_scene_changes_give_one_keyframe_per_scene(scene_perception: Perception) -> None:
    meta = scene_perception.meta
    assert meta["keyframe_method"] == "scene-change" and meta["scenes"] == 3
    times = [record["time_s"] for record in meta["keyframes"]]
    assert len(times) == 3
    for index, time_s in enumerate(times):  # each keyframe inside its own scene
        assert index * SECONDS_PER_SCENE < time_s < (index + 1) * SECONDS_PER_SCENE
    from PIL import Image

    for record in meta["keyframes"]:
        path = Path(record["path"])
        assert path.suffix == ".png" and path.parent == Path(meta["keyframe_dir"])
        with Image.open(path) as picture:
            assert picture.size == (640, 360)


def test_on_screen_text_is_read_and_deduplicated(scene_perception: Perception) -> None:
    meta = scene_perception.meta
    found = " ".join(meta["on_screen_text"]).upper()
    for word in ("FIRST", "SECOND", "THIRD", "SCENE"):
        assert word in found
    assert len(meta["on_screen_text"]) == 3  # one line per scene, none repeated
    per_frame = [record["text"].upper() for record in meta["keyframes"]]
    assert "FIRST" in per_frame[0] and "SECOND" in per_frame[1] and "THIRD" in per_frame[2]
    assert "On-screen text:" in scene_perception.text


def test_narration_is_transcribed(scene_perception: Perception) -> None:
    assert {"plants", "sunlight", "sugar"} <= words(scene_perception.text)
    audio = scene_perception.meta["audio"]
    assert audio["speech"] is True and audio["language"] == "en"
    assert scene_perception.meta["segments"] == audio["segments"]
    assert audio["segments"][0]["start"] < audio["segments"][-1]["end"] < 6.5


def test_contact_sheet_and_summary(scene_perception: Perception) -> None:
    from PIL import Image

    meta = scene_perception.meta
    sheet = Path(meta["contact_sheet"])
    assert sheet.parent == Path(meta["keyframe_dir"])
    with Image.open(sheet) as picture:
        picture.load()
        assert picture.format == "PNG" and list(picture.size) == meta["contact_sheet_size"]
        assert picture.width > 3 * 300  # three cells side by side
    summary = scene_perception.summary
    assert summary.startswith("A 6.0 s 640x360 MP4 video at 12 fps (h264) with narration: “")
    assert "sunlight" in summary.lower() and "on-screen text: “" in summary
    assert "3 scenes (keyframes at 0:01.0, 0:03.0, 0:05.0)" in summary


@pytest.mark.parametrize("extension", ["webm", "mov", "avi"])
def test_other_containers(videos: dict[str, Path], tmp_path: Path, extension: str) -> None:
    from unima.inputs.parts import part_from_file

    # One keyframe is enough to show the container decodes (OCR is the slow part).
    perceiver = VideoPerceiver(scratch_dir=tmp_path, max_keyframes=1)
    perception = perceiver.perceive(part_from_file(videos[extension]))
    meta = perception.meta
    assert perception.modality == "video" and meta["format"] == extension
    assert (meta["width"], meta["height"]) == (160, 120) and meta["fps"] == 10.0
    assert meta["duration_s"] == pytest.approx(2.0, abs=0.15)
    assert len(meta["keyframes"]) == 1 and Path(meta["keyframes"][0]["path"]).is_file()
    assert meta["keyframes"][0]["time_s"] == pytest.approx(meta["duration_s"] / 2, abs=0.01)
    assert Path(meta["contact_sheet"]).is_file()
    assert meta["audio"]["speech"] is False and meta["audio"]["silence_ratio"] < 0.1
    assert "with sound but no speech" in perception.summary
    assert Path(meta["keyframe_dir"]).parent == tmp_path


def test_video_without_audio_and_the_default_registry(videos: dict[str, Path]) -> None:
    perception = perceive(videos["silent"])
    assert perception.backend == VideoPerceiver.backend
    assert "audio" not in perception.meta and perception.meta["audio_codec"] is None
    assert "without audio" in perception.summary
    assert perception.meta["keyframe_method"] == "uniform"
    assert 1 <= len(perception.meta["keyframes"]) <= 3


def test_video_without_pictures_is_heard_as_audio(videos: dict[str, Path]) -> None:
    perception = perceive(videos["sound_only"])
    assert perception.modality == "video" and perception.meta["has_video"] is False
    assert {"plants", "sunlight", "sugar"} <= words(perception.text)
    assert perception.summary.startswith("A video file without pictures (no video stream). A ")
    assert any("no video stream" in failure for failure in perception.failures)


def test_scene_detection_tells_cuts_from_motion() -> None:
    import numpy as np

    rate = 4.0
    still = np.zeros((8, 54, 96, 3), dtype=np.uint8)
    still[4:] = 200  # one hard cut between frames 3 and 4
    scenes = detect_scenes(still, rate, 2.0)
    assert [(scene.start_s, scene.end_s) for scene in scenes] == [(0.0, 1.0), (1.0, 2.0)]
    # A panning texture changes every frame by a similar amount: no cut at all.
    texture = np.random.default_rng(0).integers(0, 60, size=(54, 200, 3), dtype=np.uint8)
    panning = np.stack([texture[:, shift * 8 : shift * 8 + 96] for shift in range(12)])
    assert cut_indices(frame_differences(panning)) == []


def test_long_videos_are_sampled_uniformly_without_a_full_decode(
    videos: dict[str, Path],
) -> None:
    plan = plan_keyframes(videos["silent"], "mp4", 3600.0, max_keyframes=4)
    assert plan.method == "uniform" and plan.scenes == () and "longer than 300 s" in plan.note
    assert plan.times == (450.0, 1350.0, 2250.0, 3150.0)


def test_registry_perceptions_use_the_configured_scratch_folder(
    videos: dict[str, Path], tmp_path: Path
) -> None:
    perception = perceive(videos["silent"])
    assert Path(perception.meta["keyframe_dir"]).parent == tmp_path / "scratch"
    assert scratch_root() == tmp_path / "scratch"


def test_keyframe_helpers() -> None:
    assert uniform_times(6.0, 3) == [1.0, 3.0, 5.0]
    assert analysis_rate(10.0) == 4.0 and analysis_rate(600.0) == MAX_ANALYSIS_FRAMES / 600.0
    assert keyframe_size(3840, 2160) == (960, 540) and keyframe_size(320, 240) == (320, 240)
    assert format_time(2.5) == "0:02.5" and format_time(3725.0) == "1:02:05"
    assert text_key("  First   Scene! ") == text_key("FIRST SCENE") == "first scene"
    with pytest.raises(ValueError, match="one time per frame"):
        render_contact_sheet([], [])
    with pytest.raises(ConfigError, match="max_keyframes"):
        VideoPerceiver(max_keyframes=0)


# --- bad input: a typed error or a partial perception, always quickly -------------------------


def perceive_video_within_deadline(
    path: Path, scratch: Path, max_keyframes: int = 1
) -> Perception | InputError:
    from unima.inputs.parts import part_from_file

    started = time.monotonic()
    try:
        perceiver = VideoPerceiver(scratch_dir=scratch, max_keyframes=max_keyframes)
        result: Perception | InputError = perceiver.perceive(part_from_file(path, modality="video"))
    except InputError as error:
        result = error
    assert time.monotonic() - started < DEADLINE_S
    return result


def test_truncated_mp4(videos: dict[str, Path], tmp_path: Path) -> None:
    data = videos["scenes"].read_bytes()
    for fraction in (0.3, 0.7):
        truncated = tmp_path / f"truncated-{fraction}.mp4"
        truncated.write_bytes(data[: int(len(data) * fraction)])
        result = perceive_video_within_deadline(truncated, tmp_path)
        if isinstance(result, InputError):
            assert truncated.name in str(result)
        else:  # a header that survived: whatever decodes, with the breakage recorded
            assert result.failures or result.meta["keyframes"]


def test_zero_length_and_disguised_videos_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        perceive(empty)
    playlist = tmp_path / "playlist.mp4"  # B26: an HLS playlist disguised as MP4
    playlist.write_text("#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\nhttp://example.com/a.ts\n")
    result = perceive_video_within_deadline(playlist, tmp_path)
    assert isinstance(result, InputError) and "playlist.mp4" in str(result)


@pytest.fixture(scope="module")
def fuzz_seed(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    seed = tmp_path_factory.mktemp("seed") / "seed.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=32x32:rate=4", "-t", "1", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", str(seed))  # fmt: skip
    return seed.read_bytes()


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    edits=st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 255)), max_size=16),
    cut=st.one_of(st.none(), st.integers(1, 6000)),
)
def test_fuzzed_video_never_crashes_or_hangs(
    fuzz_seed: bytes, tmp_path: Path, edits: list[tuple[int, int]], cut: int | None
) -> None:
    data = bytearray(fuzz_seed)
    for position, value in edits:
        data[position % len(data)] = value
    mutated = tmp_path / "fuzzed.bin"
    mutated.write_bytes(bytes(data[:cut] if cut else data))
    result = perceive_video_within_deadline(mutated, tmp_path)
    assert isinstance(result, Perception | InputError)
    if isinstance(result, Perception):
        assert result.modality == "video"
