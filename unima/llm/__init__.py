"""The one place a language model is built and called.

``chat_models`` turns a spec (``openai:MODEL``, ``openai-compatible:URL:MODEL``,
``transformers:PATH``, ``embedded``, ``gguf:PATH``) into a LangChain chat model;
``local_transformers`` runs a local Hugging Face checkpoint in-process; ``embedded`` runs a GGUF
in-process with llama.cpp, and ``embedded_files`` joins the packaged model's parts; ``prompts``
renders the Jinja2 templates in ``unima/prompts/``; ``calls`` gives every call a wall-clock
deadline, a run budget and fail-fast; ``transport`` caps reply bytes under every HTTP client unima
builds. Reasoners, perception, eval and bench use a model only through here.
"""
