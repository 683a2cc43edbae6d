"""pytest plugin of the test-server harness.

``test_server("moto")`` (a session fixture's factory) starts a catalogued server once per test
session and stops it at the end. If a server cannot start, the test fails under ``CI=true``
(nothing may skip silently there) and is skipped locally with one line saying what to install;
the run then ends by naming the servers it went without and the command that runs their tests.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.harness.catalog import CATALOG
from tests.harness.servers import RunningServer, ServerSpec, ServerStartError, start

__all__ = [
    "RUN_SKIPPED",
    "ServerPool",
    "on_start_failure",
    "skipped_servers_report",
    "unavailable_servers",
]

#: The one command that runs the tests a non-root session skips: root installs the servers (apt
#: packages, the two test users) and sets the test users' passwords.
RUN_SKIPPED = "sudo make unit"
_UNAVAILABLE = re.compile(r"^(?:Skipped: )?(?P<name>[\w-]+) unavailable \((?P<why>.*)\); to run")


def on_start_failure(spec: ServerSpec, error: ServerStartError, *, ci: bool) -> None:
    """Fail (in CI) or skip (locally) a test whose server could not start."""
    if ci:
        pytest.fail(f"test server {spec.name!r} failed to start under CI=true: {error}")
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    first_line = lines[0] if lines else type(error).__name__
    if first_line.endswith(":") and len(lines) > 1:  # "... while starting:" then the log
        first_line = f"{first_line} {lines[1]}"
    pytest.skip(f"{spec.name} unavailable ({first_line}); to run these tests: {spec.install_hint}")


def unavailable_servers(reports: list[pytest.TestReport]) -> dict[str, tuple[int, str]]:
    """Return, per server that could not start, how many of *reports* it skipped and why."""
    counts: Counter[str] = Counter()
    reasons: dict[str, str] = {}
    for report in reports:
        if isinstance(report.longrepr, tuple) and (found := _UNAVAILABLE.match(report.longrepr[2])):
            counts[found["name"]] += 1
            reasons.setdefault(found["name"], found["why"])
    return {name: (count, reasons[name]) for name, count in sorted(counts.items())}


def skipped_servers_report(reports: list[pytest.TestReport]) -> list[str]:
    """Return the lines that name the servers a run went without (none when it had them all)."""
    missing = unavailable_servers(reports)
    if not missing:
        return []
    total = sum(count for count, _ in missing.values())
    lines = [f"{total} tests skipped: test servers unavailable"]
    lines += [f"  {name}: {count} tests ({why})" for name, (count, why) in missing.items()]
    lines.append(f"Run them with: {RUN_SKIPPED}  (root installs and runs these servers)")
    return lines


def pytest_unconfigure(config: pytest.Config) -> None:
    """End the run with the servers it went without, so a local run never looks complete.

    After the final counts and the coverage table; ``scripts/run-steps`` repeats it after its
    summary (it names the file in ``STORAGES_SKIPPED_REPORT``).
    """
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    lines = skipped_servers_report(reporter.stats.get("skipped", []))
    if not lines:
        return
    reporter.write_sep("=", lines[0], yellow=True)
    for line in lines[1:]:
        reporter.write_line(line)
    if target := os.environ.get("STORAGES_SKIPPED_REPORT"):
        with open(target, "a") as handle:
            handle.write("\n".join(lines) + "\n")


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
