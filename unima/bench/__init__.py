"""Benchmark harness: run models on a benchmark's instances and keep every result.

Rooms, lowest first: ``records`` (the instance key, ``Selection`` and ``Answer`` shared with
``unima.eval``); ``datasets`` (one loader per benchmark in the ``DATASETS`` registry, UniM in
``datasets/unim/``); ``models`` (model adapters); ``work``, ``executors``, ``store``,
``manifest`` and ``runner`` (a crash-safe run); ``exports`` (other benchmarks' answer formats).
Nothing here is imported by ``import unima``.
"""
