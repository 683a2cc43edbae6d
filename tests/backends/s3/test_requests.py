"""What each S3 request carries: the SSE-C key, checksums, conditional writes, content headers,
and how a boto3 ``TransferConfig`` cuts saves into parts.

Requests are observed on their way out with botocore's ``before-send`` hook; moto, a real S3
server, answers them.
"""

from __future__ import annotations

import base64
import gzip
import logging
import threading
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from boto3.s3.transfer import TransferConfig
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.test import override_settings

from storages.backends.s3 import S3Storage
from storages.backends.s3.uploads import MAX_BUFFERED, MultipartPlan
from storages.testing.content import GeneratedFile
from tests.backends.s3.fixtures import BUCKET, raw_client
from tests.harness.servers import RunningServer

MiB = 1024 * 1024
CUSTOMER_KEY = "k" * 16 + "customer-key-32b"  # 32 bytes, as AES256 wants
SSE_C = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": CUSTOMER_KEY}
KEY_HEADER = "x-amz-server-side-encryption-customer-key"
COPY_KEY_HEADER = "x-amz-copy-source-server-side-encryption-customer-key"


class Sent:
    """The requests a client sent: operation name and headers (lower-cased), in order."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.threads: dict[str, set[str]] = {}

    def __call__(self, request: Any, **kwargs: Any) -> None:
        operation = kwargs.get("event_name", "").rsplit(".", 1)[-1]
        headers = {
            k.lower(): v.decode() if isinstance(v, bytes) else str(v)
            for k, v in request.headers.items()
        }
        self.requests.append((operation, headers))
        self.threads.setdefault(operation, set()).add(threading.current_thread().name)

    def operations(self) -> list[str]:
        return [operation for operation, _ in self.requests]

    def take(self) -> list[tuple[str, dict[str, str]]]:
        requests, self.requests = self.requests, []
        return requests


def watch(storage: S3Storage) -> Sent:
    sent = Sent()
    storage.client.meta.events.register("before-send.s3", sent)
    return sent


@pytest.fixture
def raw(moto: RunningServer) -> Any:
    return raw_client(moto)


# -- SSE-C ----------------------------------------------------------------------------------------
def test_the_customer_key_goes_with_every_request_about_the_object(
    s3_options: dict[str, Any],
) -> None:
    storage = S3Storage(object_parameters=SSE_C, **s3_options)
    sent = watch(storage)
    expected = base64.b64encode(CUSTOMER_KEY.encode()).decode()
    small = storage.save("small.txt", ContentFile(b"secret content"))
    large = storage.save("large.bin", GeneratedFile(12 * MiB))  # multipart: 8 + 4 MiB
    assert storage.exists(small) and storage.size(large) == 12 * MiB
    with storage.open(small) as handle:
        assert handle.read() == b"secret content"
    with storage.open(large) as handle:
        handle.seek(6 * MiB)  # a ranged GET
        expected_bytes = GeneratedFile(12 * MiB)
        expected_bytes.seek(6 * MiB)
        assert handle.read(4) == expected_bytes.read(4)
    storage.copy(small, "copy.txt")
    with storage.open("copy.txt") as handle:
        assert handle.read() == b"secret content"
    requests = sent.take()
    operations = {operation for operation, _ in requests}
    assert {
        "PutObject",
        "CreateMultipartUpload",
        "UploadPart",
        "CompleteMultipartUpload",
        "HeadObject",
        "GetObject",
        "CopyObject",
    } <= operations
    for operation, headers in requests:
        assert headers.get(KEY_HEADER) == expected, operation
        assert headers.get(f"{KEY_HEADER}-md5"), operation
    copies = [headers for operation, headers in requests if operation == "CopyObject"]
    assert all(headers[COPY_KEY_HEADER] == expected for headers in copies)


def test_the_customer_key_stays_out_of_reprs_errors_and_logs(
    s3_options: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    storage = S3Storage(object_parameters=SSE_C, **s3_options)
    as_sent = base64.b64encode(CUSTOMER_KEY.encode()).decode()
    assert CUSTOMER_KEY not in repr(storage) and "SSECustomerAlgorithm" in repr(storage)
    with caplog.at_level(logging.DEBUG, logger="botocore"):
        storage.save("logged.txt", ContentFile(b"x"))
        with pytest.raises(FileNotFoundError) as info:
            storage.size("missing.txt")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "customer-key" in logged.lower()  # botocore did log the request headers...
    assert CUSTOMER_KEY not in logged and as_sent not in logged  # ...without the key
    assert CUSTOMER_KEY not in str(info.value) and as_sent not in str(info.value)


# -- content type and encoding --------------------------------------------------------------------
def test_content_type_and_encoding_as_1x_stored_them(storage_factory: Any, raw: Any) -> None:
    storage, location = storage_factory()
    archive = gzip.compress(b"tar bytes")
    uploaded = ContentFile(b"<svg/>")
    uploaded.content_type = "image/svg+xml"  # what an UploadedFile carries
    storage.save("blob.unknown-ext", ContentFile(b"?"))
    storage.save("dump.gz", ContentFile(archive))
    storage.save("site.tar.gz", ContentFile(archive))
    storage.save("drawing", uploaded)

    def head(name: str) -> tuple[str, str | None]:
        found = raw.head_object(Bucket=BUCKET, Key=f"{location}/{name}")
        return found["ContentType"], found.get("ContentEncoding")

    assert head("blob.unknown-ext") == ("application/octet-stream", None)
    assert head("dump.gz") == ("application/octet-stream", "gzip")
    assert head("site.tar.gz") == ("application/x-tar", "gzip")
    assert head("drawing") == ("image/svg+xml", None)
    with storage.open("site.tar.gz") as handle:  # the archive itself, not its inflated content
        assert handle.read() == archive


def test_default_content_type_of_a_subclass(s3_options: dict[str, Any], raw: Any) -> None:
    class TextByDefault(S3Storage):
        default_content_type = "text/plain"

    TextByDefault(**s3_options).save("README", ContentFile(b"read me"))
    head = raw.head_object(Bucket=BUCKET, Key=f"{s3_options['location']}/README")
    assert head["ContentType"] == "text/plain"


@pytest.fixture
def storage_factory(s3_options: dict[str, Any]) -> Iterator[Any]:
    made: list[S3Storage] = []

    def make(**options: Any) -> tuple[S3Storage, str]:
        storage = S3Storage(**{**s3_options, **options})
        made.append(storage)
        return storage, storage.location_prefix

    yield make
    for storage in made:
        storage.close()


# -- checksums and conditional writes -------------------------------------------------------------
def test_checksum_options_reach_botocore(storage_factory: Any) -> None:
    default, _ = storage_factory()
    quiet, _ = storage_factory(
        request_checksum_calculation="WHEN_REQUIRED", response_checksum_validation="when_required"
    )
    assert quiet.client.meta.config.request_checksum_calculation == "when_required"
    assert quiet.client.meta.config.response_checksum_validation == "when_required"
    for storage, checksummed in ((default, True), (quiet, False)):
        sent = watch(storage)
        storage.save("sum.txt", ContentFile(b"checked"))
        [(_, headers)] = sent.take()
        assert ("x-amz-sdk-checksum-algorithm" in headers) is checksummed
        with storage.open("sum.txt") as handle:
            assert handle.read() == b"checked"


def test_checksum_settings_are_read_and_checked(s3_options: dict[str, Any]) -> None:
    with override_settings(
        AWS_S3_REQUEST_CHECKSUM_CALCULATION="when_required",
        AWS_S3_RESPONSE_CHECKSUM_VALIDATION="when_supported",
    ):
        storage = S3Storage(**s3_options)
    assert storage.options.request_checksum_calculation == "when_required"
    assert storage.client.meta.config.response_checksum_validation == "when_supported"
    with pytest.raises(ImproperlyConfigured, match="when_required"):
        S3Storage(request_checksum_calculation="never", **s3_options)


def test_conditional_writes_can_be_turned_off(storage_factory: Any) -> None:
    for conditional in (True, False):
        storage, _ = storage_factory(
            file_overwrite=False, conditional_writes=conditional, location=f"cond-{uuid4().hex}"
        )
        sent = watch(storage)
        first = storage.save("once.txt", ContentFile(b"1"))
        second = storage.save("once.txt", ContentFile(b"2"))
        assert first == "once.txt" and second != first  # a free name either way
        puts = [headers for operation, headers in sent.take() if operation == "PutObject"]
        assert [h.get("if-none-match") for h in puts] == (
            [("*")] * 2 if conditional else [None] * 2
        )


# -- TransferConfig -------------------------------------------------------------------------------
def test_transfer_config_cuts_the_parts(storage_factory: Any) -> None:
    config = TransferConfig(multipart_threshold=MiB, multipart_chunksize=6 * MiB, max_concurrency=2)
    storage, _ = storage_factory(transfer_config=config)
    sent = watch(storage)
    for size, expected in (
        (MiB // 2, ["PutObject"]),  # under the threshold: one PUT
        (2 * MiB, ["CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"]),
        (7 * MiB, ["CreateMultipartUpload", "UploadPart", "UploadPart", "CompleteMultipartUpload"]),
    ):
        name = storage.save(f"{size}.bin", GeneratedFile(size))
        assert sent.operations() == expected, size
        # The ETag S3 gives is the one the storage predicts: synchronising skips the file.
        listed = {entry.name: entry.digest for entry in storage.listing()}
        assert listed[name] == storage.content_digest(GeneratedFile(size).chunks())[0]
        sent.take()


def test_without_threads_parts_upload_one_at_a_time(s3_options: dict[str, Any]) -> None:
    with (
        override_settings(AWS_S3_USE_THREADS=False),
        pytest.warns(DeprecationWarning, match="AWS_S3_TRANSFER_CONFIG"),
    ):
        storage = S3Storage(**s3_options)
    sent = watch(storage)
    storage.save("serial.bin", GeneratedFile(32 * MiB))
    assert sent.operations().count("UploadPart") == 4
    assert len(sent.threads["UploadPart"]) == 1
    configured = S3Storage(transfer_config=TransferConfig(use_threads=False), **s3_options)
    assert configured._plan().concurrency == 1


def test_transfer_config_stays_within_the_memory_bound() -> None:
    greedy = TransferConfig(multipart_chunksize=16 * MiB, max_concurrency=50)
    plan = MultipartPlan.of(5 * MiB, greedy)
    assert (plan.concurrency + 1) * plan.part_size <= MAX_BUFFERED
    huge = MultipartPlan.of(5 * MiB, TransferConfig(multipart_threshold=10 * 1024 * MiB))
    assert huge.threshold == MAX_BUFFERED


# -- file name charset ----------------------------------------------------------------------------
def test_file_name_charset_is_accepted(s3_options: dict[str, Any]) -> None:
    with override_settings(AWS_S3_FILE_NAME_CHARSET="utf-8"):
        S3Storage(**s3_options)  # what it always was: no warning
    with pytest.warns(UserWarning, match="changes nothing"):
        S3Storage(file_name_charset="latin-1", **s3_options)
    with pytest.raises(ImproperlyConfigured, match="unknown charset"):
        S3Storage(file_name_charset="no-such-charset", **s3_options)
