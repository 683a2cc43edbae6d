"""The Database backend is its own Django app: ``"storages"`` alone creates no table.

Each case runs ``migrate --plan`` and then ``migrate`` in a fresh process, on a fresh SQLite
file, with nothing installed but the apps named: what a new project sees.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from storages.backends.database import DatabaseStorage

MIGRATE = """
import sys

import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=sys.argv[2:],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": sys.argv[1]}},
    USE_TZ=True,
)
django.setup()
from django.core.management import call_command
from django.db import connection

call_command("migrate", plan=True)
call_command("migrate", verbosity=0)
print("tables:", sorted(connection.introspection.table_names()))
"""


def _migrate(tmp_path: Path, *apps: str) -> str:
    database = tmp_path / "project.sqlite3"
    done = subprocess.run(
        [sys.executable, "-c", MIGRATE, str(database), *apps],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_the_core_app_alone_plans_nothing(tmp_path: Path) -> None:
    output = _migrate(tmp_path, "storages")
    assert "No planned migration operations." in output
    assert "tables: []" in output


def test_the_database_app_creates_the_tables(tmp_path: Path) -> None:
    output = _migrate(tmp_path, "storages", "storages.backends.database")
    assert "storages_database.0001_initial" in output
    assert "Create model StoredFile" in output
    tables = output.rpartition("tables: ")[2]
    assert "'storages_file'" in tables and "'storages_file_chunk'" in tables


def test_zero_config_tables_without_the_app_say_what_to_add() -> None:
    storage = DatabaseStorage()
    with (
        override_settings(INSTALLED_APPS=["storages"]),
        pytest.raises(ImproperlyConfigured, match="add it to INSTALLED_APPS"),
    ):
        storage.exists("a.txt")
