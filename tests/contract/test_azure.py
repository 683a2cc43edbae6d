"""The contract suite on Azurite, through the documented dotted path and settings."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator

import pytest
from azure.core.exceptions import ResourceExistsError
from azure.storage.blob import BlobServiceClient
from django.core.files.storage import Storage, storages
from django.test import override_settings

from storages.backends.azure_storage import AzureStorage
from storages.testing import StorageContract
from tests.harness.servers import RunningServer
from tests.harness.specs.azurite import connection_string

CONTAINER = "storages-contract"


@pytest.fixture(scope="module")
def azurite_conn(test_server: Callable[[str], RunningServer]) -> str:
    conn = connection_string(test_server("azurite"))
    with (
        BlobServiceClient.from_connection_string(conn) as service,
        contextlib.suppress(ResourceExistsError),
    ):
        service.create_container(CONTAINER)
    return conn


def _location() -> str:
    return f"contract-{uuid.uuid4().hex[:12]}"


class TestAzureStorage(StorageContract):
    """Configured through STORAGES OPTIONS (constructor keywords), 1.x default: no overwrite."""

    @pytest.fixture
    def storage(self, azurite_conn: str) -> Storage:
        return AzureStorage(
            connection_string=azurite_conn, azure_container=CONTAINER, location=_location()
        )


class TestAzureStorageFromSettings(StorageContract):
    """Configured through the documented global settings, overwriting, through STORAGES."""

    @pytest.fixture
    def storage(self, azurite_conn: str) -> Iterator[Storage]:
        # Yielded inside the block: a pickled copy reads the key from the settings again.
        backend = {"BACKEND": "storages.backends.azure_storage.AzureStorage"}
        with override_settings(
            STORAGES={"default": backend},
            AZURE_CONNECTION_STRING=azurite_conn,
            AZURE_CONTAINER=CONTAINER,
            AZURE_LOCATION=_location(),
            AZURE_OVERWRITE_FILES=True,
            AZURE_URL_EXPIRATION_SECS=300,
            AZURE_UPLOAD_MAX_CONN=3,
        ):
            storages._storages = {}  # type: ignore[attr-defined]
            storages.backends  # noqa: B018 - reread the overridden STORAGES
            storage = storages.create_storage(backend)
            assert isinstance(storage, AzureStorage)
            assert storage.options.file_overwrite is True
            yield storage
