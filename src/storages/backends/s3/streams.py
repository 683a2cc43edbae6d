"""Streaming reads and bounded multipart writes of S3 objects."""

from __future__ import annotations

import collections
import dataclasses
import http.client
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
from botocore.httpchecksum import StreamingChecksumBody
from botocore.response import StreamingBody

from storages.retry import READ_RESUMES

__all__ = [
    "MAX_BUFFERED",
    "MIN_PART_SIZE",
    "SDK_CONCURRENCY",
    "MultipartPlan",
    "ObjectReader",
    "ObjectWriter",
]

#: S3's smallest part (but the last).
MIN_PART_SIZE = 5 * 1024 * 1024
#: The most bytes of parts a multipart save holds in memory (unless two parts are larger).
MAX_BUFFERED = 64 * 1024 * 1024
#: boto3's parts uploaded at once (``TransferConfig.max_concurrency``), before the memory bound.
SDK_CONCURRENCY = 10

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
    (``If-Match`` its ETag), up to :data:`~storages.retry.READ_RESUMES` times. Objects stored
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
        self._etag: str | None = None
        self._inflate: Any = None
        self._pending = b""
        self._resumes = 0
        self.size: int | None = None
        self._get(offset)

    def _get(self, start: int) -> None:
        args = dict(self._where)
        if start:
            args["Range"] = f"bytes={start}-"
            if self._etag:  # a resume: the same version, or S3 refuses (412)
                args["IfMatch"] = self._etag
        try:
            response = self._client.get_object(**args)
        except Exception as exc:
            if getattr(exc, "response", {}).get("Error", {}).get("Code") != "InvalidRange":
                raise
            # Past the end: S3 answers 416 with nothing to read.
            self.size = int(self._client.head_object(**self._where)["ContentLength"])
            self._body = None
            return
        match = _CONTENT_RANGE.match(response.get("ContentRange") or "")
        self._body = response["Body"]
        self._etag = response.get("ETag") or self._etag
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
        size, threshold and concurrency (boto3's 10 threads where none is given), bounded so
        that the parts in memory stay within :data:`MAX_BUFFERED` (or two parts, when a part
        is larger than half of it)."""
        threshold, concurrency = None, SDK_CONCURRENCY
        if transfer_config is not None:
            part_size = int(getattr(transfer_config, "multipart_chunksize", part_size))
            threshold = int(getattr(transfer_config, "multipart_threshold", part_size))
            concurrency = int(getattr(transfer_config, "max_concurrency", concurrency))
            use_threads = use_threads and getattr(transfer_config, "use_threads", True)
        part_size = max(part_size, MIN_PART_SIZE)
        # The parts in flight and the one filling, with a part's worth of room for the
        # request buffers around them.
        fits = max(1, MAX_BUFFERED // part_size - 2)
        concurrency = max(1, min(concurrency if use_threads else 1, fits))
        limit = max(MAX_BUFFERED, part_size)
        threshold = part_size if threshold is None else max(1, min(threshold, limit))
        return cls(part_size, threshold, concurrency)


class ObjectWriter:
    """Collect written bytes and upload them: one PUT when small, multipart when large.

    Parts of the plan's ``part_size`` are uploaded by up to ``concurrency`` threads while the
    next part fills. Each part fills a buffer of exactly ``part_size`` bytes, sent as is and
    reused once its upload is done, so at most ``concurrency + 1`` part buffers ever exist
    (buffers that grew, or new ones per part, fragment the heap: the process's memory would
    grow past them). ``params`` go with the PUT (or the multipart creation), ``part_params``
    (the SSE-C key) with every part and the completion too. ``exclusive`` asks S3 to refuse the
    write if the key exists (``If-None-Match: *``), making no-overwrite saves atomic.
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
        self._buffer = io.BytesIO()  # until the threshold: the content of a single PUT
        self._upload_id: str | None = None
        self._part: bytearray | None = None  # the part filling
        self._filled = 0
        self._spare: list[bytearray] = []  # part buffers whose upload is done
        self._next_part = 1
        self._in_flight: collections.deque[tuple[Future[dict[str, Any]], bytearray | None]] = (
            collections.deque()
        )
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
        if pending.tell() == self._plan.part_size:  # the usual case: exactly the first part
            self._submit(pending, None)
            return
        with pending.getbuffer() as view:
            self._append(view)

    def _append(self, data: bytes | memoryview) -> None:
        view = memoryview(data)
        part_size = self._plan.part_size
        while view:
            if self._part is None:
                self._part = self._spare.pop() if self._spare else bytearray(part_size)
                self._filled = 0
            # Parts are cut at exactly part_size, so the ETag is predictable (see content_digest).
            count = min(part_size - self._filled, len(view))
            self._part[self._filled : self._filled + count] = view[:count]
            self._filled += count
            view = view[count:]
            if self._filled == part_size:
                self._submit_part()

    def _send_part(self, number: int, body: bytes | bytearray | io.BytesIO) -> dict[str, Any]:
        if isinstance(body, io.BytesIO):
            body.seek(0)
        uploaded = self._client.upload_part(
            **self._where,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=body,
            **self._part_params,
        )
        return {"ETag": uploaded["ETag"], "PartNumber": number}

    def _collect(self) -> None:
        future, buffer = self._in_flight.popleft()
        self._parts.append(future.result())
        if buffer is not None:
            self._spare.append(buffer)

    def _submit_part(self) -> None:
        assert self._part is not None
        buffer, self._part = self._part, None
        # The last part is shorter: sent as a copy of its bytes (a part buffer keeps its size).
        body = buffer if self._filled == len(buffer) else bytes(memoryview(buffer)[: self._filled])
        self._submit(body, buffer)

    def _submit(self, body: bytes | bytearray | io.BytesIO, buffer: bytearray | None) -> None:
        """Upload *body* as the next part, then reuse *buffer* (if any) for a later one."""
        assert self._pool is not None
        while len(self._in_flight) >= self._plan.concurrency:
            self._collect()
        future = self._pool.submit(self._send_part, self._next_part, body)
        self._in_flight.append((future, buffer))
        self._next_part += 1

    def commit(self) -> None:
        if self._compress is not None:
            tail = self._compress.flush()
            self._compress = None
            if self._upload_id is None:
                self._buffer.write(tail)
            else:
                self._append(tail)
        condition = {"IfNoneMatch": "*"} if self._exclusive else {}
        if self._upload_id is None:
            body = self._buffer.getvalue()
            self._client.put_object(**self._where, Body=body, **self._params, **condition)
            return
        try:
            if self._part is not None and self._filled:
                self._submit_part()
            while self._in_flight:
                self._collect()
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
            for future, _ in self._in_flight:
                future.cancel()
            self._pool.shutdown(wait=True)
            self._pool = None
        self._in_flight.clear()
        self._spare.clear()
        self._part = None

    def abort(self) -> None:
        self._buffer = io.BytesIO()
        self._shutdown()
        if self._upload_id is not None:
            upload_id, self._upload_id = self._upload_id, None
            self._client.abort_multipart_upload(**self._where, UploadId=upload_id)
