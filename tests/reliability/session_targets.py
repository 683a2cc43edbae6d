"""Fault scenarios of the session protocols (SFTP, FTP), which :mod:`tests.reliability.faults`
leaves to HTTP: a long-lived logged-in connection that can die between operations, and transfers
that run over a connection (or a data connection) of their own.

Like the shared scenarios, each takes a storage whose every connection goes through *proxy*,
arms one fault, and checks the promise the storage makes. :func:`read_all` reads a file back
as an application would (the restart tests use it too).
"""

from __future__ import annotations

import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from tests.harness.faultproxy import UP, FaultProxy
from tests.reliability.faults import payload

__all__ = ["dropped_mid_upload", "dropped_session", "read_all", "stalled_transfer"]


def read_all(storage: Storage, name: str) -> bytes:
    """Return the whole content of *name*, read through ``open()`` as an application would."""
    with storage.open(name, "rb") as handle:
        return bytes(handle.read())


def dropped_session(storage: Storage, proxy: FaultProxy) -> int:
    """Reset every connection before each operation: each must reconnect by itself.

    Return how many connections the proxy accepted for the operations (at least one each).
    """
    content = payload(200_000, "session")
    name = storage.save("session/dropped.bin", ContentFile(content))
    accepted = proxy.accepted
    operations = [
        ("exists", lambda: storage.exists(name)),
        ("size", lambda: storage.size(name)),
        ("read", lambda: read_all(storage, name)),
        ("listdir", lambda: storage.listdir("session")),
        ("save", lambda: storage.save("session/second.bin", ContentFile(content[::-1]))),
        ("delete", lambda: storage.delete(name)),
    ]
    results = {}
    for label, operation in operations:
        proxy.drop_connections()
        before = proxy.accepted
        results[label] = operation()
        assert proxy.accepted > before, f"{label}: no new connection, so nothing was dropped"
    reconnections = proxy.accepted - accepted
    assert results["exists"] is True
    assert results["size"] == len(content)
    assert results["read"] == content
    assert results["listdir"] == ([], ["dropped.bin"])
    assert read_all(storage, results["save"]) == content[::-1]
    assert storage.listdir("session") == ([], [results["save"].rsplit("/", 1)[-1]])
    return reconnections


def dropped_mid_upload(storage: Storage, proxy: FaultProxy) -> None:
    """Reset every connection (the session's too) half-way through writing a file.

    Closing the file must raise a clear ``OSError``, the previous content must stay, and the
    partial upload must not be left behind, although the connection that wrote it is gone.
    """
    old, new = payload(300_000, "mid-old"), payload(2 * 1024 * 1024, "mid-new")
    name = storage.save("mid/upload.bin", ContentFile(old))
    half = len(new) // 2
    with pytest.raises(OSError) as caught, storage.open(name, "wb") as handle:
        handle.write(new[:half])
        handle.flush()
        proxy.drop_connections()
        handle.write(new[half:])
    assert str(caught.value), "the error says nothing"
    assert read_all(storage, name) == old, "a save cut by a dropped session damaged the file"
    assert storage.listdir("mid") == ([], ["upload.bin"]), "a dropped save left files behind"


def stalled_transfer(
    storage: Storage, proxy: FaultProxy, *, timeout: float, direction: str, at: float = 0.5
) -> None:
    """Stall a transfer ``at`` of the way through, far past the client's *timeout*.

    A download must raise a clear ``OSError`` (never return the bytes before the stall as the
    whole file); an upload must raise and leave the previous content in place. Either must fail
    within a few timeouts.
    """
    size = 2 * 1024 * 1024
    old, new = payload(size, "stall-old"), payload(size, "stall-new")
    name = storage.save("stall/transfer.bin", ContentFile(old))
    bound = timeout * 5 + 5
    proxy.drop_connections()
    fired = proxy.fired
    proxy.stall_after(int(size * at), bound + 10, direction=direction)
    started = time.monotonic()
    with pytest.raises(OSError) as caught:
        if direction == UP:
            storage.save(name, ContentFile(new))
        else:
            read_all(storage, name)
    assert str(caught.value), "the error says nothing"
    elapsed = time.monotonic() - started
    proxy.clear()
    assert proxy.fired == fired + 1, "the stall never happened: the test proved nothing"
    assert elapsed < bound, f"the stalled transfer took {elapsed:.1f} s (timeout {timeout} s)"
    proxy.drop_connections()  # the stalled connection is reset only when the stall ends
    assert read_all(storage, name) == old, "the stalled transfer damaged the stored file"
    assert storage.listdir("stall")[1] == ["transfer.bin"], "a stalled save left files behind"
