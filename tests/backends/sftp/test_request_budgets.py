"""Requests per operation on SFTP: the fewest the protocol allows (the docs page's table).

Counted inside paramiko, at ``SFTPClient._async_request`` (every SFTP request goes through it),
against the OpenSSH sshd of the test harness.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Iterator
from typing import Any

import paramiko
import pytest
from django.core.files.base import ContentFile
from paramiko.sftp import CMD_EXTENDED, CMD_NAMES, CMD_READ, CMD_WRITE

from storages.backends.sftp import SFTPStorage
from tests.backends.sftp.servers import sshd
from tests.backends.sftp.test_sftp import make_storage
from tests.harness.servers import RunningServer

__all__ = ["sshd"]  # the fixture this module uses

KiB = 1024
MiB = 1024 * KiB


class Requests:
    """The SFTP requests sent since the last :meth:`take`: their names, and read/write sizes."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.sizes: list[int] = []

    def record(self, kind: int, args: tuple[Any, ...]) -> None:
        name = args[0] if kind == CMD_EXTENDED else CMD_NAMES.get(kind, str(kind))
        self.sent.append(str(name))
        if kind == CMD_READ:
            self.sizes.append(int(args[2]))
        elif kind == CMD_WRITE:
            self.sizes.append(len(args[2]))

    def take(self) -> dict[str, int]:
        """Return how many requests of each kind were sent, and start counting anew."""
        counted = dict(collections.Counter(self.sent))
        self.sent.clear()
        return counted

    def take_sizes(self) -> list[int]:
        sizes, self.sizes = self.sizes, []
        return sizes


@pytest.fixture
def requests(monkeypatch: pytest.MonkeyPatch) -> Requests:
    counter = Requests()
    original = paramiko.SFTPClient._async_request

    def counted(sftp: Any, fileobj: Any, kind: int, *args: Any) -> Any:
        counter.record(kind, args)
        return original(sftp, fileobj, kind, *args)

    monkeypatch.setattr(paramiko.SFTPClient, "_async_request", counted)
    return counter


@pytest.fixture
def storage(sshd: RunningServer) -> Iterator[SFTPStorage]:
    storage = make_storage(sshd)
    storage.save("small.txt", ContentFile(b"s" * KiB))
    storage.save("large.bin", ContentFile(os.urandom(4 * MiB)))
    yield storage
    storage.close()


def test_exists_and_size_are_one_stat(storage: SFTPStorage, requests: Requests) -> None:
    requests.take()
    assert storage.exists("small.txt")
    assert requests.take() == {"stat": 1}
    assert storage.size("small.txt") == KiB
    assert requests.take() == {"stat": 1}


def test_read_1024_of_a_large_file_is_one_read(storage: SFTPStorage, requests: Requests) -> None:
    requests.take()
    with storage.open("large.bin") as handle:
        assert len(handle.read(1024)) == 1024
    assert requests.take() == {"open": 1, "fstat": 1, "read": 1, "close": 1}
    assert requests.take_sizes() == [32 * KiB]  # one request, not a read-ahead window


def test_read_of_a_small_file(storage: SFTPStorage, requests: Requests) -> None:
    requests.take()
    with storage.open("small.txt") as handle:
        assert handle.read() == b"s" * KiB
    assert requests.take() == {"open": 1, "fstat": 1, "read": 1, "close": 1}
    assert requests.take_sizes() == [KiB]


def test_read_to_the_end_asks_for_each_byte_once(storage: SFTPStorage, requests: Requests) -> None:
    requests.take()
    with storage.open("large.bin") as handle:
        assert len(handle.read()) == 4 * MiB
    assert requests.take() == {"open": 1, "fstat": 1, "read": 128, "close": 1}
    assert set(requests.take_sizes()) == {32 * KiB}


def test_save_of_a_small_file(storage: SFTPStorage, requests: Requests) -> None:
    requests.take()
    storage.save("new.txt", ContentFile(b"n" * KiB))
    # stat: is the name free (Django's get_available_name); then the atomic replace.
    assert requests.take() == {
        "stat": 1,
        "open": 1,
        "write": 1,
        "close": 1,
        "posix-rename@openssh.com": 1,
    }


def test_save_over_a_file_when_overwriting(sshd: RunningServer, requests: Requests) -> None:
    with make_storage(sshd, file_overwrite=True) as storage:
        storage.save("over.txt", ContentFile(b"old"))
        requests.take()
        storage.save("over.txt", ContentFile(b"new"))
        assert requests.take() == {
            "open": 1,
            "write": 1,
            "close": 1,
            "posix-rename@openssh.com": 1,
        }


def test_save_into_a_new_directory_creates_it(storage: SFTPStorage, requests: Requests) -> None:
    requests.take()
    storage.save("a/b/new.txt", ContentFile(b"n"))
    counted = requests.take()
    # The first open fails (no directory); only then are the directories looked for and made.
    assert counted["mkdir"] == 2
    assert counted["open"] == 2
    assert storage.open("a/b/new.txt").read() == b"n"


def test_a_large_save_writes_32_kib_requests(storage: SFTPStorage, requests: Requests) -> None:
    requests.take()
    storage.save("big.bin", ContentFile(b"x" * (MiB + 5)))
    assert requests.take()["write"] == 33
    assert sorted(requests.take_sizes(), reverse=True) == [32 * KiB] * 32 + [5]


def test_delete_is_one_remove(storage: SFTPStorage, requests: Requests) -> None:
    requests.take()
    storage.delete("small.txt")
    assert requests.take() == {"remove": 1}
    storage.delete("small.txt")  # missing: not an error
    assert requests.take() == {"remove": 1}


def test_listdir(storage: SFTPStorage, requests: Requests) -> None:
    requests.take()
    assert storage.listdir("") == ([], ["large.bin", "small.txt"])
    # The end of a listing is a readdir answered "end of file".
    assert requests.take() == {"opendir": 1, "readdir": 2, "close": 1}
