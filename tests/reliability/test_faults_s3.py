"""Faults between S3Storage and moto's S3 server: cut uploads and downloads, 503s, a stall."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config

from storages.backends.s3 import S3Storage
from tests.harness.faultproxy import FaultProxy
from tests.harness.servers import RunningServer
from tests.reliability.faults import (
    interrupted_read,
    interrupted_save,
    stalled_operation,
    transient_errors,
)
from tests.reliability.http_targets import (
    CUTS,
    TIMEOUT,
    assert_finite_timeout,
    disarmed_after_each_test,
)

__all__ = ["disarmed_after_each_test"]  # an autouse fixture

#: Three parts of the smallest size S3 allows: the cut lands in the second.
MULTIPART = 12 * 1024 * 1024


@pytest.fixture(scope="module")
def proxy(moto: RunningServer) -> Iterator[FaultProxy]:
    with FaultProxy(moto.port) as proxy:
        yield proxy


def proxied(s3_options: dict[str, Any], proxy: FaultProxy, **config: Any) -> S3Storage:
    """Return a storage whose client talks through *proxy* with short timeouts."""
    client_config = Config(connect_timeout=TIMEOUT, read_timeout=TIMEOUT, **config)
    options = {**s3_options, "endpoint_url": proxy.url}
    return S3Storage(client_config=client_config, **options)


@pytest.fixture
def storage(s3_options: dict[str, Any], proxy: FaultProxy) -> Iterator[S3Storage]:
    with proxied(s3_options, proxy) as storage:
        yield storage


def open_uploads(storage: S3Storage) -> list[dict[str, Any]]:
    """Return the multipart uploads started and neither completed nor aborted."""
    listing = storage.client.list_multipart_uploads(
        Bucket=storage.bucket_name, Prefix=storage.location_prefix
    )
    return list(listing.get("Uploads", []))


@pytest.mark.parametrize("at", CUTS)
def test_cut_upload_is_retried(storage: S3Storage, proxy: FaultProxy, at: float) -> None:
    # botocore rewinds the body and sends the PUT again on a new connection.
    assert interrupted_save(storage, proxy, at=at) == "retried"


def test_cut_multipart_part_is_retried(storage: S3Storage, proxy: FaultProxy) -> None:
    assert interrupted_save(storage, proxy, size=MULTIPART, at=0.5) == "retried"
    assert open_uploads(storage) == []


def test_cut_multipart_upload_is_aborted(s3_options: dict[str, Any], proxy: FaultProxy) -> None:
    """Without retries the part fails: no object appears and the upload is aborted."""
    once = {"total_max_attempts": 1, "mode": "standard"}
    with proxied(s3_options, proxy, retries=once) as storage:
        assert interrupted_save(storage, proxy, size=MULTIPART, at=0.5) == "raised"
        assert open_uploads(storage) == []


@pytest.mark.parametrize("at", CUTS)
def test_cut_download_resumes_with_a_ranged_get(
    storage: S3Storage, proxy: FaultProxy, at: float
) -> None:
    assert interrupted_read(storage, proxy, at=at) == "resumed"


def test_503_bursts_are_retried(storage: S3Storage, proxy: FaultProxy) -> None:
    # One per operation: botocore's standard mode waits up to 1 s before its first retry.
    transient_errors(storage, proxy, count=1)


@pytest.mark.parametrize("after", [1, 100_000], ids=["headers", "body"])
def test_stalled_read_ends_within_the_configured_timeout(
    storage: S3Storage, proxy: FaultProxy, after: int
) -> None:
    # In the headers botocore retries the GET; in the body the reader resumes it.
    assert stalled_operation(storage, proxy, timeout=TIMEOUT, after=after) == "retried"


def test_default_timeouts_are_finite(s3_options: dict[str, Any]) -> None:
    with S3Storage(**s3_options) as storage:
        config = storage.client.meta.config
        assert_finite_timeout(config.connect_timeout)
        assert_finite_timeout(config.read_timeout)
