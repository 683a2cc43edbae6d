"""Azurite fixtures of the Azure backend's tests."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable

import pytest
from azure.core.exceptions import ResourceExistsError
from azure.storage.blob import BlobServiceClient

from tests.harness.servers import RunningServer
from tests.harness.specs.azurite import connection_string

CONTAINER = "storages-tests"
PUBLIC_CONTAINER = "storages-public"


@pytest.fixture(scope="session")
def azurite(test_server: Callable[[str], RunningServer]) -> RunningServer:
    server = test_server("azurite")
    service = BlobServiceClient.from_connection_string(connection_string(server))
    for name, access in ((CONTAINER, None), (PUBLIC_CONTAINER, "blob")):
        with contextlib.suppress(ResourceExistsError):
            service.create_container(name, public_access=access)
    service.close()
    return server


@pytest.fixture
def azure_conn(azurite: RunningServer) -> str:
    return connection_string(azurite)


@pytest.fixture
def unique_location() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"
