"""UniM: the instance record, its loader (the ``unim`` registry entry), ``select`` and the
predictions reader, re-exported here so callers import one place.

Modules: ``names`` (normalised spellings), ``instance`` (``UnimInstance``), ``paths`` (file and
media layouts), ``selection`` (filters and seeded samples), ``loader`` (``load_unim``,
``UnimLoader``), ``predictions`` (``predictions.jsonl``).
"""

from unima.bench.datasets.loader import DatasetLoad, InvalidInstance
from unima.bench.datasets.unim.instance import Side, UnimInstance
from unima.bench.datasets.unim.loader import UnimLoader, fingerprint, load_unim
from unima.bench.datasets.unim.predictions import Prediction, PredictionsLoad, load_predictions
from unima.bench.datasets.unim.selection import select
from unima.bench.records import InstanceKey

__all__ = [
    "DatasetLoad",
    "InstanceKey",
    "InvalidInstance",
    "Prediction",
    "PredictionsLoad",
    "Side",
    "UnimInstance",
    "UnimLoader",
    "fingerprint",
    "load_predictions",
    "load_unim",
    "select",
]
