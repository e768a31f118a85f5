"""Model-backed tools under ``--executor ray``: one shared actor per model, proxies in the tasks.

The Ray tests start one local Ray for the module (3 CPUs: 2 workers and the model's actor)
and run four instances on a tiny Stable Diffusion pipeline the test builds; they are marked
``slow`` like the other Ray tests, and the rest needs no Ray. On a machine with a GPU the same
run on CUDA (where the actor takes the GPU) is ``.venv/bin/pytest -m gpu
tests/test_bench_ray_actors.py``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from unima.bench import runner
from unima.bench.model_unima import UnimaModel
from unima.bench.ray_executor import ToolHosts, default_resources
from unima.bench.remote_tools import (
    RemoteCall,
    RemoteFailure,
    RemoteOutput,
    ToolHost,
    proxy_class,
)
from unima.bench.runner import RunOptions, run_benchmark
from unima.config import load_settings
from unima.errors import ConfigError, ToolError
from unima.graph.execute import step_cache_key
from unima.tools import TOOL_BACKENDS, ToolContext, ToolOutput
from unima.tools.image.diffusion import DiffusersImageTool
from unima.tools.video.tool import ComposerVideoTool
from unima.types import Artifact

SMALL = {"image_width": 64, "image_height": 64, "image_steps": 2}
SUBJECTS = (
    "a plated dish of spaghetti carbonara",
    "a red lighthouse on a cliff",
    "a bowl of ramen",
    "a snowy mountain village",
)
HEAVY = {
    "generate_image/diffusers",
    "compose_video/diffusers",
    "generate_mesh/shap-e",
    "synthesize_speech/coqui",
}


def write_picture_requests(root: Path) -> Path:
    """A UniM file of picture requests, one per subject (the heuristic planner illustrates
    each, which the diffusers backend generates)."""
    root.mkdir(parents=True)
    records = [
        {
            "domain": "general_domain",
            "subdomain": "food",
            "id": str(number),
            "input": {"content": f"Show me a picture of {subject}.", "modal": {}},
            "output": {"content": "A picture.", "modal": {}},
        }
        for number, subject in enumerate(SUBJECTS, start=1)
    ]
    path = root / "instances.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def video_call(arguments: Any, settings: Any, dependencies: dict[str, Any]) -> RemoteCall:
    return RemoteCall(
        arguments=arguments, seed=0, settings=settings, tag="video1", dependencies=dependencies
    )


@dataclass(frozen=True)
class LocalRay:
    """The test's Ray, and the artifact folder its workers cache in (the environment it
    started with)."""

    ray: Any
    artifact_dir: str


@pytest.fixture(scope="module")
def local_ray() -> Iterator[LocalRay]:
    """One local Ray for the module, owned by the test, so the executor neither starts nor
    stops it and what it leaves behind (actors) can be seen."""
    ray = pytest.importorskip("ray", reason="needs the ray extra: pip install 'unima[ray]'")
    ray.init(
        num_cpus=3, include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False
    )
    yield LocalRay(ray, os.environ["UNIMA_ARTIFACT_DIR"])
    ray.shutdown()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("device", "dtype"),
    [("cpu", "float32"), pytest.param("cuda", "float16", marks=pytest.mark.gpu)],
)
def test_instances_on_ray_share_one_actor_that_loads_the_pipeline_once(
    local_ray: LocalRay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, device: str, dtype: str
) -> None:
    pytest.importorskip("diffusers", reason="needs the diffusers extra")
    torch = pytest.importorskip("torch", reason="needs the diffusers extra")
    if device == "cuda" and not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    from tests.tiny_models.stable_diffusion import save_tiny_stable_diffusion

    model = save_tiny_stable_diffusion(tmp_path / "models" / "tiny-sd")
    data = write_picture_requests(tmp_path / "data")
    executors: list[runner.RayExecutor] = []

    class KeptRayExecutor(runner.RayExecutor):
        def __init__(self, *arguments: Any, **options: Any) -> None:
            super().__init__(*arguments, **options)
            executors.append(self)

    monkeypatch.setattr(runner, "RayExecutor", KeptRayExecutor)
    out = tmp_path / "run"
    options = {
        "tool_backends": {"generate_image": f"diffusers:{model}"},
        "model_device": device,
        **SMALL,
    }
    summary = run_benchmark(
        data,
        out,
        "unima",
        model_options=options,
        options=RunOptions(executor="ray", workers=2, timeout_s=120),
    )

    assert summary.counts == {"done": 4, "invalid": 0}
    # One actor served every step, and its process loaded the pipeline once.
    (report,) = executors[0].host_reports
    assert report.tool == "generate_image"
    assert report.runs >= 4
    (loaded,) = report.models  # SHARED_MODELS keys: backend, model folder, device, dtype
    assert {str(model.resolve()), device, dtype} <= set(loaded)
    # The actor is gone and the executor holds none; this Ray (the test's) still runs.
    assert not [
        name for name in local_ray.ray.util.list_named_actors() if name.startswith("unima-")
    ]
    assert local_ray.ray.is_initialized()

    local_version = DiffusersImageTool(str(model)).backend_version()
    load_times = set()
    for line in (out / "predictions.jsonl").read_text().splitlines():
        prediction = json.loads(line)
        with Image.open(out / prediction["output"]["modal"]["image1"]) as picture:
            assert picture.size == (64, 64)
        folder = out / "traces/general_domain/food" / prediction["id"]
        events = json.loads((folder / "trace.json").read_text())["events"]
        (start,) = [event["data"] for event in events if event["kind"] == "step_start"]
        (end,) = [event["data"] for event in events if event["kind"] == "step_end"]
        assert start["backend"] == "diffusers"
        assert start["backend_version"] == local_version  # the same artifact cache key
        assert end["status"] == "ok"
        artifact = end["artifact"]
        assert artifact["verification"]["passed"], artifact["verification"]
        record = artifact["meta"]["model"]
        assert (record["backend"], record["model"], record["device"]) == (
            "diffusers",
            "tiny-sd",
            device,
        )
        assert SUBJECTS[int(prediction["id"]) - 1] in artifact["meta"]["prompt"].lower()
        load_times.add(record["load_s"])
    # Every picture came from the one load: a worker loading its own copy would differ.
    assert len(load_times) == 1

    # The proxy's steps have the real tool's cache keys: a local run is served from the cache
    # the Ray workers wrote.
    monkeypatch.setenv("UNIMA_ARTIFACT_DIR", local_ray.artifact_dir)
    local = tmp_path / "local"
    again = run_benchmark(data, local, "unima", model_options=options)
    assert again.counts == {"done": 4, "invalid": 0}
    traces = sorted((local / "traces").rglob("trace.json"))
    assert len(traces) == 4
    for trace in traces:
        events = json.loads(trace.read_text())["events"]
        assert [e["data"]["status"] for e in events if e["kind"] == "step_end"] == ["cached"]


@pytest.mark.slow
def test_a_backend_not_ready_on_its_actor_stops_the_run_before_it_starts(
    local_ray: LocalRay, tmp_path: Path
) -> None:
    missing = tmp_path / "not-on-this-node"
    with pytest.raises(ConfigError, match=r"generate_image=diffusers:.* on its Ray actor: .*exist"):
        ToolHosts.start(
            local_ray.ray,
            {"generate_image": f"diffusers:{missing}"},
            settings=load_settings(),
            resources={"num_cpus": 1},
            timeout_s=60,
        )
    assert not [
        name for name in local_ray.ray.util.list_named_actors() if name.startswith("unima-")
    ]


def test_a_proxy_keeps_the_real_tools_cache_key_arguments_and_checks(tmp_path: Path) -> None:
    folder = tmp_path / "sd"
    folder.mkdir()
    (folder / "model_index.json").write_text("{}")
    real = DiffusersImageTool(str(folder))
    proxy = proxy_class(DiffusersImageTool)(str(folder), actor=None, version=real.backend_version())
    settings = load_settings(**SMALL)
    arguments = real.parse_arguments({"kind": "illustration", "title": "A cat", "seed": 3})

    def key(tool: Any) -> str:
        return step_cache_key(tool, arguments, seed=7, dependencies={}, settings=settings)

    assert key(proxy) == key(real)
    assert (proxy.name, proxy.backend, proxy.modality) == (real.name, real.backend, real.modality)
    assert proxy.parse_arguments({"kind": "illustration", "title": "A cat", "seed": 3}) == arguments
    assert type(proxy).verify is DiffusersImageTool.verify
    # The model folder may exist on the actor's node only: the proxy checks nothing here.
    elsewhere = str(tmp_path / "not-here")
    proxy_elsewhere = proxy_class(DiffusersImageTool)(elsewhere, actor=None, version="")
    proxy_elsewhere.check_ready(load_settings(model_device="cuda"))
    with pytest.raises(ConfigError, match="does not exist"):
        DiffusersImageTool(str(tmp_path / "not-here")).check_ready(settings)


def test_the_model_backed_backends_are_the_heavy_ones(tmp_path: Path) -> None:
    heavy = {name for name in TOOL_BACKENDS.names() if TOOL_BACKENDS.get(name).heavy}
    assert heavy == HEAVY
    folder = tmp_path / "sd"
    folder.mkdir()
    (folder / "model_index.json").write_text("{}")
    spec = f"diffusers:{folder}"
    assert UnimaModel("unima", tool_backends={"generate_image": spec}).heavy_backends() == {
        "generate_image": spec
    }
    assert UnimaModel("unima").heavy_backends() == {}
    assert UnimaModel("unima", tools="fake").heavy_backends() == {}


def test_the_actor_body_runs_a_tool_on_dependency_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "actor-tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    picture = tmp_path / "instance" / "picture.png"
    picture.parent.mkdir()
    Image.new("RGB", (128, 72), (200, 40, 40)).save(picture)
    content = picture.read_bytes()
    artifact = Artifact(
        modality="image",
        path=str(picture),
        mime="image/png",
        sha256=hashlib.sha256(content).hexdigest(),
    )
    host = ToolHost("compose_video", "composer")
    settings = load_settings()
    assert host.ready(settings) == ComposerVideoTool().backend_version()
    arguments = ComposerVideoTool().parse_arguments(
        {
            "title": "Red",
            "scenes": [{"caption": "A red card", "duration_s": 1.0}],
            "image_steps": ["s1"],
            "width": 128,
            "height": 72,
            "fps": 6,
            "animate": False,
        }
    )
    call = video_call(arguments, settings, {"s1": (artifact, content)})
    reply = host.run(call)
    assert isinstance(reply, RemoteOutput), reply
    assert reply.file_name.endswith(".mp4") and reply.mime == "video/mp4"
    # As the proxy does: the bytes become a file of the step, checked by the real verify.
    made = tmp_path / "step" / reply.file_name
    made.parent.mkdir()
    made.write_bytes(reply.content)
    output = ToolOutput(path=made, mime=reply.mime, meta=reply.meta)
    context = ToolContext(work_dir=made.parent, settings=settings)
    assert ComposerVideoTool().verify(output, arguments, context).passed
    assert list(scratch.iterdir()) == []  # the actor's scratch folder is removed

    failure = host.run(video_call(arguments, settings, {}))
    assert isinstance(failure, RemoteFailure)
    error = failure.tool_failure("compose_video")
    assert isinstance(error, ToolError) and error.recoverable is False
    assert "not among this step's dependencies" in str(error)
    assert host.report().runs == 2


def test_errors_cross_as_data_and_keep_whether_a_retry_helps() -> None:
    terminal = RemoteFailure.of(
        ToolError("no such model", tool="generate_image", recoverable=False)
    )
    error = terminal.tool_failure("generate_image")
    assert str(error) == "generate_image: no such model"
    assert error.recoverable is False and error.tool == "generate_image"
    setting = RemoteFailure.of(ConfigError("unknown device 'tpu'")).tool_failure("generate_image")
    assert str(setting) == "ConfigError: unknown device 'tpu'" and setting.recoverable is False
    bug = RemoteFailure.of(KeyError("width")).tool_failure("generate_image")
    assert str(bug) == "KeyError: 'width'" and bug.recoverable is True


class FakeCluster:
    def __init__(self, resources: dict[str, float]) -> None:
        self.resources = resources

    def cluster_resources(self) -> dict[str, float]:
        return self.resources


def test_actor_resources_default_to_a_gpu_each_or_a_share_and_can_be_set() -> None:
    assert default_resources(FakeCluster({"CPU": 8.0}), 2) == {"num_cpus": 1}
    assert default_resources(FakeCluster({"CPU": 8.0, "GPU": 4.0}), 2) == {"num_gpus": 1.0}
    assert default_resources(FakeCluster({"CPU": 8.0, "GPU": 1.0}), 3) == {"num_gpus": 0.333}
    chosen = UnimaModel("unima", tool_actor_resources={"num_gpus": 0.5, "num_cpus": 2})
    assert chosen.actor_resources == {"num_gpus": 0.5, "num_cpus": 2}
    with pytest.raises(ConfigError, match="'gpus'; use num_cpus, num_gpus"):
        UnimaModel("unima", tool_actor_resources={"gpus": 1})
    with pytest.raises(ConfigError, match="must be Ray resources"):
        UnimaModel("unima", tool_actor_resources="1 gpu")
