"""A LangChain chat model running a local Hugging Face transformers checkpoint.

The spec ``transformers:PATH`` names a folder holding a causal language model and its tokenizer
(``config.json``, weights, tokenizer files with a chat template). Nothing is fetched from the
Hugging Face Hub: every load uses ``local_files_only=True``. Models are loaded once per process,
per (path, device), and shared by every ``TransformersChatModel`` that names them.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from unima.errors import ConfigError, MissingExtraError
from unima.llm.messages import chat_turns

# (resolved path, device) -> (tokenizer, model). Loading a checkpoint is slow and memory-heavy,
# so every chat model in the process shares one copy; the lock keeps two threads (the graph runs
# steps in worker threads) from loading the same checkpoint twice.
_LOADED: dict[tuple[str, str], tuple[Any, Any]] = {}
_LOAD_LOCK = threading.Lock()


def checkpoint_folder(model_path: str) -> Path:
    """The folder of a local checkpoint, or a ``ConfigError`` saying what is missing."""
    folder = Path(model_path).expanduser()
    if not folder.is_dir():
        raise ConfigError(
            f"the transformers model path {model_path!r} is not a folder; pass the local folder "
            "of a downloaded chat model (unima never downloads models)"
        )
    if not (folder / "config.json").is_file():
        raise ConfigError(
            f"the transformers model path {model_path!r} has no config.json; pass the folder "
            "written by save_pretrained or a Hugging Face snapshot"
        )
    return folder.resolve()


def resolve_device(device: str) -> str:
    """``"auto"`` becomes ``"cuda"`` when a GPU is visible, else ``"cpu"``."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_checkpoint(model_path: str, device: str) -> tuple[Any, Any]:
    """The (tokenizer, model) pair for ``model_path`` on ``device``, loaded at most once."""
    folder = checkpoint_folder(model_path)
    # Set before transformers is first imported, so huggingface_hub never tries the network;
    # local_files_only below covers the case where it was imported already.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import torch
        import transformers
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as error:
        raise MissingExtraError(
            "the transformers chat model", "transformers", "transformers"
        ) from error
    target = resolve_device(device)
    key = (str(folder), target)
    with _LOAD_LOCK:
        if key in _LOADED:
            return _LOADED[key]
        if target.startswith("cuda"):
            dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        else:
            dtype = torch.float32
        # transformers 4.56 renamed torch_dtype to dtype; the old name warns on newer releases.
        version = tuple(int(part) for part in transformers.__version__.split(".")[:2])
        dtype_argument = "dtype" if version >= (4, 56) else "torch_dtype"
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        if not getattr(tokenizer, "chat_template", None):
            raise ConfigError(
                f"the tokenizer in {model_path!r} has no chat template; use an instruct or chat "
                "model, or set tokenizer.chat_template and save it again"
            )
        model: Any = AutoModelForCausalLM.from_pretrained(
            folder, local_files_only=True, **{dtype_argument: dtype}
        )
        model.to(target)
        model.eval()
        _LOADED[key] = (tokenizer, model)
        return tokenizer, model


def fold_system_turns(turns: list[dict[str, str]]) -> list[dict[str, str]]:
    """Turns without a system role: system text goes before the first user message."""
    system = "\n\n".join(turn["content"] for turn in turns if turn["role"] == "system")
    rest = [dict(turn) for turn in turns if turn["role"] != "system"]
    if not system:
        return rest
    for turn in rest:
        if turn["role"] == "user":
            turn["content"] = f"{system}\n\n{turn['content']}"
            return rest
    return [{"role": "user", "content": system}, *rest]


def render_chat(tokenizer: Any, turns: list[dict[str, str]]) -> str:
    """The prompt text for ``turns``, folding system turns if the template refuses them."""
    from jinja2.exceptions import TemplateError

    try:
        return str(tokenizer.apply_chat_template(turns, tokenize=False, add_generation_prompt=True))
    except TemplateError:
        # Templates such as Gemma's raise "System role not supported"; the model still needs
        # the instructions, so they travel inside the first user turn instead.
        if not any(turn["role"] == "system" for turn in turns):
            raise
        return str(
            tokenizer.apply_chat_template(
                fold_system_turns(turns), tokenize=False, add_generation_prompt=True
            )
        )


def cut_at_stop(text: str, stop: list[str] | None) -> str:
    """``text`` up to the first stop sequence."""
    for sequence in stop or []:
        position = text.find(sequence)
        if position >= 0:
            text = text[:position]
    return text


class TransformersChatModel(BaseChatModel):
    """A chat model served in-process by Hugging Face transformers, from a local folder.

    Args:
        model_path: folder of the checkpoint (``config.json``, weights, tokenizer with a chat
            template).
        max_new_tokens: the most tokens one reply may have.
        temperature: sampling temperature; ``0`` decodes greedily (deterministic).
        device: ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
    """

    model_path: str
    max_new_tokens: int = Field(default=512, gt=0)
    temperature: float = Field(default=0.0, ge=0.0)
    device: str = "auto"

    @property
    def _llm_type(self) -> str:
        return "unima-transformers"

    @property
    def model_name(self) -> str:
        """The checkpoint folder's name, as traces show it."""
        return f"transformers:{Path(self.model_path).name or self.model_path}"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model_path": self.model_path,
            "max_new_tokens": self.max_new_tokens,
            "temperature": self.temperature,
            "device": self.device,
        }

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        import torch

        tokenizer, model = load_checkpoint(self.model_path, self.device)
        prompt = render_chat(tokenizer, chat_turns(messages, "transformers"))
        # The template already wrote any BOS token; adding special tokens again would double it.
        encoded = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
        encoded = {name: tensor.to(model.device) for name, tensor in encoded.items()}
        encoded.pop("token_type_ids", None)
        sampling = self.temperature > 0
        options: dict[str, Any] = {
            "max_new_tokens": self.max_new_tokens,
            "do_sample": sampling,
            "pad_token_id": tokenizer.pad_token_id
            if tokenizer.pad_token_id is not None
            else tokenizer.eos_token_id,
        }
        if sampling:
            options["temperature"] = self.temperature
        else:
            # A checkpoint's generation_config may carry sampling defaults; greedy ignores them.
            options.update(temperature=None, top_p=None, top_k=None)
        with torch.inference_mode():
            output = model.generate(**encoded, **options)
        new_tokens = output[0, encoded["input_ids"].shape[1] :]
        text = cut_at_stop(tokenizer.decode(new_tokens, skip_special_tokens=True), stop)
        message = AIMessage(
            content=text.strip(),
            response_metadata={"model_name": self.model_name, "new_tokens": len(new_tokens)},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])
