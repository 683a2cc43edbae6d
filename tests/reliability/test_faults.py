"""Faults between every networked backend and its real server: cut uploads and downloads, bursts
of error answers, stalls past the timeout, dropped sessions.

The scenarios are written once (:mod:`tests.reliability.faults`); each backend is a target
(:mod:`tests.reliability.fault_targets`) that says which apply, with which parameters and which
outcome; :func:`each` and :func:`on` parametrize a test over the targets, so test ids read
``test_cut_upload[couchdb-0.5-overwriting]``. Every connection of a storage goes through the
:class:`FaultProxy` of its backend, disarmed after each test. The last tests are the faults
only one backend has.
"""

from __future__ import annotations

import contextlib
import ftplib
import io
import time
from collections.abc import Callable, Iterable, Iterator

import pytest
from botocore.config import Config
from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from storages.backends.apache_libcloud import LibCloudStorage
from storages.backends.libcloud.connection import RETRY
from storages.backends.s3 import S3Storage
from storages.errors import StorageConnectionError, StorageError
from tests.backends.azure.conftest import azurite
from tests.backends.couchdb.servers import couchdb
from tests.backends.dropbox.standin import dropbox_standin
from tests.backends.ftp.servers import pyftpdlib
from tests.backends.gcs.conftest import gcs_server
from tests.backends.sftp.servers import sshd
from tests.harness.faultproxy import DOWN, UP, FaultProxy
from tests.harness.servers import RunningServer
from tests.harness.specs.ftp import USER
from tests.reliability.fault_cases import (
    TIMEOUT,
    Burst,
    Cut,
    FaultTarget,
    Stall,
    assert_finite_timeout,
    through,
)
from tests.reliability.fault_targets import FTP, LIBCLOUD, S3, SFTP, TARGETS
from tests.reliability.faults import (
    dropped_mid_upload,
    dropped_session,
    interrupted_read,
    interrupted_save,
    payload,
    stalled_operation,
    stalled_transfer,
    transient_errors,
)

# The servers' fixtures, found by the name each target gives.
__all__ = ["azurite", "couchdb", "dropbox_standin", "gcs_server", "pyftpdlib", "sshd"]

#: The backends that hold a logged-in session (SFTP, FTP).
SESSIONS = [target for target in TARGETS if target.reconnections is not None]


def each(argname: str, cases: Callable[[FaultTarget], Iterable[object]]) -> pytest.MarkDecorator:
    """Parametrize a test with ``target`` and *argname*: every case of every target, with the
    id ``<target>-<case>``."""
    params = [
        pytest.param(target, case, id=f"{target.name}-{case}", marks=target.marks)
        for target in TARGETS
        for case in cases(target)
    ]
    return pytest.mark.parametrize(("target", argname), params)


def on(*targets: FaultTarget) -> pytest.MarkDecorator:
    """Parametrize a test with ``target``: each of *targets*, by name."""
    params = [pytest.param(target, id=target.name, marks=target.marks) for target in targets]
    return pytest.mark.parametrize("target", params)


@pytest.fixture
def server(target: FaultTarget, request: pytest.FixtureRequest) -> RunningServer:
    return request.getfixturevalue(target.server)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def proxies() -> Iterator[Callable[[FaultTarget, RunningServer], FaultProxy]]:
    """Return the proxy of a target, started on first use and kept for the module (a proxy
    takes a poll period to shut down)."""
    started: dict[str, FaultProxy] = {}
    with contextlib.ExitStack() as stack:

        def proxy_of(target: FaultTarget, server: RunningServer) -> FaultProxy:
            if target.name not in started:
                proxy = FaultProxy(server.port, ftp=target.ftp)
                started[target.name] = stack.enter_context(proxy)
            return started[target.name]

        yield proxy_of


@pytest.fixture
def proxy(
    target: FaultTarget,
    server: RunningServer,
    proxies: Callable[[FaultTarget, RunningServer], FaultProxy],
) -> Iterator[FaultProxy]:
    """The target's proxy, where its client library is pointed; disarmed after the test, the
    connections it carried dropped, so that nothing armed reaches the next test."""
    proxy = proxies(target, server)
    with target.pointed_at(through(server, proxy)):
        yield proxy
    proxy.clear()
    proxy.drop_connections()


@pytest.fixture
def storage(target: FaultTarget, server: RunningServer, proxy: FaultProxy) -> Iterator[Storage]:
    with target.storage(server, proxy) as storage:
        yield storage


# -- every backend ------------------------------------------------------------------------------


@each("cut", lambda target: target.cuts)
def test_cut_upload(
    target: FaultTarget, server: RunningServer, proxy: FaultProxy, cut: Cut
) -> None:
    """The save is sent again or raises: the previous file stays, nothing half-written."""
    with target.storage(server, proxy, **cut.options) as storage:
        assert interrupted_save(storage, proxy, at=cut.at) == target.write_outcome


@each("at", lambda target: target.read_cuts)
def test_cut_download(target: FaultTarget, storage: Storage, proxy: FaultProxy, at: float) -> None:
    """The read resumes or raises: never truncated data passed off as the whole file."""
    assert interrupted_read(storage, proxy, at=at) == target.read_outcome


@each("burst", lambda target: target.bursts)
def test_error_bursts_are_retried(
    target: FaultTarget, server: RunningServer, storage: Storage, proxy: FaultProxy, burst: Burst
) -> None:
    faults = target.request_faults(server, proxy)
    transient_errors(
        storage, faults, count=burst.count, status=burst.status, operations=burst.operations
    )


@each("stall", lambda target: target.stalls)
def test_stalled_read_ends_within_the_configured_timeout(
    storage: Storage, proxy: FaultProxy, stall: Stall
) -> None:
    assert stalled_operation(storage, proxy, timeout=TIMEOUT, after=stall.after) == stall.outcome


@on(*(target for target in TARGETS if target.default_timeouts is not None))
def test_default_timeouts_are_finite(
    target: FaultTarget, server: RunningServer, proxy: FaultProxy
) -> None:
    assert target.default_timeouts is not None
    for name, seconds in target.default_timeouts(server, proxy).items():
        assert_finite_timeout(seconds, at_most=target.longest_default, name=name)


# -- session protocols --------------------------------------------------------------------------


@on(*SESSIONS)
def test_dropped_session_reconnects_by_itself(
    target: FaultTarget, storage: Storage, proxy: FaultProxy
) -> None:
    assert target.reconnections is not None
    fewest, most = target.reconnections
    assert fewest <= dropped_session(storage, proxy) <= most


@on(*SESSIONS)
def test_session_dropped_mid_upload_keeps_the_previous_file(
    storage: Storage, proxy: FaultProxy
) -> None:
    dropped_mid_upload(storage, proxy)


@each("direction", lambda target: (UP, DOWN) if target in SESSIONS else ())
def test_transfer_stalled_mid_stream_fails_within_the_timeout(
    target: FaultTarget, storage: Storage, proxy: FaultProxy, direction: str
) -> None:
    """The timeout bounds every connection: FTP's data connections too, not only the control
    one. A backend that resumes reads (SFTP) reads on over a new connection."""
    resumes = target.read_outcome == "resumed"
    stalled_transfer(storage, proxy, timeout=TIMEOUT, direction=direction, resumes=resumes)


# -- S3: multipart uploads ----------------------------------------------------------------------

#: Three parts of the smallest size S3 allows: the cut lands in the second.
MULTIPART = 12 * 1024 * 1024


def open_uploads(storage: S3Storage) -> list[dict[str, object]]:
    """Return the multipart uploads started and neither completed nor aborted."""
    listing = storage.client.list_multipart_uploads(
        Bucket=storage.bucket_name, Prefix=storage.location_prefix
    )
    return list(listing.get("Uploads", []))


@on(S3)
def test_cut_multipart_part_is_retried(storage: S3Storage, proxy: FaultProxy) -> None:
    assert interrupted_save(storage, proxy, size=MULTIPART, at=0.5) == "retried"
    assert open_uploads(storage) == []


@on(S3)
def test_cut_multipart_upload_is_aborted(
    target: FaultTarget, server: RunningServer, proxy: FaultProxy
) -> None:
    """Without retries the part fails: no object appears and the upload is aborted."""
    once = {"total_max_attempts": 1, "mode": "standard"}
    config = Config(connect_timeout=TIMEOUT, read_timeout=TIMEOUT, retries=once)
    with target.storage(server, proxy, client_config=config) as storage:
        assert interrupted_save(storage, proxy, size=MULTIPART, at=0.5) == "raised"
        assert open_uploads(storage) == []


# -- Libcloud: bounded attempts, answers closed -------------------------------------------------


def last_answer_closed(storage: LibCloudStorage) -> bool:
    """Whether the last answer the driver's connection received is closed: a streamed one left
    open keeps its socket until garbage collection, where a ResourceWarning may end the run."""
    return bool(storage.driver.connection.connection.response.raw.closed)


@on(LIBCLOUD)
def test_reads_give_up_after_bounded_attempts(storage: LibCloudStorage, proxy: FaultProxy) -> None:
    """More 503s than the backend attempts: the read fails after exactly as many requests as
    its retry policy attempts, and the last failed answer is closed."""
    name = storage.save("faults/unavailable.bin", ContentFile(payload(1000, "unavailable")))
    accepted = proxy.accepted
    proxy.fail_requests(RETRY.attempts + 1, 503, {"Retry-After": "0"})
    with pytest.raises(StorageError, match="503"):
        storage.open(name, "rb")
    assert proxy.accepted - accepted == RETRY.attempts, "the read was not retried as bounded"
    assert last_answer_closed(storage)


@on(LIBCLOUD)
def test_read_abandoned_mid_way_closes_its_answer(storage: LibCloudStorage) -> None:
    content = payload(1024 * 1024, "abandoned")
    name = storage.save("faults/abandoned.bin", ContentFile(content))
    with storage.open(name, "rb") as handle:
        # Past the first window (one read buffer, read whole): into the rest, streamed.
        ahead = storage.chunk_size + 1000
        assert handle.read(ahead) == content[:ahead]
        assert not last_answer_closed(storage), "the body was read whole: the test proves nothing"
    assert last_answer_closed(storage)


# -- FTP: the proxy itself ----------------------------------------------------------------------


@on(FTP)
def test_proxy_carries_the_data_connections(server: RunningServer, proxy: FaultProxy) -> None:
    """ftplib's own transfers pass through the proxy: one connection each, plus the control."""
    password = (server.workdir / "password").read_text()
    data = bytes(range(256)) * 4096
    accepted = proxy.accepted
    with ftplib.FTP(timeout=5) as ftp:
        ftp.connect(proxy.host, proxy.port)
        ftp.login(USER, password)
        ftp.storbinary("STOR proxied.bin", io.BytesIO(data))
        received = io.BytesIO()
        ftp.retrbinary("RETR proxied.bin", received.write)
        ftp.delete("proxied.bin")
    assert received.getvalue() == data
    assert proxy.accepted - accepted == 3


# -- SFTP: the login ----------------------------------------------------------------------------


@on(SFTP)
def test_stalled_login_fails_within_the_timeout(
    target: FaultTarget, server: RunningServer, proxy: FaultProxy
) -> None:
    storage = target.storage(server, proxy)
    fired = proxy.fired
    proxy.stall_after(10, 60, direction=DOWN)  # inside the server's banner
    started = time.monotonic()
    with pytest.raises(StorageConnectionError):
        storage.exists("anything")
    assert time.monotonic() - started < TIMEOUT * 5 + 5
    assert proxy.fired == fired + 1
