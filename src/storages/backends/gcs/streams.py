"""How Cloud Storage objects are streamed: ranged reads that resume, a chunked writer."""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Callable
from typing import Any

from google.api_core import exceptions as api_exceptions

from storages.files import ChunkStream
from storages.http import ResponseStream
from storages.ranged import RangedStream, Version, range_headers

__all__ = [
    "GENERATION",
    "STREAM_BLOCK_SIZE",
    "BlobWriter",
    "DecodedStream",
    "RangedStream",
    "get_object",
    "open_object",
]

#: Bytes read from the socket at a time while decompressing a download.
STREAM_BLOCK_SIZE = 64 * 1024

#: Sends a GET with the given headers and query parameters (retried as every request of the
#: storage is) and returns its streamed answer: a success, or ``416`` (a start past the end);
#: other errors are raised.
Get = Callable[[dict[str, str], dict[str, str]], Any]

#: The header naming the generation (the version) of the object a media GET answers with.
GENERATION = "x-goog-generation"


def get_object(
    session: Any, url: str, headers: dict[str, str], params: dict[str, str], timeout: float
) -> Any:
    """Send a streamed GET of an object's media; raise the client's error for a failure."""
    response = session.request(
        "GET", url, headers=headers, params=params, stream=True, timeout=timeout
    )
    if response.status_code >= 400 and response.status_code != 416:
        try:
            raise api_exceptions.from_http_response(response)  # type: ignore[no-untyped-call]
        finally:
            response.close()
    return response


def open_object(
    get: Get, name: str, offset: int, *, decode: bool = True
) -> RangedStream | DecodedStream:
    """Return a read stream of object *name* from *offset*: a :class:`RangedStream` (one GET
    to its end, resumed with a GET of the same generation), or a :class:`DecodedStream` for an
    object stored gzip-encoded that is read decompressed."""
    response = get(range_headers(offset), {})
    if decode and response.headers.get("Content-Encoding", "").lower() == "gzip":
        return DecodedStream(get, response, offset)
    version = Version(name)

    def open_from(start: int) -> ResponseStream | None:
        # A resume asks for the generation it was reading: a replaced object fails (412).
        params = {"ifGenerationMatch": version.value} if version.value else {}
        try:
            return _body(get(range_headers(start), params), start, version)
        except api_exceptions.PreconditionFailed as exc:
            raise version.changed() from exc

    return RangedStream(open_from, offset, first=_body(response, offset, version))


def _body(response: Any, start: int, version: Version) -> ResponseStream | None:
    if response.status_code == 416:  # at or past the end
        response.close()
        return None
    version.check(response.headers.get(GENERATION), response)
    return ResponseStream(response, start)


class DecodedStream(ChunkStream):
    """An object stored gzip-encoded, decompressed while read from its start (the stored size
    is not the size read, and ranges of compressed bytes can't be decompressed on their own).
    """

    def __init__(self, get: Get, response: Any, offset: int) -> None:
        super().__init__()
        if response.status_code != 200:  # a range of the compressed bytes: ask for them all
            response.close()
            response = get({}, {})
        self._response = response
        self._chunks = response.raw.stream(STREAM_BLOCK_SIZE, decode_content=True)
        skip = offset
        while skip > 0 and (skipped := self.read(min(skip, 1024 * 1024))):
            skip -= len(skipped)

    def close(self) -> None:
        super().close()
        response, self._response = self._response, None
        if response is not None:
            response.close()


class BlobWriter:
    """Send a small file in one request on commit, a larger one as a resumable upload.

    Bytes are held until they exceed one chunk; then a resumable session starts and chunks are
    sent as they fill. The object only appears (or changes) when the upload is finalized on
    commit; abort cancels the session, so a failed write keeps the previous content.
    """

    def __init__(
        self, blob: Any, upload_kwargs: dict[str, Any], chunk_size: int, gzip: bool
    ) -> None:
        self._blob = blob
        self._upload_kwargs = upload_kwargs
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self._stream: Any = None
        self._compressor = zlib.compressobj(6, zlib.DEFLATED, 31) if gzip else None

    def write(self, data: bytes, /) -> None:
        if self._compressor is not None:
            data = self._compressor.compress(data)
        self._push(data)

    def _push(self, data: bytes) -> None:
        if self._stream is not None:
            self._stream.write(data)
            return
        self._buffer += data
        if len(self._buffer) <= self._chunk_size:
            return
        self._stream = self._blob.open(
            "wb", chunk_size=self._chunk_size, ignore_flush=True, **self._upload_kwargs
        )
        # Hand the buffer over in two writes, freeing ours in between: the writer copies what it
        # is given and sends a chunk once it holds one, so this keeps two copies alive, not three.
        buffered, self._buffer = self._buffer, bytearray()
        tail = bytes(buffered[self._chunk_size - 1 :])
        with memoryview(buffered) as view:
            self._stream.write(view[: self._chunk_size - 1])
        del buffered
        self._stream.write(tail)

    def commit(self) -> None:
        if self._compressor is not None:
            self._push(self._compressor.flush())
            self._compressor = None
        if self._stream is None:
            # Our buffer freed before the client builds its request body from the copy.
            data, self._buffer = bytes(self._buffer), bytearray()
            self._blob.upload_from_string(data, **self._upload_kwargs)
            return
        stream, self._stream = self._stream, None
        stream.close()

    def abort(self) -> None:
        self._buffer = bytearray()
        stream, self._stream = self._stream, None
        if stream is not None:
            # terminate() cancels the resumable session; close() would finalize it.
            with contextlib.suppress(Exception):
                stream.terminate()
