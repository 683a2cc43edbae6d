"""What is specific to FTPStorage: the location URL and its password, connections, streaming
transfers, appending writes, listings without MLSD, FTPS."""

from __future__ import annotations

import importlib
import os
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.test import override_settings

from storages.backends.ftp import FTPStorage
from storages.backends.ftp.connection import DirEntry, parse_list_line, parse_mdtm, parse_mlst
from tests.backends.ftp.servers import ftp_location, pyftpdlib, pyftpdlib_tls, vsftpd
from tests.bigfiles import round_trip_256_mib
from tests.harness.servers import RunningServer
from tests.harness.specs.ftp import USER
from tests.serverconnections import drop_server_connections, upload_cut_keeps_the_previous_file

__all__ = ["pyftpdlib", "pyftpdlib_tls", "vsftpd"]  # the fixtures this module uses


@pytest.fixture(params=["pyftpdlib", "vsftpd"])
def server(request: pytest.FixtureRequest) -> RunningServer:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


def make_storage(server: RunningServer, **options: Any) -> FTPStorage:
    return FTPStorage(location=ftp_location(server), **options)


@pytest.fixture
def storage(server: RunningServer) -> Iterator[FTPStorage]:
    with make_storage(server) as storage:
        yield storage


def local_path(server: RunningServer, storage: FTPStorage, name: str) -> Path:
    """Return where the server keeps *name* (the test servers run on this machine)."""
    assert storage._location is not None
    return Path((server.workdir / "data_dir").read_text()) / storage._location.root / name


# -- the location and its password -------------------------------------------------------------
def test_password_stays_out_of_repr_migrations_and_errors(pyftpdlib: RunningServer) -> None:
    password = "Wr0ng-" + os.urandom(6).hex()
    location = f"ftp://{USER}:{password}@127.0.0.1:{pyftpdlib.port}/x"
    storage = FTPStorage(location=location)
    assert password not in repr(storage)
    assert "location='***'" in repr(storage)
    assert "location" not in storage.deconstruct()[2]
    with pytest.raises(PermissionError) as caught:  # pyftpdlib makes a failed login wait ~3 s
        storage.exists("x")
    chain = [caught.value, caught.value.__cause__, caught.value.__context__]
    assert all(password not in f"{exc} {exc!r}" for exc in chain if exc is not None)


@pytest.mark.parametrize(
    "location",
    ["http://user:s3cr3tpw@host/", "ftp://user:s3cr3tpw@host:notaport/", "ftp:///path"],
)
def test_bad_location_is_refused_without_the_password(location: str) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        FTPStorage(location=location)
    assert "s3cr3tpw" not in str(caught.value)


def test_location_is_required() -> None:
    with pytest.raises(ImproperlyConfigured, match="FTP_STORAGE_LOCATION"):
        FTPStorage().exists("x")


def test_location_from_the_environment(
    pyftpdlib: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FTP_STORAGE_LOCATION", ftp_location(pyftpdlib))
    with FTPStorage() as storage:
        storage.save("env.txt", ContentFile(b"env"))
        assert storage.exists("env.txt")


def test_allow_overwrite_alias(pyftpdlib: RunningServer) -> None:
    with make_storage(pyftpdlib, allow_overwrite=True) as storage:
        storage.save("same.txt", ContentFile(b"1"))
        assert storage.save("same.txt", ContentFile(b"22")) == "same.txt"
        assert storage.size("same.txt") == 2


def test_url_defaults_to_media_url(pyftpdlib: RunningServer) -> None:
    with override_settings(MEDIA_URL="/media/"):
        assert make_storage(pyftpdlib).url("a b.txt") == "/media/a%20b.txt"


# -- writes ------------------------------------------------------------------------------------
def test_many_writes_in_one_open_append(server: RunningServer, storage: FTPStorage) -> None:
    with storage.open("log.txt", "wb") as handle:
        for part in (b"first ", b"second ", b"third"):
            handle.write(part)
            handle.flush()
    assert local_path(server, storage, "log.txt").read_bytes() == b"first second third"


def test_save_is_atomic_while_writing(server: RunningServer, storage: FTPStorage) -> None:
    storage.save("doc.txt", ContentFile(b"old"))
    handle = storage.open("doc.txt", "wb")
    handle.write(b"new" * 100_000)
    handle.flush()
    assert local_path(server, storage, "doc.txt").read_bytes() == b"old"
    handle.close()
    assert local_path(server, storage, "doc.txt").read_bytes() == b"new" * 100_000
    assert storage.listdir("") == ([], ["doc.txt"])


# -- connections -------------------------------------------------------------------------------
def test_connection_is_reused(storage: FTPStorage) -> None:
    storage.save("one.txt", ContentFile(b"1"))
    pool = storage.client
    first = pool._idle[-1]
    storage.exists("one.txt")
    storage.listdir("")
    storage.size("one.txt")
    with storage.open("one.txt") as handle:
        assert handle.read() == b"1"
    assert pool._idle == [first]


def test_open_file_and_other_calls_use_separate_connections(storage: FTPStorage) -> None:
    storage.save("a.txt", ContentFile(b"a" * 300_000))
    with storage.open("a.txt") as handle:
        assert handle.read(10) == b"a" * 10
        assert storage.exists("a.txt")  # while the RETR is still running
        assert storage.size("a.txt") == 300_000
    started = time.monotonic()
    assert storage.exists("a.txt")  # the connection of the cut-short read is usable again
    assert time.monotonic() - started < 1


def test_close_closes_connections(storage: FTPStorage) -> None:
    storage.save("c.txt", ContentFile(b"c"))
    connection = storage.client._idle[-1]
    storage.close()
    assert connection.ftp.sock is None
    assert storage.exists("c.txt")


def test_reconnects_after_the_server_dropped_the_connection(vsftpd: RunningServer) -> None:
    with make_storage(vsftpd) as storage:
        storage.save("before.txt", ContentFile(b"before"))
        old = storage.client._idle[-1]
        drop_server_connections(vsftpd)
        assert storage.size("before.txt") == 6
        assert storage.client._idle[-1] is not old


def test_idle_connection_is_checked_before_reuse(vsftpd: RunningServer) -> None:
    with make_storage(vsftpd, idle_check=0.0) as storage:
        storage.save("x.txt", ContentFile(b"x"))
        drop_server_connections(vsftpd)
        assert storage.exists("x.txt")


def test_connection_killed_mid_upload_keeps_the_previous_file(vsftpd: RunningServer) -> None:
    with make_storage(vsftpd) as storage:
        upload_cut_keeps_the_previous_file(vsftpd, storage)


# -- large files -------------------------------------------------------------------------------
def test_256_mib_round_trip_with_bounded_memory(vsftpd: RunningServer) -> None:
    # About 4 s here (vsftpd), so it runs in the normal suite; SFTP's takes ~20 s (guarded).
    with make_storage(vsftpd) as storage:
        print(round_trip_256_mib(storage))


# -- FTPS --------------------------------------------------------------------------------------
def test_ftps_refuses_an_untrusted_certificate(pyftpdlib_tls: RunningServer) -> None:
    storage = FTPStorage(location=ftp_location(pyftpdlib_tls, scheme="ftps"))
    with pytest.raises(ConnectionError, match="CERTIFICATE_VERIFY_FAILED") as info:
        storage.exists("x")
    assert isinstance(info.value.__cause__, ssl.SSLCertVerificationError)


def test_plain_ftp_is_refused_by_a_tls_only_server(pyftpdlib_tls: RunningServer) -> None:
    storage = FTPStorage(location=ftp_location(pyftpdlib_tls))
    with pytest.raises(OSError, match="SSL/TLS required"):
        storage.exists("x")


def test_ftps_protects_the_data_connection(pyftpdlib_tls: RunningServer) -> None:
    ca_file = str(pyftpdlib_tls.workdir / "ca.pem")
    location = ftp_location(pyftpdlib_tls, scheme="ftps")
    with FTPStorage(location=location, tls_ca_file=ca_file) as storage:
        storage.save("tls.txt", ContentFile(b"over TLS"))  # the server requires PROT P
        assert storage.open("tls.txt").read() == b"over TLS"
        assert isinstance(storage.client._idle[-1].ftp.sock, ssl.SSLSocket)


# -- listings ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "entry"),
    [
        (
            "drwxr-xr-x    2 1002     1002         4096 Nov 22 02:10 sub dir",
            DirEntry("sub dir", True),
        ),
        (
            "-rw-r--r--    1 root     root            5 Jan 01  2024 a b.txt",
            DirEntry("a b.txt", False),
        ),
        (
            "lrwxrwxrwx    1 0        0               4 Nov 22 02:10 link -> file",
            DirEntry("link", False),
        ),
        ("01-31-24  09:15PM       <DIR>          Windows Dir", DirEntry("Windows Dir", True)),
        ("01-31-24  09:15PM                 1234 report 1.pdf", DirEntry("report 1.pdf", False)),
        ("total 8", None),
        ("drwxr-xr-x    2 0 0 4096 Nov 22 02:10 .", None),
    ],
)
def test_list_lines(line: str, entry: DirEntry | None) -> None:
    assert parse_list_line(line) == entry


def test_mlst_replies() -> None:
    reply = (
        "250-Listing /d/a b.txt\r\n Type=file;Size=5;modify=20241122021000; /d/a b.txt\r\n250 End."
    )
    assert parse_mlst(reply) == {"type": "file", "size": "5", "modify": "20241122021000"}
    assert parse_mlst("250 End.") == {}


def test_stat_of_files_and_directories(storage: FTPStorage) -> None:
    # One MLST on pyftpdlib; SIZE and MDTM (CWD for a directory) on vsftpd.
    storage.save("dir/file.txt", ContentFile(b"12345"))
    entry = storage.stat("dir/file.txt")
    assert (entry.size, entry.is_dir) == (5, False)
    assert entry.modified is not None
    assert storage.get_modified_time("dir/file.txt") == entry.modified
    assert storage.stat("dir").is_dir
    with pytest.raises(FileNotFoundError):
        storage.stat("dir/missing.txt")


def test_mdtm_replies() -> None:
    assert parse_mdtm("213 20241122021000").isoformat() == "2024-11-22T02:10:00+00:00"
    assert parse_mdtm("213 20241122021000.25").microsecond == 250_000


@pytest.mark.parametrize(
    "module",
    [
        "storages.backends.ftp",
        "storages.backends.ftp.storage",
        "storages.backends.ftp.options",
        "storages.backends.ftp.errors",
        "storages.backends.ftp.streams",
        "storages.backends.ftp.connection",
    ],
)
def test_all_is_honest(module: str) -> None:
    imported = importlib.import_module(module)
    assert all(getattr(imported, name) is not None for name in imported.__all__)
