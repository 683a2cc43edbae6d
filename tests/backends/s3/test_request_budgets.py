"""Requests per operation on S3: the fewest the protocol allows (the docs page's table).

Counted at the HTTP layer with botocore's ``before-send`` hook, against moto.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.files.base import ContentFile

from storages.backends.s3 import S3Storage
from storages.testing.content import GeneratedFile
from tests.backends.s3.fixtures import RequestCounter
from tests.bigfiles import BIG, RSS_BOUND, big_files, peak_rss_growth

MiB = 1024 * 1024
PART = 8 * MiB  # boto3's upload_fileobj part size


@pytest.fixture
def storage(s3_options: dict[str, Any]) -> Iterator[S3Storage]:
    with S3Storage(**s3_options) as storage:
        yield storage


class Sent:
    """The operation, ``Range`` and ``Content-Length`` of every request a client sends."""

    def __init__(self, storage: S3Storage) -> None:
        self.requests: list[tuple[str, str | None, int]] = []
        storage.client.meta.events.register("before-send.s3", self)

    def __call__(self, request: Any, **kwargs: Any) -> None:
        operation = kwargs.get("event_name", "").rsplit(".", 1)[-1]
        headers = {k.lower(): v for k, v in request.headers.items()}
        ranged = headers.get("range")
        ranged = ranged.decode() if isinstance(ranged, bytes) else ranged
        self.requests.append((operation, ranged, int(headers.get("content-length", 0))))

    def take(self) -> list[tuple[str, str | None, int]]:
        requests, self.requests = self.requests, []
        return requests


def expected(size: int, start: int = 0) -> bytes:
    content = GeneratedFile(size)
    content.seek(start)
    return bytes(content.read())


def test_read_to_the_end_is_one_get(storage: S3Storage) -> None:
    name = storage.save("three.bin", GeneratedFile(3 * MiB))
    sent = Sent(storage)
    with storage.open(name) as handle:
        assert handle.read() == expected(3 * MiB)
    assert sent.take() == [("GetObject", None, 0)]


def test_read_1024_of_a_large_object_is_one_get_reading_little(storage: S3Storage) -> None:
    name = storage.save("large.bin", GeneratedFile(64 * MiB))
    sent = Sent(storage)
    tracemalloc.start()
    try:
        with storage.open(name) as handle:
            assert handle.read(1024) == expected(1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sent.take() == [("GetObject", None, 0)]
    assert peak < 2 * MiB
    # Closing early dropped that connection: the client's next request works.
    assert storage.size(name) == 64 * MiB


def test_sequential_small_reads_share_one_get(storage: S3Storage) -> None:
    name = storage.save("lines.bin", GeneratedFile(3 * MiB))
    sent = Sent(storage)
    with storage.open(name) as handle:
        parts = []
        while chunk := handle.read(1000):
            parts.append(chunk)
    assert b"".join(parts) == expected(3 * MiB)
    assert sent.take() == [("GetObject", None, 0)]


def test_a_read_after_a_seek_is_one_open_ended_ranged_get(storage: S3Storage) -> None:
    name = storage.save("seek.bin", GeneratedFile(3 * MiB))
    sent = Sent(storage)
    with storage.open(name) as handle:
        handle.seek(MiB)
        assert handle.read() == expected(3 * MiB, MiB)
    assert sent.take() == [("GetObject", None, 0), ("GetObject", f"bytes={MiB}-", 0)]


def test_readinto_fills_the_callers_buffer(storage: S3Storage) -> None:
    name = storage.save("into.bin", GeneratedFile(3 * MiB + 5))
    buffer = bytearray(3 * MiB + 5)
    with storage.open(name) as handle:
        view, done = memoryview(buffer), 0
        while count := handle.readinto(view[done:]):
            done += count
        del view
    assert done == len(buffer) and bytes(buffer) == expected(3 * MiB + 5)


def test_small_operations(
    storage: S3Storage, count_requests: Callable[[Any], RequestCounter]
) -> None:
    counter = count_requests(storage)
    name = storage.save("small.txt", ContentFile(b"x" * 1024))
    assert counter.take() == {"PutObject": 1}
    assert storage.exists(name)
    assert counter.take() == {"HeadObject": 1}
    assert storage.size(name) == 1024
    assert counter.take() == {"HeadObject": 1}
    with storage.open(name) as handle:
        assert handle.read() == b"x" * 1024
    assert counter.take() == {"GetObject": 1}
    storage.url(name)
    assert counter.take() == {}


def test_a_large_save_is_multipart_in_boto3s_8_mib_parts(storage: S3Storage) -> None:
    sent = Sent(storage)
    storage.save("parts.bin", GeneratedFile(3 * PART + 5))
    requests = sent.take()
    operations = [operation for operation, _, _ in requests]
    assert operations == [
        "CreateMultipartUpload",
        *["UploadPart"] * 4,
        "CompleteMultipartUpload",
    ]
    parts = sorted((length for op, _, length in requests if op == "UploadPart"), reverse=True)
    assert parts == [PART, PART, PART, 5]
    assert storage.size("parts.bin") == 3 * PART + 5


def test_the_upload_runs_boto3s_concurrency_within_the_memory_bound(storage: S3Storage) -> None:
    plan = storage._plan()
    assert (plan.part_size, plan.threshold) == (PART, PART)
    assert (plan.concurrency + 1) * plan.part_size <= RSS_BOUND


@big_files
def test_256_mib_save_and_read(
    storage: S3Storage, count_requests: Callable[[Any], RequestCounter]
) -> None:
    counter = count_requests(storage)
    with peak_rss_growth() as saved:
        name = storage.save("huge.bin", GeneratedFile(BIG))
    assert counter.take() == {
        "CreateMultipartUpload": 1,
        "UploadPart": BIG // PART,
        "CompleteMultipartUpload": 1,
    }
    with peak_rss_growth() as read, storage.open(name) as handle:
        while handle.read(1024 * 1024):
            pass
    assert counter.take() == {"GetObject": 1}
    with storage.open(name) as handle:
        assert handle.read(1024) == expected(1024)
    assert counter.take() == {"GetObject": 1}
    assert saved[0] <= RSS_BOUND, saved[0] / MiB
    assert read[0] <= RSS_BOUND, read[0] / MiB


def _params_of(storage: S3Storage, operation: str) -> list[dict[str, Any]]:
    """Record the parameters of every *operation* call of the storage's client."""
    seen: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **kwargs: Any) -> None:
        seen.append(dict(params))

    storage.client.meta.events.register(f"provide-client-params.s3.{operation}", record)
    return seen


@pytest.mark.parametrize(("object_parameters", "algorithm"), [({}, "CRC32"), (None, "SHA256")])
def test_a_multipart_save_keeps_part_checksums_as_boto3_does(
    s3_options: dict[str, Any], object_parameters: dict[str, Any] | None, algorithm: str
) -> None:
    """Like ``upload_fileobj``: the upload is created with a checksum algorithm (CRC32 unless
    the object parameters name one), each part carries its checksum and the completion lists
    them (S3 refuses a completion without them)."""
    given = {"ChecksumAlgorithm": algorithm} if object_parameters is None else object_parameters
    with S3Storage(**s3_options, object_parameters=given) as storage:
        created = _params_of(storage, "CreateMultipartUpload")
        completed = _params_of(storage, "CompleteMultipartUpload")
        name = storage.save("summed.bin", GeneratedFile(PART + 5))
        assert created[0]["ChecksumAlgorithm"] == algorithm
        parts = completed[0]["MultipartUpload"]["Parts"]
        assert [sorted(part) for part in parts] == [
            [f"Checksum{algorithm}", "ETag", "PartNumber"]
        ] * 2
        with storage.open(name) as handle:
            assert handle.read() == expected(PART + 5)


def test_a_multipart_save_asks_no_checksum_when_only_required(s3_options: dict[str, Any]) -> None:
    with S3Storage(**s3_options, request_checksum_calculation="when_required") as storage:
        created = _params_of(storage, "CreateMultipartUpload")
        storage.save("plain.bin", GeneratedFile(PART + 5))
        assert "ChecksumAlgorithm" not in created[0]
