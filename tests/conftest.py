"""Shared fixtures. Every test runs with its own trace and artifact folders, and no network."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

LOOPBACK = ("127.0.0.1", "::1", "localhost")

# The deterministic reasoner unless a test asks for a model (monkeypatch.setenv("UNIMA_REASONER",
# ...)): the suite stays fast and its answers reproducible whether or not the embedded extra is
# installed. Set here, not in a fixture, so module-scoped agents see it too.
os.environ["UNIMA_REASONER"] = "heuristic"


@pytest.fixture(scope="module", autouse=True)
def _isolated_module_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Folders for module-scoped agents, which are built before the per-test folders are set:
    without them they wrote to the working folder's .unima and traces, and a later run there
    was served that stale cache."""
    root = tmp_path_factory.mktemp("module")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("UNIMA_TRACE_DIR", str(root / "traces"))
        patch.setenv("UNIMA_ARTIFACT_DIR", str(root / "artifacts"))
        patch.setenv("UNIMA_PERCEPTION_SCRATCH_DIR", str(root / "perception"))
        yield


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIMA_TRACE_DIR", str(tmp_path / "traces"))
    monkeypatch.setenv("UNIMA_ARTIFACT_DIR", str(tmp_path / "artifacts"))
    monkeypatch.setenv("UNIMA_PERCEPTION_SCRATCH_DIR", str(tmp_path / "perception"))
    monkeypatch.setenv("UNIMA_REASONER", "heuristic")  # a test that changed it does not leak


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection to a non-loopback address fails the test."""
    original = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if (
            isinstance(host, str)
            and self.family in (socket.AF_INET, socket.AF_INET6)
            and host not in LOOPBACK
            and not host.startswith("127.")
        ):
            raise RuntimeError(f"tests must not touch the network (tried {address!r})")
        return original(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
