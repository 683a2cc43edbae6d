"""The contract suite on the Libcloud backend: the LOCAL driver, and the S3 driver on moto."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from django.core.files.storage import Storage
from pytest_django.fixtures import Settings

from storages.backends.apache_libcloud import LibCloudStorage
from storages.testing import StorageContract
from tests.backends.libcloud.servers import new_bucket, s3_provider, storage_on_new_bucket
from tests.harness.servers import RunningServer
from tests.harness.specs.azurite import ACCOUNT_KEY, ACCOUNT_NAME

# Libcloud's S3 driver signs URLs with datetime.utcnow(), deprecated since Python 3.12.
pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")


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
    """The S3 driver against moto, configured exactly as the 1.x documentation shows."""

    @pytest.fixture
    def storage(
        self, test_server: Callable[[str], RunningServer], settings: Settings
    ) -> Iterator[Storage]:
        settings.DEFAULT_LIBCLOUD_PROVIDER = "amazon_1"
        entry = s3_provider(test_server("moto"), new_bucket())
        with storage_on_new_bucket(settings, "amazon_1", entry) as store:
            yield store


class TestLibCloudStorageS3WithLocation(StorageContract):
    """Configured through OPTIONS, with a key prefix and overwriting saves."""

    @pytest.fixture
    def storage(
        self, test_server: Callable[[str], RunningServer], settings: Settings
    ) -> Iterator[Storage]:
        entry = s3_provider(test_server("moto"), new_bucket())
        options = {"location": "media/", "file_overwrite": True}
        with storage_on_new_bucket(settings, "media", entry, **options) as store:
            yield store


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
        entry = {
            "type": "libcloud.storage.types.Provider.AZURE_BLOBS",
            "user": ACCOUNT_NAME,
            "key": ACCOUNT_KEY,
            "bucket": new_bucket(),
            "host": "127.0.0.1",
            "port": test_server("azurite").port,
            "secure": False,
            "account_prefix": ACCOUNT_NAME,
        }
        with storage_on_new_bucket(settings, "azure", entry) as store:
            yield store
