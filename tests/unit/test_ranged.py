"""RangedStream: one request to the end of the object, read as the caller reads, resumed when cut.

The backends' own tests run it against their servers; these pin what a server can't easily be
made to do on cue: a body cut at a given byte, again and again.
"""

from __future__ import annotations

import pytest

from storages.errors import StorageConnectionError
from storages.ranged import RangedStream, Version, range_headers
from storages.retry import READ_RESUMES

DATA = bytes(range(256)) * 64  # 16 KiB


class Body:
    """The body of one answer from *start*: it breaks (a reset) after *cut* bytes, if given."""

    def __init__(self, start: int, cut: int | None = None) -> None:
        self.size: int | None = len(DATA)
        self._pos = start
        self._cut = None if cut is None else start + cut
        self.closed = False

    def readinto(self, buffer: memoryview, /) -> int:
        end = len(DATA) if self._cut is None else self._cut
        if self._pos >= end and self._cut is not None:
            raise ConnectionResetError("cut")
        count = min(len(buffer), end - self._pos)
        buffer[:count] = DATA[self._pos : self._pos + count]
        self._pos += count
        return count

    def close(self) -> None:
        self.closed = True


class Server:
    """Opens bodies, noting where each starts; the first *cuts* answers break after 1000 bytes."""

    def __init__(self, cuts: int = 0) -> None:
        self.starts: list[int] = []
        self.bodies: list[Body] = []
        self._cuts = cuts

    def __call__(self, start: int) -> Body | None:
        self.starts.append(start)
        if start >= len(DATA):
            return None
        body = Body(start, 1000 if len(self.starts) <= self._cuts else None)
        self.bodies.append(body)
        return body


def test_the_first_request_is_a_plain_get_then_open_ended_ranges() -> None:
    assert range_headers(0) == {}
    assert range_headers(5) == {"Range": "bytes=5-"}


def test_a_whole_read_is_one_request() -> None:
    server = Server()
    stream = RangedStream(server, 0)
    assert stream.size == len(DATA)
    assert stream.read() == DATA
    assert server.starts == [0]


def test_small_reads_share_the_one_request_and_close_drops_it() -> None:
    server = Server()
    stream = RangedStream(server, 100)
    assert stream.read(10) == DATA[100:110]
    assert stream.read(10) == DATA[110:120]
    stream.close()
    assert server.starts == [100]
    assert server.bodies[0].closed


def test_a_cut_body_resumes_where_it_broke() -> None:
    server = Server(cuts=READ_RESUMES)
    stream = RangedStream(server, 0)
    assert stream.read() == DATA
    assert server.starts == [0, 1000, 2000]


def test_resumes_are_bounded() -> None:
    server = Server(cuts=READ_RESUMES + 1)
    stream = RangedStream(server, 0)
    with pytest.raises(ConnectionResetError):
        stream.read()
    assert len(server.starts) == READ_RESUMES + 1


def test_a_start_past_the_end_reads_nothing() -> None:
    server = Server()
    assert RangedStream(server, len(DATA) + 5).read() == b""
    empty = RangedStream(lambda start: None, 0)
    assert (empty.size, empty.read()) == (0, b"")


def test_a_later_answer_of_another_version_fails() -> None:
    version = Version("a.bin")
    first, later = Body(0), Body(0)
    version.check('"1"', first)
    version.check('"1"', first)
    with pytest.raises(StorageConnectionError, match=r"'a\.bin' changed while it was read"):
        version.check('"2"', later)
    assert later.closed
