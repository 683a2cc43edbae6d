"""The contract suite on the Libcloud backend: the LOCAL driver, and the S3 driver on moto."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from django.core.files.storage import Storage
from pytest_django.fixtures import Settings

from storages.backends.apache_libcloud import LibCloudStorage
from storages.testing import StorageContract
from tests.harness.servers import RunningServer
from tests.harness.specs.azurite import ACCOUNT_KEY, ACCOUNT_NAME

# Libcloud's S3 driver signs URLs with datetime.utcnow(), deprecated since Python 3.12.
pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")


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


class TestLibCloudStorageLocal(StorageContract):
    """The LOCAL driver (a directory per container), named as the default provider."""

    @pytest.fixture
    def storage(self, tmp_path: Path, settings: Settings) -> Iterator[Storage]:
        settings.LIBCLOUD_PROVIDERS = {
            "default": {
                "type": "libcloud.storage.types.Provider.LOCAL",
                "user": str(tmp_path),
                "key": "",
                "bucket": "bucket-1",
            }
        }
        (tmp_path / "bucket-1").mkdir()
        storage = LibCloudStorage()
        yield storage
        storage.close()


class TestLibCloudStorageS3(StorageContract):
    """The S3 driver against moto, configured exactly as the seeds show."""

    @pytest.fixture
    def storage(
        self, test_server: Callable[[str], RunningServer], settings: Settings
    ) -> Iterator[Storage]:
        server = test_server("moto")
        bucket = f"bucket-{uuid.uuid4().hex[:12]}"
        settings.LIBCLOUD_PROVIDERS = {"amazon_1": s3_provider(server, bucket)}
        settings.DEFAULT_LIBCLOUD_PROVIDER = "amazon_1"
        store = LibCloudStorage("amazon_1")
        store.driver.create_container(bucket)
        yield store
        store.close()


class TestLibCloudStorageS3WithLocation(StorageContract):
    """Configured through OPTIONS, with a key prefix and overwriting saves."""

    @pytest.fixture
    def storage(
        self, test_server: Callable[[str], RunningServer], settings: Settings
    ) -> Iterator[Storage]:
        server = test_server("moto")
        bucket = f"bucket-{uuid.uuid4().hex[:12]}"
        settings.LIBCLOUD_PROVIDERS = {"media": s3_provider(server, bucket)}
        store = LibCloudStorage(provider_name="media", location="media/", file_overwrite=True)
        store.driver.create_container(bucket)
        yield store
        store.close()


class TestLibCloudStorageAzure(StorageContract):
    """Libcloud's Azure Blobs driver against Azurite (path-style, with ``account_prefix``).

    Libcloud's Azure driver joins 4 MiB blocks by concatenation while uploading, so a save
    holds about three blocks at once: more than the suite's default budget, still bounded.
    """

    memory_budget: ClassVar[int] = 20 * 1024 * 1024

    @pytest.fixture
    def storage(
        self, test_server: Callable[[str], RunningServer], settings: Settings
    ) -> Iterator[Storage]:
        server = test_server("azurite")
        bucket = f"bucket-{uuid.uuid4().hex[:12]}"
        settings.LIBCLOUD_PROVIDERS = {
            "azure": {
                "type": "libcloud.storage.types.Provider.AZURE_BLOBS",
                "user": ACCOUNT_NAME,
                "key": ACCOUNT_KEY,
                "bucket": bucket,
                "host": "127.0.0.1",
                "port": server.port,
                "secure": False,
                "account_prefix": ACCOUNT_NAME,
            }
        }
        store = LibCloudStorage("azure")
        store.driver.create_container(bucket)
        yield store
        store.close()
