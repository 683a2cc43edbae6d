"""Faults between CouchDBStorage and pouchdb-server: cut transfers, 503s, a stall."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from storages.backends.couchdb import CouchDBStorage
from tests.backends.couchdb.servers import DATABASE, couchdb, unique_location
from tests.harness.faultproxy import FaultProxy
from tests.harness.servers import RunningServer
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

__all__ = ["couchdb", "disarmed_after_each_test"]  # fixtures this module uses


@pytest.fixture(scope="module")
def proxy(couchdb: RunningServer) -> Iterator[FaultProxy]:
    with FaultProxy(couchdb.port) as proxy:
        yield proxy


def proxied(couchdb: RunningServer, proxy: FaultProxy, **options: Any) -> CouchDBStorage:
    """Return a storage talking through *proxy* with the short timeout, in a fresh location."""
    return CouchDBStorage(
        server=through(couchdb, proxy).url,
        database=DATABASE,
        location=unique_location(),
        timeout=TIMEOUT,
        **options,
    )


@pytest.fixture
def storage(couchdb: RunningServer, proxy: FaultProxy) -> Iterator[CouchDBStorage]:
    with proxied(couchdb, proxy) as storage:
        yield storage


@pytest.mark.parametrize(("at", "overwrite"), cuts_and({"renaming": False, "overwriting": True}))
def test_cut_upload_raises_and_keeps_the_previous_file(
    couchdb: RunningServer, proxy: FaultProxy, at: float, overwrite: bool
) -> None:
    # A write is not sent again after a broken connection: it may have been carried out.
    with proxied(couchdb, proxy, file_overwrite=overwrite) as storage:
        assert interrupted_save(storage, proxy, at=at) == "raised"


@pytest.mark.parametrize("at", READ_CUTS)
def test_cut_download_raises(storage: CouchDBStorage, proxy: FaultProxy, at: float) -> None:
    assert interrupted_read(storage, proxy, at=at) == "raised"


def test_503_bursts_are_retried(storage: CouchDBStorage, proxy: FaultProxy) -> None:
    transient_errors(storage, proxy)


def test_429_bursts_are_retried(storage: CouchDBStorage, proxy: FaultProxy) -> None:
    transient_errors(storage, proxy, status=429)


@pytest.mark.parametrize(
    ("after", "outcome"), [(1, "retried"), (100_000, "raised")], ids=["headers", "body"]
)
def test_stalled_read_ends_within_the_configured_timeout(
    storage: CouchDBStorage, proxy: FaultProxy, after: int, outcome: str
) -> None:
    # A stall before the answer is retried (a read); one mid-body raises a timeout.
    assert stalled_operation(storage, proxy, timeout=TIMEOUT, after=after) == outcome


def test_default_timeout_is_finite(couchdb: RunningServer) -> None:
    storage = CouchDBStorage(server=couchdb.url, database=DATABASE)
    assert_finite_timeout(storage.options.timeout)
