"""The core's own promises, seen through the reference object store."""

from __future__ import annotations

import io
import pickle
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db.migrations.writer import MigrationWriter

from storages.errors import StorageNotFoundError, StoragePermissionError
from storages.files import RemoteFile, parse_mode
from storages.testing.content import GeneratedFile
from tests.reference.storage import Client, ReferenceStorage


def read_back(storage: Any, name: str, mode: str = "rb") -> Any:
    with storage.open(name, mode) as handle:
        return handle.read()


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[ReferenceStorage]:
    Client.requests.clear()
    with ReferenceStorage(root=str(tmp_path)) as storage:
        yield storage


def requests() -> dict[str, int]:
    counted = dict(Client.requests)
    Client.requests.clear()
    return counted


def test_small_read_is_one_request(storage: ReferenceStorage) -> None:
    storage.save("f.bin", GeneratedFile(1024 * 1024))
    requests()
    with storage.open("f.bin") as handle:
        assert len(handle.read(3)) == 3
    assert requests() == {"get": 1}


def test_sequential_reads_share_one_stream(storage: ReferenceStorage) -> None:
    storage.save("f.bin", GeneratedFile(1024 * 1024))
    requests()
    with storage.open("f.bin") as handle:
        while handle.read(10_000):
            pass
        assert handle.size == 1024 * 1024
    assert requests() == {"get": 1}


def test_seek_reopens_at_the_offset(storage: ReferenceStorage) -> None:
    storage.save("f.txt", ContentFile(b"0123456789"))
    requests()
    with storage.open("f.txt") as handle:
        handle.seek(7)
        assert handle.read() == b"789"
        handle.seek(-4, io.SEEK_END)
        assert handle.read(2) == b"67"
    assert requests() == {"get": 3}


def test_small_save_is_one_upload(storage: ReferenceStorage) -> None:
    storage.file_overwrite = True
    requests()
    storage.save("new.txt", ContentFile(b"x"))
    assert requests() == {"put": 1}


def test_unsupported_modes_are_refused(storage: ReferenceStorage) -> None:
    storage.save("f.txt", ContentFile(b"x"))
    for mode in ["a", "r+", "rw", "wbt", "x", "rbb"]:
        with pytest.raises(ValueError, match=r"(?i)mode"):
            storage.open("f.txt", mode)
    assert parse_mode("rt") == (False, False)


def test_text_mode_uses_the_storage_encoding(storage: ReferenceStorage) -> None:
    with storage.open("t.txt", "w") as handle:
        assert handle.writable() and not handle.readable()
        handle.write("é")
    assert read_back(storage, "t.txt", "rb") == "é".encode()


def test_write_size_and_reopen(storage: ReferenceStorage) -> None:
    handle = storage.open("w.bin", "wb")
    assert isinstance(handle, RemoteFile)
    handle.write(b"12345")
    assert handle.size == 5
    handle.close()
    handle.open("rb")
    assert handle.read() == b"12345"
    handle.close()


def test_abort_keeps_old_content(storage: ReferenceStorage) -> None:
    storage.save("k.txt", ContentFile(b"old"))
    handle = storage.open("k.txt", "wb")
    handle.write(b"new")
    handle.abort()
    assert read_back(storage, "k.txt") == b"old"


def test_errors_are_translated_with_the_name(storage: ReferenceStorage) -> None:
    with pytest.raises(StorageNotFoundError) as info:
        storage.open("nope.txt")
    assert info.value.filename == "nope.txt"
    assert isinstance(info.value.__cause__, Exception)


def test_a_missing_file_has_no_stat(storage: ReferenceStorage) -> None:
    # One stat answers every attribute question; a missing file raises FileNotFoundError.
    with pytest.raises(FileNotFoundError) as info:
        storage.size("nope.txt")
    assert info.value.filename == "nope.txt"
    storage.save("there.txt", ContentFile(b"12345"))
    before = Client.requests["head"]
    entry = storage.stat("there.txt")
    assert (entry.name, entry.size, entry.modified is not None) == ("there.txt", 5, True)
    assert Client.requests["head"] == before + 1


def test_a_synchronising_view_leaves_the_storage_alone(storage: ReferenceStorage) -> None:
    storage.save("kept.txt", ContentFile(b"kept"))
    with storage.synchronizing() as view:
        view.delete("kept.txt")  # deferred until the block ends
        assert not view.exists("kept.txt")
        # The storage itself (another thread, say) still answers from the backend.
        assert storage.exists("kept.txt")
        assert type(storage).exists is ReferenceStorage.exists
    assert not storage.exists("kept.txt")


def test_secret_token_never_leaks(tmp_path: Path) -> None:
    storage = ReferenceStorage(root=str(tmp_path), token="wrong")
    with pytest.raises(StoragePermissionError) as info:
        storage.exists("x")
    # The vendor message carried the token ("wrong"): it is redacted and the cause dropped.
    assert "wrong" not in str(info.value)
    assert info.value.__cause__ is None
    secret = ReferenceStorage(root=str(tmp_path), token="hunter2-token")
    assert "hunter2-token" not in repr(secret)
    assert "hunter2-token" not in str(secret.deconstruct())


def test_migrations_never_record_secrets(tmp_path: Path) -> None:
    storage = ReferenceStorage(root=str(tmp_path), token="hunter2-token", location="m")
    text, _ = MigrationWriter.serialize(storage)
    assert "hunter2-token" not in text
    assert "location='m'" in text


def test_clients_are_lazy_per_thread_and_dropped_on_pickle(storage: ReferenceStorage) -> None:
    assert storage._clients.drain() == []
    main_client = storage.client
    assert storage.client is main_client
    seen: list[Client] = []
    thread = threading.Thread(target=lambda: seen.append(storage.client))
    thread.start()
    thread.join()
    assert seen[0] is not main_client
    copy = pickle.loads(pickle.dumps(storage))
    assert copy.client is not main_client
    storage.close()
    assert main_client.closed and seen[0].closed
    assert storage.client is not main_client  # a new one after close()


def test_missing_file_on_open_is_file_not_found(storage: ReferenceStorage) -> None:
    with pytest.raises(FileNotFoundError):
        storage.open("missing")


def test_a_threads_client_is_closed_when_the_thread_ends(storage: ReferenceStorage) -> None:
    import gc

    seen: list[Client] = []
    for _ in range(3):
        thread = threading.Thread(target=lambda: seen.append(storage.client))
        thread.start()
        thread.join()
    gc.collect()
    assert len(seen) == 3
    assert all(client.closed for client in seen)
    assert storage._clients.drain() == []


def test_measuring_with_seek_costs_no_request(storage: ReferenceStorage) -> None:
    storage.save("m.txt", ContentFile(b"0123456789"))
    requests()
    with storage.open("m.txt") as handle:
        handle.seek(0, io.SEEK_END)  # how FileResponse learns the size
        assert handle.tell() == 10
        handle.seek(0)
        assert handle.read() == b"0123456789"
    assert requests() == {"get": 1}
