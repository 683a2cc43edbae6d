"""How long the Azure and Google Cloud Storage backends retry: a call while the service is down
fails in seconds with a clear error (the SDKs' own defaults keep a call going for 85 to 120 s),
while short bursts of 503 and 429 answers are still ridden out.

Azure is pointed at a port that refuses connections (the SDK's request hook counts the
attempts); Cloud Storage talks through a FaultProxy that resets every connection (the proxy
counts them). The settings that change the budget are checked too: each must change the number
of attempts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from azure.storage.blob import LinearRetry
from django.core.files.storage import Storage
from google.auth.credentials import AnonymousCredentials

from storages.backends.azure_storage import AzureStorage
from storages.backends.gcloud import GoogleCloudStorage
from storages.errors import StorageConnectionError
from tests.backends.azure.conftest import CONTAINER, azurite
from tests.backends.gcs.conftest import BUCKET, PROJECT, gcs_server, point_client_at
from tests.harness.faultproxy import FaultProxy
from tests.harness.servers import RunningServer
from tests.harness.specs.azurite import ACCOUNT_KEY, connection_string
from tests.reliability.fault_cases import through

__all__ = ["azurite", "gcs_server"]  # fixtures this module uses

#: Seconds a failing call may take with the default budgets (Azure waits at most 0.5 + 1 s
#: between its three attempts; Cloud Storage retries for 3 s), with room for a loaded machine.
OUTAGE_BOUND = 5.0


@pytest.fixture(scope="module")
def azure_proxy(azurite: RunningServer) -> Iterator[FaultProxy]:
    with FaultProxy(azurite.port) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def gcs_proxy(gcs_server: RunningServer) -> Iterator[FaultProxy]:
    """A proxy in front of the emulator, where the client library is pointed."""
    with FaultProxy(gcs_server.port) as proxy, pytest.MonkeyPatch.context() as patch:
        point_client_at(through(gcs_server, proxy), patch)
        yield proxy


@contextlib.contextmanager
def refused_port() -> Iterator[int]:
    """Yield a loopback port that refuses connections, as a server that is down would (bound
    but not listening, so that nothing else takes it meanwhile)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def azure(server: RunningServer, **options: Any) -> AzureStorage:
    return AzureStorage(
        connection_string=connection_string(server),
        azure_container=CONTAINER,
        location=f"budget-{uuid.uuid4().hex[:12]}",
        **options,
    )


def gcs(**options: Any) -> GoogleCloudStorage:
    return GoogleCloudStorage(
        bucket_name=BUCKET,
        project_id=PROJECT,
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        location=f"budget-{uuid.uuid4().hex[:12]}",
        **options,
    )


def failing_call(storage: Storage) -> tuple[float, StorageConnectionError]:
    """Call ``exists()``, which must fail to connect: return the seconds it took, the error."""
    started = time.monotonic()
    with pytest.raises(StorageConnectionError) as caught:
        storage.exists("budget/down.txt")
    return time.monotonic() - started, caught.value


def rides_out(storage: Storage, proxy: FaultProxy, status: int, count: int = 2) -> None:
    """Answer *count* requests with *status*: ``exists()`` still answers, having met them all."""
    proxy.fail_requests(count, status)
    try:
        assert storage.exists("budget/missing.txt") is False
        assert not proxy.pending, f"the {status} answers were never sent"
    finally:
        proxy.clear()


@pytest.mark.parametrize(
    ("client_options", "attempts"),
    [
        pytest.param({}, 3, id="default"),
        pytest.param({"retry_total": 1}, 2, id="retry_total"),
        pytest.param({"retry_connect": 1}, 2, id="retry_connect"),
        # The SDK's own backoff keywords (1.x settings): its schedule, the bounded counts.
        pytest.param(
            {"initial_backoff": 0, "increment_base": 0, "random_jitter_range": 0},
            3,
            id="sdk-backoff",
        ),
        pytest.param({"retry_policy": LinearRetry(backoff=0, retry_total=0)}, 1, id="policy"),
    ],
)
def test_azure_outage_fails_after_a_few_quick_attempts(
    azurite: RunningServer, client_options: dict[str, Any], attempts: int
) -> None:
    sent: list[object] = []
    hooked = {**client_options, "raw_request_hook": sent.append}
    with (
        refused_port() as port,
        azure(dataclasses.replace(azurite, port=port), client_options=hooked) as storage,
    ):
        elapsed, error = failing_call(storage)
    assert len(sent) == attempts
    assert elapsed < OUTAGE_BOUND, f"the failing call took {elapsed:.1f} s"
    assert f"127.0.0.1:{port}" in str(error), f"which endpoint? {error}"
    assert ACCOUNT_KEY not in str(error)


def test_azure_default_policy_rides_out_503s(
    azurite: RunningServer, azure_proxy: FaultProxy
) -> None:
    with azure(through(azurite, azure_proxy)) as storage:
        rides_out(storage, azure_proxy, 503)


@pytest.mark.parametrize(
    ("options", "fewest", "most"),
    [
        pytest.param({}, 2, None, id="default"),
        pytest.param({"retry_deadline": 0}, 1, 1, id="no-retries"),
    ],
)
def test_gcs_outage_fails_within_the_retry_deadline(
    gcs_proxy: FaultProxy, options: dict[str, Any], fewest: int, most: int | None
) -> None:
    before = gcs_proxy.accepted
    gcs_proxy.refuse(True)
    try:
        with gcs(**options) as storage:
            elapsed, error = failing_call(storage)
    finally:
        gcs_proxy.refuse(False)
    tried = gcs_proxy.accepted - before
    assert fewest <= tried <= (most or tried)
    assert elapsed < OUTAGE_BOUND, f"the failing call took {elapsed:.1f} s"
    assert f"127.0.0.1:{gcs_proxy.port}" in str(error), f"which endpoint? {error}"


@pytest.mark.parametrize("status", [429, 503])
def test_gcs_default_deadline_rides_out_transient_errors(
    gcs_proxy: FaultProxy, status: int
) -> None:
    with gcs() as storage:
        rides_out(storage, gcs_proxy, status)
