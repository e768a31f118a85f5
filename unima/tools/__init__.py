"""Output tools: one module per tool backend, resolved through ``TOOLS``.

Tool names are what the planner sees; the backend behind each name is configuration
(``use_backend``). Model backends (diffusers, Coqui, Shap-E) register under the same names.
"""

from __future__ import annotations

from unima.registry import Registry
from unima.tools.base import Tool, ToolArguments, ToolContext, ToolOutput

# Every backend, by "<tool name>/<backend>".
TOOL_BACKENDS: Registry[type[Tool]] = Registry("tool backend")
TOOL_BACKENDS.register("generate_image/procedural", "unima.tools.image.tool:ProceduralImageTool")
TOOL_BACKENDS.register("generate_image/diffusers", "unima.tools.image.diffusion:DiffusersImageTool")
TOOL_BACKENDS.register("generate_image/openai", "unima.tools.image.hosted:OpenAIImageTool")
TOOL_BACKENDS.register(
    "generate_image/openai-compatible", "unima.tools.image.hosted:CompatibleImageTool"
)
TOOL_BACKENDS.register("synthesize_speech/piper", "unima.tools.speech.tool:PiperSpeechTool")
TOOL_BACKENDS.register("synthesize_speech/coqui", "unima.tools.speech.coqui:CoquiSpeechTool")
TOOL_BACKENDS.register("synthesize_speech/openai", "unima.tools.speech.hosted:OpenAISpeechTool")
TOOL_BACKENDS.register(
    "synthesize_speech/openai-compatible", "unima.tools.speech.hosted:CompatibleSpeechTool"
)
TOOL_BACKENDS.register("compose_video/composer", "unima.tools.video.tool:ComposerVideoTool")
TOOL_BACKENDS.register("compose_video/diffusers", "unima.tools.video.diffusion:DiffusersVideoTool")
TOOL_BACKENDS.register("render_document/office", "unima.tools.document.tool:OfficeDocumentTool")
TOOL_BACKENDS.register("run_code/sandbox", "unima.tools.code:SandboxCodeTool")
TOOL_BACKENDS.register("generate_mesh/trimesh", "unima.tools.mesh.tool:TrimeshMeshTool")
TOOL_BACKENDS.register("generate_mesh/shap-e", "unima.tools.mesh.shap_e:ShapEMeshTool")

# The tool that makes each output modality: what a plan step for an output tag calls.
TOOL_FOR_MODALITY: dict[str, str] = {
    "image": "generate_image",
    "audio": "synthesize_speech",
    "video": "compose_video",
    "document": "render_document",
    "code": "run_code",
    "threeD": "generate_mesh",
}

# The backend each tool name uses unless configured otherwise.
DEFAULT_BACKENDS: dict[str, str] = {
    "generate_image": "procedural",
    "synthesize_speech": "piper",
    "compose_video": "composer",
    "render_document": "office",
    "run_code": "sandbox",
    "generate_mesh": "trimesh",
}

__all__ = [
    "DEFAULT_BACKENDS",
    "TOOL_BACKENDS",
    "TOOL_FOR_MODALITY",
    "Tool",
    "ToolArguments",
    "ToolContext",
    "ToolOutput",
]
