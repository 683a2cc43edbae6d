"""The pouchdb-server database the CouchDB tests share, and a fresh location per test."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
import requests

from tests.harness.servers import RunningServer

DATABASE = "storage_test"


@pytest.fixture(scope="session")
def couchdb(test_server: Callable[[str], RunningServer]) -> RunningServer:
    """Start pouchdb-server once and create the test database."""
    server = test_server("pouchdb")
    response = requests.put(f"{server.url}/{DATABASE}", timeout=10)
    assert response.status_code in (201, 412), response.text
    return server


def unique_location() -> str:
    """Return a fresh name prefix: an empty storage per test on a shared database."""
    return f"t{uuid.uuid4().hex[:12]}"
