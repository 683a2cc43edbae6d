"""The harness starts real servers, resets them, and stops exactly what it started."""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.harness.catalog import CATALOG
from tests.harness.plugin import (
    RUN_SKIPPED,
    ServerPool,
    on_start_failure,
    skipped_servers_report,
    unavailable_servers,
)
from tests.harness.servers import RunningServer, ServerSpec, ServerStartError, port_open, start


def _list_buckets(server: RunningServer) -> list[str]:
    with urllib.request.urlopen(f"{server.url}/moto-api/data.json", timeout=5) as response:
        data = json.load(response)
    return sorted(bucket["name"] for bucket in data.get("s3", {}).get("FakeBucket", []))


def test_moto_starts_resets_and_serves(tmp_path: Path) -> None:
    # A server of its own: resetting the session's shared one would empty other tests' buckets.
    server = start(CATALOG["moto"], tmp_path)
    try:
        _check_moto(server)
    finally:
        server.stop()
    assert not port_open(server.port)


def _check_moto(server: RunningServer) -> None:
    assert port_open(server.port)
    request = urllib.request.Request(f"{server.url}/harness-bucket", method="PUT")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
    assert _list_buckets(server) == ["harness-bucket"]
    server.reset()
    assert _list_buckets(server) == []


def test_stop_ends_the_process_group(tmp_path: Path) -> None:
    spec = ServerSpec(
        name="http",
        command=lambda port, _: [sys.executable, "-m", "http.server", "-b", "127.0.0.1", str(port)],
        ready=lambda server: port_open(server.port),
    )
    server = start(spec, tmp_path)
    assert server.process.poll() is None
    server.stop()
    assert server.process.poll() is not None
    assert not port_open(server.port)


def test_a_server_that_dies_reports_its_output(tmp_path: Path) -> None:
    spec = ServerSpec(
        name="broken",
        command=lambda port, _: [
            sys.executable,
            "-c",
            "import sys; print('no config'); sys.exit(3)",
        ],
        ready=lambda server: False,
    )
    with pytest.raises(ServerStartError, match="exited with code 3") as info:
        start(spec, tmp_path)
    assert "no config" in str(info.value)


def test_missing_program_is_a_start_error(tmp_path: Path) -> None:
    spec = ServerSpec(
        name="ghost", command=lambda port, _: ["/nonexistent/server"], ready=lambda s: True
    )
    with pytest.raises(ServerStartError, match="cannot run"):
        start(spec, tmp_path)


def test_ci_fails_where_a_local_run_skips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    spec = ServerSpec(
        name="ghost",
        command=lambda p, _: ["/nonexistent"],
        ready=lambda s: True,
        install_hint="apt-get install ghost",
    )
    error = ServerStartError("ghost: cannot run")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        on_start_failure(spec, error, ci=True)
    with pytest.raises(pytest.skip.Exception, match="apt-get install ghost"):
        on_start_failure(spec, error, ci=False)
    pool = ServerPool(tmp_path, {"ghost": spec})
    with pytest.raises(pytest.skip.Exception):
        pool.get("ghost")
    assert "ghost" in pool.failed


def test_the_run_ends_naming_the_servers_it_went_without(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    spec = ServerSpec(
        name="ghost-server",
        command=lambda p, _: ["/nonexistent"],
        ready=lambda s: True,
        install_hint="apt-get install ghost",
    )
    with pytest.raises(pytest.skip.Exception) as skipped:
        on_start_failure(spec, ServerStartError("/usr/sbin/ghost is missing\nlog"), ci=False)

    def report(reason: str) -> pytest.TestReport:
        longrepr = ("tests/x.py", 1, f"Skipped: {reason}")
        location = ("tests/x.py", 1, "t")
        return pytest.TestReport("tests/x.py::t", location, {}, "skipped", longrepr, "setup")

    reports = [report(skipped.value.msg), report(skipped.value.msg), report("needs a GPU")]
    assert unavailable_servers(reports) == {"ghost-server": (2, "/usr/sbin/ghost is missing")}
    assert skipped_servers_report(reports)[-1].startswith(f"Run them with: {RUN_SKIPPED}")
    assert skipped_servers_report(reports[2:]) == []
