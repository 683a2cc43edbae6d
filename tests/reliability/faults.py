"""Fault scenarios written once, run against every networked backend through a FaultProxy.

Each scenario takes a storage whose every connection goes through *proxy*, arms one fault, runs
one operation, and checks the promise that operation makes:

- a save cut at any point leaves what was there before (or nothing) and either succeeds after a
  transparent retry or raises a clear ``OSError``: never a half-written file;
- a read cut mid-stream resumes or raises: it never returns truncated data as if complete;
- a burst of HTTP 503 answers is retried without the caller noticing;
- a server that stalls past the client's timeout gives an error in bounded time.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Collection
from typing import Protocol

from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from tests.harness.faultproxy import DOWN, UP, FaultProxy

__all__ = [
    "RequestFaults",
    "interrupted_read",
    "interrupted_save",
    "payload",
    "stalled_operation",
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


def _read(storage: Storage, name: str) -> bytes:
    with storage.open(name, "rb") as handle:
        return bytes(handle.read())


def _clear_error(exc: BaseException) -> None:
    assert isinstance(exc, OSError), f"{type(exc).__name__} is not an OSError: {exc!r}"
    assert str(exc), "the error says nothing"


def interrupted_save(
    storage: Storage, proxy: FaultProxy, *, size: int = 2 * 1024 * 1024, at: float = 0.5
) -> str:
    """Cut the upload of a new version of an existing file after ``at * size`` bytes.

    Return ``"retried"`` if the save succeeded anyway, ``"raised"`` if it raised.
    """
    old, new = payload(size // 4, "old"), payload(size, "new")
    name = storage.save("faults/interrupted.bin", ContentFile(old))
    before = set(storage.listdir("faults")[1])
    fired = proxy.fired
    proxy.reset_after(int(size * at), direction=UP)
    try:
        saved = storage.save(name, ContentFile(new))
    except Exception as exc:
        _clear_error(exc)
        outcome = "raised"
        saved = None
    else:
        outcome = "retried"
    proxy.clear()
    assert proxy.fired == fired + 1, "the fault never fired: the test proved nothing"
    current = _read(storage, name)
    if saved == name:
        assert current == new, "the overwrite reported success but the content is not the new one"
    else:
        assert current == old, "the previous content was damaged by a failed or renamed save"
    if saved is not None and saved != name:
        assert _read(storage, saved) == new
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
    fired = proxy.fired
    proxy.reset_after(int(size * at), direction=DOWN)
    try:
        data = _read(storage, name)
    except Exception as exc:
        _clear_error(exc)
        outcome = "raised"
    else:
        assert len(data) == len(content), f"truncated read returned as complete: {len(data)} bytes"
        assert data == content, "the read returned corrupted bytes"
        outcome = "resumed"
    proxy.clear()
    assert proxy.fired == fired + 1, "the fault never fired: the test proved nothing"
    assert _read(storage, name) == content
    return outcome


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
        ("read", lambda: _read(storage, "faults/transient.bin")),
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
    bound = timeout * 5 + 5
    proxy.drop_connections()
    fired = proxy.fired
    proxy.stall_after(after, bound + 10, direction=direction)
    started = time.monotonic()
    try:
        data = _read(storage, name)
    except Exception as exc:
        _clear_error(exc)
        outcome = "raised"
    else:
        assert data == content, "a read after a stall returned the wrong bytes"
        outcome = "retried"
    elapsed = time.monotonic() - started
    proxy.clear()
    assert proxy.fired == fired + 1, "the stall never happened: the test proved nothing"
    assert elapsed < bound, f"the stalled read took {elapsed:.1f} s (timeout {timeout} s)"
    proxy.drop_connections()
    return outcome
