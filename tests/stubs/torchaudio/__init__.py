"""A stand-in for torchaudio in the real-Coqui test subprocess only (see tests/stubs/README.md).

Importing it works; using anything in it raises, so nothing can pass by silently using it.
"""

from typing import Any

__version__ = "0.0+unima-test-stub"


class _Unavailable:
    """Any attribute is an error naming what was asked for."""

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"the test stand-in for {self._module} has no {name}")


transforms = _Unavailable("torchaudio.transforms")
functional = _Unavailable("torchaudio.functional")


def load(*arguments: Any, **options: Any) -> Any:
    raise RuntimeError("the test stand-in for torchaudio cannot load audio files")
