"""Streaming reads of S3 objects (the writes are in :mod:`storages.backends.s3.uploads`)."""

from __future__ import annotations

import http.client
import re
import zlib
from typing import Any

from botocore.exceptions import (
    ConnectionClosedError,
    IncompleteReadError,
    ReadTimeoutError,
    ResponseStreamingError,
)
from botocore.httpchecksum import StreamingChecksumBody
from botocore.response import StreamingBody

from storages.ranged import Version
from storages.retry import READ_RESUMES

__all__ = ["ObjectReader"]

_CONTENT_RANGE = re.compile(r"bytes \d+-\d+/(\d+)")

#: How a response body breaks mid-stream; botocore retries requests, never a body being read.
_BROKEN_BODY = (
    ResponseStreamingError,
    IncompleteReadError,
    ReadTimeoutError,
    ConnectionClosedError,
)


class ObjectReader:
    """A byte stream of one object from an offset, read as the caller reads.

    One GET (``Range: bytes=<offset>-`` past the start) whose body is read as the caller asks:
    ``read()`` is one request, ``read(1024)`` of a large object reads little of it (closing the
    stream drops the connection instead of draining it, as a raw boto3 body does), and
    sequential reads share the one response. :meth:`readinto` fills the caller's buffer straight
    from the connection. A body that breaks mid-stream (a reset, a stall past the read timeout,
    a body cut short) is resumed from the byte it broke at with a ranged GET of the same version
    (``If-Match`` its ETag), up to :data:`~storages.retry.READ_RESUMES` times; an object
    replaced meanwhile raises :class:`~storages.errors.StorageConnectionError` (the read broke
    and can't go on with the same bytes: reopen the file to read the new version). Objects stored
    gzip-encoded are decompressed on the fly (from the start: compressed bytes can't be
    addressed by offset, so those are not resumed), unless ``inflate`` is False (``x.tar.gz``:
    the gzip bytes are the content). ``params`` (the SSE-C key, ...) go with every request.
    """

    def __init__(
        self,
        client: Any,
        bucket: str,
        key: str,
        offset: int,
        *,
        params: dict[str, Any] | None = None,
        inflate: bool = True,
    ) -> None:
        self._client = client
        self._where = {"Bucket": bucket, "Key": key, **(params or {})}
        self._may_inflate = inflate
        self._pos = offset
        self._body: Any = None
        self._version = Version(key)
        self._inflate: Any = None
        self._pending = b""
        self._resumes = 0
        self.size: int | None = None
        self._get(offset)

    def _get(self, start: int) -> None:
        args = dict(self._where)
        if start:
            args["Range"] = f"bytes={start}-"
            if self._version.value:  # a resume: the same version, or S3 refuses (412)
                args["IfMatch"] = self._version.value
        try:
            response = self._client.get_object(**args)
        except Exception as exc:
            code = _error_code(exc)
            if "IfMatch" in args and code in ("PreconditionFailed", "412"):
                raise self._version.changed() from exc
            if code != "InvalidRange":
                raise
            # Past the end: S3 answers 416 with nothing to read.
            self.size = int(self._client.head_object(**self._where)["ContentLength"])
            self._body = None
            return
        # Checked here too: an S3-compatible server may ignore If-Match.
        self._version.check(response.get("ETag"), response["Body"])
        match = _CONTENT_RANGE.match(response.get("ContentRange") or "")
        self._body = response["Body"]
        if self._may_inflate and response.get("ContentEncoding") == "gzip":
            self._start_inflating(start)
        else:
            self.size = int(match.group(1)) if match else int(response["ContentLength"])

    def _start_inflating(self, offset: int) -> None:
        if offset:
            # Ranges mean nothing in compressed bytes: read the whole object from the start.
            self._body.close()
            self._body = self._client.get_object(**self._where)["Body"]
        self._inflate = zlib.decompressobj(wbits=31)
        self.size = None
        skip = offset
        while skip:
            skipped = self._read_inflated(min(skip, 1024 * 1024))
            if not skipped:
                break
            skip -= len(skipped)

    def _read_inflated(self, n: int) -> bytes:
        while len(self._pending) < n:
            raw = self._body.read(64 * 1024)
            if not raw:
                self._pending += self._inflate.flush()
                break
            self._pending += self._inflate.decompress(raw)
        data, self._pending = self._pending[:n], self._pending[n:]
        return data

    def read(self, n: int = -1, /) -> bytes:
        if self._body is None:
            return b""
        if self._inflate is not None:
            return self._read_inflated(1 << 62 if n is None or n < 0 else n)
        if n is None or n < 0:
            n = max((self.size or 0) - self._pos, 0)
            buffer = bytearray(n)
            with memoryview(buffer) as view:
                done = 0
                while done < n and (count := self.readinto(view[done:])):
                    done += count
            del buffer[done:]
            return bytes(buffer)
        buffer = bytearray(n)
        with memoryview(buffer) as view:
            count = self.readinto(view)
        del buffer[count:]
        return bytes(buffer)

    def readinto(self, buffer: memoryview, /) -> int:
        """Fill *buffer* from the body; if it breaks, resume at the current position (bounded)."""
        if self._body is None or not len(buffer):
            return 0
        if self._inflate is not None:
            data = self._read_inflated(len(buffer))
            buffer[: len(data)] = data
            return len(data)
        while True:
            try:
                count = _fill(self._body, buffer)
                if not count and self.size is not None and self._pos < self.size:
                    raise IncompleteReadError(actual_bytes=self._pos, expected_bytes=self.size)
                if not count:
                    _validate(self._body)
            except _BROKEN_BODY:
                if self._resumes >= READ_RESUMES or not self.size or self._pos >= self.size:
                    raise
                self._resumes += 1
                self._body.close()
                self._get(self._pos)
                if self._body is None:
                    return 0
                continue
            self._pos += count
            return count

    def close(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None


def _error_code(exc: BaseException) -> str:
    """Return the S3 error code of a botocore ``ClientError`` (else ``''``)."""
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def _fill(body: Any, buffer: memoryview) -> int:
    """Read into *buffer* from botocore's *body*: straight from the socket when urllib3 holds
    no bytes of it (one copy, where urllib3's ``readinto`` reads then copies), feeding the
    checksum botocore validates (see :func:`_validate`); the errors raised are botocore's."""
    raw: Any = getattr(body, "_raw_stream", None)
    connection: Any = getattr(raw, "_fp", None)  # http.client's response, under urllib3
    checksum = getattr(body, "_checksum", None) if isinstance(body, StreamingChecksumBody) else None
    direct = (
        hasattr(connection, "readinto")
        and not len(getattr(raw, "_decoded_buffer", b""))
        and (checksum is not None or type(body) is StreamingBody)
    )
    if not direct:
        return int(body.readinto(buffer))
    try:
        count = int(connection.readinto(buffer))
    except TimeoutError as exc:
        raise ReadTimeoutError(endpoint_url="", error=exc) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise ResponseStreamingError(error=exc) from exc
    if checksum is not None:
        checksum.update(buffer[:count])
    if not count or connection.isclosed():  # all read: the connection can serve again
        raw.release_conn()
    return count


def _validate(body: Any) -> None:
    """Check the whole body's checksum, where botocore keeps one (a full GET of an object
    stored with a checksum)."""
    if isinstance(body, StreamingChecksumBody):
        body._validate_checksum()
