"""FTP commands per operation: the fewest the protocol allows (the docs page's table).

Counted at ``ftplib.FTP.putcmd``, which every command goes through, on a storage whose
connection is already logged in, against pyftpdlib (MLST, MLSD) and vsftpd (SIZE, LIST).
"""

from __future__ import annotations

import ftplib
import tracemalloc
from collections.abc import Iterator

import pytest
from django.core.files.base import ContentFile

from storages.backends.ftp import FTPStorage
from storages.backends.ftp.streams import WRITE_BUFFER, FTPWriter
from storages.testing.content import GeneratedFile
from tests.backends.ftp.servers import ftp_location, pyftpdlib, vsftpd
from tests.harness.servers import RunningServer

__all__ = ["pyftpdlib", "vsftpd"]  # the fixtures used here

MiB = 1024 * 1024


class Sent:
    """The verb of every command the storage's connections send, from now on."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.commands: list[str] = []
        original = ftplib.FTP.putcmd

        def putcmd(ftp: ftplib.FTP, line: str) -> None:
            self.commands.append(line.split(" ", 1)[0].upper())
            original(ftp, line)

        monkeypatch.setattr(ftplib.FTP, "putcmd", putcmd)

    def take(self) -> list[str]:
        commands, self.commands = self.commands, []
        return commands


@pytest.fixture(params=["pyftpdlib", "vsftpd"])
def server(request: pytest.FixtureRequest) -> RunningServer:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


@pytest.fixture
def storage(server: RunningServer) -> Iterator[FTPStorage]:
    # vsftpd does not announce UTF-8: the names here are ASCII, so it does not matter.
    storage = FTPStorage(location=ftp_location(server))
    storage.save("small.txt", ContentFile(b"small"))  # logged in, the directory made
    yield storage
    storage.close()


@pytest.fixture
def sent(storage: FTPStorage, monkeypatch: pytest.MonkeyPatch) -> Sent:
    return Sent(monkeypatch)


def stat_command(storage: FTPStorage) -> str:
    """Return the one command that tells a file's size: MLST where offered, else SIZE."""
    return "MLST" if storage.client._idle[-1].has_mlst else "SIZE"


def test_exists_is_one_command(storage: FTPStorage, sent: Sent) -> None:
    one = stat_command(storage)
    assert storage.exists("small.txt")
    assert sent.take() == [one]


def test_exists_of_a_missing_name(storage: FTPStorage, sent: Sent) -> None:
    one = stat_command(storage)
    assert not storage.exists("missing.txt")
    # Without MLST, a SIZE refused may be a directory: one CWD tells.
    assert sent.take() == ([one] if one == "MLST" else ["SIZE", "CWD"])


def test_size_is_one_command(storage: FTPStorage, sent: Sent) -> None:
    """SIZE, lighter than MLST where the server has both; MLST tells a directory from none."""
    one = stat_command(storage)
    assert storage.size("small.txt") == 5
    assert sent.take() == ["SIZE"]
    with pytest.raises(FileNotFoundError):
        storage.size("missing.txt")
    assert sent.take() == (["SIZE", "MLST"] if one == "MLST" else ["SIZE", "CWD"])


def test_read_to_the_end_is_one_retr(storage: FTPStorage, sent: Sent) -> None:
    with storage.open("small.txt") as handle:
        assert handle.read() == b"small"
    assert sent.take() == ["PASV", "RETR"]


def test_read_1024_of_a_large_file_is_one_retr_reading_little(
    storage: FTPStorage, sent: Sent
) -> None:
    storage.save("large.bin", GeneratedFile(16 * MiB))
    sent.take()
    tracemalloc.start()
    try:
        with storage.open("large.bin") as handle:
            assert len(handle.read(1024)) == 1024
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sent.take() == ["PASV", "RETR"]
    assert peak < 2 * MiB
    assert storage.exists("large.bin")  # the connection of the cut-short read is usable again


def test_small_save_of_a_new_name(storage: FTPStorage, sent: Sent) -> None:
    """Django checks the name is free; with nothing to protect, the STOR goes to the name itself
    and one SIZE checks that the server stored all of it."""
    one = stat_command(storage)
    assert storage.save("new.txt", ContentFile(b"new")) == "new.txt"
    free = [one] if one == "MLST" else ["SIZE", "CWD"]
    assert sent.take() == [*free, "PASV", "STOR", "SIZE"]
    assert storage.open("new.txt").read() == b"new"


def test_small_save_over_a_file(server: RunningServer, sent: Sent) -> None:
    """Overwriting keeps the old file until the new one is complete: STOR to a temporary name,
    then a rename over the file."""
    with FTPStorage(location=ftp_location(server), file_overwrite=True) as storage:
        storage.save("doc.txt", ContentFile(b"old"))
        sent.take()
        assert storage.save("doc.txt", ContentFile(b"new!")) == "doc.txt"
        assert sent.take() == ["PASV", "STOR", "SIZE", "RNFR", "RNTO"]
        assert storage.open("doc.txt").read() == b"new!"


def test_save_into_a_new_directory(storage: FTPStorage, sent: Sent) -> None:
    """The directory is made only when the STOR says it is missing."""
    storage.save("sub/one.txt", ContentFile(b"1"))
    commands = sent.take()
    assert commands[-6:] == ["PASV", "STOR", "MKD", "PASV", "STOR", "SIZE"]
    storage.save("sub/two.txt", ContentFile(b"2"))
    assert "MKD" not in sent.take()


def test_delete_is_one_command(storage: FTPStorage, sent: Sent) -> None:
    storage.delete("small.txt")
    assert sent.take() == ["DELE"]
    assert not storage.exists("small.txt")


def test_listdir_is_one_listing(storage: FTPStorage, sent: Sent) -> None:
    storage.save("dir/inner.txt", ContentFile(b"x"))
    sent.take()
    listing = "MLSD" if stat_command(storage) == "MLST" else "LIST"
    assert storage.listdir("") == (["dir"], ["small.txt"])
    assert sent.take() == ["PASV", listing]
    assert storage.size("small.txt") == 5  # still in binary mode


def test_type_is_sent_once_per_connection(server: RunningServer, sent: Sent) -> None:
    with FTPStorage(location=ftp_location(server)) as storage:
        storage.save("a.txt", ContentFile(b"a"))
        storage.listdir("")
        storage.open("a.txt").read()
        storage.save("b.txt", ContentFile(b"b"))
    assert sent.take().count("TYPE") == 1


def test_writes_go_out_in_blocks_of_a_mib(
    storage: FTPStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes: list[int] = []
    send = FTPWriter._send

    def counted(writer: FTPWriter, data: bytes | bytearray) -> None:
        sizes.append(len(data))
        send(writer, data)

    monkeypatch.setattr(FTPWriter, "_send", counted)
    with storage.open("blocks.bin", "wb") as handle:
        for _ in range(1024):
            handle.write(b"x" * 4096)  # 4 MiB in 4 KiB writes
    assert sizes == [WRITE_BUFFER] * 4
    storage.save("whole.bin", GeneratedFile(3 * MiB + 5))  # read in chunks of a MiB
    assert sizes[4:] == [WRITE_BUFFER] * 3 + [5]
    assert storage.size("whole.bin") == 3 * MiB + 5


def test_truncated_upload_to_a_new_name_is_deleted(
    storage: FTPStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server answered 226 but stored less (a data connection cut looks complete to it):
    the save fails and the short file under the new name is deleted."""
    real_size = ftplib.FTP.size
    short = lambda ftp, path: (real_size(ftp, path) or 0) - 1  # noqa: E731
    monkeypatch.setattr(ftplib.FTP, "size", short)
    with pytest.raises(ConnectionError, match="stored 4 of 5 bytes"):
        storage.save("short.txt", ContentFile(b"12345"))
    monkeypatch.setattr(ftplib.FTP, "size", real_size)
    assert not storage.exists("short.txt")
    assert storage.listdir("") == ([], ["small.txt"])


class KeepsNames(FTPStorage):
    """1.x's way to overwrite: a get_available_name() that returns the name it is given."""

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return name


def test_a_subclass_keeping_names_never_loses_the_old_file(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name may be taken: the upload goes to a temporary name and is renamed over the old
    file only when complete, so a failed one leaves the old file as it was."""
    storage = KeepsNames(location=ftp_location(server))
    storage.save("kept.txt", ContentFile(b"old"))
    real_size = ftplib.FTP.size
    short = lambda ftp, path: (real_size(ftp, path) or 0) - 1  # noqa: E731
    monkeypatch.setattr(ftplib.FTP, "size", short)
    with pytest.raises(ConnectionError):
        storage.save("kept.txt", ContentFile(b"12345"))
    monkeypatch.setattr(ftplib.FTP, "size", real_size)
    with storage.open("kept.txt") as handle:
        assert handle.read() == b"old"
    storage.delete("kept.txt")
    storage.close()
