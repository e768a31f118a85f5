"""The parts of ``benchmarks/answers.py``: its request set, scoring rules and input files.

A folder, not a module beside the benchmarks: every ``benchmarks/*.py`` is a benchmark with a
smoke check of its own (``tests/test_benchmarks_smoke.py``).
"""
