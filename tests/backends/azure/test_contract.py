"""The contract suite on Azurite, through the documented dotted path and settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.files.storage import Storage

from storages.backends.azure_storage import AzureStorage
from storages.testing import StorageContract
from tests.backends import object_stores as shared
from tests.backends.azure.conftest import CONTAINER

#: A save holds the blocks in flight and the one filling (4 MiB each, the SDK's), plus the
#: SDK's request buffers.
BLOCK = 4 * 1024 * 1024  # AZURE_BLOB_MAX_MEMORY_SIZE's default (test_documented_defaults)


class TestAzureStorage(StorageContract):
    """Configured through STORAGES OPTIONS (constructor keywords), 1.x default: no overwrite."""

    memory_budget = (2 + 1) * BLOCK + 4 * 1024 * 1024  # AZURE_UPLOAD_MAX_CONN = 2

    @pytest.fixture
    def storage(self, azure_conn: str, unique_location: str) -> Storage:
        return AzureStorage(
            connection_string=azure_conn, azure_container=CONTAINER, location=unique_location
        )


class TestAzureStorageFromSettings(StorageContract):
    """Configured through the documented global settings, overwriting, through STORAGES."""

    memory_budget = (3 + 1) * BLOCK + 4 * 1024 * 1024  # AZURE_UPLOAD_MAX_CONN = 3

    @pytest.fixture
    def storage(self, azure_conn: str, unique_location: str) -> Iterator[Storage]:
        with shared.configured_storage(
            "storages.backends.azure_storage.AzureStorage",
            AZURE_CONNECTION_STRING=azure_conn,
            AZURE_CONTAINER=CONTAINER,
            AZURE_LOCATION=unique_location,
            AZURE_OVERWRITE_FILES=True,
            AZURE_URL_EXPIRATION_SECS=300,
            AZURE_UPLOAD_MAX_CONN=3,
        ) as storage:
            assert isinstance(storage, AzureStorage)
            assert storage.options.file_overwrite is True
            yield storage
