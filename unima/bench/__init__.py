"""Benchmark harness: run models on UniM and keep every result.

``unima.bench.dataset`` loads and filters UniM instances (``load_unim``, ``select``) and reads
prediction files (``load_predictions``); the runner, the model adapters and the exports build on
it. Nothing here is imported by ``import unima``.
"""
