"""A read of Cloud Storage that resumes asks for the generation it was reading.

gcp-storage-emulator sends no ``x-goog-generation`` header and ignores ``ifGenerationMatch`` on
media downloads, so these answers are made here as Cloud Storage sends them (its documented
headers and its ``412`` for a failed precondition), the first one cut mid-body.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
import urllib3
from google.api_core import exceptions as api_exceptions

from storages.backends.gcs import streams

DATA = bytes(range(256)) * 4096  # 1 MiB
HALF = len(DATA) // 2


class CutBody:
    """A connection's body (as http.client reads it) that breaks, a reset, after *cut* bytes."""

    def __init__(self, data: bytes, cut: int | None) -> None:
        self._data = data
        self._cut = cut
        self._pos = 0

    def readinto(self, buffer: memoryview, /) -> int:
        if self._cut is not None and self._pos >= self._cut:
            raise ConnectionResetError("cut")
        end = min(len(self._data), self._pos + len(buffer))
        if self._cut is not None:
            end = min(end, self._cut)
        buffer[: end - self._pos] = self._data[self._pos : end]
        count, self._pos = end - self._pos, end
        return count

    def read(self, n: int = -1, /) -> bytes:
        buffer = bytearray(len(self._data) if n < 0 else n)
        with memoryview(buffer) as view:
            count = self.readinto(view)
        return bytes(buffer[:count])

    def isclosed(self) -> bool:
        return self._pos >= len(self._data)

    def close(self) -> None:
        self._pos = len(self._data)


def answer(start: int, generation: str, cut: int | None = None) -> requests.Response:
    """Return a media GET's answer from byte *start*, of object generation *generation*."""
    body = DATA[start:]
    headers = {"Content-Length": str(len(body)), "x-goog-generation": generation}
    if start:
        headers["Content-Range"] = f"bytes {start}-{len(DATA) - 1}/{len(DATA)}"
    response = requests.Response()
    response.status_code = 206 if start else 200
    response.headers.update(headers)
    response.raw = urllib3.HTTPResponse(
        body=CutBody(body, cut), headers=headers, preload_content=False
    )
    return response


class Bucket:
    """Answers media GETs; the object is replaced (a new generation) after the first one."""

    def __init__(self, replaced: bool = False) -> None:
        self.sent: list[tuple[dict[str, str], dict[str, str]]] = []
        self._replaced = replaced

    def get(self, headers: dict[str, str], params: dict[str, str]) -> Any:
        self.sent.append((headers, params))
        start = int(headers.get("Range", "bytes=0-")[6:-1])
        if len(self.sent) == 1:
            return answer(start, "7", cut=HALF)
        if self._replaced and params.get("ifGenerationMatch") == "7":
            raise api_exceptions.PreconditionFailed("conditionNotMet")
        return answer(start, "7")


def test_a_cut_read_resumes_with_the_generation_it_read() -> None:
    bucket = Bucket()
    stream = streams.open_object(bucket.get, "a.bin", 0)
    assert stream.read() == DATA
    assert bucket.sent == [({}, {}), ({"Range": f"bytes={HALF}-"}, {"ifGenerationMatch": "7"})]


def test_an_object_replaced_while_read_fails_the_resume() -> None:
    stream = streams.open_object(Bucket(replaced=True).get, "a.bin", 0)
    with pytest.raises(ConnectionError, match=r"'a\.bin' changed while it was read"):
        stream.read()
