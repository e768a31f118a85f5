"""Load time, decoding speed and peak RSS of one xllamacpp setting (unima.llm.embedded's table).

One setting per process, so the peak RSS is that setting's alone:

    .venv/bin/python docs/measurements/embedded_runtime.py CONTEXT THREADS extra|noextra \
        auto|LLAMA_LOAD_MODE_NONE|LLAMA_LOAD_MODE_DIRECT_IO [MODEL.gguf]

MODEL defaults to the packaged model (joined by unima.llm.embedded_files). A one-off
measurement, not a benchmark in benchmarks/.
"""

from __future__ import annotations

import json
import resource
import sys
import time

import xllamacpp

from unima.llm.embedded_files import packaged_model_file


def main() -> None:
    context, threads, buffers, load_mode = (
        int(sys.argv[1]),
        int(sys.argv[2]),
        sys.argv[3],
        sys.argv[4],
    )
    model = sys.argv[5] if len(sys.argv) > 5 else str(packaged_model_file())
    params = xllamacpp.CommonParams()
    params.model.path = model
    params.n_ctx = context
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.n_parallel = 1
    params.warmup = False
    if buffers == "noextra":
        params.no_extra_bufts = True  # no repacking of the weights into the CPU layout
    if load_mode != "auto":
        params.load_mode = getattr(xllamacpp.llama_load_mode, load_mode)
    started = time.perf_counter()
    server = xllamacpp.Server(params)
    load_s = time.perf_counter() - started
    messages = [
        {
            "role": "user",
            "content": "Write a Python function that checks whether a number is prime, "
            "with a docstring.",
        }
    ]
    started = time.perf_counter()
    reply = server.handle_chat_completions(
        {"messages": messages, "max_tokens": 120, "temperature": 0.0}
    )
    elapsed = time.perf_counter() - started
    reply = json.loads(reply) if isinstance(reply, str) else reply
    tokens = reply["usage"]["completion_tokens"]
    timings = reply.get("timings", {})
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"n_ctx={context} threads={threads} {buffers} {load_mode}: load {load_s:.2f} s, "
        f"{tokens} tokens in {elapsed:.2f} s ({tokens / elapsed:.1f} tok/s overall, decode "
        f"{timings.get('predicted_per_second', 0):.1f}, prompt "
        f"{timings.get('prompt_per_second', 0):.1f}), peak RSS {peak_mib:.0f} MiB"
    )


if __name__ == "__main__":
    main()
