"""The UniM evaluation suite: score any model's predictions along the paper's three dimensions.

The suite drives nothing of the agent. It reads a dataset (``unima.bench.datasets.unim.load_unim``)
and a ``predictions.jsonl`` (``unima.bench.datasets.unim.load_predictions``), matches them by
``(domain, subdomain, id)``, and runs the registered metric families on every instance:

- ``structure`` (``unima.eval.structure``): StS and LeS, each ``abs`` and ``rel``;
- ``quality`` (``unima.eval.quality``): GQ, no-reference quality per modality;
- ``semantic`` (``unima.eval.semantic``): SC, SQCS and the supporting rate tau;
- ``coherence`` (``unima.eval.coherence``): HC, SH and ICS.

The shared records (``MetricValue``, ``InstanceContext``, ``Metric``, ``METRICS``,
``InstanceScores``) live in ``unima.eval.records``; the runner in ``unima.eval.runner``; the
report in ``unima.eval.report`` (written by ``unima.eval.report_writer``, its labels in
``unima.eval.labels``). Definitions of every metric: ``docs/metrics.md``.

Importing this package imports no heavy library (no torch, numpy or matplotlib).
"""
