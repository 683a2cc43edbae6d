"""Faults between LibCloudStorage (Libcloud's S3 driver) and moto: cut transfers, 5xx, a stall.

The storage is configured as the contract suite configures it (``s3_provider``), on the
session's bucket under a location of its own, with the proxy's port and a short ``timeout``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.base import ContentFile

from storages.backends.apache_libcloud import LibCloudStorage
from storages.backends.libcloud.connection import RETRY
from storages.errors import StorageError
from tests.backends.libcloud.servers import s3_provider
from tests.backends.s3.fixtures import BUCKET
from tests.harness.faultproxy import FaultProxy
from tests.harness.servers import RunningServer
from tests.reliability.faults import (
    interrupted_read,
    interrupted_save,
    payload,
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

__all__ = ["disarmed_after_each_test"]  # an autouse fixture

# Libcloud's S3 driver signs with datetime.utcnow(), deprecated since Python 3.12.
pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")

#: Attempts of one operation that is safe to repeat.
ATTEMPTS = RETRY.attempts

#: Where a save is spooled: in memory (sent as a one-part multipart upload), or past a small
#: limit in a temporary file (sent in one PUT from its path).
SPOOLS = {"memory": 4 * 1024 * 1024, "file": 256 * 1024}


@pytest.fixture(scope="module")
def proxy(moto: RunningServer) -> Iterator[FaultProxy]:
    with FaultProxy(moto.port) as proxy:
        yield proxy


def proxied(moto: RunningServer, proxy: FaultProxy, **options: Any) -> LibCloudStorage:
    """Return a storage whose driver talks through *proxy* with the short timeout."""
    entry = {**s3_provider(through(moto, proxy), BUCKET), "timeout": TIMEOUT}
    location = f"faults-{uuid.uuid4().hex[:12]}/"
    return LibCloudStorage(providers={"default": entry}, location=location, **options)


@pytest.fixture
def storage(moto: RunningServer, proxy: FaultProxy) -> Iterator[LibCloudStorage]:
    with proxied(moto, proxy) as storage:
        yield storage


@pytest.mark.parametrize(("at", "spool"), cuts_and(SPOOLS))
def test_cut_upload_is_retried(
    moto: RunningServer, proxy: FaultProxy, at: float, spool: int
) -> None:
    # The whole upload is sent again, from memory or from the spool file.
    with proxied(moto, proxy, max_memory_size=spool) as storage:
        assert interrupted_save(storage, proxy, at=at) == "retried"


@pytest.mark.parametrize("at", READ_CUTS)
def test_cut_download_resumes(storage: LibCloudStorage, proxy: FaultProxy, at: float) -> None:
    # A ranged GET of the same version (same ETag) continues from the byte it broke at.
    assert interrupted_read(storage, proxy, at=at) == "resumed"


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_bursts_are_retried(storage: LibCloudStorage, proxy: FaultProxy, status: int) -> None:
    # 500 is what moto answered under load; two per operation, so every retry is needed.
    transient_errors(storage, proxy, count=ATTEMPTS - 1, status=status)


def last_answer_closed(storage: LibCloudStorage) -> bool:
    """Whether the last answer the driver's connection received is closed: a streamed one left
    open keeps its socket until garbage collection, where a ResourceWarning may end the run."""
    return bool(storage.driver.connection.connection.response.raw.closed)


def test_reads_give_up_after_bounded_attempts(storage: LibCloudStorage, proxy: FaultProxy) -> None:
    """More 503s than the backend attempts: the read fails after exactly ATTEMPTS requests,
    and the last failed answer is closed."""
    name = storage.save("faults/unavailable.bin", ContentFile(payload(1000, "unavailable")))
    accepted = proxy.accepted
    proxy.fail_requests(ATTEMPTS + 1, 503, {"Retry-After": "0"})
    with pytest.raises(StorageError, match="503"):
        storage.open(name, "rb")
    assert proxy.accepted - accepted == ATTEMPTS, "the read was not retried exactly as bounded"
    assert last_answer_closed(storage)


def test_read_abandoned_mid_way_closes_its_answer(storage: LibCloudStorage) -> None:
    content = payload(1024 * 1024, "abandoned")
    name = storage.save("faults/abandoned.bin", ContentFile(content))
    with storage.open(name, "rb") as handle:
        assert handle.read(1000) == content[:1000]
        assert not last_answer_closed(storage), "the body was read whole: the test proves nothing"
    assert last_answer_closed(storage)


@pytest.mark.parametrize("after", [1, 100_000], ids=["headers", "body"])
def test_stalled_read_ends_within_the_configured_timeout(
    storage: LibCloudStorage, proxy: FaultProxy, after: int
) -> None:
    # In the headers the GET is sent again; in the body the read resumes with a ranged GET.
    assert stalled_operation(storage, proxy, timeout=TIMEOUT, after=after) == "retried"


def test_default_timeout_is_finite(moto: RunningServer) -> None:
    with LibCloudStorage(providers={"default": s3_provider(moto, BUCKET)}) as storage:
        assert_finite_timeout(storage.driver.connection.connection.session.timeout)
