"""Each networked backend as the fault tests see it: a :class:`FaultTarget` per backend.

A target says how to build a storage whose every connection crosses a :class:`FaultProxy`
(built the way the contract suite builds it, but on :func:`through`: the session's server seen
at the proxy's port, with the short :data:`TIMEOUT`), which of the scenarios of
:mod:`tests.reliability.faults` apply to it, with which parameters, and what each must end in.
The comments beside each declaration say why a backend ends where it does; ``test_faults.py``
runs them.
"""

from __future__ import annotations

import contextlib
import math
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config

from storages.backends.apache_libcloud import LibCloudStorage
from storages.backends.azure_storage import AzureStorage
from storages.backends.couchdb import CouchDBStorage
from storages.backends.dropbox import DropboxStorage
from storages.backends.ftp import FTPStorage
from storages.backends.gcloud import GoogleCloudStorage
from storages.backends.libcloud.connection import RETRY
from storages.backends.s3 import S3Storage
from storages.backends.sftp import SFTPStorage
from tests.backends.azure.conftest import CONTAINER
from tests.backends.couchdb.servers import DATABASE, unique_location
from tests.backends.dropbox.standin import sdk_pointed_at, unique_root
from tests.backends.ftp.servers import ftp_location
from tests.backends.gcs.conftest import BUCKET as GCS_BUCKET
from tests.backends.gcs.conftest import PROJECT, local_credentials, point_client_at
from tests.backends.libcloud.servers import s3_provider
from tests.backends.s3.fixtures import BUCKET as S3_BUCKET
from tests.backends.s3.fixtures import storage_options
from tests.backends.sftp.servers import sftp_settings
from tests.harness.faultproxy import FaultProxy
from tests.harness.servers import RunningServer
from tests.harness.specs.azurite import connection_string
from tests.harness.specs.dropbox import TOKEN, standin_call
from tests.harness.specs.sshd import known_hosts_for
from tests.reliability.fault_cases import (
    BOTH_RETRIED,
    CUTS,
    HEADERS_RETRIED_BODY_RAISES,
    OVERWRITE,
    READ_CUTS,
    SESSION_CUTS,
    TIMEOUT,
    Burst,
    FaultTarget,
    Stall,
    cuts_and,
    every_cut,
    through,
)

__all__ = ["AZURE", "COUCHDB", "DROPBOX", "FTP", "GCS", "LIBCLOUD", "S3", "SFTP", "TARGETS"]


def _fresh_location() -> str:
    return f"faults-{uuid.uuid4().hex[:12]}"


# -- S3 (moto) ----------------------------------------------------------------------------------


def _s3(server: RunningServer, proxy: FaultProxy, **options: Any) -> S3Storage:
    short = Config(connect_timeout=TIMEOUT, read_timeout=TIMEOUT)
    return S3Storage(
        **{"client_config": short, **storage_options(through(server, proxy)), **options}
    )


def _s3_defaults(server: RunningServer, proxy: FaultProxy) -> dict[str, object]:
    with S3Storage(**storage_options(server)) as storage:
        config = storage.client.meta.config
        return {"connect": config.connect_timeout, "read": config.read_timeout}


S3 = FaultTarget(
    name="s3",
    server="moto",
    storage=_s3,
    # botocore rewinds the body and sends the PUT again on a new connection.
    cuts=every_cut(CUTS),
    write_outcome="retried",
    # A ranged GET continues from the byte the read broke at.
    read_cuts=CUTS,
    read_outcome="resumed",
    stalls=BOTH_RETRIED,
    # One per operation: botocore's standard mode waits up to 1 s before its first retry.
    bursts=(Burst(503, count=1),),
    default_timeouts=_s3_defaults,
)


# -- Azure (Azurite) ----------------------------------------------------------------------------


def _azure(server: RunningServer, proxy: FaultProxy, **options: Any) -> AzureStorage:
    """The default retry policy minus its 15 s backoff."""
    return AzureStorage(
        connection_string=connection_string(through(server, proxy)),
        azure_container=CONTAINER,
        location=_fresh_location(),
        timeout=TIMEOUT,
        client_options={"initial_backoff": 0, "increment_base": 0, "random_jitter_range": 0},
        **options,
    )


def _azure_defaults(server: RunningServer, proxy: FaultProxy) -> dict[str, object]:
    with AzureStorage(connection_string=connection_string(server)) as storage:
        return {"timeout": storage.options.timeout}


AZURE = FaultTarget(
    name="azure",
    server="azurite",
    storage=_azure,
    # The SDK resends the block (or the whole blob) on a new connection: the ~2 MiB payload in
    # one request, or staged in two blocks.
    cuts=cuts_and(
        {
            "one-request": {"max_memory_size": 4 * 1024 * 1024},
            "staged-blocks": {"max_memory_size": 1024 * 1024},
        }
    ),
    write_outcome="retried",
    # A ranged GET continues from the byte the read broke at.
    read_cuts=CUTS,
    read_outcome="resumed",
    stalls=BOTH_RETRIED,
    bursts=(Burst(503),),
    default_timeouts=_azure_defaults,
)


# -- Google Cloud Storage (gcp-storage-emulator) ------------------------------------------------


def _gcs(server: RunningServer, proxy: FaultProxy, **options: Any) -> GoogleCloudStorage:
    return GoogleCloudStorage(
        bucket_name=GCS_BUCKET,
        project_id=PROJECT,
        credentials=local_credentials(),
        location=_fresh_location(),
        timeout=TIMEOUT,
        **options,
    )


@contextlib.contextmanager
def _gcs_pointed_at(server: RunningServer) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        point_client_at(server, patch)
        yield


GCS = FaultTarget(
    name="gcs",
    server="gcs_server",
    storage=_gcs,
    # The client library sends the object (or the chunk) again on a new connection: the ~2 MiB
    # payload in one request, or as a resumable upload of 4 chunks.
    cuts=cuts_and(
        {"one-request": {"blob_chunk_size": None}, "resumable": {"blob_chunk_size": 512 * 1024}}
    ),
    write_outcome="retried",
    # A ranged GET continues from the byte the read broke at.
    read_cuts=CUTS,
    read_outcome="resumed",
    stalls=BOTH_RETRIED,
    # The library waits up to 1 s before its first retry: one 503 each for an upload, a
    # download (the storage's own request) and a JSON API call (all of those share one policy).
    bursts=(Burst(503, count=1, operations=("save", "read", "listdir")),),
    default_timeouts=lambda server, proxy: {
        "timeout": GoogleCloudStorage(bucket_name=GCS_BUCKET).options.timeout
    },
    pointed_at=_gcs_pointed_at,
)


# -- Dropbox (the HTTPS stand-in) ---------------------------------------------------------------


class StandinFaults:
    """The stand-in's own fault hook (``/_standin/fail``), armed like
    :meth:`FaultProxy.fail_requests` (its answers always carry ``Retry-After: 0``): a proxy
    can't write HTTP answers inside TLS."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server

    def fail_requests(
        self, count: int, status: int = 503, headers: dict[str, str] | None = None
    ) -> None:
        standin_call(self.server, f"fail?count={count}&status={status}", "POST")

    @property
    def pending(self) -> bool:
        return bool(standin_call(self.server, "fail")["pending"])


def _dropbox(server: RunningServer, proxy: FaultProxy, **options: Any) -> DropboxStorage:
    """The SDK finds the proxy by :func:`sdk_pointed_at` (the target's ``pointed_at``)."""
    return DropboxStorage(
        oauth2_access_token=TOKEN, root_path=unique_root(), timeout=TIMEOUT, **options
    )


DROPBOX = FaultTarget(
    name="dropbox",
    server="dropbox_standin",
    storage=_dropbox,
    # The SDK retries answers (5xx, 429), never a broken connection; nor does the storage
    # resend an upload, which may have been stored before its answer was lost.
    cuts=cuts_and({"add": {"write_mode": "add"}, "overwrite": {"write_mode": "overwrite"}}),
    write_outcome="raised",
    # A ranged download continues from the byte the read broke at.
    read_cuts=CUTS,
    read_outcome="resumed",
    stalls=(Stall("handshake", 1, "raised"), Stall("body", 100_000, "retried")),
    # Every route goes through the same SDK retry loop, which waits up to 2 s before retrying a
    # 5xx: one upload and one download route are enough (429s go to every operation).
    bursts=(Burst(503, count=1, operations=("save", "read")), Burst(429)),
    request_faults=lambda server, proxy: StandinFaults(server),
    default_timeouts=lambda server, proxy: {
        "timeout": DropboxStorage(oauth2_access_token=TOKEN).options.timeout
    },
    pointed_at=sdk_pointed_at,
)


# -- CouchDB (pouchdb-server) -------------------------------------------------------------------


def _couchdb(server: RunningServer, proxy: FaultProxy, **options: Any) -> CouchDBStorage:
    return CouchDBStorage(
        server=through(server, proxy).url,
        database=DATABASE,
        location=unique_location(),
        timeout=TIMEOUT,
        **options,
    )


COUCHDB = FaultTarget(
    name="couchdb",
    server="couchdb",
    storage=_couchdb,
    # A write is not sent again after a broken connection: it may have been carried out.
    cuts=cuts_and(OVERWRITE),
    write_outcome="raised",
    read_cuts=READ_CUTS,
    read_outcome="raised",
    # A stall before the answer is retried (a read); one mid-body raises a timeout.
    stalls=HEADERS_RETRIED_BODY_RAISES,
    # Retry-After is honoured.
    bursts=(Burst(503), Burst(429)),
    default_timeouts=lambda server, proxy: {
        "timeout": CouchDBStorage(server=server.url, database=DATABASE).options.timeout
    },
)


# -- Libcloud (its S3 driver on moto) -----------------------------------------------------------


def _libcloud(server: RunningServer, proxy: FaultProxy, **options: Any) -> LibCloudStorage:
    """Configured as the contract suite configures it, on the session's bucket."""
    entry = {**s3_provider(through(server, proxy), S3_BUCKET), "timeout": TIMEOUT}
    location = f"{_fresh_location()}/"
    return LibCloudStorage(providers={"default": entry}, location=location, **options)


def _libcloud_defaults(server: RunningServer, proxy: FaultProxy) -> dict[str, object]:
    with LibCloudStorage(providers={"default": s3_provider(server, S3_BUCKET)}) as storage:
        return {"timeout": storage.driver.connection.connection.session.timeout}


LIBCLOUD = FaultTarget(
    name="libcloud",
    server="moto",
    storage=_libcloud,
    # The whole upload is sent again, from memory (a one-part multipart upload) or, past a
    # small limit, from the spool file (one PUT from its path).
    cuts=cuts_and(
        {"memory": {"max_memory_size": 4 * 1024 * 1024}, "file": {"max_memory_size": 256 * 1024}}
    ),
    write_outcome="retried",
    # A ranged GET of the same version (same ETag) continues from the byte it broke at.
    read_cuts=CUTS,
    read_outcome="resumed",
    stalls=BOTH_RETRIED,
    # 500 is what moto answered under load; as many per operation as there are retries.
    bursts=(Burst(500, count=RETRY.attempts - 1), Burst(503, count=RETRY.attempts - 1)),
    default_timeouts=_libcloud_defaults,
    # Libcloud's S3 driver signs with datetime.utcnow(), deprecated since Python 3.12.
    marks=(pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning"),),
)


# -- FTP (pyftpdlib, plain, passive) ------------------------------------------------------------


def _ftp(server: RunningServer, proxy: FaultProxy, **options: Any) -> FTPStorage:
    return FTPStorage(
        location=ftp_location(through(server, proxy)), **{"timeout": TIMEOUT, **options}
    )


FTP = FaultTarget(
    name="ftp",
    server="pyftpdlib",
    storage=_ftp,
    cuts=every_cut(SESSION_CUTS, OVERWRITE),
    write_outcome="raised",
    read_cuts=SESSION_CUTS,
    read_outcome="raised",
    stalls=(Stall("first-byte", 1, "raised"),),
    # At least one connection per operation (a transfer adds its data connection).
    reconnections=(6, math.inf),
    # Data connections go through the proxy (and its faults) too.
    ftp=True,
)


# -- SFTP (OpenSSH sshd) ------------------------------------------------------------------------


def _sftp(server: RunningServer, proxy: FaultProxy, **options: Any) -> SFTPStorage:
    """Logging in by key; ``params`` replaces the short timeout."""
    params = options.pop("params", {"timeout": TIMEOUT})
    key = str(server.workdir / "client_ed25519")
    config = sftp_settings(through(server, proxy), key_filename=key, **params)
    return SFTPStorage(
        host=proxy.host,
        root_path=config["SFTP_STORAGE_ROOT"],
        params=config["SFTP_STORAGE_PARAMS"],
        known_host_file=str(known_hosts_for(server, proxy.port)),
        **options,
    )


def _sftp_defaults(server: RunningServer, proxy: FaultProxy) -> dict[str, object]:
    """Without a ``timeout`` in ``params``, every wait of paramiko."""
    with _sftp(server, proxy, params={}) as storage:
        connection = storage.client
        transport = connection.ssh.get_transport()
        return {
            "banner": transport.banner_timeout,
            "auth": transport.auth_timeout,
            "channel": transport.channel_timeout,
            "sftp channel": connection.sftp.get_channel().gettimeout(),
        }


SFTP = FaultTarget(
    name="sftp",
    server="sshd",
    storage=_sftp,
    cuts=every_cut(SESSION_CUTS, OVERWRITE),
    write_outcome="raised",
    read_cuts=SESSION_CUTS,
    # A read goes on over a new session from the byte it broke at (the file unchanged).
    read_outcome="resumed",
    stalls=(Stall("first-byte", 1, "raised"),),
    default_timeouts=_sftp_defaults,
    longest_default=60,
    # One connection per operation: a dropped session is noticed without a failed request.
    reconnections=(6, 6),
)


#: Every networked backend the fault tests run on.
TARGETS = (S3, AZURE, GCS, DROPBOX, COUCHDB, LIBCLOUD, FTP, SFTP)
