"""The contract suite and the documentation scenario on CouchDBStorage, against pouchdb-server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.files.storage import Storage

from storages.backends.couchdb import CouchDBStorage
from storages.testing import StorageContract
from tests.backends.couchdb.servers import DATABASE, couchdb, unique_location
from tests.harness.servers import RunningServer

__all__ = ["couchdb"]  # the fixture this module uses


class TestCouchDBStorage(StorageContract):
    @pytest.fixture
    def storage(self, couchdb: RunningServer) -> Iterator[Storage]:
        with CouchDBStorage(
            server=couchdb.url, database=DATABASE, location=unique_location()
        ) as storage:
            yield storage


class TestCouchDBStorageOverwriting(StorageContract):
    @pytest.fixture
    def storage(self, couchdb: RunningServer) -> Iterator[Storage]:
        with CouchDBStorage(
            server=couchdb.url, database=DATABASE, location=unique_location(), file_overwrite=True
        ) as storage:
            yield storage
