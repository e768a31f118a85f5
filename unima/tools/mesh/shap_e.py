"""``generate_mesh`` with the Shap-E backend: a 3D shape generated from text by a local model.

Spec: ``generate_mesh=shap-e:/models/shap-e``, a folder diffusers' ``ShapEPipeline`` was saved to
(``openai/shap-e``), loaded once per process and shared by every step (``SHARED_MODELS``). The
pipeline denoises a latent from the prompt, turns it into the weights of a small network that
gives a signed distance and a colour at any point, and ``output_type="mesh"`` runs marching cubes
over a 128^3 grid of it: vertices, triangles and a colour per vertex, which trimesh writes in the
step's format. Steps, guidance, device and dtype come from the settings (``UNIMA_MESH_STEPS``
...); the seed from the step and the run.

The arguments are the trimesh backend's plus a ``prompt``, so a planner that knows only the
primitive parts still works: an empty prompt is made from the model's name, and the parts, when
given, say how big the model is and where it stands. The generated shape is scaled (keeping its
proportions) and moved into the box those parts fill, in the step's units; without parts it keeps
the model's own coordinates, about 2 units across. Like the parts, it stands along +z.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy
from pydantic import Field

from unima.errors import ConfigError, ToolError
from unima.tools.base import Tool, ToolArguments, ToolContext, ToolOutput
from unima.tools.common import ensure_arguments, library_versions, one_line, slugify
from unima.tools.mesh.arguments import MeshArguments, MeshPart
from unima.tools.mesh.checks import verify_mesh
from unima.tools.mesh.tool import MIME_TYPES, build_part
from unima.tools.models.loading import (
    LoadedModel,
    ModelFolder,
    load_diffusers_pipeline,
    model_record,
    require_diffusers_folder,
    settings_read,
)
from unima.types import Modality, Verification

FEATURE = "the Shap-E mesh backend"
EXTRA = "diffusers"
FOLDER_HOLDS = (
    "a diffusers ShapEPipeline folder with model_index.json, as save_pretrained writes it"
)
PIPELINE_CLASS = "ShapEPipeline"


class ShapEMeshArguments(MeshArguments):
    """``generate_mesh`` arguments with the prompt a text-to-3D model generates from."""

    prompt: str = Field(
        default="",
        max_length=500,
        description=(
            "What the shape is, as a short text-to-3D prompt ('a red rocket with three fins'). "
            "Empty: made from the name."
        ),
    )
    parts: list[MeshPart] = Field(
        default_factory=list,
        max_length=64,
        description=(
            "Optional primitives sketching the model: the generated shape is scaled and moved "
            "into the box they fill (its size in `units`); their shapes are not drawn."
        ),
    )
    seed: int = Field(
        default=0, ge=0, le=2**32 - 1, description="Another seed generates another shape."
    )


class ShapEMeshTool(Tool):
    """3D shapes generated from text by a local Shap-E pipeline."""

    name: ClassVar[str] = "generate_mesh"
    modality: ClassVar[Modality] = "threeD"
    backend: ClassVar[str] = "shap-e"
    description: ClassVar[str] = (
        "Generate a 3D model (GLB, OBJ, PLY or STL) of what `prompt` describes with a "
        "text-to-3D model; optional primitive parts give its size and place."
    )
    Arguments: ClassVar[type[ToolArguments]] = ShapEMeshArguments
    location_help: ClassVar[str | None] = FOLDER_HOLDS
    heavy: ClassVar[bool] = True

    def __init__(self, location: str | None = None) -> None:
        super().__init__(location)
        self.folder = ModelFolder(location, self.name, self.backend)

    def check_ready(self, settings: Any) -> None:
        folder = require_diffusers_folder(self.location, settings, FEATURE, FOLDER_HOLDS)
        pipeline_class = pipeline_class_name(folder / "model_index.json")
        if pipeline_class != PIPELINE_CLASS:
            raise ConfigError(
                f"{FEATURE}: {str(folder)!r} holds a {pipeline_class}, not a {PIPELINE_CLASS} "
                "(text to 3D, as openai/shap-e saves it)"
            )

    def backend_version(self) -> str:
        return (
            f"{library_versions('diffusers', 'torch', 'trimesh')}; model {self.folder.revision()}"
        )

    def cache_settings(self, settings: Any) -> dict[str, Any]:
        return settings_read(settings, "mesh_steps", "mesh_guidance", "model_device", "model_dtype")

    def close(self) -> None:
        self.folder.close()

    def run(self, arguments: Any, context: ToolContext) -> ToolOutput:
        """Generate the shape and export it as one file in ``context.work_dir``."""
        import trimesh  # about 0.5 s to import: only making a mesh needs it

        arguments = ensure_arguments(ShapEMeshArguments, arguments)
        settings = context.settings
        loaded = self._pipeline(settings)
        prompt = one_line(arguments.prompt) or name_prompt(arguments.name)
        options: dict[str, Any] = {}
        if settings.mesh_steps is not None:
            options["num_inference_steps"] = settings.mesh_steps
        if settings.mesh_guidance is not None:
            options["guidance_scale"] = settings.mesh_guidance
        seed = (arguments.seed + context.seed) % 2**32
        started = time.perf_counter()
        try:
            import torch

            with loaded.lock:  # decoding writes the latent's weights into the shared renderer
                generator = torch.Generator(device="cpu").manual_seed(seed)
                result = loaded.value(
                    prompt=prompt, generator=generator, output_type="mesh", **options
                )
                decoded = result.images[0]
                vertices = decoded.verts.detach().float().cpu().numpy()
                faces = decoded.faces.detach().cpu().numpy()
                colors = vertex_colors(decoded.vertex_channels)
            seconds = time.perf_counter() - started
        except (RuntimeError, ValueError, TypeError, IndexError) as error:
            # A field with no surface inside the grid leaves diffusers nothing to colour and
            # fails in torch.cat; any other sampling failure lands here as well.
            raise ToolError(
                f"the Shap-E model could not generate a mesh for {prompt!r}: {error}",
                tool=self.name,
            ) from error
        mesh = trimesh.Trimesh(vertices=vertices, faces=faces, vertex_colors=colors)
        scale = place_in_parts(mesh, arguments.parts)
        stem = slugify(arguments.name, "model")
        path = context.work_dir / f"{stem}.{arguments.format}"
        try:
            if arguments.format == "glb":
                scene = trimesh.Scene()
                scene.add_geometry(mesh, geom_name=stem)
                scene.export(str(path), file_type="glb")
            else:
                mesh.units = arguments.units
                mesh.export(str(path), file_type=arguments.format)
        except (OSError, ValueError) as error:
            raise ToolError(
                f"could not export the {arguments.format} file: {error}", tool=self.name
            ) from error
        return ToolOutput(
            path=path,
            mime=MIME_TYPES[arguments.format],
            meta={
                "name": one_line(arguments.name),
                "title": one_line(arguments.name),
                "format": arguments.format,
                "units": arguments.units,
                "prompt": prompt,
                "seed": seed,
                "faces": len(mesh.faces),
                "vertices": len(mesh.vertices),
                "scale": round(scale, 6),
                "model": model_record(
                    backend=self.backend,
                    model=self.folder.name,
                    revision=self.folder.revision(),
                    loaded=loaded,
                    seconds=seconds,
                ),
            },
        )

    def verify(self, output: ToolOutput, arguments: Any, context: ToolContext) -> Verification:
        """Load the file back with trimesh and record its geometry."""
        return verify_mesh(output.path, expected_faces=output.meta.get("faces"))

    # -- helpers -----------------------------------------------------------------------------

    def _pipeline(self, settings: Any) -> LoadedModel:
        return self.folder.shared(settings, FEATURE, load_shap_e)


def load_shap_e(folder: Path, device: str, dtype: str) -> Any:
    """A diffusers ``ShapEPipeline`` from ``folder``, on ``device``, with no progress bar.

    Raises:
        ToolError: the folder is no loadable Shap-E pipeline, or its renderer has no
            marching-cubes table (so it could never make a mesh); not recoverable.
    """
    pipeline = load_diffusers_pipeline(
        "ShapEPipeline", folder, dtype, feature=FEATURE, tool="generate_mesh"
    )
    # The table is stored with the renderer's weights and starts as zeros: a renderer saved
    # without it (some half-precision exports) would fail on every prompt with no surface.
    if not bool(pipeline.shap_e_renderer.mesh_decoder.masks.any()):
        raise ToolError(
            f"{FEATURE}: the renderer in {str(folder)!r} has no marching-cubes table "
            "(mesh_decoder.cases and masks are zeros), so it cannot make meshes; save the "
            "pipeline with the full-precision renderer weights",
            tool="generate_mesh",
            recoverable=False,
        )
    return pipeline.to(device)


def pipeline_class_name(index: Path) -> str:
    """The pipeline class a ``model_index.json`` names (``_class_name``), read before loading
    so that a folder of another pipeline is refused before a run."""
    try:
        declared = json.loads(index.read_text(encoding="utf-8")).get("_class_name")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError) as error:
        raise ConfigError(f"{FEATURE}: cannot read {str(index)!r}: {error}") from error
    return str(declared) if declared else "pipeline of no named class"


def name_prompt(name: str) -> str:
    """A prompt from a model's name: ``water_molecule`` and ``waterMolecule`` are
    ``water molecule``."""
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", re.sub(r"[_\-.]+", " ", name))
    return one_line(words).lower() or "an object"


def vertex_colors(channels: dict[str, Any]) -> Any:
    """RGBA bytes per vertex from Shap-E's ``R``, ``G``, ``B`` channels (0 to 1), or None when
    the renderer gave no colours."""
    if not channels or not all(channel in channels for channel in "RGB"):
        return None
    rgb = numpy.stack(
        [channels[channel].detach().float().cpu().numpy() for channel in "RGB"], axis=1
    )
    rgba = numpy.concatenate([rgb, numpy.ones((len(rgb), 1))], axis=1)
    return numpy.round(numpy.clip(rgba, 0.0, 1.0) * 255).astype(numpy.uint8)


def place_in_parts(mesh: Any, parts: list[MeshPart]) -> float:
    """Scale ``mesh`` (keeping its proportions) and move it so it fills the box ``parts``
    occupy, and return the scale; with no parts (or a shape of no size, which the check then
    reports as flat) it stays as generated (scale 1)."""
    size = float(mesh.extents.max()) if len(mesh.vertices) else 0.0
    if not parts or size <= 0:
        return 1.0
    corners = numpy.concatenate([build_part(part).bounds for part in parts])
    low, high = corners.min(axis=0), corners.max(axis=0)
    scale = float((high - low).max()) / size
    mesh.apply_translation(-mesh.bounds.mean(axis=0))
    mesh.apply_scale(scale)
    mesh.apply_translation((low + high) / 2)
    return scale
