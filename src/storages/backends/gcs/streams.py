"""How Cloud Storage objects are streamed: a read stream over one response, a chunked writer."""

from __future__ import annotations

import contextlib
import zlib
from typing import Any

from google.api_core import exceptions as api_exceptions

from storages.files import ChunkStream

__all__ = ["STREAM_BLOCK_SIZE", "BlobReadStream", "BlobWriter"]

#: Bytes read from the socket at a time while streaming a download.
STREAM_BLOCK_SIZE = 64 * 1024


class BlobReadStream(ChunkStream):
    """One object streamed from an offset over one HTTP response (ranged when offset > 0);
    a gzip content encoding is undone while reading when *decode*."""

    def __init__(
        self, session: Any, url: str, offset: int, timeout: float, *, decode: bool = True
    ) -> None:
        super().__init__()
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        self._response = session.request("GET", url, headers=headers, stream=True, timeout=timeout)
        status = self._response.status_code
        if status == 416 and offset:  # at or past the end: an empty read
            self.close()
            return
        if status >= 400:
            try:
                raise api_exceptions.from_http_response(self._response)  # type: ignore[no-untyped-call]
            finally:
                self.close()
        headers = self._response.headers
        if decode and headers.get("Content-Encoding", "").lower() == "gzip":
            pass  # decompressed while read: the stored size is not the size read
        elif "/" in headers.get("Content-Range", ""):
            total = headers["Content-Range"].rsplit("/", 1)[1]
            self.size = int(total) if total.isdigit() else None
        elif headers.get("Content-Length", "").isdigit():
            self.size = offset + int(headers["Content-Length"])
        self._chunks = self._response.raw.stream(STREAM_BLOCK_SIZE, decode_content=decode)

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
            self._blob.upload_from_string(bytes(self._buffer), **self._upload_kwargs)
            self._buffer = bytearray()
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
