"""Bounded multipart writes of S3 objects: one PUT when small, parts in flight when large."""

from __future__ import annotations

import collections
import dataclasses
import io
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

__all__ = [
    "MAX_BUFFERED",
    "MIN_PART_SIZE",
    "SDK_CONCURRENCY",
    "MultipartPlan",
    "ObjectWriter",
]

#: S3's smallest part (but the last).
MIN_PART_SIZE = 5 * 1024 * 1024
#: The most bytes of parts a multipart save holds in memory (unless two parts are larger).
MAX_BUFFERED = 64 * 1024 * 1024
#: boto3's parts uploaded at once (``TransferConfig.max_concurrency``), before the memory bound.
SDK_CONCURRENCY = 10

#: The checksum boto3's transfers ask S3 to keep for every part (s3transfer's default).
DEFAULT_PART_CHECKSUM = "CRC32"


def _part_checksum(client: Any, params: dict[str, Any]) -> str | None:
    """Return the checksum algorithm a multipart save asks S3 to keep, as boto3's
    ``upload_fileobj`` does: the one the object parameters name, else CRC32 (botocore computes
    a CRC32 of each part anyway, unless ``request_checksum_calculation`` is
    ``'when_required'``). None when the parameters give a whole-object checksum, or nothing is
    asked.

    A multipart upload created with an algorithm keeps each part's checksum and the object's
    (composite) one, which S3 checks on completion; where the upload was created with none,
    S3-compatible servers (moto among them) spend longer on each part.
    """
    if "ChecksumAlgorithm" in params:
        return str(params["ChecksumAlgorithm"]).upper()
    if any(name.startswith("Checksum") for name in params):
        return None
    mode = getattr(getattr(client, "meta", None), "config", None)
    if getattr(mode, "request_checksum_calculation", None) != "when_supported":
        return None
    return DEFAULT_PART_CHECKSUM


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
        self._algorithm = _part_checksum(client, params)
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
        params = self._params
        if self._algorithm:
            params = {**params, "ChecksumAlgorithm": self._algorithm}
        created = self._client.create_multipart_upload(**self._where, **params)
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
            **({"ChecksumAlgorithm": self._algorithm} if self._algorithm else {}),
        )
        part = {"ETag": uploaded["ETag"], "PartNumber": number}
        checksum = f"Checksum{self._algorithm}"
        if self._algorithm and checksum in uploaded:  # S3 wants it back on completion
            part[checksum] = uploaded[checksum]
        return part

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
