"""A read cut mid-body on S3: resumed from the byte it broke at, on the same version only.

Against moto; the cut is a botocore streaming error raised once where the body is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ResponseStreamingError
from django.core.files.base import ContentFile

from storages.backends.s3 import S3Storage, streams
from storages.errors import StorageConnectionError
from storages.testing.content import GeneratedFile

MiB = 1024 * 1024


@pytest.fixture
def storage(s3_options: dict[str, Any]) -> Iterator[S3Storage]:
    with S3Storage(**s3_options) as storage:
        yield storage


@pytest.fixture
def cut_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Break the body on its second read from the connection (the first is the caller's)."""
    fill, reads = streams._fill, []

    def cut(body: Any, buffer: memoryview) -> int:
        reads.append(len(buffer))
        if len(reads) == 2:
            raise ResponseStreamingError(error="connection reset")
        return fill(body, buffer)

    monkeypatch.setattr(streams, "_fill", cut)


def ranges(storage: S3Storage) -> list[tuple[str | None, str | None]]:
    """Record the ``Range`` and ``If-Match`` of every GET the storage's client sends."""
    sent: list[tuple[str | None, str | None]] = []

    def record(params: dict[str, Any], **kwargs: Any) -> None:
        sent.append((params.get("Range"), params.get("IfMatch")))

    storage.client.meta.events.register("provide-client-params.s3.GetObject", record)
    return sent


def expected(size: int) -> bytes:
    return bytes(GeneratedFile(size).read())


@pytest.mark.usefixtures("cut_once")
def test_a_cut_body_resumes_with_one_ranged_get_of_the_same_version(storage: S3Storage) -> None:
    name = storage.save("cut.bin", GeneratedFile(3 * MiB))
    sent = ranges(storage)
    with storage.open(name) as handle:
        first = handle.read(1024)
        rest = handle.read()
    assert first + rest == expected(3 * MiB)
    assert len(sent) == 2 and sent[0] == (None, None)
    resumed_range, if_match = sent[1]
    assert resumed_range is not None and resumed_range.startswith("bytes=")
    assert if_match == f'"{storage.stat(name).digest}"'


@pytest.mark.usefixtures("cut_once")
def test_an_object_replaced_before_the_resume_is_a_connection_error(storage: S3Storage) -> None:
    """S3 refuses the resume (412: If-Match failed). Not FileExistsError, which the 412 of a
    no-overwrite save means: the read broke and can't go on with the same bytes, as any broken
    body that can't be resumed (ConnectionError); reopening reads the new version."""
    name = storage.save("replaced.bin", GeneratedFile(3 * MiB))
    with storage.open(name) as handle:
        handle.read(1024)
        storage.save(name, ContentFile(b"new content"))
        with pytest.raises(StorageConnectionError, match="changed while it was read") as caught:
            handle.read()
    assert not isinstance(caught.value, FileExistsError)
    with storage.open(name) as handle:
        assert handle.read() == b"new content"


@pytest.mark.usefixtures("cut_once")
def test_a_server_ignoring_if_match_still_never_mixes_two_versions(storage: S3Storage) -> None:
    name = storage.save("ignored.bin", GeneratedFile(3 * MiB))

    def drop_if_match(params: dict[str, Any], **kwargs: Any) -> None:
        params.pop("IfMatch", None)

    storage.client.meta.events.register("before-parameter-build.s3.GetObject", drop_if_match)
    with storage.open(name) as handle:
        handle.read(1024)
        storage.save(name, GeneratedFile(3 * MiB + 1))
        with pytest.raises(StorageConnectionError, match="changed while it was read"):
            handle.read()
