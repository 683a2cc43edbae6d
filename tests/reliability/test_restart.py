"""Kill a backend's server, check the outage gives a clear error, restart it: the SAME storage
instance must work again, without being recreated.

Each backend gets a private server (the session's shared ones serve other tests), killed with
SIGKILL as a crash would, and restarted on the same port and working directory. In-memory
servers lose their data: the setup a fresh server needs (a bucket, a container, a database) is
redone, as an operator would, before the storage is used again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
import requests
from azure.core.exceptions import ResourceExistsError
from azure.storage.blob import BlobServiceClient
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import connections
from google.auth.credentials import AnonymousCredentials

from storages.backends.azure_storage import AzureStorage
from storages.backends.couchdb import CouchDBStorage
from storages.backends.database import DatabaseStorage
from storages.backends.dropbox import DropboxStorage
from storages.backends.ftp import FTPStorage
from storages.backends.gcloud import GoogleCloudStorage
from storages.backends.mogile import MogileFSStorage
from storages.backends.s3 import S3Storage
from storages.backends.sftpstorage import SFTPStorage
from storages.errors import StorageConnectionError, StorageError
from tests.backends.azure.conftest import CONTAINER as AZURE_CONTAINER
from tests.backends.couchdb.servers import DATABASE as COUCHDB_DATABASE
from tests.backends.database.databases import add_alias, migrate, remove_alias
from tests.backends.dropbox.standin import sdk_pointed_at, unique_root
from tests.backends.ftp.servers import ftp_location
from tests.backends.gcs.conftest import BUCKET as GCS_BUCKET
from tests.backends.gcs.conftest import PROJECT, ensure_bucket, point_client_at
from tests.backends.mogilefs.servers import DOMAIN as MOGILEFS_DOMAIN
from tests.backends.mogilefs.servers import prepare as mogilefs_prepare
from tests.backends.mogilefs.servers import trackers
from tests.backends.s3.fixtures import BUCKET as S3_BUCKET
from tests.backends.s3.fixtures import CREDENTIALS as S3_CREDENTIALS
from tests.backends.sftp.servers import sftp_settings
from tests.harness.catalog import CATALOG
from tests.harness.plugin import on_start_failure
from tests.harness.servers import RunningServer, ServerSpec, ServerStartError, restart, start
from tests.harness.specs import postgres
from tests.harness.specs.azurite import connection_string
from tests.harness.specs.dropbox import TOKEN as DROPBOX_TOKEN
from tests.reliability.faults import read_all
from tests.serverconnections import drop_server_connections

#: An operation during the outage must fail within this many seconds (no endless retries).
OUTAGE_BOUND = 6.0


@dataclasses.dataclass(frozen=True)
class Target:
    """How to run one backend against a private server."""

    server: str
    #: Return a storage on the server (entering any context the backend's client needs).
    storage: Callable[
        [RunningServer, pytest.FixtureRequest], contextlib.AbstractContextManager[Storage]
    ]
    #: Redo what a fresh server needs (idempotent: called after each start).
    prepare: Callable[[RunningServer], None] = lambda server: None
    #: Kill the server as a crash would (and clean up what only a clean stop removes).
    crash: Callable[[RunningServer], None] = lambda server: _kill(server)
    #: Wrap the catalogue's spec (e.g. to keep credentials across restarts).
    spec: Callable[[ServerSpec], ServerSpec] = lambda spec: spec
    #: What the failing operation raises during the outage.
    outage_error: type[StorageError] = StorageConnectionError
    #: Whether that error names the server (its port) it could not reach.
    names_server: bool = True


def _kill(server: RunningServer) -> None:
    """SIGKILL the server's process group, as a crash would, and wait for it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)


@contextlib.contextmanager
def _private_server(spec: ServerSpec, workdir: Path) -> Iterator[list[RunningServer]]:
    """Start *spec* for this test only; yield a one-item list (restarts replace the item)."""
    try:
        holder = [start(spec, workdir)]
    except ServerStartError as error:
        on_start_failure(spec, error, ci=os.environ.get("CI") == "true")
        raise
    try:
        yield holder
    finally:
        holder[0].stop()


def _location() -> str:
    return f"restart-{uuid.uuid4().hex[:12]}"


# -- S3 (moto: in memory) -----------------------------------------------------------------------
def _s3_bucket(server: RunningServer) -> None:
    client = boto3.client(
        "s3",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="y",
    )
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        client.create_bucket(Bucket=S3_BUCKET)
    client.close()


@contextlib.contextmanager
def _s3(server: RunningServer, request: pytest.FixtureRequest) -> Iterator[Storage]:
    with S3Storage(
        bucket_name=S3_BUCKET,
        endpoint_url=server.url,
        region_name="us-east-1",
        location=_location(),
        **S3_CREDENTIALS,
    ) as storage:
        yield storage


# -- Azure (azurite) ----------------------------------------------------------------------------
def _azure_container(server: RunningServer) -> None:
    with (
        BlobServiceClient.from_connection_string(connection_string(server)) as service,
        contextlib.suppress(ResourceExistsError),
    ):
        service.create_container(AZURE_CONTAINER)


@contextlib.contextmanager
def _azure(server: RunningServer, request: pytest.FixtureRequest) -> Iterator[Storage]:
    with AzureStorage(
        connection_string=connection_string(server),
        azure_container=AZURE_CONTAINER,
        location=_location(),
    ) as storage:
        yield storage


# -- Google Cloud Storage (gcp-storage-emulator) ------------------------------------------------
@contextlib.contextmanager
def _gcs(server: RunningServer, request: pytest.FixtureRequest) -> Iterator[Storage]:
    with pytest.MonkeyPatch.context() as patch:
        point_client_at(server, patch)
        with GoogleCloudStorage(
            bucket_name=GCS_BUCKET,
            project_id=PROJECT,
            location=_location(),
            credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        ) as storage:
            yield storage


# -- Dropbox (the stand-in) ---------------------------------------------------------------------
@contextlib.contextmanager
def _dropbox(server: RunningServer, request: pytest.FixtureRequest) -> Iterator[Storage]:
    with (
        sdk_pointed_at(server),
        DropboxStorage(oauth2_access_token=DROPBOX_TOKEN, root_path=unique_root()) as storage,
    ):
        yield storage


# -- CouchDB (pouchdb-server) -------------------------------------------------------------------
def _couchdb_database(server: RunningServer) -> None:
    response = requests.put(f"{server.url}/{COUCHDB_DATABASE}", timeout=10)
    assert response.status_code in (201, 412), response.text


@contextlib.contextmanager
def _couchdb(server: RunningServer, request: pytest.FixtureRequest) -> Iterator[Storage]:
    with CouchDBStorage(
        server=server.url, database=COUCHDB_DATABASE, location=_location()
    ) as storage:
        yield storage


# -- SFTP (OpenSSH sshd) ------------------------------------------------------------------------
@contextlib.contextmanager
def _sftp(server: RunningServer, request: pytest.FixtureRequest) -> Iterator[Storage]:
    config = sftp_settings(server, key_filename=str(server.workdir / "client_ed25519"), timeout=2)
    with SFTPStorage(
        host=config["SFTP_STORAGE_HOST"],
        root_path=config["SFTP_STORAGE_ROOT"],
        params=config["SFTP_STORAGE_PARAMS"],
        known_host_file=config["SFTP_KNOWN_HOST_FILE"],
    ) as storage:
        yield storage


def _sftp_crash(server: RunningServer) -> None:
    # sshd's per-connection processes leave its process group: kill them as well.
    drop_server_connections(server)
    _kill(server)


# -- FTP (pyftpdlib) ----------------------------------------------------------------------------
def _keeping_ftp_password(spec: ServerSpec) -> ServerSpec:
    """pyftpdlib's spec draws a new password at each start: keep the first across restarts."""

    def command(port: int, workdir: Path) -> list[str]:
        saved = workdir / "password"
        kept = saved.read_text() if saved.exists() else None
        args = list(spec.command(port, workdir))
        if kept is not None:
            args = [f"--password={kept}" if a.startswith("--password=") else a for a in args]
            saved.write_text(kept)
        return args

    return dataclasses.replace(spec, command=command)


@contextlib.contextmanager
def _ftp(server: RunningServer, request: pytest.FixtureRequest) -> Iterator[Storage]:
    with FTPStorage(location=ftp_location(server), timeout=2) as storage:
        yield storage


# -- MogileFS (the stand-in) --------------------------------------------------------------------
@contextlib.contextmanager
def _mogilefs(server: RunningServer, request: pytest.FixtureRequest) -> Iterator[Storage]:
    with MogileFSStorage(
        domain=MOGILEFS_DOMAIN, trackers=trackers(server), location=_location()
    ) as storage:
        yield storage


# -- DatabaseStorage (PostgreSQL: a new cluster at each start) ----------------------------------
POSTGRES_ALIAS = "restart_postgres"
#: A second connection, the operator's, that recreates the tables after a restart.
POSTGRES_ADMIN = "restart_postgres_admin"


def _postgres_tables(server: RunningServer) -> None:
    if POSTGRES_ADMIN not in connections.settings:
        add_alias(POSTGRES_ADMIN, postgres.django_settings(server))
    connections[POSTGRES_ADMIN].close()
    migrate(POSTGRES_ADMIN)


@contextlib.contextmanager
def _database(server: RunningServer, request: pytest.FixtureRequest) -> Iterator[Storage]:
    blocker = request.getfixturevalue("django_db_blocker")
    with blocker.unblock():
        add_alias(POSTGRES_ALIAS, postgres.django_settings(server))
        try:
            with DatabaseStorage(using=POSTGRES_ALIAS, location=_location()) as storage:
                yield storage
        finally:
            remove_alias(POSTGRES_ALIAS)
            if POSTGRES_ADMIN in connections.settings:
                remove_alias(POSTGRES_ADMIN)


def _postgres_crash(server: RunningServer) -> None:
    # A clean stop removes the cluster's directory and its SysV shared memory segment (line 7
    # of postmaster.pid: key, id); a crash leaves both behind.
    data_dirs = [
        Path(args[args.index("-D") + 1])
        for args in _descendant_commands(server)
        if "-D" in args and Path(args[0]).name == "postgres"
    ]
    segments = []
    for directory in data_dirs:
        with contextlib.suppress(OSError, IndexError):
            segments.append((directory / "postmaster.pid").read_text().splitlines()[6].split()[1])
    _kill(server)
    for directory in data_dirs:
        shutil.rmtree(directory, ignore_errors=True)
    for segment in segments:
        subprocess.run(["ipcrm", "-m", segment], check=False, capture_output=True)


def _descendant_commands(server: RunningServer) -> list[list[str]]:
    """Return the command lines of the server's process group (read from /proc)."""
    commands = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            if os.getpgid(int(entry.name)) == server.process.pid:
                raw = (entry / "cmdline").read_bytes()
                commands.append([part.decode() for part in raw.split(b"\0") if part])
    return commands


TARGETS: list[Target] = [
    Target("moto", _s3, prepare=_s3_bucket),
    Target("azurite", _azure, prepare=_azure_container),
    Target("gcs", _gcs, prepare=lambda server: ensure_bucket(server, GCS_BUCKET)),
    Target("dropbox", _dropbox),
    Target("pouchdb", _couchdb, prepare=_couchdb_database),
    Target("sshd", _sftp, crash=_sftp_crash),
    # ftplib's error is the bare socket error: "[Errno 111] Connection refused".
    Target("pyftpdlib", _ftp, spec=_keeping_ftp_password, names_server=False),
    Target("mogilefs", _mogilefs, prepare=mogilefs_prepare),
    Target(
        "postgres",
        _database,
        prepare=_postgres_tables,
        crash=_postgres_crash,
        # Django's OperationalError says "connection refused" but not which kind of failure.
        outage_error=StorageError,
    ),
]


def _check_outage(target: Target, storage: Storage, server: RunningServer) -> None:
    """Save during the outage: check it fails clearly, and fast (no long retries)."""
    started = time.monotonic()
    with pytest.raises(OSError) as caught:
        storage.save("restart/during.txt", ContentFile(b"during the outage"))
    elapsed = time.monotonic() - started
    assert elapsed < OUTAGE_BOUND, f"the failing save took {elapsed:.1f} s"
    assert isinstance(caught.value, target.outage_error), repr(caught.value)
    assert str(caught.value), "the error says nothing"
    if target.names_server:
        assert str(server.port) in str(caught.value), f"which server? {caught.value}"


@pytest.mark.parametrize("target", TARGETS, ids=lambda target: target.server)
def test_same_storage_works_after_the_server_restarts(
    target: Target, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    spec = target.spec(CATALOG[target.server])
    with (
        _private_server(spec, tmp_path / target.server) as holder,
        target.storage(holder[0], request) as storage,
    ):
        target.prepare(holder[0])
        name = storage.save("restart/before.txt", ContentFile(b"before the crash"))
        assert read_all(storage, name) == b"before the crash"

        target.crash(holder[0])
        _check_outage(target, storage, holder[0])

        holder[0] = restart(holder[0])
        target.prepare(holder[0])
        after = storage.save("restart/after.txt", ContentFile(b"after the restart"))
        assert read_all(storage, after) == b"after the restart"
        assert storage.exists(after)
