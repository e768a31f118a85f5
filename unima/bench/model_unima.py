"""The UniMA agent as a benchmark model (``--model unima``).

Options (all plain values, so the adapter can be rebuilt in a worker process):

- ``reasoner``: ``"heuristic"`` or a chat model spec (``"openai:gpt-4o-mini"``,
  ``"openai-compatible:BASE_URL:MODEL"``); default: the ``UNIMA_REASONER`` setting.
- ``perception_llm``: a vision chat model spec that captions inputs; default: none.
- ``tools``: ``"fake"`` for ``unima.testing.fake_toolbox()`` (zero-latency fake tools, for tests
  and harness benchmarks); default: the embedded backends.
- ``tool_backends``: tool name to backend spec
  (``{"generate_image": "diffusers:/models/sd-turbo"}``).
- ``tool_actor_resources``: under ``--executor ray``, the Ray resources of each actor that
  holds a model-backed backend (``{"num_gpus": 0.5}``); default: one GPU each when the
  cluster has GPUs (a share when it has fewer than actors), else one CPU.
- ``remote_tools``: set by the Ray executor, not by hand: tool name to the actor holding its
  model (``unima.bench.remote_tools``); the agent gets proxies for those tools.
- any other name: a ``unima.config.Settings`` field to override (``max_judge_rounds=1``).

The agent is built on the first ``predict`` and reused for the adapter's lifetime.
"""

from __future__ import annotations

import difflib
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import ValidationError

from unima.bench.models import ModelAdapter, package_versions, save_file
from unima.bench.records import Answer
from unima.bench.remote_tools import check_resources, remote_tools
from unima.config import Settings, load_settings
from unima.errors import ConfigError
from unima.files import atomic_write_bytes
from unima.types import placeholder_tags
from unima.version import __version__

if TYPE_CHECKING:
    from unima.agent import UniMA
    from unima.bench.datasets.unim import UnimInstance
    from unima.graph.toolbox import Toolbox
    from unima.tools import Tool

AGENT_OPTIONS = (
    "reasoner",
    "perception_llm",
    "tools",
    "tool_backends",
    "tool_actor_resources",
    "remote_tools",
)
TOOL_CHOICES = ("fake",)
VERSIONED_DISTRIBUTIONS = ("langgraph", "langchain-core", "langchain-openai", "pillow")


class UnimaModel(ModelAdapter):
    """Runs ``UniMA.respond`` on each instance and copies its answer into the output folder."""

    name: ClassVar[str] = "unima"

    def __init__(self, spec: str, **options: Any) -> None:
        super().__init__(spec, **options)
        if spec != "unima":
            raise ConfigError(f"the unima model spec takes no arguments: use 'unima', not {spec!r}")
        tools = options.get("tools")
        if tools is not None and tools not in TOOL_CHOICES:
            raise ConfigError(
                f"unknown tools option {tools!r} for --model unima; use 'fake' or leave it out"
            )
        backends = options.get("tool_backends")
        if backends is not None and not (
            isinstance(backends, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in backends.items())
        ):
            raise ConfigError(
                f"tool_backends must map tool names to backend specs (BACKEND[:LOCATION]), "
                f"not {backends!r}"
            )
        resources = options.get("tool_actor_resources")
        self.actor_resources = check_resources(resources) if resources is not None else None
        self.overrides = {k: v for k, v in options.items() if k not in AGENT_OPTIONS}
        self._check_overrides()
        self._agent: UniMA | None = None

    def _check_overrides(self) -> None:

        known = set(Settings.model_fields)
        for name in self.overrides:
            if name not in known:
                close = difflib.get_close_matches(name, sorted(known), n=2)
                hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
                raise ConfigError(f"unknown option {name!r} for --model unima.{hint}")

    @property
    def agent(self) -> UniMA:
        """The agent, built on first use (it imports LangGraph and may load a chat model)."""
        if self._agent is None:
            # The agent (LangGraph and its nodes): ~0.6 s to import, needed only to answer.
            from unima.agent import UniMA

            try:
                settings = load_settings(**self.overrides)
            except ValidationError as error:
                raise ConfigError(f"invalid settings for --model unima: {error}") from None
            tools: Toolbox | dict[str, Tool] | None = None
            if self.options.get("tools") == "fake":
                # unima.testing: ~0.4 s to import, needed only for tools="fake".
                from unima.testing import fake_toolbox

                tools = fake_toolbox()
            elif self.options.get("remote_tools"):
                tools = remote_tools(self.options["remote_tools"])
            self._agent = UniMA(
                reasoner=self.options.get("reasoner"),
                settings=settings,
                tools=tools,
                tool_backends=self.options.get("tool_backends"),
                perception_llm=self.options.get("perception_llm"),
            )
        return self._agent

    def heavy_backends(self) -> dict[str, str]:
        """The agent's backends that load a local model (``Tool.heavy``), as specs by tool
        name: what ``--executor ray`` runs in one shared actor each."""
        specs = self.agent.toolbox.backend_specs()
        return {
            name: spec
            for name, spec in specs.items()
            if type(self.agent.toolbox.get(name)).heavy and spec != "custom"
        }

    def with_remote_tools(self, references: dict[str, dict[str, str]]) -> UnimaModel:
        """This model, with the tools of ``references`` reached through their Ray actors
        (``unima.bench.remote_tools.ToolHosts.references``)."""
        return UnimaModel(self.spec, **{**self.options, "remote_tools": references})

    def describe(self) -> dict[str, Any]:

        agent = self.agent
        backends = {}
        if self.options.get("tools") == "fake":
            backends = {name: "fake" for name in agent.toolbox.names()}
        else:
            backends = agent.toolbox.backend_specs()
        return {
            "adapter": self.name,
            "spec": self.spec,
            "reasoner": agent.reasoner.name,
            "perception_llm": self.options.get("perception_llm") or agent.settings.perception_llm,
            "tool_backends": backends,
            "settings": {k: _plain(v) for k, v in sorted(self.overrides.items())},
            "versions": {"unima": __version__, **package_versions(*VERSIONED_DISTRIBUTIONS)},
        }

    def predict(self, instance: UnimInstance, media_root: Path, out_dir: Path) -> Answer:

        run_id = _run_id(instance.key)
        response = self.agent.respond(
            instance.to_agent_input(), media_root=instance.media_root(media_root), run_id=run_id
        )
        answer = response.to_unim()
        modal = {tag: save_file(Path(path), out_dir, tag) for tag, path in answer["modal"].items()}
        trace_path = None
        if response.trace_path and Path(response.trace_path).is_file():
            # A copy beside the media keeps the prediction self-contained: the agent's trace
            # folder may be cleaned or shared by other runs.
            trace_path = out_dir / "trace.json"
            atomic_write_bytes(trace_path, Path(response.trace_path).read_bytes())
        problems = tuple(response.problems)
        missing = [tag for tag in dict.fromkeys(_tags(answer["content"])) if tag not in modal]
        if missing:
            problems += (f"placeholders without a file: {', '.join(missing)}",)
        status = response.status
        if status == "ok" and missing:
            status = "partial"
        return Answer(
            content=answer["content"],
            modal=modal,
            trace_path=trace_path,
            status=status,
            problems=problems,
        )

    def close(self) -> None:
        self._agent = None


def _run_id(key: tuple[str, str, str]) -> str:
    """A run id that names the instance (readable in the trace folder) and never collides."""
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(key))[:80]
    return f"unim-{readable}-{uuid.uuid4().hex[:8]}"


def _tags(content: str) -> list[str]:

    return placeholder_tags(content)


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)
