"""S3 fixtures: moto, a bucket, fresh storages, request counts.

A plugin of the root ``tests/conftest.py``: tests of other folders need an S3 server too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.harness.servers import RunningServer

BUCKET = "contract-bucket"
CREDENTIALS = {"access_key": "testing-key-id", "secret_key": "testing-secret-key"}


def raw_client(server: RunningServer, service: str = "s3", key: str = "x") -> Any:
    """Return a plain boto3 client of moto's *service*, with the key ID and secret *key*."""
    import boto3  # here: the compatibility runs (Django 4.2/5.2) install no SDK

    return boto3.client(
        service,
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=key,
    )


@pytest.fixture(scope="session")
def moto(test_server: Callable[[str], RunningServer]) -> RunningServer:
    server = test_server("moto")
    raw_client(server).create_bucket(Bucket=BUCKET)
    return server


def storage_options(server: RunningServer) -> dict[str, Any]:
    """Return the options of a storage on the test bucket of *server*, under a location of its
    own."""
    return {
        "bucket_name": BUCKET,
        "endpoint_url": server.url,
        "region_name": "us-east-1",
        "location": f"test-{uuid.uuid4().hex[:12]}",
        **CREDENTIALS,
    }


@pytest.fixture
def s3_options(moto: RunningServer) -> dict[str, Any]:
    """Options of a storage on the test bucket, under a location of its own."""
    return storage_options(moto)


class RequestCounter:
    """Count the HTTP requests a boto3 client sends, by operation."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def __call__(self, request: Any, **kwargs: Any) -> None:
        operation = kwargs.get("event_name", "").rsplit(".", 1)[-1]
        self.counts[operation] = self.counts.get(operation, 0) + 1

    def take(self) -> dict[str, int]:
        counts, self.counts = self.counts, {}
        return counts


@pytest.fixture
def count_requests() -> Iterator[Callable[[Any], RequestCounter]]:
    """Return a function that starts counting the requests of a storage's client."""
    registered: list[tuple[Any, RequestCounter]] = []

    def attach(storage: Any) -> RequestCounter:
        counter = RequestCounter()
        storage.client.meta.events.register("before-send.s3", counter)
        registered.append((storage.client, counter))
        return counter

    yield attach
    for client, counter in registered:
        client.meta.events.unregister("before-send.s3", counter)
