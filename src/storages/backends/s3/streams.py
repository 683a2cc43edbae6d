"""Streaming reads and bounded multipart writes of S3 objects."""

from __future__ import annotations

import collections
import dataclasses
import io
import re
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from botocore.exceptions import (
    ConnectionClosedError,
    IncompleteReadError,
    ReadTimeoutError,
    ResponseStreamingError,
)

from storages.retry import READ_RESUMES

__all__ = ["MAX_BUFFERED", "MIN_PART_SIZE", "MultipartPlan", "ObjectReader", "ObjectWriter"]

#: S3's smallest part (but the last).
MIN_PART_SIZE = 5 * 1024 * 1024
#: The most bytes of parts a multipart save holds in memory (unless two parts are larger).
MAX_BUFFERED = 64 * 1024 * 1024

_CONTENT_RANGE = re.compile(r"bytes \d+-\d+/(\d+)")

#: How a response body breaks mid-stream; botocore retries requests, never a body being read.
_BROKEN_BODY = (
    ResponseStreamingError,
    IncompleteReadError,
    ReadTimeoutError,
    ConnectionClosedError,
)


class ObjectReader:
    """A byte stream of one object from an offset.

    The first request asks for one small window (``Range: bytes=off-off+window-1``), so opening a
    file and reading a few bytes costs one small GET whatever the object's size; if the reader
    goes past the window, one open-ended GET streams the rest. A body that breaks mid-stream (a
    reset, a stall past the read timeout) is resumed from the byte it broke at, up to
    :data:`~storages.retry.READ_RESUMES` times. Objects stored gzip-encoded are decompressed on
    the fly (from the start: compressed bytes can't be addressed by offset, so those are not
    resumed), unless ``inflate`` is False (``x.tar.gz``: the gzip bytes are the content).
    ``params`` (the SSE-C key, ...) go with every request.
    """

    def __init__(
        self,
        client: Any,
        bucket: str,
        key: str,
        offset: int,
        window: int,
        *,
        params: dict[str, Any] | None = None,
        inflate: bool = True,
    ) -> None:
        self._client = client
        self._bucket = bucket
        self._key = key
        self._params = params or {}  # sent with every request: the SSE-C key, ...
        self._may_inflate = inflate
        self._pos = offset
        self._body: Any = None
        self._window_end: int | None = None
        self._inflate: Any = None
        self._pending = b""
        self._resumes = 0
        self.size: int | None = None
        self._get(offset, offset + window - 1)

    def _get(self, start: int, end: int | None) -> None:
        args: dict[str, Any] = {"Bucket": self._bucket, "Key": self._key, **self._params}
        if start or end is not None:
            args["Range"] = f"bytes={start}-{'' if end is None else end}"
        try:
            response = self._client.get_object(**args)
        except Exception as exc:
            if getattr(exc, "response", {}).get("Error", {}).get("Code") != "InvalidRange":
                raise
            # Past the end: S3 answers 416 with nothing to read.
            head = self._client.head_object(Bucket=self._bucket, Key=self._key, **self._params)
            self.size = int(head["ContentLength"])
            self._body = None
            return
        match = _CONTENT_RANGE.match(response.get("ContentRange") or "")
        total = int(match.group(1)) if match else int(response["ContentLength"])
        self._body = response["Body"]
        self._window_end = end if match else None
        if self._may_inflate and response.get("ContentEncoding") == "gzip":
            self._start_inflating(start)
        else:
            self.size = total

    def _start_inflating(self, offset: int) -> None:
        if self._window_end is not None or offset:
            # Ranges mean nothing in compressed bytes: read the whole object from the start.
            self._body.close()
            response = self._client.get_object(Bucket=self._bucket, Key=self._key, **self._params)
            self._body = response["Body"]
            self._window_end = None
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
        if n is None or n < 0:
            n = 1 << 62
        if self._inflate is not None:
            return self._read_inflated(n)
        data = self._read_body(n)
        if not data and self._window_end is not None and self.size and self._pos < self.size:
            self._body.close()
            self._get(self._pos, None)
            data = self._read_body(n) if self._body is not None else b""
        self._pos += len(data)
        return bytes(data)

    def _read_body(self, n: int) -> bytes:
        """Read from the body; if it breaks, resume it at the current position (bounded)."""
        while True:
            try:
                return bytes(self._body.read(n))
            except _BROKEN_BODY:
                if self._resumes >= READ_RESUMES or not self.size or self._pos >= self.size:
                    raise
                self._resumes += 1
                self._body.close()
                self._get(self._pos, None)
                if self._body is None:
                    return b""

    def close(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None


@dataclasses.dataclass(frozen=True)
class MultipartPlan:
    """How a save is cut: one PUT under ``threshold`` bytes, else parts of ``part_size`` bytes,
    ``concurrency`` of them uploading while the next fills."""

    part_size: int
    threshold: int
    concurrency: int

    @classmethod
    def of(
        cls, part_size: int, transfer_config: Any = None, use_threads: bool = True
    ) -> MultipartPlan:
        """Return the plan of a storage: its part size, or a boto3 ``TransferConfig``'s chunk
        size, threshold and concurrency, bounded so that the parts in memory stay within
        :data:`MAX_BUFFERED` (or two parts, when a part is larger than half of it)."""
        threshold, concurrency = None, 4
        if transfer_config is not None:
            part_size = int(getattr(transfer_config, "multipart_chunksize", part_size))
            threshold = int(getattr(transfer_config, "multipart_threshold", part_size))
            concurrency = int(getattr(transfer_config, "max_concurrency", concurrency))
            use_threads = use_threads and getattr(transfer_config, "use_threads", True)
        part_size = max(part_size, MIN_PART_SIZE)
        fits = max(1, MAX_BUFFERED // part_size - 1)
        concurrency = max(1, min(concurrency if use_threads else 1, fits))
        limit = max(MAX_BUFFERED, part_size)
        threshold = part_size if threshold is None else max(1, min(threshold, limit))
        return cls(part_size, threshold, concurrency)


class ObjectWriter:
    """Collect written bytes and upload them: one PUT when small, multipart when large.

    Parts of the plan's ``part_size`` are uploaded by up to ``concurrency`` threads while the
    next part fills, so at most ``concurrency + 1`` parts are held in memory. ``params`` go with
    the PUT (or the multipart creation), ``part_params`` (the SSE-C key) with every part and the
    completion too. ``exclusive`` asks S3 to refuse the write if the key exists
    (``If-None-Match: *``), making no-overwrite saves atomic.
    """

    def __init__(
        self,
        client: Any,
        bucket: str,
        key: str,
        params: dict[str, Any],
        *,
        plan: MultipartPlan,
        exclusive: bool,
        gzip: bool,
        part_params: dict[str, Any] | None = None,
    ) -> None:
        self._client = client
        self._where = {"Bucket": bucket, "Key": key}
        self._params = params
        self._part_params = part_params or {}
        self._plan = plan
        self._exclusive = exclusive
        self._buffer = io.BytesIO()
        self._upload_id: str | None = None
        self._next_part = 1
        self._in_flight: collections.deque[Future[dict[str, Any]]] = collections.deque()
        self._parts: list[dict[str, Any]] = []
        self._pool: ThreadPoolExecutor | None = None
        self._compress = zlib.compressobj(wbits=31) if gzip else None

    def write(self, data: bytes, /) -> None:
        if self._compress is not None:
            data = self._compress.compress(data)
        if self._upload_id is not None:
            self._append(data)
            return
        self._buffer.write(data)
        if self._buffer.tell() >= self._plan.threshold:
            self._start_multipart()

    def _start_multipart(self) -> None:
        created = self._client.create_multipart_upload(**self._where, **self._params)
        self._upload_id = created["UploadId"]
        self._pool = ThreadPoolExecutor(self._plan.concurrency, thread_name_prefix="s3-part")
        pending, self._buffer = self._buffer, io.BytesIO()
        with pending.getbuffer() as view:
            self._append(view)

    def _append(self, data: bytes | memoryview) -> None:
        view = memoryview(data)
        part_size = self._plan.part_size
        while view:
            # Parts are cut at exactly part_size, so the ETag is predictable (see content_digest).
            room = part_size - self._buffer.tell()
            self._buffer.write(view[:room])
            view = view[room:]
            if self._buffer.tell() >= part_size:
                self._submit_part()

    def _send_part(self, number: int, body: io.BytesIO) -> dict[str, Any]:
        body.seek(0)
        uploaded = self._client.upload_part(
            **self._where,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=body,
            **self._part_params,
        )
        return {"ETag": uploaded["ETag"], "PartNumber": number}

    def _submit_part(self) -> None:
        assert self._pool is not None
        while len(self._in_flight) >= self._plan.concurrency:
            self._parts.append(self._in_flight.popleft().result())
        body, self._buffer = self._buffer, io.BytesIO()
        self._in_flight.append(self._pool.submit(self._send_part, self._next_part, body))
        self._next_part += 1

    def commit(self) -> None:
        if self._compress is not None:
            self._buffer.write(self._compress.flush())
            self._compress = None
        condition = {"IfNoneMatch": "*"} if self._exclusive else {}
        if self._upload_id is None:
            body = self._buffer.getvalue()
            self._client.put_object(**self._where, Body=body, **self._params, **condition)
            return
        try:
            if self._buffer.tell():
                self._submit_part()
            while self._in_flight:
                self._parts.append(self._in_flight.popleft().result())
            self._client.complete_multipart_upload(
                **self._where,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": sorted(self._parts, key=lambda p: p["PartNumber"])},
                **self._part_params,
                **condition,
            )
        except BaseException:
            self.abort()
            raise
        finally:
            self._shutdown()

    def _shutdown(self) -> None:
        if self._pool is not None:
            for future in self._in_flight:
                future.cancel()
            self._pool.shutdown(wait=True)
            self._pool = None
        self._in_flight.clear()

    def abort(self) -> None:
        self._buffer = io.BytesIO()
        self._shutdown()
        if self._upload_id is not None:
            upload_id, self._upload_id = self._upload_id, None
            self._client.abort_multipart_upload(**self._where, UploadId=upload_id)
