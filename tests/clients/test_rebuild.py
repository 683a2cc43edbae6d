"""Every backend rebuilt from ``deconstruct()`` in a fresh process, as task queues do (issue 17).

For each backend: a storage made from a ``STORAGES`` alias, with its secrets in ``OPTIONS``,
deconstructs to that alias; a new process (``rebuild_worker``, same settings) rebuilds it with
``import_string(path)(*args, **kwargs)`` and reads and deletes the file this process saved,
then saves, reads and deletes one of its own. A storage given its secrets in code deconstructs
without them; rebuilt there, it refuses to work, naming each missing option, even where the
worker has ambient credentials. Neither kind writes a secret into a migration.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import models
from django.db.migrations.writer import MigrationWriter
from django.test import override_settings
from django.utils.module_loading import import_string

from tests.backends.azure.conftest import CONTAINER, azurite
from tests.backends.couchdb.servers import DATABASE, couchdb
from tests.backends.database.databases import sqlite_db
from tests.backends.dropbox.standin import dropbox_server, unique_root
from tests.backends.ftp.servers import ftp_location, pyftpdlib
from tests.backends.gcs.conftest import BUCKET as GCS_BUCKET
from tests.backends.gcs.conftest import PROJECT, emulator, gcs_server
from tests.backends.libcloud.servers import new_bucket, s3_provider
from tests.backends.mogilefs.servers import DOMAIN, mogilefs, trackers
from tests.backends.s3.fixtures import raw_client, storage_options
from tests.backends.sftp.servers import sftp_settings, sshd
from tests.clients.rebuild_settings import SERVICE_ACCOUNT, materialise
from tests.harness.specs.azurite import connection_string
from tests.harness.specs.dropbox import TOKEN

# The fixtures this module uses.
__all__ = [
    "azurite",
    "couchdb",
    "dropbox_server",
    "emulator",
    "gcs_server",
    "mogilefs",
    "pyftpdlib",
    "sqlite_db",
    "sshd",
]

pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")

ALIAS = "files"

ROOT = Path(__file__).resolve().parents[2]


def _location() -> str:
    return f"rebuild-{uuid.uuid4().hex[:12]}"


@dataclasses.dataclass
class Case:
    """One backend: its ``STORAGES`` entry, and a storage given its secrets in code."""

    backend: str
    options: dict[str, Any]  # JSON, credential objects as rebuild_settings markers
    given_secrets: dict[str, Any] | None = None  # constructor keywords, secrets included
    secret_options: tuple[str, ...] = ()  # what the rebuilt storage must name as missing
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    databases: dict[str, Any] = dataclasses.field(default_factory=dict)
    dropbox: dict[str, Any] | None = None
    by_alias: bool = True  # deconstructs to its STORAGES alias, else to its keywords
    name: str = ""  # the parameter of the test, set by the fixture


def s3_case(request: pytest.FixtureRequest, tmp: Path) -> Case:
    moto = request.getfixturevalue("moto")
    # Ambient credentials the worker must not fall back to (moto would accept them).
    ambient = tmp / "aws-credentials"
    ambient.write_text("[default]\naws_access_key_id = ambient\naws_secret_access_key = ambient\n")
    return Case(
        "storages.backends.s3.S3Storage",
        storage_options(moto),
        given_secrets=storage_options(moto),
        secret_options=("access_key", "secret_key"),
        env={"AWS_SHARED_CREDENTIALS_FILE": str(ambient)},
    )


def azure_case(request: pytest.FixtureRequest, tmp: Path) -> Case:
    options = {
        "connection_string": connection_string(request.getfixturevalue("azurite")),
        "azure_container": CONTAINER,
    }
    return Case(
        "storages.backends.azure_storage.AzureStorage",
        {**options, "location": _location()},
        given_secrets={**options, "location": _location()},
        secret_options=("connection_string",),
    )


def gcs_case(request: pytest.FixtureRequest, tmp: Path) -> Case:
    server = request.getfixturevalue("emulator")  # points this process's client at it
    options = {"bucket_name": GCS_BUCKET, "project_id": PROJECT}
    given = {**options, "location": _location(), "credentials": SERVICE_ACCOUNT}
    return Case(
        "storages.backends.gcloud.GoogleCloudStorage",
        {**options, "location": _location(), "credentials": SERVICE_ACCOUNT},
        given_secrets=given,
        secret_options=("credentials",),
        env={"STORAGE_EMULATOR_HOST": server.url},
    )


def sftp_case(request: pytest.FixtureRequest, tmp: Path) -> Case:
    server = request.getfixturevalue("sshd")

    def options() -> dict[str, Any]:
        config = sftp_settings(server, password=(server.workdir / "password").read_text())
        return {
            "host": config["SFTP_STORAGE_HOST"],
            "root_path": config["SFTP_STORAGE_ROOT"],
            "params": config["SFTP_STORAGE_PARAMS"],
            "known_host_file": config["SFTP_KNOWN_HOST_FILE"],
        }

    return Case(
        "storages.backends.sftpstorage.SFTPStorage",
        options(),
        given_secrets=options(),
        secret_options=("params",),
    )


def ftp_case(request: pytest.FixtureRequest, tmp: Path) -> Case:
    server = request.getfixturevalue("pyftpdlib")
    return Case(
        "storages.backends.ftp.FTPStorage",
        {"location": ftp_location(server)},
        given_secrets={"location": ftp_location(server)},
        secret_options=("location",),
    )


def dropbox_case(request: pytest.FixtureRequest, tmp: Path) -> Case:
    server = request.getfixturevalue("dropbox_server")  # points this process's SDK at it
    return Case(
        "storages.backends.dropbox.DropboxStorage",
        {"oauth2_access_token": TOKEN, "root_path": unique_root()},
        given_secrets={"oauth2_access_token": TOKEN, "root_path": unique_root()},
        secret_options=("oauth2_access_token",),
        dropbox={"port": server.port, "workdir": str(server.workdir)},
    )


def libcloud_case(request: pytest.FixtureRequest, tmp: Path) -> Case:
    moto = request.getfixturevalue("moto")
    bucket = new_bucket()
    raw_client(moto).create_bucket(Bucket=bucket)
    providers = {"moto": s3_provider(moto, bucket)}
    return Case(
        "storages.backends.apache_libcloud.LibCloudStorage",
        {"provider_name": "moto", "providers": providers, "location": "configured/"},
        given_secrets={"provider_name": "moto", "providers": providers, "location": "given/"},
        secret_options=("providers",),
    )


def couchdb_case(request: pytest.FixtureRequest, tmp: Path) -> Case:
    server = request.getfixturevalue("couchdb")
    options = {"server": server.url, "database": DATABASE}
    return Case(
        "storages.backends.couchdb.CouchDBStorage",
        {**options, "location": _location()},
        given_secrets={**options, "location": _location()},
        secret_options=("server",),
    )


def database_case(request: pytest.FixtureRequest, tmp: Path) -> Case:
    alias = request.getfixturevalue("sqlite_db")["alias"]
    from django.conf import settings

    return Case(
        "storages.backends.database.DatabaseStorage",
        {"using": alias, "location": _location()},
        databases={alias: settings.DATABASES[alias]},
    )


def mogilefs_case(request: pytest.FixtureRequest, tmp: Path) -> Case:
    server = request.getfixturevalue("mogilefs")
    return Case(
        "storages.backends.mogile.MogileFSStorage",
        {"domain": DOMAIN, "trackers": trackers(server), "location": _location()},
    )


def filesystem_case(request: pytest.FixtureRequest, tmp: Path) -> Case:
    # A FileSystemStorage: Django's deconstruction, its keywords (it has no secret).
    options = {"location": str(tmp / "media")}
    return Case("storages.backends.filesystem.LocalStorage", options, by_alias=False)


CASES: dict[str, Callable[[pytest.FixtureRequest, Path], Case]] = {
    "s3": s3_case,
    "azure": azure_case,
    "gcs": gcs_case,
    "sftp": sftp_case,
    "ftp": ftp_case,
    "dropbox": dropbox_case,
    "libcloud": libcloud_case,
    "couchdb": couchdb_case,
    "database": database_case,
    "mogilefs": mogilefs_case,
    "filesystem": filesystem_case,
}


@pytest.fixture(params=sorted(CASES))
def case(request: pytest.FixtureRequest, tmp_path: Path, django_db_blocker: Any) -> Iterator[Case]:
    with django_db_blocker.unblock():  # the Database backend's files are in a database
        yield dataclasses.replace(CASES[request.param](request, tmp_path), name=request.param)


def run_worker(case: Case, setting: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    env = {**os.environ, **case.env, "DJANGO_SETTINGS_MODULE": "tests.clients.rebuild_settings"}
    env["STORAGES_REBUILD_SETTINGS"] = json.dumps(
        {"STORAGES": setting, "DATABASES": case.databases}
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.clients.rebuild_worker"],
        input=json.dumps(payload),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def migration_of(storage: Any) -> str:
    """Return what a migration records of a FileField on *storage*."""
    text, _imports = MigrationWriter.serialize(models.FileField(storage=storage))
    return text


def test_rebuilt_in_a_fresh_process(case: Case) -> None:
    setting = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        ALIAS: {"BACKEND": case.backend, "OPTIONS": case.options},
    }
    with override_settings(STORAGES=materialise(setting)):
        configured = storages[ALIAS]
        path, args, kwargs = configured.deconstruct()
        assert (tuple(args), kwargs) == ((), {"alias": ALIAS} if case.by_alias else case.options)
        assert import_string(path) is type(configured)
        secrets = configured.options.secret_values() if case.by_alias else []
        parent_file = configured.save("parent.txt", ContentFile(b"from the parent"))
        given = None
        if case.given_secrets is not None:
            keywords = materialise({"x": {"OPTIONS": case.given_secrets}})["x"]["OPTIONS"]
            given = import_string(case.backend)(**keywords)
            secrets += given.options.secret_values()
            deconstructed = given.deconstruct()
            assert deconstructed[2]["needs_secrets"] == sorted(case.secret_options)
            assert not set(case.secret_options) & set(deconstructed[2])
        for storage in (configured, given):
            if storage is not None:
                recorded = migration_of(storage)
                assert not [secret for secret in secrets if secret in recorded], recorded

        payload = {
            "configured": [path, list(args), kwargs],
            "parent_file": parent_file,
            "given_secrets": list(given.deconstruct()) if given is not None else None,
            "dropbox": case.dropbox,
        }
        seen = run_worker(case, setting, payload)

        assert seen["configured"] == {
            "parent_content": "from the parent",
            "own_content": "from the worker",
            "own_exists_after_delete": False,
        }
        assert not configured.exists(parent_file)  # the worker deleted it: the same place
        if given is not None:
            failure = seen["given_secrets"]
            assert not [secret for secret in secrets if secret in failure["message"]]
            refused = failure["error"] == "django.core.exceptions.ImproperlyConfigured" and all(
                repr(option) in failure["message"] for option in case.secret_options
            )
            assert refused, failure
