"""The contract suite and the documentation scenario on DatabaseStorage: SQLite, PostgreSQL,
MariaDB.

Each database runs both layouts: the zero-config chunked tables of the app
``storages.backends.database`` and the 1.x documentation's hand-made ``DB_FILES`` table.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.storage import Storage

from storages.backends.database import DatabaseStorage
from storages.testing import StorageContract
from tests.backends.database.databases import (
    db_files_of,
    mariadb_db,
    postgres_db,
    sqlite_db,
    unique_location,
)

__all__ = ["mariadb_db", "postgres_db", "sqlite_db"]  # the fixtures this module uses


class _DatabaseContract(StorageContract):
    database_fixture = "sqlite_db"
    user_table = False
    options: dict[str, Any] = {}

    @pytest.fixture
    def storage(self, request: pytest.FixtureRequest, django_db_blocker: Any) -> Iterator[Storage]:
        database = request.getfixturevalue(self.database_fixture)
        options = {"using": database["alias"], "location": unique_location(), **self.options}
        if self.user_table:
            options["db_files"] = db_files_of(database)
        with django_db_blocker.unblock():
            yield DatabaseStorage(**options)

    # The scenario's model lives in "default"; the files in the storage's own alias.
    @pytest.mark.django_db(databases="__all__")
    def test_documentation_scenario(self, storage: Storage) -> None:
        super().test_documentation_scenario(storage)


class TestSQLite(_DatabaseContract):
    pass


class TestSQLiteRenaming(_DatabaseContract):
    options = {"file_overwrite": False}


class TestSQLiteUserTable(_DatabaseContract):
    user_table = True


class TestPostgreSQL(_DatabaseContract):
    database_fixture = "postgres_db"


class TestPostgreSQLUserTable(_DatabaseContract):
    database_fixture = "postgres_db"
    user_table = True


class TestMariaDB(_DatabaseContract):
    database_fixture = "mariadb_db"


class TestMariaDBUserTable(_DatabaseContract):
    database_fixture = "mariadb_db"
    user_table = True
