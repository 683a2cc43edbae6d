"""What is specific to FTPStorage: the location URL and its password, connections, streaming
transfers, appending writes, listings without MLSD, FTPS."""

from __future__ import annotations

import contextlib
import dataclasses
import ftplib
import importlib
import os
import ssl
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.test import override_settings

from storages.backends.ftp import FTPStorage
from storages.backends.ftp.connection import (
    DirEntry,
    parse_list_line,
    parse_location,
    parse_mdtm,
    parse_mlst,
)
from storages.errors import StorageNameError
from tests.backends.ftp.servers import (
    AWKWARD_PASSWORD,
    LocalFTPServer,
    ftp_location,
    hashing_ftpd,
    pyftpdlib,
    pyftpdlib_tls,
    vsftpd,
)
from tests.bigfiles import round_trip_256_mib
from tests.harness.faultproxy import DOWN, UP, FaultProxy
from tests.harness.servers import RunningServer
from tests.harness.specs.ftp import USER
from tests.serverconnections import (
    drop_server_connections,
    save_through_a_lost_rename,
    upload_cut_keeps_the_previous_file,
)

__all__ = ["hashing_ftpd", "pyftpdlib", "pyftpdlib_tls", "vsftpd"]  # the fixtures used here


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


# -- names: their encoding (1.x: Latin-1) ------------------------------------------------------
def stored_names(server: RunningServer, storage: FTPStorage) -> list[bytes]:
    """Return the names of the files in the storage's directory, as bytes on the server's disk."""
    return sorted(os.listdir(os.fsencode(local_path(server, storage, ""))))


def test_names_are_utf_8_on_a_server_that_announces_it(pyftpdlib: RunningServer) -> None:
    with make_storage(pyftpdlib) as storage:
        storage.save("отчёт.txt", ContentFile(b"utf-8"))
        assert storage.client._idle[-1].encoding == "utf-8"  # FEAT lists UTF8
        assert stored_names(pyftpdlib, storage) == ["отчёт.txt".encode()]
        assert storage.listdir("") == ([], ["отчёт.txt"])


def test_names_are_latin_1_on_a_server_that_does_not(vsftpd: RunningServer) -> None:
    """As django-storages 1.x sent them: files it stored keep their names."""
    with make_storage(vsftpd) as storage:
        storage.save("café.txt", ContentFile(b"latin-1"))
        assert stored_names(vsftpd, storage) == ["café.txt".encode("latin-1")]
        assert storage.listdir("") == ([], ["café.txt"])
        assert storage.open("café.txt").read() == b"latin-1"
        assert not storage.exists("отчёт.txt")  # no file can have that name there
        with pytest.raises(StorageNameError, match="FTP_STORAGE_ENCODING"):
            storage.save("отчёт.txt", ContentFile(b"x"))
        with pytest.raises(FileNotFoundError):
            storage.open("отчёт.txt")
        storage.delete("отчёт.txt")  # missing: nothing to do


def test_encoding_setting_wins(vsftpd: RunningServer) -> None:
    with override_settings(FTP_STORAGE_ENCODING="utf-8"), make_storage(vsftpd) as storage:
        storage.save("отчёт.txt", ContentFile(b"utf-8"))
        assert stored_names(vsftpd, storage) == ["отчёт.txt".encode()]


def test_unknown_encoding_is_refused() -> None:
    with (
        override_settings(FTP_STORAGE_ENCODING="latin-99"),
        pytest.raises(ImproperlyConfigured, match=r"FTP_STORAGE_ENCODING.*unknown encoding"),
    ):
        FTPStorage(location="ftp://host/")


# -- the location forms of 1.x -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("location", "expected"),
    [
        # 1.x's form: nothing percent-encoded, the port given; the password holds delimiters.
        ("ftp://me:pa/ss#w?rd@%41:x@host:2121/media", ("me", "pa/ss#w?rd@%41:x", 2121, "media")),
        # RFC 1738: percent-encoded, port 21 by default.
        ("ftp://me:pa%2Fss%40x@host/media/", ("me", "pa/ss@x", 21, "media")),
        # An empty path is the server's root, as 1.x read it; %2F starts an absolute one.
        ("ftp://me:pw@host:21/", ("me", "pw", 21, "/")),
        ("ftp://me:pw@host:21/%2Fsrv/media", ("me", "pw", 21, "/srv/media")),
        ("ftp://host", ("anonymous", "", 21, "/")),
    ],
)
def test_location_forms(location: str, expected: tuple[str, str, int, str]) -> None:
    parsed = parse_location(location)
    assert (parsed.user, parsed.password, parsed.port, parsed.root) == expected
    assert parsed.host == "host"


def test_aftp_location_is_active_mode(pyftpdlib: RunningServer) -> None:
    location = ftp_location(pyftpdlib).replace("ftp://", "aftp://")
    with FTPStorage(location=location) as storage:
        storage.save("active.txt", ContentFile(b"active"))
        assert storage.open("active.txt").read() == b"active"
        assert storage.client._idle[-1].ftp.passiveserver is False


def test_password_full_of_url_delimiters(hashing_ftpd: LocalFTPServer) -> None:
    """In the percent-encoded form and in 1.x's unencoded one."""
    raw = f"ftp://{USER}:{AWKWARD_PASSWORD}@127.0.0.1:{hashing_ftpd.port}/raw"
    for location in (hashing_ftpd.location("encoded"), raw):
        with FTPStorage(location=location) as storage:
            storage.save("in.txt", ContentFile(b"logged in"))
            assert storage.open("in.txt").read() == b"logged in"


def test_positional_1x_constructor(pyftpdlib: RunningServer) -> None:
    location = ftp_location(pyftpdlib)
    with FTPStorage(location, "https://cdn.example/m/") as storage:
        assert storage.url("a b.txt") == "https://cdn.example/m/a%20b.txt"
        storage.save("positional.txt", ContentFile(b"1.x"))
        assert "location" not in storage.deconstruct()[2]  # a secret: never in a migration
    with override_settings(FTP_STORAGE_LOCATION=location), FTPStorage(None, "/m/") as storage:
        assert storage.exists("positional.txt")
        assert storage.url("positional.txt") == "/m/positional.txt"


# -- names that begin with "/" (1.x sent them as given) -----------------------------------------
def test_leading_slash_is_read_under_the_location(server: RunningServer) -> None:
    with make_storage(server) as storage:
        storage.save("dir/a.txt", ContentFile(b"a"))
        assert storage.listdir("/") == storage.listdir("") == (["dir"], [])
        assert storage.listdir("/dir") == ([], ["a.txt"])
        assert storage.exists("/dir/a.txt")
        assert storage.size("/dir/a.txt") == 1
        assert storage.open("//dir/a.txt").read() == b"a"
        assert storage.url("/dir/a.txt") == storage.url("dir/a.txt")
        storage.delete("/dir/a.txt")
        assert not storage.exists("dir/a.txt")
        for escaping in ("/../x.txt", "/dir/../../x.txt"):
            with pytest.raises(SuspiciousFileOperation):
                storage.exists(escaping)


# -- the save whose rename answer is lost (issue 17) -------------------------------------------
def arm_on_command(monkeypatch: pytest.MonkeyPatch, command: str, arm: Callable[[], None]) -> None:
    """Call *arm* as ftplib sends *command*, the first time (the fault is the proxy's)."""
    original = ftplib.FTP.putcmd
    armed = []

    def putcmd(ftp: ftplib.FTP, line: str) -> None:
        if line.startswith(f"{command} ") and not armed:
            armed.append(line)
            arm()
        original(ftp, line)

    monkeypatch.setattr(ftplib.FTP, "putcmd", putcmd)


@contextlib.contextmanager
def proxied_storage(
    port: int, location: Callable[[int], str]
) -> Iterator[tuple[FTPStorage, FaultProxy]]:
    """Return an overwriting storage whose every connection goes through a fault proxy."""
    with FaultProxy(port, ftp=True) as proxy:
        options = {"location": location(proxy.port), "file_overwrite": True, "timeout": 5}
        with FTPStorage(**options) as storage:
            yield storage, proxy


def through_proxy(server: RunningServer) -> Callable[[int], str]:
    root = uuid.uuid4().hex
    return lambda port: ftp_location(dataclasses.replace(server, port=port), root=root)


@pytest.mark.parametrize(
    ("cut", "saved"), [(DOWN, True), (UP, False)], ids=["answer-lost", "command-lost"]
)
def test_connection_lost_during_the_rename(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch, cut: str, saved: bool
) -> None:
    """The connection breaks as the rename is sent. If the server renamed (its answer lost),
    the save succeeded; if the command never reached it, the old file stays and the error is
    raised. Either way no temporary file is left."""
    with proxied_storage(server.port, through_proxy(server)) as (storage, proxy):
        storage.save("doc.txt", ContentFile(b"old"))
        arm_on_command(monkeypatch, "RNTO", lambda: proxy.reset_after(1, direction=cut))
        save_through_a_lost_rename(storage, saved)
        assert proxy.fired == 1


def test_lost_rename_is_checked_by_digest_where_offered(
    hashing_ftpd: LocalFTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = uuid.uuid4().hex
    location = lambda port: hashing_ftpd.location(root, port=port)  # noqa: E731
    with proxied_storage(hashing_ftpd.port, location) as (s, proxy):
        s.save("doc.txt", ContentFile(b"old content"))
        arm_on_command(monkeypatch, "RNTO", lambda: proxy.reset_after(1, direction=DOWN))
        s.save("doc.txt", ContentFile(b"new content"))  # the same size: only the digest tells
        assert hashing_ftpd.handler.hashed == [f"/{root}/doc.txt"]
        # A digest that does not match says the target is not this upload: the error stands.
        monkeypatch.setattr(hashing_ftpd.handler, "lying", True)
        arm_on_command(monkeypatch, "RNTO", lambda: proxy.reset_after(1, direction=DOWN))
        with pytest.raises(ConnectionError):
            s.save("doc.txt", ContentFile(b"NEW CONTENT"))
