"""pytest plugin of the test-server harness.

``test_server("moto")`` (a session fixture's factory) starts a catalogued server once per test
session and stops it at the end. If a server cannot start, the test fails under ``CI=true``
(nothing may skip silently there) and is skipped locally with one line saying what to install.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.harness.catalog import CATALOG
from tests.harness.servers import RunningServer, ServerSpec, ServerStartError, start

__all__ = ["ServerPool", "on_start_failure"]


def on_start_failure(spec: ServerSpec, error: ServerStartError, *, ci: bool) -> None:
    """Fail (in CI) or skip (locally) a test whose server could not start."""
    if ci:
        pytest.fail(f"test server {spec.name!r} failed to start under CI=true: {error}")
    first_line = str(error).splitlines()[0]
    pytest.skip(f"{spec.name} unavailable ({first_line}); to run these tests: {spec.install_hint}")


class ServerPool:
    """Servers started on demand during one test session."""

    def __init__(self, root: os.PathLike[str] | str, catalog: dict[str, ServerSpec]) -> None:
        self.root = root
        self.catalog = catalog
        self.running: dict[str, RunningServer] = {}
        self.failed: dict[str, ServerStartError] = {}

    def get(self, name: str) -> RunningServer:
        """Return the running server *name*, starting it on first use."""
        spec = self.catalog[name]
        if name in self.failed:
            on_start_failure(spec, self.failed[name], ci=os.environ.get("CI") == "true")
        if name not in self.running:
            try:
                self.running[name] = start(spec, Path(self.root) / name)
            except ServerStartError as error:
                self.failed[name] = error
                on_start_failure(spec, error, ci=os.environ.get("CI") == "true")
        return self.running[name]

    def stop_all(self) -> None:
        """Stop every server this pool started."""
        for server in self.running.values():
            server.stop()
        self.running.clear()


@pytest.fixture(scope="session")
def server_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerPool]:
    pool = ServerPool(tmp_path_factory.mktemp("servers"), CATALOG)
    yield pool
    pool.stop_all()


@pytest.fixture(scope="session")
def test_server(server_pool: ServerPool) -> Callable[[str], RunningServer]:
    """Return a function that gives the running server of a catalogue name."""
    return server_pool.get
