"""Requests per operation on CouchDB: the fewest the protocol allows (the docs page's table).

Counted at the storage's ``requests`` session, against pouchdb-server.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.core.files.base import ContentFile

from storages.backends.couchdb import CouchDBStorage
from storages.errors import StorageConnectionError
from storages.testing.content import GeneratedFile
from tests.backends.couchdb.servers import DATABASE, couchdb, unique_location
from tests.harness.servers import RunningServer

__all__ = ["couchdb"]  # the fixture this module uses

MiB = 1024 * 1024


class Sent:
    """The method of every request a storage's session sends, in order."""

    def __init__(self, storage: CouchDBStorage, monkeypatch: pytest.MonkeyPatch) -> None:
        self.requests: list[str] = []
        session = storage.client
        send = session.request

        def counting(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            self.requests.append(method.upper())
            return send(method, url, *args, **kwargs)

        monkeypatch.setattr(session, "request", counting)

    def take(self) -> list[str]:
        requests, self.requests = self.requests, []
        return requests


def _storage(couchdb: RunningServer, **options: Any) -> CouchDBStorage:
    return CouchDBStorage(
        server=couchdb.url, database=DATABASE, location=unique_location(), **options
    )


@pytest.fixture
def storage(couchdb: RunningServer) -> Iterator[CouchDBStorage]:
    with _storage(couchdb) as storage:
        yield storage


@pytest.fixture
def sent(storage: CouchDBStorage, monkeypatch: pytest.MonkeyPatch) -> Sent:
    return Sent(storage, monkeypatch)


def test_exists_is_one_head_and_size_one_get_of_the_document(
    storage: CouchDBStorage, sent: Sent
) -> None:
    storage.save("a.txt", ContentFile(b"four"))
    sent.take()
    assert storage.exists("a.txt")
    assert not storage.exists("missing.txt")
    assert storage.size("a.txt") == 4
    assert sent.take() == ["HEAD", "HEAD", "GET"]


def test_read_to_the_end_is_one_get(storage: CouchDBStorage, sent: Sent) -> None:
    name = storage.save("three.bin", GeneratedFile(3 * MiB))
    sent.take()
    with storage.open(name) as handle:
        assert handle.read() == bytes(GeneratedFile(3 * MiB).read())
    assert sent.take() == ["GET"]


def test_read_1024_of_a_large_file_is_one_get(storage: CouchDBStorage, sent: Sent) -> None:
    name = storage.save("large.bin", GeneratedFile(16 * MiB))
    sent.take()
    with storage.open(name) as handle:
        assert handle.read(1024) == bytes(GeneratedFile(16 * MiB).read(1024))
    assert sent.take() == ["GET"]
    # Closing early dropped that connection: the next request works.
    assert storage.size(name) == 16 * MiB


def test_small_save_of_a_free_name_is_one_put(storage: CouchDBStorage, sent: Sent) -> None:
    # Django's renaming policy asks whether the name is free first (file_overwrite=False).
    storage.save("new.txt", ContentFile(b"small"))
    assert sent.take() == ["HEAD", "PUT"]
    assert storage.open("new.txt").read() == b"small"


def test_small_save_with_the_revision_known_is_one_put(
    couchdb: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _storage(couchdb, file_overwrite=True) as storage:
        sent = Sent(storage, monkeypatch)
        storage.save("new.txt", ContentFile(b"small"))  # the revision is learned here
        assert sent.take() == ["GET", "PUT"]
        storage.save("new.txt", ContentFile(b"again"))
        assert sent.take() == ["PUT"]
        assert storage.size("new.txt") == 5  # a stat tells the revision too
        assert sent.take() == ["GET"]
        storage.save("new.txt", ContentFile(b"third"))
        assert sent.take() == ["PUT"]
        assert storage.open("new.txt").read() == b"third"


def _replaced_by_another_writer(storage: CouchDBStorage, name: str) -> str:
    """Replace the file *name* behind *storage*'s back (its known revision goes stale); return
    the attachment's URL."""
    url = f"{storage._doc_url(storage._key(name))}/content"
    rev = requests.get(url.rsplit("/", 1)[0], timeout=10).json()["_rev"]
    requests.put(url, params={"rev": rev}, data=b"theirs", timeout=10).raise_for_status()
    return url


def test_a_stale_revision_is_read_again(
    couchdb: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _storage(couchdb, file_overwrite=True) as storage:
        storage.save("busy.txt", ContentFile(b"mine"))
        url = _replaced_by_another_writer(storage, "busy.txt")
        sent = Sent(storage, monkeypatch)
        storage.save("busy.txt", ContentFile(b"mine again"))
        assert sent.take() == ["PUT", "GET", "PUT"]
        assert requests.get(url, timeout=10).content == b"mine again"


def test_delete_with_the_revision_known_is_one_request(storage: CouchDBStorage, sent: Sent) -> None:
    storage.save("gone.txt", ContentFile(b"x"))
    sent.take()
    storage.delete("gone.txt")
    assert sent.take() == ["DELETE"]
    assert not storage.exists("gone.txt")
    storage.delete("never.txt")  # nothing to delete: the lookup says so
    assert sent.take() == ["HEAD", "GET"]


def test_a_delete_with_a_stale_revision_reads_it_again(
    storage: CouchDBStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage.save("busy.txt", ContentFile(b"mine"))
    _replaced_by_another_writer(storage, "busy.txt")
    sent = Sent(storage, monkeypatch)
    storage.delete("busy.txt")
    assert sent.take() == ["DELETE", "GET", "DELETE"]
    assert not storage.exists("busy.txt")


def test_the_environment_proxy_still_applies(
    couchdb: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The session reads the environment once, when it is made: what it read is used.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        proxy = f"http://127.0.0.1:{closed.getsockname()[1]}"
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy)
    with _storage(couchdb) as storage, pytest.raises(StorageConnectionError):
        storage.size("any.txt")
