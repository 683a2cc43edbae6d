"""Faults between AzureStorage and Azurite: cut uploads and downloads, 503s, a stall."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from storages.backends.azure_storage import AzureStorage
from tests.backends.azure.conftest import CONTAINER, azurite
from tests.harness.faultproxy import FaultProxy
from tests.harness.servers import RunningServer
from tests.harness.specs.azurite import connection_string
from tests.reliability.faults import (
    interrupted_read,
    interrupted_save,
    stalled_operation,
    transient_errors,
)
from tests.reliability.http_targets import (
    READ_CUTS,
    TIMEOUT,
    assert_finite_timeout,
    cuts_and,
    disarmed_after_each_test,
    through,
)

__all__ = ["azurite", "disarmed_after_each_test"]  # fixtures this module uses

#: Block sizes of the saves: the ~2 MiB payload in one request, or staged in two blocks.
BLOCKS = {"one-request": 4 * 1024 * 1024, "staged-blocks": 1024 * 1024}


@pytest.fixture(scope="module")
def proxy(azurite: RunningServer) -> Iterator[FaultProxy]:
    with FaultProxy(azurite.port) as proxy:
        yield proxy


def proxied(azurite: RunningServer, proxy: FaultProxy, **options: Any) -> AzureStorage:
    """Return a storage talking through *proxy*, with the default retry policy minus its
    15 s backoff."""
    return AzureStorage(
        connection_string=connection_string(through(azurite, proxy)),
        azure_container=CONTAINER,
        location="faults-" + uuid.uuid4().hex[:12],
        timeout=TIMEOUT,
        client_options={"initial_backoff": 0, "increment_base": 0, "random_jitter_range": 0},
        **options,
    )


@pytest.fixture
def storage(azurite: RunningServer, proxy: FaultProxy) -> Iterator[AzureStorage]:
    with proxied(azurite, proxy) as storage:
        yield storage


@pytest.mark.parametrize(("at", "block"), cuts_and(BLOCKS))
def test_cut_upload_is_retried(
    azurite: RunningServer, proxy: FaultProxy, at: float, block: int
) -> None:
    # The SDK resends the block (or the whole blob) on a new connection.
    with proxied(azurite, proxy, max_memory_size=block) as storage:
        assert interrupted_save(storage, proxy, at=at) == "retried"


@pytest.mark.parametrize("at", READ_CUTS)
def test_cut_download_raises(storage: AzureStorage, proxy: FaultProxy, at: float) -> None:
    assert interrupted_read(storage, proxy, at=at) == "raised"


def test_503_bursts_are_retried(storage: AzureStorage, proxy: FaultProxy) -> None:
    transient_errors(storage, proxy)


@pytest.mark.parametrize(
    ("after", "outcome"), [(1, "retried"), (100_000, "raised")], ids=["headers", "body"]
)
def test_stalled_read_ends_within_the_configured_timeout(
    storage: AzureStorage, proxy: FaultProxy, after: int, outcome: str
) -> None:
    # A stall before the answer is retried by the SDK; one mid-body raises a timeout.
    assert stalled_operation(storage, proxy, timeout=TIMEOUT, after=after) == outcome


def test_default_timeout_is_finite(azurite: RunningServer) -> None:
    with AzureStorage(connection_string=connection_string(azurite)) as storage:
        assert_finite_timeout(storage.options.timeout)
