"""Load on every backend: 16 threads x 200 mixed operations on one storage instance.

Each backend is built from the fixtures and helpers of its contract module, against the same
server. The run must raise nothing unexpected, return no corrupted content (see
:mod:`tests.reliability.load`), and give back every connection and file descriptor: they are
counted after a warm-up and again once the threads have ended and the storage is closed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import Storage

from storages.backends.apache_libcloud import LibCloudStorage
from storages.backends.azure_storage import AzureStorage
from storages.backends.couchdb import CouchDBStorage
from storages.backends.database import DatabaseStorage
from storages.backends.dropbox import DropboxStorage
from storages.backends.filesystem import LocalStorage
from storages.backends.ftp import FTPStorage
from storages.backends.gcloud import GoogleCloudStorage
from storages.backends.mogile import MogileFSStorage
from storages.backends.s3 import S3Storage
from storages.backends.sftpstorage import SFTPStorage
from tests.backends.azure.conftest import CONTAINER, azure_conn, azurite
from tests.backends.couchdb.servers import DATABASE, couchdb
from tests.backends.database.databases import db_files_of, mariadb_db, postgres_db, sqlite_db
from tests.backends.dropbox.standin import dropbox_server, unique_root
from tests.backends.ftp.servers import ftp_location, pyftpdlib
from tests.backends.gcs.conftest import BUCKET, PROJECT, emulator, gcs_server, sa_credentials
from tests.backends.libcloud.servers import s3_provider
from tests.backends.mogilefs.servers import DOMAIN, mogilefs, trackers
from tests.backends.sftp.servers import sftp_settings, sshd
from tests.harness.specs.dropbox import TOKEN
from tests.reliability.load import close_storage, run_load, warm_up
from tests.reliability.resources import open_fds, open_sockets, settle

__all__ = [  # the fixtures this module uses
    "azure_conn",
    "azurite",
    "couchdb",
    "dropbox_server",
    "emulator",
    "gcs_server",
    "mariadb_db",
    "mogilefs",
    "postgres_db",
    "pyftpdlib",
    "sa_credentials",
    "sqlite_db",
    "sshd",
]

THREADS = 16
OPERATIONS = 200
#: Descriptors that may legitimately still be open after close(), beyond the warm-up count.
#: After the warm-up every client a backend keeps for the process exists already, and close()
#: closes even the main thread's client, so a correct backend ends at or below the first count.
#: Two spare: a library may open one lazily on a rare path of the run (a CA bundle, the SQLite
#: journal), and a socket in the middle of closing may still be listed. A leak of one
#: connection per thread (16) or per operation (hundreds) is far past it.
FD_SLACK = 2


def _s3(request: pytest.FixtureRequest) -> Storage:
    return S3Storage(**request.getfixturevalue("s3_options"))


def _azure(request: pytest.FixtureRequest) -> Storage:
    conn = request.getfixturevalue("azure_conn")
    return AzureStorage(connection_string=conn, azure_container=CONTAINER, overwrite_files=True)


def _gcs(request: pytest.FixtureRequest) -> Storage:
    request.getfixturevalue("emulator")
    credentials = request.getfixturevalue("sa_credentials")
    return GoogleCloudStorage(bucket_name=BUCKET, project_id=PROJECT, credentials=credentials)


def _dropbox(request: pytest.FixtureRequest) -> Storage:
    request.getfixturevalue("dropbox_server")
    return DropboxStorage(
        oauth2_access_token=TOKEN, root_path=unique_root(), write_mode="overwrite"
    )


def _couchdb(request: pytest.FixtureRequest) -> Storage:
    server = request.getfixturevalue("couchdb")
    return CouchDBStorage(server=server.url, database=DATABASE, file_overwrite=True)


def _sftp(request: pytest.FixtureRequest) -> Storage:
    server = request.getfixturevalue("sshd")
    config = sftp_settings(server, key_filename=str(server.workdir / "client_ed25519"))
    return SFTPStorage(
        host=config["SFTP_STORAGE_HOST"],
        root_path=config["SFTP_STORAGE_ROOT"],
        params=config["SFTP_STORAGE_PARAMS"],
        known_host_file=config["SFTP_KNOWN_HOST_FILE"],
        file_overwrite=True,
    )


def _ftp(request: pytest.FixtureRequest) -> Storage:
    server = request.getfixturevalue("pyftpdlib")
    return FTPStorage(location=ftp_location(server), passive=True, file_overwrite=True)


def _libcloud(request: pytest.FixtureRequest) -> Storage:
    server = request.getfixturevalue("moto")
    settings = request.getfixturevalue("settings")
    bucket = "load-libcloud"
    settings.LIBCLOUD_PROVIDERS = {"load": s3_provider(server, bucket)}
    storage = LibCloudStorage("load", file_overwrite=True)
    if bucket not in {container.name for container in storage.driver.list_containers()}:
        storage.driver.create_container(bucket)
    return storage


def _mogilefs(request: pytest.FixtureRequest) -> Storage:
    server = request.getfixturevalue("mogilefs")
    return MogileFSStorage(domain=DOMAIN, trackers=trackers(server), file_overwrite=True)


def _database(fixture: str, *, user_table: bool) -> Callable[[pytest.FixtureRequest], Storage]:
    """The zero-config tables, or the documented hand-made DB_FILES table (a row per file)."""

    def build(request: pytest.FixtureRequest) -> Storage:
        database = request.getfixturevalue(fixture)
        if user_table:
            return DatabaseStorage(using=database["alias"], db_files=db_files_of(database))
        return DatabaseStorage(using=database["alias"])

    return build


def _local(request: pytest.FixtureRequest) -> Storage:
    tmp_path: Path = request.getfixturevalue("tmp_path")
    return LocalStorage(location=tmp_path)


BACKENDS: dict[str, Callable[[pytest.FixtureRequest], Storage]] = {
    "s3": _s3,
    "azure": _azure,
    "gcs": _gcs,
    "dropbox": _dropbox,
    "couchdb": _couchdb,
    "sftp": _sftp,
    "ftp": _ftp,
    "libcloud-s3": _libcloud,
    "mogilefs": _mogilefs,
    "database-sqlite": _database("sqlite_db", user_table=False),
    "database-postgres": _database("postgres_db", user_table=False),
    "database-mariadb": _database("mariadb_db", user_table=False),
    "database-sqlite-db_files": _database("sqlite_db", user_table=True),
    "database-postgres-db_files": _database("postgres_db", user_table=True),
    "database-mariadb-db_files": _database("mariadb_db", user_table=True),
    "local": _local,
}

# Libcloud's S3 driver signs with datetime.utcnow(), deprecated since Python 3.12.
_MARKS: dict[str, Any] = {
    "libcloud-s3": pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")
}


@pytest.fixture(
    params=[pytest.param(name, marks=_MARKS.get(name, ()), id=name) for name in BACKENDS]
)
def storage(request: pytest.FixtureRequest, django_db_blocker: Any) -> Iterator[Storage]:
    # DatabaseStorage uses Django's connections, which pytest-django blocks outside its marks.
    with django_db_blocker.unblock():
        storage = BACKENDS[request.param](request)
        yield storage
        close_storage(storage)


def test_load(storage: Storage) -> None:
    warm_up(storage)
    settle()
    fds, sockets = open_fds(), open_sockets()

    result = run_load(storage, threads=THREADS, operations=OPERATIONS)
    close_storage(storage)
    started = time.monotonic()
    settle()
    fds_after, sockets_after = open_fds(), open_sockets()
    print(
        f"\n{type(storage).__name__}: {result.summary()}; fds {fds} -> {fds_after}, "
        f"sockets {sockets} -> {sockets_after} (settled in {time.monotonic() - started:.1f} s)"
    )

    assert sum(result.operations.values()) == THREADS * OPERATIONS
    assert not result.problems(), result.report()
    assert sockets_after <= sockets + FD_SLACK, f"sockets leaked: {sockets} -> {sockets_after}"
    assert fds_after <= fds + FD_SLACK, f"file descriptors leaked: {fds} -> {fds_after}"
