"""Wagtail on S3 (moto) and Azure (Azurite): deleting an image or a document deletes its files.

Issue 17: Wagtail deletes a file in a task (``wagtail.tasks.delete_file_from_storage_task``)
that rebuilds the storage from ``deconstruct()``. With the credentials in
``STORAGES["default"]["OPTIONS"]``, the rebuilt storage must reach the bucket as the same
identity. Wagtail runs in processes of its own (``wagtail_scenario``), on a SQLite database
migrated once per session; the bucket is listed here with the raw SDK.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from azure.storage.blob import BlobServiceClient

from tests.backends.azure.conftest import CONTAINER, azurite
from tests.backends.s3.fixtures import BUCKET, raw_client, storage_options
from tests.harness.servers import RunningServer
from tests.harness.specs.azurite import connection_string

pytest.importorskip("wagtail", reason="Wagtail needs Django 5.2 or later")

__all__ = ["azurite"]  # the fixture this module uses

SETTINGS = "tests.clients.wagtail_settings"
ROOT = Path(__file__).resolve().parents[2]


def run(phase: str, database: Path, storage: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run a phase of the Wagtail scenario in a new process; return what it printed."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS}
    env["WAGTAIL_TEST_DATABASE"] = str(database)
    if storage is not None:
        env["WAGTAIL_TEST_STORAGE"] = json.dumps(storage)
    args = [sys.executable, "-m", "tests.clients.wagtail_scenario", phase]
    if phase == "migrate":
        args = [sys.executable, "-m", "django", "migrate", "-v0"]
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.splitlines()[-1]) if phase != "migrate" else {}


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database with Wagtail's migrations applied (once: they take seconds)."""
    database = tmp_path_factory.mktemp("wagtail") / "template.sqlite3"
    run("migrate", database)
    return database


@pytest.fixture
def database(migrated: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "wagtail.sqlite3"
    shutil.copyfile(migrated, copy)
    return copy


def s3_backend(moto: RunningServer) -> tuple[dict[str, Any], Callable[[], list[str]]]:
    options = storage_options(moto)  # the access keys are among the options

    def keys() -> list[str]:
        listing = raw_client(moto).list_objects_v2(Bucket=BUCKET, Prefix=f"{options['location']}/")
        return sorted(item["Key"] for item in listing.get("Contents", ()))

    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}, keys


def azure_backend(azurite: RunningServer) -> tuple[dict[str, Any], Callable[[], list[str]]]:
    location = f"wagtail-{uuid.uuid4().hex[:12]}"
    options = {
        "connection_string": connection_string(azurite),
        "azure_container": CONTAINER,
        "location": location,
    }

    def keys() -> list[str]:
        service = BlobServiceClient.from_connection_string(options["connection_string"])
        with service:
            blobs = service.get_container_client(CONTAINER).list_blobs(f"{location}/")
            return sorted(blob.name for blob in blobs)

    return {"BACKEND": "storages.backends.azure_storage.AzureStorage", "OPTIONS": options}, keys


@pytest.fixture(params=["s3", "azure"])
def backend(request: pytest.FixtureRequest) -> tuple[dict[str, Any], Callable[[], list[str]]]:
    if request.param == "s3":
        return s3_backend(request.getfixturevalue("moto"))
    return azure_backend(request.getfixturevalue("azurite"))


def test_deleting_in_the_admin_deletes_every_file(
    backend: tuple[dict[str, Any], Callable[[], list[str]]], database: Path
) -> None:
    storage, stored_keys = backend
    location = storage["OPTIONS"]["location"]

    uploaded = run("upload", database, storage)
    names = [uploaded["image"], *uploaded["renditions"], uploaded["document"]]
    assert len(uploaded["renditions"]) >= 2  # fill-80x60 and the edit page's max-800x600
    assert stored_keys() == sorted(f"{location}/{name}" for name in names)
    deleted = run("delete", database, storage)
    assert deleted["statuses"] == [302, 302] and deleted["rows_left"] == 0
    assert [task["errors"] for task in deleted["tasks"]] == [[]] * len(names), deleted["tasks"]
    assert stored_keys() == []
    # What Wagtail queued names the STORAGES alias, never a credential.
    assert uploaded["deconstruct"][1:] == [[], {"alias": "default"}]
