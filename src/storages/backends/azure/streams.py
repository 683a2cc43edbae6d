"""How Azure blobs are streamed: a read stream over one response, a staged-block writer."""

from __future__ import annotations

import concurrent.futures
import hashlib
import uuid
from typing import Any

from azure.core.exceptions import HttpResponseError
from azure.storage.blob import BlobBlock, BlobClient, ContentSettings

from storages.http import ResponseStream
from storages.ranged import RangedStream, Version, range_headers

__all__ = ["BlobReadStream", "BlockWriter"]


class BlobReadStream(RangedStream):
    """A blob read from an offset (see :class:`storages.ranged.RangedStream`).

    The SDK's ``download_blob()`` fetches 32 MiB, then 4 MiB per GET, holding each in memory;
    this reads the body of the generated operation under it instead, straight into the
    caller's buffer. Every GET must answer the first one's ETag (the same version of the blob).
    """

    def __init__(self, blob: BlobClient, offset: int) -> None:
        self._blob = blob
        self._version = Version(blob.blob_name)
        super().__init__(self._get, offset)

    def _get(self, start: int) -> ResponseStream | None:
        """Open a response over the blob from byte *start* to its end."""
        try:
            _chunks, response = self._blob._client.blob.download(
                range=range_headers(start).get("Range"),
                # The stored bytes, as saved: a "x.csv.gz" is stored with Content-Encoding gzip
                # (for browsers), which the SDK would otherwise undo (or fail to, on non-gzip).
                decompress=False,
                cls=lambda response, deserialized, _headers: (deserialized, response),
            )
        except HttpResponseError as exc:
            if exc.status_code != 416:
                raise
            return None  # at or past the end
        internal = response.http_response.internal_response
        self._version.check(internal.headers.get("ETag"), internal)
        return ResponseStream(internal, start)


class BlockWriter:
    """Upload a blob in staged blocks, at most ``max_conn`` at a time; commit makes it visible.

    A file that fits in one block is sent in one request on commit. Until the block list is
    committed the blob keeps its previous content (uncommitted blocks are discarded by Azure),
    so an aborted or failed write leaves no trace. The blob's ``Content-MD5`` is the MD5 of
    what was written (Azure stores none for a block list): listings carry it as the digest.
    """

    def __init__(
        self,
        blob: BlobClient,
        content_settings: dict[str, Any],
        block_size: int,
        max_conn: int,
        timeout: float | None,
    ) -> None:
        self._blob = blob
        self._content_settings = content_settings
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._block_size = block_size
        self._max_conn = max(1, max_conn)
        # The SDK's per-request server timeout, in whole seconds.
        self._timeout = int(timeout) if timeout else None
        self._buffer = bytearray()
        self._block_ids: list[str] = []
        self._prefix = uuid.uuid4().hex
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._pending: set[concurrent.futures.Future[None]] = set()

    def write(self, data: bytes, /) -> None:
        self._md5.update(data)
        with memoryview(data) as view:
            while view:
                room = self._block_size - len(self._buffer)
                self._buffer += view[:room]
                view = view[room:]
                if len(self._buffer) == self._block_size:
                    # The filled buffer is the block, sent as is: no copy, and at most
                    # max_conn + 1 blocks in memory.
                    block, self._buffer = self._buffer, bytearray()
                    self._stage(block)

    def _stage(self, block: bytes | bytearray) -> None:
        # Block ids must be unique per blob and of equal length (the SDK base64-encodes them); a
        # random prefix keeps two concurrent writers of the same name from mixing their blocks.
        block_id = f"{self._prefix}-{len(self._block_ids):06d}"
        self._block_ids.append(block_id)
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(
                self._max_conn, thread_name_prefix="azure-upload"
            )
        self._wait(self._max_conn - 1)
        self._pending.add(self._pool.submit(self._stage_block, block_id, block))

    def _stage_block(self, block_id: str, block: bytes | bytearray) -> None:
        # The SDK sends any buffer it can take len() of (its type hints say bytes only).
        self._blob.stage_block(block_id, block, timeout=self._timeout)  # type: ignore[arg-type]

    def _wait(self, at_most: int) -> None:
        """Wait until at most *at_most* blocks are in flight, raising the first failure."""
        while len(self._pending) > at_most:
            done, self._pending = concurrent.futures.wait(
                self._pending, return_when=concurrent.futures.FIRST_COMPLETED
            )
            for future in done:
                future.result()

    def commit(self) -> None:
        settings = {"content_md5": bytearray(self._md5.digest()), **self._content_settings}
        content_settings = ContentSettings(**settings)
        try:
            if not self._block_ids:
                self._blob.upload_blob(
                    bytes(self._buffer),
                    overwrite=True,
                    content_settings=content_settings,
                    timeout=self._timeout,
                )
                return
            if self._buffer:
                block, self._buffer = self._buffer, bytearray()
                self._stage(block)
            self._wait(0)
            self._blob.commit_block_list(
                [BlobBlock(block_id) for block_id in self._block_ids],
                content_settings=content_settings,
                timeout=self._timeout,
            )
        finally:
            self._shutdown()

    def abort(self) -> None:
        for future in self._pending:
            future.cancel()
        self._pending = set()
        self._buffer.clear()
        self._shutdown()

    def _shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
