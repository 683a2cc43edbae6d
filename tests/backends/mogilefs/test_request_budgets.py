"""Requests per operation on MogileFS: the fewest the protocol allows (the docs page's table).

Counted as tracker commands plus storage-node HTTP requests, against the stand-in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.base import ContentFile

from storages.backends.mogilefs import MogileFSStorage
from storages.testing.content import GeneratedFile
from tests.backends.mogilefs.servers import DOMAIN, mogilefs, trackers, unique_location
from tests.bigfiles import big_files, round_trip_256_mib
from tests.harness.servers import RunningServer

__all__ = ["mogilefs"]  # the fixture this module uses

MiB = 1024 * 1024


class Sent:
    """Every tracker command and storage-node request a storage sends, in order."""

    def __init__(self, storage: MogileFSStorage, monkeypatch: pytest.MonkeyPatch) -> None:
        self.requests: list[str] = []
        connection = storage.client
        command, send = connection.tracker.request, connection.http.request

        def tracker(name: str, **args: Any) -> Any:
            self.requests.append(name)
            return command(name, **args)

        def http(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            self.requests.append(method.upper())
            return send(method, url, *args, **kwargs)

        monkeypatch.setattr(connection.tracker, "request", tracker)
        monkeypatch.setattr(connection.http, "request", http)

    def take(self) -> list[str]:
        requests, self.requests = self.requests, []
        return requests


@pytest.fixture
def storage(mogilefs: RunningServer) -> Iterator[MogileFSStorage]:
    options = {"domain": DOMAIN, "trackers": trackers(mogilefs), "location": unique_location()}
    with MogileFSStorage(**options) as storage:
        yield storage


@pytest.fixture
def sent(storage: MogileFSStorage, monkeypatch: pytest.MonkeyPatch) -> Sent:
    return Sent(storage, monkeypatch)


def test_exists_and_size_are_one_tracker_command(storage: MogileFSStorage, sent: Sent) -> None:
    storage.save("a.txt", ContentFile(b"four"))
    sent.take()
    assert storage.exists("a.txt")
    assert not storage.exists("missing.txt")
    assert storage.size("a.txt") == 4
    assert sent.take() == ["file_info", "file_info", "file_info"]


def test_read_to_the_end_is_get_paths_and_one_get(storage: MogileFSStorage, sent: Sent) -> None:
    name = storage.save("three.bin", GeneratedFile(3 * MiB))
    sent.take()
    with storage.open(name) as handle:
        assert handle.read() == bytes(GeneratedFile(3 * MiB).read())
    assert sent.take() == ["get_paths", "GET"]


def test_read_1024_of_a_large_file_is_get_paths_and_one_get(
    storage: MogileFSStorage, sent: Sent
) -> None:
    name = storage.save("large.bin", GeneratedFile(32 * MiB))
    sent.take()
    with storage.open(name) as handle:
        assert handle.read(1024) == bytes(GeneratedFile(32 * MiB).read(1024))
    assert sent.take() == ["get_paths", "GET"]
    # Closing early dropped that connection: the next request works.
    assert storage.size(name) == 32 * MiB


def test_small_save_is_open_put_close(storage: MogileFSStorage, sent: Sent) -> None:
    # Django's renaming policy asks whether the name is free first (file_overwrite=False).
    storage.save("new.txt", ContentFile(b"small"))
    assert sent.take() == ["file_info", "create_open", "PUT", "create_close"]


def test_small_save_overwriting_is_open_put_close(
    mogilefs: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = {"domain": DOMAIN, "trackers": trackers(mogilefs), "location": unique_location()}
    with MogileFSStorage(file_overwrite=True, **options) as storage:
        sent = Sent(storage, monkeypatch)
        storage.save("new.txt", ContentFile(b"small"))
        storage.save("new.txt", ContentFile(b"again"))
        assert sent.take() == ["create_open", "PUT", "create_close"] * 2
        assert storage.open("new.txt").read() == b"again"


def test_delete_is_one_tracker_command(storage: MogileFSStorage, sent: Sent) -> None:
    storage.save("gone.txt", ContentFile(b"x"))
    sent.take()
    storage.delete("gone.txt")
    storage.delete("never.txt")
    assert sent.take() == ["delete", "delete"]


@big_files
def test_256_mib_round_trip_with_bounded_memory(storage: MogileFSStorage, sent: Sent) -> None:
    print(round_trip_256_mib(storage))
    # A save under a free name, a whole read, a 1 KiB read, size() and delete().
    save = ["file_info", "create_open", "PUT", "create_close"]
    reads = ["get_paths", "GET"] * 2
    assert sent.take() == [*save, *reads, "file_info", "delete"]
