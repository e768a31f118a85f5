"""Export a run's predictions in other benchmarks' answer formats (``unima bench export``).

``export.py`` builds the export folder (``export_predictions``); ``formats.py`` holds one writer
per format (``WRITERS``), each given an ``ExportContext`` (``context.py``).
"""

from unima.bench.exports.export import EXPORT_FORMATS, ExportFormat, export_predictions

__all__ = ["EXPORT_FORMATS", "ExportFormat", "export_predictions"]
