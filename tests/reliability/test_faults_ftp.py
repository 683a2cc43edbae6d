"""Faults between FTPStorage and pyftpdlib (plain, passive): cut transfers, dropped sessions,
stalls.

Every connection goes through a :class:`FaultProxy` in FTP mode: it rewrites the passive-mode
replies, so the data connections are proxied (and faulted) too.
"""

from __future__ import annotations

import ftplib
import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from storages.backends.ftp import FTPStorage
from tests.backends.ftp.servers import ftp_location
from tests.harness.faultproxy import DOWN, UP, FaultProxy
from tests.harness.servers import RunningServer
from tests.harness.specs.ftp import USER
from tests.reliability.faults import interrupted_read, interrupted_save, stalled_operation
from tests.reliability.session_targets import (
    dropped_mid_upload,
    dropped_session,
    stalled_transfer,
)

#: The client timeout of these tests (seconds): stalls last far longer.
TIMEOUT = 1.0


@pytest.fixture(scope="module")
def pyftpdlib(test_server: Callable[[str], RunningServer]) -> RunningServer:
    return test_server("pyftpdlib")


@pytest.fixture
def proxy(pyftpdlib: RunningServer) -> Iterator[FaultProxy]:
    with FaultProxy(pyftpdlib.port, ftp=True) as proxy:
        yield proxy


def proxied_storage(server: RunningServer, proxy: FaultProxy, **options: Any) -> FTPStorage:
    """Return a storage on *server* through *proxy*, in a fresh directory."""
    location = ftp_location(server).replace(f":{server.port}/", f":{proxy.port}/", 1)
    return FTPStorage(location=location, **{"timeout": TIMEOUT, **options})


@pytest.fixture
def storage(pyftpdlib: RunningServer, proxy: FaultProxy) -> Iterator[FTPStorage]:
    with proxied_storage(pyftpdlib, proxy) as storage:
        yield storage


def test_proxy_carries_the_data_connections(pyftpdlib: RunningServer, proxy: FaultProxy) -> None:
    """ftplib's own transfers pass through the proxy: one connection each, plus the control."""
    password = (pyftpdlib.workdir / "password").read_text()
    data = bytes(range(256)) * 4096
    with ftplib.FTP(timeout=5) as ftp:
        ftp.connect(proxy.host, proxy.port)
        ftp.login(USER, password)
        ftp.storbinary("STOR proxied.bin", io.BytesIO(data))
        received = io.BytesIO()
        ftp.retrbinary("RETR proxied.bin", received.write)
        ftp.delete("proxied.bin")
    assert received.getvalue() == data
    assert proxy.accepted == 3


@pytest.mark.parametrize("overwrite", [False, True], ids=["renaming", "overwriting"])
@pytest.mark.parametrize("at", [0.05, 0.5, 0.95])
def test_upload_cut_mid_stream_keeps_the_previous_file(
    pyftpdlib: RunningServer, proxy: FaultProxy, overwrite: bool, at: float
) -> None:
    with proxied_storage(pyftpdlib, proxy, file_overwrite=overwrite) as storage:
        assert interrupted_save(storage, proxy, at=at) == "raised"


@pytest.mark.parametrize("at", [0.05, 0.5, 0.95])
def test_download_cut_mid_stream_raises(storage: FTPStorage, proxy: FaultProxy, at: float) -> None:
    assert interrupted_read(storage, proxy, at=at) == "raised"


def test_dropped_session_reconnects_by_itself(storage: FTPStorage, proxy: FaultProxy) -> None:
    # At least one connection per operation (a transfer adds its data connection).
    assert dropped_session(storage, proxy) >= 6


def test_session_dropped_mid_upload_keeps_the_previous_file(
    storage: FTPStorage, proxy: FaultProxy
) -> None:
    dropped_mid_upload(storage, proxy)


def test_stalled_read_fails_within_the_timeout(storage: FTPStorage, proxy: FaultProxy) -> None:
    assert stalled_operation(storage, proxy, timeout=TIMEOUT) == "raised"


@pytest.mark.parametrize("direction", [UP, DOWN])
def test_data_connection_stalled_mid_stream_fails_within_the_timeout(
    storage: FTPStorage, proxy: FaultProxy, direction: str
) -> None:
    """FTP_STORAGE_TIMEOUT bounds the data connections too, not only the control one."""
    stalled_transfer(storage, proxy, timeout=TIMEOUT, direction=direction)
