"""A read stream over one GET to the end of an object, read as far as the caller reads; resumed
when cut.

Backends whose service answers ranged GETs (Azure, Cloud Storage, Dropbox, Libcloud's drivers)
give :class:`RangedStream` one function, ``open_from(start)``, that sends the GET of the object
from byte ``start`` to its end (the headers of :func:`range_headers`) and returns its body as a
stream with a ``size`` (the whole object's) and a ``readinto``, such as
:class:`storages.http.ResponseStream`, or None when ``start`` is at or past the end (a ``416``).
The function also checks with a :class:`Version` that every answer is of the same version of
the object (its ETag, revision or generation) where the service says which.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable
from typing import Any, Protocol

from storages.errors import StorageConnectionError
from storages.retry import READ_RESUMES

__all__ = ["BROKEN_BODY", "Body", "RangedStream", "Version", "range_headers"]

#: What a ``read()`` of an object of unknown size reads at a time.
_UNSIZED_CHUNK = 1024 * 1024


def _broken_body() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [http.client.IncompleteRead, ConnectionError, TimeoutError]
    try:
        import urllib3
    except ImportError:  # pragma: no cover - every ranged backend's SDK brings it
        return tuple(errors)
    return (urllib3.exceptions.ProtocolError, urllib3.exceptions.ReadTimeoutError, *errors)


#: How a response body breaks mid-stream (requests are retried, a body being read is not).
BROKEN_BODY: tuple[type[BaseException], ...] = _broken_body()


def range_headers(start: int) -> dict[str, str]:
    """Return the headers of a GET from byte *start* to the end: none from the start (the plain
    GET a raw SDK sends), ``Range: bytes=<start>-`` past it."""
    return {"Range": f"bytes={start}-"} if start else {}


class Body(Protocol):
    """The streamed body of one answer."""

    size: int | None

    def readinto(self, buffer: memoryview, /) -> int: ...

    def close(self) -> None: ...


#: Opens the object from byte ``start`` to its end; None when ``start`` is at or past the end.
OpenFrom = Callable[[int], Body | None]


class Version:
    """The version of the object a stream reads: the first answer's, which every later answer
    (a resumed body) must have. Never a mix of two versions."""

    def __init__(self, name: str) -> None:
        self._name = name
        self.value: str | None = None

    def check(self, value: str | None, body: Any) -> None:
        """Remember the first answer's *value*; close *body* and fail when a later one differs."""
        if self.value is None:
            self.value = value
        elif value != self.value:
            body.close()
            raise self.changed()

    def changed(self) -> StorageConnectionError:
        """Return the error of an object replaced while it was read."""
        return StorageConnectionError(f"{self._name!r} changed while it was read")


_UNSET: Any = object()


class RangedStream:
    """An object read from an offset: one GET to its end, read as far as the caller reads.

    Like a raw SDK's streamed body, ``read()`` is one request, ``read(1024)`` of a large object
    reads little of it (closing the stream drops the connection instead of draining it), and
    sequential reads share the one answer. ``readinto`` fills the caller's buffer straight from
    the connection. A body that breaks mid-stream (a reset, a stall, a body cut short) is
    resumed from the byte it broke at with a ranged GET of the same version, up to
    :data:`~storages.retry.READ_RESUMES` times.

    *first* is the body of the first GET when the backend opened it already (to look at its
    headers), None when *offset* was past the end.
    """

    def __init__(self, open_from: OpenFrom, offset: int, first: Any = _UNSET) -> None:
        self._open_from = open_from
        self._pos = offset
        self._body: Body | None = None
        self._resumes = 0
        self.size: int | None = None
        self._take(open_from(offset) if first is _UNSET else first)

    def _take(self, body: Body | None) -> None:
        self._body = body
        if body is not None and body.size is not None:
            self.size = body.size
        elif body is None and self.size is None and not self._pos:
            self.size = 0  # an empty object has no byte 0 to range from

    def _cut(self) -> bool:
        """Whether the body ended before the object did."""
        return self.size is not None and self._pos < self.size

    def readinto(self, buffer: memoryview, /) -> int:
        """Fill *buffer* from the connection; return the number of bytes (0 at the end)."""
        while self._body is not None and len(buffer):
            try:
                count = self._body.readinto(buffer)
            except BROKEN_BODY:
                if self._resumes >= READ_RESUMES or not self._cut():
                    self._close_body()
                    raise
                count = 0
            if count:
                self._pos += count
                return count
            self._close_body()
            if not self._cut() or self._resumes >= READ_RESUMES:
                return 0  # the end, or an early end the file reports
            self._resumes += 1
            self._take(self._open_from(self._pos))
        return 0

    def read(self, n: int = -1, /) -> bytes:
        if n is None or n < 0:
            if self.size is None:
                return b"".join(iter(lambda: self.read(_UNSIZED_CHUNK), b""))
            n = max(self.size - self._pos, 0)
        buffer = bytearray(n)
        done = 0
        with memoryview(buffer) as view:
            while done < n and (count := self.readinto(view[done:])):
                done += count
        del buffer[done:]
        return bytes(buffer)

    def _close_body(self) -> None:
        body, self._body = self._body, None
        if body is not None:
            body.close()

    def close(self) -> None:
        self._close_body()
