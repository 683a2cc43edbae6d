"""Streaming pieces for backends that speak plain HTTP through ``requests``."""

from __future__ import annotations

from typing import IO, Any

from storages.errors import (
    ErrorRule,
    StorageConnectionError,
    StorageTimeoutError,
    by_type,
)

__all__ = ["ResponseStream", "SizedBody", "requests_rules"]


class SizedBody:
    """A file to upload with a known length, so ``requests`` sends ``Content-Length`` and
    streams it instead of reading it whole or falling back to chunked encoding."""

    def __init__(self, fileobj: IO[bytes], size: int) -> None:
        self._fileobj = fileobj
        self._size = size

    def __len__(self) -> int:
        return self._size

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

    def close(self) -> None:
        self._response.close()


def requests_rules() -> list[ErrorRule]:
    """Return the error rules for ``requests``' timeouts and connection failures.

    Every backend whose SDK or client sends through ``requests`` uses these; without
    ``requests`` installed there is nothing to map.
    """
    try:
        import requests
    except ImportError:  # the storage reports its missing extra when it is created
        return []
    return [
        by_type(requests.exceptions.Timeout, to=StorageTimeoutError),
        by_type(requests.exceptions.ConnectionError, to=StorageConnectionError),
    ]
