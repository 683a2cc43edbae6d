"""A read stream over ranged requests: what a read asks for, then the rest; resumed when cut.

Backends whose service answers ranged GETs (Azure, Cloud Storage, Dropbox, Libcloud's drivers)
give :class:`RangedStream` one function, ``open_range(start, end)``, that sends the request for
bytes ``start`` to ``end`` (exclusive) and returns its body as a stream with a ``size`` (the
whole object's) and a ``readinto``, such as :class:`storages.http.ResponseStream`, or None when
the range starts at or past the end (a ``416``). The function also checks that every answer is
of the same version of the object (its ETag or revision) where the service says which.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable
from typing import Any, Protocol

from storages.retry import READ_RESUMES

__all__ = ["BROKEN_BODY", "FIRST_WINDOW", "Body", "RangedStream"]

#: The first request's range unless the storage says otherwise (its ``chunk_size``: what a
#: file's first read asks for).
FIRST_WINDOW = 64 * 1024


def _broken_body() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [http.client.IncompleteRead, ConnectionError, TimeoutError]
    try:
        import urllib3
    except ImportError:  # pragma: no cover - every ranged backend's SDK brings it
        return tuple(errors)
    return (urllib3.exceptions.ProtocolError, urllib3.exceptions.ReadTimeoutError, *errors)


#: How a response body breaks mid-stream (requests are retried, a body being read is not).
BROKEN_BODY: tuple[type[BaseException], ...] = _broken_body()


class Body(Protocol):
    """The streamed body of one ranged answer."""

    size: int | None

    def readinto(self, buffer: memoryview, /) -> int: ...

    def close(self) -> None: ...


#: Opens bytes ``start`` to ``end`` (exclusive); None when ``start`` is at or past the end.
OpenRange = Callable[[int, int], Body | None]

_UNSET: Any = object()


class RangedStream:
    """An object read from an offset: a first ranged GET of what a read asks for, then the rest.

    The first GET asks for one window (the storage's ``chunk_size``: what a file's first read
    asks for), so opening a large object and reading a few bytes costs one short answer. A
    reader that goes on past it reads on sequentially (a seek opens a new stream): the window
    grows to the rest of the object, streamed by one more GET. An object that fits in the
    window is read in one GET, a larger one in two. ``readinto`` fills the caller's buffer
    straight from the connection. A body that breaks mid-stream is resumed from the byte it
    broke at with a ranged GET, up to :data:`~storages.retry.READ_RESUMES` times.

    *first* is the body of the first window when the backend opened it already (to look at its
    headers), None when that range was past the end.
    """

    def __init__(
        self, open_range: OpenRange, offset: int, window: int = FIRST_WINDOW, first: Any = _UNSET
    ) -> None:
        self._open_range = open_range
        self._pos = offset
        self._end = offset  # where the range of the open body ends (exclusive)
        self._window = max(1, window)
        self._body: Body | None = None
        self._resumes = 0
        self.size: int | None = None
        end = offset + self._window
        self._take(open_range(offset, end) if first is _UNSET else first, offset, end)

    def _take(self, body: Body | None, start: int, end: int) -> None:
        if body is None:  # at or past the end (an empty object has no byte 0)
            if self.size is None and not start:
                self.size = 0
            self._body, self._end = None, start
            return
        self._body = body
        self.size = body.size
        self._end = min(end, self.size) if self.size is not None else end

    def _open(self, start: int, end: int) -> None:
        self._take(self._open_range(start, end), start, end)

    def _next(self, wanted: int) -> bool:
        """Open the rest of the object (at least *wanted* bytes); False at its end."""
        if self.size is not None and self._pos >= self.size:
            return False
        self._window = max(wanted, (self.size or 0) - self._pos, self._window)
        self._open(self._pos, self._pos + self._window)
        return self._body is not None

    def readinto(self, buffer: memoryview, /) -> int:
        """Fill *buffer* from the connection; return the number of bytes (0 at the end)."""
        if not len(buffer):
            return 0
        while True:
            if self._body is None and not self._next(len(buffer)):
                return 0
            assert self._body is not None
            try:
                count = self._body.readinto(buffer[: self._end - self._pos])
            except BROKEN_BODY:
                if self._resumes >= READ_RESUMES:
                    self._close_body()
                    raise
                count = 0
            if count:
                self._pos += count
                return count
            self._close_body()
            if self._pos < self._end:  # cut short before its range ended: resume it
                if self._resumes >= READ_RESUMES:
                    return 0  # the file reports the early end
                self._resumes += 1
                self._open(self._pos, self._end)

    def read(self, n: int = -1, /) -> bytes:
        if n is None or n < 0:
            return b"".join(iter(lambda: self.read(self._window), b""))
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
