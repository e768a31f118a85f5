"""``python -m unima``: the same command as ``unima`` (``unima.cli``)."""

from unima.cli import main

main()
