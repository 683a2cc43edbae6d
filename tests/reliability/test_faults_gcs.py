"""Faults between GoogleCloudStorage and gcp-storage-emulator: cut transfers, 503s, a stall."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from storages.backends.gcloud import GoogleCloudStorage
from tests.backends.gcs.conftest import BUCKET, PROJECT, gcs_server, sa_credentials
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

__all__ = ["disarmed_after_each_test", "gcs_server", "sa_credentials"]  # fixtures used here

#: Upload chunk sizes: the ~2 MiB payload in one request, or as a resumable upload of 4 chunks.
CHUNKS = {"one-request": None, "resumable": 512 * 1024}


@pytest.fixture(scope="module")
def proxy(gcs_server: RunningServer) -> Iterator[FaultProxy]:
    """A proxy in front of the emulator, where the client library is pointed (by the variable
    the emulator's own fixture sets)."""
    with FaultProxy(gcs_server.port) as proxy, pytest.MonkeyPatch.context() as patch:
        patch.setenv("STORAGE_EMULATOR_HOST", through(gcs_server, proxy).url)
        patch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
        yield proxy


def proxied(sa_credentials: Any, **options: Any) -> GoogleCloudStorage:
    """Return a storage with the short timeout, under a location of its own."""
    return GoogleCloudStorage(
        bucket_name=BUCKET,
        project_id=PROJECT,
        credentials=sa_credentials,
        location=f"faults-{uuid.uuid4().hex[:12]}",
        timeout=TIMEOUT,
        **options,
    )


@pytest.fixture
def storage(proxy: FaultProxy, sa_credentials: Any) -> Iterator[GoogleCloudStorage]:
    with proxied(sa_credentials) as storage:
        yield storage


@pytest.mark.parametrize(("at", "chunk"), cuts_and(CHUNKS))
def test_cut_upload_is_retried(
    proxy: FaultProxy, sa_credentials: Any, at: float, chunk: int | None
) -> None:
    # The client library sends the object (or the chunk) again on a new connection.
    with proxied(sa_credentials, blob_chunk_size=chunk) as storage:
        assert interrupted_save(storage, proxy, at=at) == "retried"


@pytest.mark.parametrize("at", READ_CUTS)
def test_cut_download_raises(storage: GoogleCloudStorage, proxy: FaultProxy, at: float) -> None:
    assert interrupted_read(storage, proxy, at=at) == "raised"


def test_503s_are_retried(storage: GoogleCloudStorage, proxy: FaultProxy) -> None:
    # The library waits up to 1 s before its first retry: one 503 each for an upload, a
    # download (the storage's own request) and a JSON API call (all of those share one policy).
    transient_errors(storage, proxy, count=1, operations=("save", "read", "listdir"))


@pytest.mark.parametrize(
    ("after", "outcome"), [(1, "retried"), (100_000, "raised")], ids=["headers", "body"]
)
def test_stalled_read_ends_within_the_configured_timeout(
    storage: GoogleCloudStorage, proxy: FaultProxy, after: int, outcome: str
) -> None:
    # A stall before the answer is retried; one mid-body raises a timeout.
    assert stalled_operation(storage, proxy, timeout=TIMEOUT, after=after) == outcome


def test_default_timeout_is_finite() -> None:
    assert_finite_timeout(GoogleCloudStorage(bucket_name=BUCKET).options.timeout)
