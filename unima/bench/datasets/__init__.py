"""Benchmark datasets: one loader per benchmark, registered by name in ``DATASETS``.

The role (``DatasetLoader``, ``DatasetLoad``, ``InvalidInstance``) and the registry live in
``unima.bench.datasets.loader``; each benchmark is a folder (``unim/``) whose loader is its
registry entry. ``json_records`` reads JSON and JSONL files record by record for any of them.
"""

from unima.bench.datasets.loader import (
    DATASETS,
    DatasetLoad,
    DatasetLoader,
    InvalidInstance,
    dataset_loader,
)

__all__ = ["DATASETS", "DatasetLoad", "DatasetLoader", "InvalidInstance", "dataset_loader"]
