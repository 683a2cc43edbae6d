"""Streaming pieces for backends that speak plain HTTP through ``requests``."""

from __future__ import annotations

import http.client
from typing import IO, Any

from storages.errors import (
    ErrorRule,
    StorageConnectionError,
    StorageTimeoutError,
    by_type,
)
from storages.retry import RetryPolicy, retry_after

__all__ = [
    "HTTP_RETRY",
    "TRANSIENT_STATUSES",
    "ResponseStream",
    "SizedBody",
    "request",
    "requests_rules",
]

#: Statuses by which a server (or a proxy in front of it) says "not now": nothing was done.
TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})
#: Methods sent again after a broken or stalled connection: repeating them changes nothing
#: (a repeated DELETE finds the file gone, as urllib3's own retries assume), while a write may
#: have been carried out before its answer was lost.
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


class SizedBody:
    """A file to upload with a known length, so ``requests`` sends ``Content-Length`` and
    streams it instead of reading it whole or falling back to chunked encoding."""

    def __init__(self, fileobj: IO[bytes], size: int) -> None:
        self._fileobj = fileobj
        self._size = size
        self._start = fileobj.tell()

    def __len__(self) -> int:
        return self._size

    def rewind(self) -> None:
        """Go back to where the body starts, to send it again."""
        self._fileobj.seek(self._start)

    def read(self, n: int = -1) -> bytes:
        return self._fileobj.read(n)


class ResponseStream:
    """The body of a streamed GET (sent with ``Range: bytes=<offset>-``), read as it arrives.

    A ``206`` answer starts at the offset; a ``416`` means the offset is past the end; a server
    that ignores ``Range`` answers ``200`` and the stream skips to the offset without keeping
    the skipped bytes.
    """

    def __init__(self, response: Any, offset: int) -> None:
        self._response = response
        self._raw: Any = response.raw
        self.size: int | None = None
        if response.status_code == 206:
            self.size = int(response.headers["Content-Range"].rpartition("/")[2])
        elif response.status_code == 416:
            self.size = int(response.headers.get("Content-Range", "*/0").rpartition("/")[2])
            self._raw = None
        else:
            length = response.headers.get("Content-Length")
            self.size = int(length) if length is not None else None
            while offset > 0:
                skipped = self._raw.read(min(offset, 1024 * 1024))
                if not skipped:
                    break
                offset -= len(skipped)

    def read(self, n: int = -1, /) -> bytes:
        if self._raw is None:
            return b""
        return bytes(self._raw.read(None if n is None or n < 0 else n))

    def readinto(self, buffer: memoryview, /) -> int:
        """Fill *buffer* from the connection: straight from the socket when the body is sent
        as is (no ``Content-Encoding`` for urllib3 to decode), else through urllib3."""
        if self._raw is None:
            return 0
        connection: Any = getattr(self._raw, "_fp", None)  # http.client's, under urllib3
        plain = self._response.headers.get("Content-Encoding", "identity") == "identity"
        buffered = len(getattr(self._raw, "_decoded_buffer", b""))  # bytes urllib3 holds
        if plain and not buffered and hasattr(connection, "readinto"):
            count = int(connection.readinto(buffer))
            if connection.isclosed():  # the whole body is read: the connection can be reused
                self._raw.release_conn()
            return count
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._response.close()


#: How a request is retried: four attempts, waits doubling from 0.2 s, at most 10 s.
HTTP_RETRY = RetryPolicy(attempts=4, max_wait=10.0)


class _Busy(Exception):
    """A transient status (:data:`TRANSIENT_STATUSES`), raised to be retried."""

    def __init__(self, response: Any) -> None:
        super().__init__(response.status_code)
        self.response = response
        self.retry_after = retry_after(response.headers.get("Retry-After"))


def request(
    session: Any, method: str, url: str, *, policy: RetryPolicy = HTTP_RETRY, **kwargs: Any
) -> Any:
    """Send a request through a ``requests`` session, retrying what is safe to retry.

    A transient status (:data:`TRANSIENT_STATUSES`) is retried whatever the method, after the
    answer's ``Retry-After`` or the policy's backoff; a broken or stalled connection only for
    reads. A :class:`SizedBody` is rewound before it is sent again. The last attempt's answer or
    error is the caller's.
    """
    import requests

    body = kwargs.get("data")
    safe = method.upper() in _SAFE_METHODS

    def send() -> Any:
        response = session.request(method, url, **kwargs)
        if response.status_code in TRANSIENT_STATUSES:
            raise _Busy(response)
        return response

    def transient(exc: BaseException) -> bool:
        broken = isinstance(exc, (requests.ConnectionError, requests.Timeout))
        return isinstance(exc, _Busy) or (broken and safe)

    def before_retry(exc: BaseException) -> None:
        if isinstance(exc, _Busy):
            exc.response.close()
        if isinstance(body, SizedBody):
            body.rewind()

    try:
        return policy.call(send, transient, before_retry=before_retry)
    except _Busy as busy:
        return busy.response


def requests_rules() -> list[ErrorRule]:
    """Return the error rules for ``requests``' timeouts and connection failures.

    Every backend whose SDK or client sends through ``requests`` uses these; without
    ``requests`` installed there is nothing to map. A body read straight from ``response.raw``
    (a streamed download) fails with urllib3's own errors, not ``requests``': a stall past the
    read timeout is a timeout, a reset or a body cut short is a broken connection.
    """
    try:
        import requests
        import urllib3
    except ImportError:  # the storage reports its missing extra when it is created
        return []
    return [
        by_type(
            requests.exceptions.Timeout, urllib3.exceptions.TimeoutError, to=StorageTimeoutError
        ),
        by_type(
            requests.exceptions.ConnectionError,
            requests.exceptions.ChunkedEncodingError,
            urllib3.exceptions.ProtocolError,
            http.client.IncompleteRead,
            to=StorageConnectionError,
        ),
    ]
