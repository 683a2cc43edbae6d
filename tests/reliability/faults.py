"""Fault scenarios written once, run against every networked backend through a FaultProxy.

Each scenario takes a storage whose every connection goes through *proxy*, arms one fault, runs
one operation, and checks the promise that operation makes:

- a save cut at any point leaves what was there before (or nothing) and either succeeds after a
  transparent retry or raises a clear ``OSError``: never a half-written file;
- a read cut mid-stream resumes or raises: it never returns truncated data as if complete;
- a burst of HTTP 503 answers is retried without the caller noticing;
- a server that stalls past the client's timeout gives an error in bounded time.

The session protocols (SFTP, FTP) have three more: a long-lived logged-in connection that dies
between operations or in the middle of a write, and a transfer that stalls on a connection (or
a data connection) of its own. :mod:`tests.reliability.fault_targets` says which scenarios
apply to which backend; :func:`read_all` reads a file back as an application would (the restart
tests use it too).
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Collection, Iterator
from typing import Protocol

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from tests.harness.faultproxy import DOWN, UP, FaultProxy

__all__ = [
    "RequestFaults",
    "dropped_mid_upload",
    "dropped_session",
    "interrupted_read",
    "interrupted_save",
    "payload",
    "read_all",
    "stalled_operation",
    "stalled_transfer",
    "transient_errors",
]


class RequestFaults(Protocol):
    """What :func:`transient_errors` arms: a :class:`FaultProxy`, or a server's own fault hook
    where a proxy can't write HTTP (inside TLS)."""

    def fail_requests(
        self, count: int, status: int = 503, headers: dict[str, str] | None = None
    ) -> None: ...

    @property
    def pending(self) -> bool: ...


def payload(size: int, seed: str) -> bytes:
    """Return *size* bytes that differ from every other seed (so mixes are detectable)."""
    block = hashlib.sha256(seed.encode()).digest() * 2048  # 64 KiB
    return (block * (size // len(block) + 1))[:size]


def read_all(storage: Storage, name: str) -> bytes:
    """Return the whole content of *name*, read through ``open()`` as an application would."""
    with storage.open(name, "rb") as handle:
        return bytes(handle.read())


def _clear_error(exc: BaseException) -> None:
    assert isinstance(exc, OSError), f"{type(exc).__name__} is not an OSError: {exc!r}"
    assert str(exc), "the error says nothing"


def _read_or_none(storage: Storage, name: str) -> bytes | None:
    """Return the content of *name*, or None if reading raised (a clear ``OSError``)."""
    try:
        return read_all(storage, name)
    except Exception as exc:
        _clear_error(exc)
        return None


@contextlib.contextmanager
def _fires_once(proxy: FaultProxy, what: str = "the fault never fired") -> Iterator[None]:
    """Disarm *proxy* after the block, and check that the fault armed in it fired."""
    fired = proxy.fired
    yield
    proxy.clear()
    assert proxy.fired == fired + 1, f"{what}: the test proved nothing"


@contextlib.contextmanager
def _stalled(
    proxy: FaultProxy, *, timeout: float, after: int, direction: str, what: str
) -> Iterator[None]:
    """Stall the connection that carries byte *after* (on a fresh connection, counted in
    *direction*) far past *timeout*; check that the block noticed within a few timeouts."""
    bound = timeout * 5 + 5
    proxy.drop_connections()
    started = time.monotonic()
    with _fires_once(proxy, "the stall never happened"):
        proxy.stall_after(after, bound + 10, direction=direction)
        yield
        elapsed = time.monotonic() - started
    assert elapsed < bound, f"the stalled {what} took {elapsed:.1f} s (timeout {timeout} s)"
    proxy.drop_connections()  # the stalled connection is reset only when the stall ends


def interrupted_save(
    storage: Storage, proxy: FaultProxy, *, size: int = 2 * 1024 * 1024, at: float = 0.5
) -> str:
    """Cut the upload of a new version of an existing file after ``at * size`` bytes.

    Return ``"retried"`` if the save succeeded anyway, ``"raised"`` if it raised.
    """
    old, new = payload(size // 4, "old"), payload(size, "new")
    name = storage.save("faults/interrupted.bin", ContentFile(old))
    before = set(storage.listdir("faults")[1])
    with _fires_once(proxy):
        proxy.reset_after(int(size * at), direction=UP)
        try:
            saved = storage.save(name, ContentFile(new))
        except Exception as exc:
            _clear_error(exc)
            outcome = "raised"
            saved = None
        else:
            outcome = "retried"
    current = read_all(storage, name)
    if saved == name:
        assert current == new, "the overwrite reported success but the content is not the new one"
    else:
        assert current == old, "the previous content was damaged by a failed or renamed save"
    if saved is not None and saved != name:
        assert read_all(storage, saved) == new
    leftovers = set(storage.listdir("faults")[1]) - before - {saved and saved.rsplit("/", 1)[-1]}
    assert not leftovers, f"a failed save left files behind: {leftovers}"
    return outcome


def interrupted_read(
    storage: Storage, proxy: FaultProxy, *, size: int = 2 * 1024 * 1024, at: float = 0.5
) -> str:
    """Cut the download of a file after ``at * size`` bytes.

    Return ``"resumed"`` if the whole content came back anyway, ``"raised"`` if reading raised.
    """
    content = payload(size, "read")
    name = storage.save("faults/read.bin", ContentFile(content))
    proxy.drop_connections()
    with _fires_once(proxy):
        proxy.reset_after(int(size * at), direction=DOWN)
        data = _read_or_none(storage, name)
    if data is not None:
        assert len(data) == len(content), f"truncated read returned as complete: {len(data)} bytes"
        assert data == content, "the read returned corrupted bytes"
    assert read_all(storage, name) == content
    return "raised" if data is None else "resumed"


def transient_errors(
    storage: Storage,
    proxy: RequestFaults,
    *,
    count: int = 2,
    status: int = 503,
    operations: Collection[str] | None = None,
) -> None:
    """Answer *count* requests of each operation with *status*: every operation still succeeds.

    *operations* picks the ones that get the errors (by default all of ``save``, ``exists``,
    ``size``, ``read``, ``listdir`` and ``delete``); the others run undisturbed.
    """
    content = payload(100_000, "transient")
    steps = [
        ("save", lambda: storage.save("faults/transient.bin", ContentFile(content))),
        ("exists", lambda: storage.exists("faults/transient.bin")),
        ("size", lambda: storage.size("faults/transient.bin")),
        ("read", lambda: read_all(storage, "faults/transient.bin")),
        ("listdir", lambda: storage.listdir("faults")),
        ("delete", lambda: storage.delete("faults/transient.bin")),
    ]
    assert operations is None or set(operations) <= {label for label, _ in steps}, operations
    results = {}
    for label, operation in steps:
        armed = operations is None or label in operations
        if armed:
            proxy.fail_requests(count, status, {"Retry-After": "0"})
        results[label] = operation()
        assert not (armed and proxy.pending), f"{label}: the {status} answers were never sent"
    assert results["exists"] is True
    assert results["size"] == len(content)
    assert results["read"] == content
    assert not storage.exists("faults/transient.bin")


def stalled_operation(
    storage: Storage, proxy: FaultProxy, *, timeout: float, direction: str = DOWN, after: int = 1
) -> str:
    """Stall the server during a read, after *after* bytes, far past the client's *timeout*.

    The client must notice within a few timeouts: it either retries on a fresh connection and
    reads the whole file (``"retried"``), or raises a clear ``OSError`` (``"raised"``). A client
    without a finite timeout would wait for the stall to end and fail the time bound.
    """
    content = payload(256 * 1024, "stall")
    name = storage.save("faults/stalled.bin", ContentFile(content))
    with _stalled(proxy, timeout=timeout, after=after, direction=direction, what="read"):
        data = _read_or_none(storage, name)
    assert data is None or data == content, "a read after a stall returned the wrong bytes"
    return "raised" if data is None else "retried"


# -- session protocols ----------------------------------------------------------------------


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
    storage: Storage,
    proxy: FaultProxy,
    *,
    timeout: float,
    direction: str,
    at: float = 0.5,
    resumes: bool = False,
) -> None:
    """Stall a transfer ``at`` of the way through, far past the client's *timeout*.

    A download must raise a clear ``OSError`` (never return the bytes before the stall as the
    whole file), or, where the backend *resumes* reads, return every byte after resuming on a
    new connection; an upload must raise and leave the previous content in place. Either must
    end within a few timeouts.
    """
    size = 2 * 1024 * 1024
    old, new = payload(size, "stall-old"), payload(size, "stall-new")
    name = storage.save("stall/transfer.bin", ContentFile(old))
    after = int(size * at)
    if resumes and direction == DOWN:
        with _stalled(proxy, timeout=timeout, after=after, direction=direction, what="read"):
            assert read_all(storage, name) == old, "the resumed read returned other bytes"
        return
    with (
        _stalled(proxy, timeout=timeout, after=after, direction=direction, what="transfer"),
        pytest.raises(OSError) as caught,
    ):
        if direction == UP:
            storage.save(name, ContentFile(new))
        else:
            read_all(storage, name)
    assert str(caught.value), "the error says nothing"
    assert read_all(storage, name) == old, "the stalled transfer damaged the stored file"
    assert storage.listdir("stall")[1] == ["transfer.bin"], "a stalled save left files behind"
