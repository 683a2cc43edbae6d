"""Provider entries of the Libcloud tests (the S3 driver on moto), and storages on new buckets."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

from pytest_django.fixtures import Settings

from storages.backends.apache_libcloud import LibCloudStorage
from tests.harness.servers import RunningServer

__all__ = ["new_bucket", "s3_provider", "storage_on_new_bucket"]


def new_bucket() -> str:
    """Return a fresh bucket name: an empty storage per test on a shared server."""
    return f"bucket-{uuid.uuid4().hex[:12]}"


def s3_provider(server: RunningServer, bucket: str) -> dict[str, object]:
    """Return a LIBCLOUD_PROVIDERS entry for a bucket on the moto S3 server."""
    return {
        "type": "libcloud.storage.types.Provider.S3",
        "user": "testing",
        "key": "testing-secret-key",
        "bucket": bucket,
        "region": "us-east-1",
        "host": "127.0.0.1",
        "port": server.port,
        "secure": False,
    }


@contextlib.contextmanager
def storage_on_new_bucket(
    settings: Settings, name: str, entry: dict[str, Any], **options: Any
) -> Iterator[LibCloudStorage]:
    """Yield the storage of the provider *entry* (``LIBCLOUD_PROVIDERS[name]``) with its bucket
    created; close it afterwards."""
    settings.LIBCLOUD_PROVIDERS = {name: entry}
    store = LibCloudStorage(name, **options)
    store.driver.create_container(entry["bucket"])
    yield store
    store.close()
