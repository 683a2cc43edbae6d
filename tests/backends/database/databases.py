"""Extra ``DATABASES`` aliases for the Database backend's tests, and the tables they need.

The ``default`` alias (in-memory SQLite, migrated by pytest-django) holds the documentation
scenario's model. The storage's own tables live in extra aliases added here at test time: a
SQLite file, and the PostgreSQL and MariaDB servers the harness starts.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pymysql
import pytest
from django.conf import settings
from django.db import Error as DatabaseDriverError
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from tests.harness.servers import RunningServer
from tests.harness.specs import mariadb, postgres

# Django's MySQL backend imports MySQLdb (mysqlclient) and checks its version; PyMySQL speaks
# the same API in pure Python.
pymysql.version_info = (2, 2, 1, "final", 0)
pymysql.install_as_MySQLdb()

#: The 1.x documentation's DB_FILES example, verbatim.
DOCUMENTED_DB_FILES = {
    "db_table": "FILES",
    "fname_column": "FILE_NAME",
    "blob_column": "BLOB",
    "size_column": "SIZE",
    "base_url": "http://localhost/dbfiles/",
}
#: PostgreSQL folds the unquoted names of a hand-written CREATE TABLE to lower case.
LOWER_DB_FILES = {key: value.lower() for key, value in DOCUMENTED_DB_FILES.items()}

_USER_TABLES = {
    "sqlite": (
        DOCUMENTED_DB_FILES,
        'CREATE TABLE FILES (FILE_NAME varchar(255) PRIMARY KEY, "BLOB" blob, SIZE bigint)',
    ),
    "postgresql": (
        LOWER_DB_FILES,
        "CREATE TABLE files (file_name varchar(255) PRIMARY KEY, blob bytea, size bigint)",
    ),
    "mysql": (
        DOCUMENTED_DB_FILES,
        "CREATE TABLE FILES (FILE_NAME varchar(255) CHARACTER SET utf8mb4 "
        "COLLATE utf8mb4_nopad_bin PRIMARY KEY, `BLOB` longblob, SIZE bigint)",
    ),
}


def add_alias(alias: str, config: dict[str, Any]) -> None:
    """Add *alias* to ``DATABASES`` and to Django's connection handler."""
    settings.DATABASES[alias] = config
    configured = connections.configure_settings(
        {"default": connections.settings["default"], alias: dict(config)}
    )
    connections.settings[alias] = configured[alias]


def remove_alias(alias: str) -> None:
    """Close and forget *alias*."""
    # A server a test restarted leaves a connection its driver already counts as closed
    # (PyMySQL then refuses close() with "Already closed"): nothing is left to close.
    with contextlib.suppress(DatabaseDriverError):
        connections[alias].close()
    if hasattr(connections._connections, alias):
        delattr(connections._connections, alias)
    connections.settings.pop(alias, None)
    settings.DATABASES.pop(alias, None)


def migrate(alias: str) -> None:
    """Apply the migration of the zero-config tables (the app ``storages.backends.database``)
    to *alias*."""
    executor = MigrationExecutor(connections[alias])
    executor.migrate([("storages_database", "0001_initial")])


def create_user_table(alias: str) -> dict[str, str]:
    """Create the documented hand-made table on *alias*; return the DB_FILES dict naming it."""
    connection = connections[alias]
    db_files, sql = _USER_TABLES[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(sql)
    return dict(db_files)


def unique_location() -> str:
    """Return a fresh name prefix: an empty storage per test on a shared table."""
    return f"t{uuid.uuid4().hex[:12]}"


_ACTIVE: dict[str, dict[str, str]] = {}


def _alias_fixture(
    alias: str, config: Callable[[pytest.FixtureRequest, Path], dict[str, Any]]
) -> Callable[..., Iterator[dict[str, str]]]:
    @pytest.fixture(scope="session")
    def fixture(
        request: pytest.FixtureRequest,
        tmp_path_factory: pytest.TempPathFactory,
        django_db_setup: None,
        django_db_blocker: Any,
    ) -> Iterator[dict[str, str]]:
        # Test modules import this fixture, so each registers its own copy: the first one to
        # run sets the database up for the whole session, later ones share it.
        if alias in _ACTIVE:
            yield _ACTIVE[alias]
            return
        with django_db_blocker.unblock():
            add_alias(alias, config(request, tmp_path_factory.mktemp(alias)))
            try:
                migrate(alias)
                _ACTIVE[alias] = {"alias": alias, **create_user_table(alias)}
                yield _ACTIVE[alias]
            finally:
                _ACTIVE.pop(alias, None)
                remove_alias(alias)

    return fixture


def _sqlite(request: pytest.FixtureRequest, tmp: Path) -> dict[str, Any]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp / "files.sqlite3"),
        # Django 5.1+: writers take the lock up front instead of failing on upgrade.
        "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE"},
    }


def _server(name: str, settings_of: Callable[[RunningServer], dict[str, Any]]) -> Any:
    def config(request: pytest.FixtureRequest, tmp: Path) -> dict[str, Any]:
        server = request.getfixturevalue("test_server")(name)
        return settings_of(server)

    return config


#: Each fixture gives ``{"alias": ..., <the DB_FILES keys of its hand-made table>}``.
sqlite_db = _alias_fixture("files_sqlite", _sqlite)
postgres_db = _alias_fixture("files_postgres", _server("postgres", postgres.django_settings))
mariadb_db = _alias_fixture("files_mariadb", _server("mariadb", mariadb.django_settings))


def db_files_of(database: dict[str, str]) -> dict[str, str]:
    """Return the DB_FILES dict of a database fixture's value."""
    return {key: value for key, value in database.items() if key != "alias"}
