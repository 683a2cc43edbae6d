"""Faults between SFTPStorage and a real OpenSSH sshd: cut transfers, dropped sessions, stalls.

Every connection goes through a :class:`FaultProxy`; the known-hosts file names the proxy's
address with the server's real host keys, so host-key checking stays on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from storages.backends.sftp import SFTPStorage
from storages.errors import StorageConnectionError
from tests.backends.sftp.servers import sftp_settings
from tests.harness.faultproxy import DOWN, UP, FaultProxy
from tests.harness.servers import RunningServer
from tests.reliability.faults import interrupted_read, interrupted_save, stalled_operation
from tests.reliability.session_targets import (
    dropped_mid_upload,
    dropped_session,
    stalled_transfer,
)

#: The client timeout of these tests (seconds): stalls last far longer.
TIMEOUT = 1.0


@pytest.fixture(scope="module")
def sshd(test_server: Callable[[str], RunningServer]) -> RunningServer:
    return test_server("sshd")


@pytest.fixture
def proxy(sshd: RunningServer) -> Iterator[FaultProxy]:
    with FaultProxy(sshd.port) as proxy:
        yield proxy


def proxied_known_hosts(server: RunningServer, proxy: FaultProxy, path: Path) -> Path:
    """Write a known-hosts file that gives the proxy's address the server's real host keys."""
    lines = []
    for name in ("host_ed25519.pub", "host_rsa.pub"):
        kind, key = (server.workdir / name).read_text().split()[:2]
        lines.append(f"[{proxy.host}]:{proxy.port} {kind} {key}\n")
    path.write_text("".join(lines))
    return path


def proxied_storage(
    server: RunningServer, proxy: FaultProxy, tmp_path: Path, **options: Any
) -> SFTPStorage:
    """Return a storage on *server* through *proxy*, under a fresh root, logging in by key."""
    params = options.pop("params", {"timeout": TIMEOUT})
    config = sftp_settings(
        server, port=proxy.port, key_filename=str(server.workdir / "client_ed25519"), **params
    )
    return SFTPStorage(
        host=proxy.host,
        root_path=config["SFTP_STORAGE_ROOT"],
        params=config["SFTP_STORAGE_PARAMS"],
        known_host_file=str(proxied_known_hosts(server, proxy, tmp_path / "known_hosts")),
        **options,
    )


@pytest.fixture
def storage(sshd: RunningServer, proxy: FaultProxy, tmp_path: Path) -> Iterator[SFTPStorage]:
    with proxied_storage(sshd, proxy, tmp_path) as storage:
        yield storage


@pytest.mark.parametrize("overwrite", [False, True], ids=["renaming", "overwriting"])
@pytest.mark.parametrize("at", [0.05, 0.5, 0.95])
def test_upload_cut_mid_stream_keeps_the_previous_file(
    sshd: RunningServer, proxy: FaultProxy, tmp_path: Path, overwrite: bool, at: float
) -> None:
    with proxied_storage(sshd, proxy, tmp_path, file_overwrite=overwrite) as storage:
        assert interrupted_save(storage, proxy, at=at) == "raised"


@pytest.mark.parametrize("at", [0.05, 0.5, 0.95])
def test_download_cut_mid_stream_raises(storage: SFTPStorage, proxy: FaultProxy, at: float) -> None:
    assert interrupted_read(storage, proxy, at=at) == "raised"


def test_dropped_session_reconnects_by_itself(storage: SFTPStorage, proxy: FaultProxy) -> None:
    # One connection per operation: a dropped session is noticed without a failed request.
    assert dropped_session(storage, proxy) == 6


def test_session_dropped_mid_upload_keeps_the_previous_file(
    storage: SFTPStorage, proxy: FaultProxy
) -> None:
    dropped_mid_upload(storage, proxy)


def test_stalled_read_fails_within_the_timeout(storage: SFTPStorage, proxy: FaultProxy) -> None:
    assert stalled_operation(storage, proxy, timeout=TIMEOUT) == "raised"


@pytest.mark.parametrize("direction", [UP, DOWN])
def test_transfer_stalled_mid_stream_fails_within_the_timeout(
    storage: SFTPStorage, proxy: FaultProxy, direction: str
) -> None:
    stalled_transfer(storage, proxy, timeout=TIMEOUT, direction=direction)


def test_stalled_login_fails_within_the_timeout(
    sshd: RunningServer, proxy: FaultProxy, tmp_path: Path
) -> None:
    storage = proxied_storage(sshd, proxy, tmp_path)
    proxy.stall_after(10, 60, direction=DOWN)  # inside the server's banner
    started = time.monotonic()
    with pytest.raises(StorageConnectionError):
        storage.exists("anything")
    assert time.monotonic() - started < TIMEOUT * 5 + 5
    assert proxy.fired == 1


def test_default_timeouts_are_finite(
    sshd: RunningServer, proxy: FaultProxy, tmp_path: Path
) -> None:
    """Without a ``timeout`` in ``params`` no wait of paramiko is left unbounded."""
    with proxied_storage(sshd, proxy, tmp_path, params={}) as storage:
        connection = storage.client
        transport = connection.ssh.get_transport()
        waits = {
            "banner": transport.banner_timeout,
            "auth": transport.auth_timeout,
            "channel": transport.channel_timeout,
            "sftp channel": connection.sftp.get_channel().gettimeout(),
        }
    assert all(0 < wait <= 60 for wait in waits.values()), waits
