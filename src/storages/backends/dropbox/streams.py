"""Streams of the Dropbox storage: ranged downloads that resume, and uploads in parts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from storages.errors import MissingDependencyError
from storages.http import ResponseStream
from storages.ranged import RangedStream, range_headers

try:
    from dropbox.files import CommitInfo, UploadSessionCursor, WriteMode
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingDependencyError("dropbox", "dropbox") from exc

__all__ = [
    "RangeNotSatisfiable",
    "RangedStream",
    "UploadWriter",
    "open_download",
]


#: Sends a ``files/download`` with the given headers and returns its streamed answer: a
#: success, or one whose ``status_code`` is 416 (a range past the end).
Get = Callable[[dict[str, str]], Any]


class RangeNotSatisfiable:
    """The answer to a range past the end of a file (the SDK raises it as an error)."""

    status_code = 416

    def close(self) -> None:
        """Nothing to close."""


def open_download(get: Get, offset: int) -> RangedStream:
    """Return a read stream of a file from *offset*: one download to its end (see
    :class:`storages.ranged.RangedStream`)."""

    def open_from(start: int) -> ResponseStream | None:
        response = get(range_headers(start))
        if response.status_code == 416:  # at or past the end
            response.close()
            return None
        return ResponseStream(response, start)

    return RangedStream(open_from, offset)


class UploadWriter:
    """Upload what is written: one ``files/upload`` call for a small file, else a session.

    At most one part (*part_size* bytes, plus the last write) is held in memory. The file
    appears only on :meth:`commit` (``files/upload`` or ``upload_session/finish``), so an
    aborted write leaves the previous content in place; Dropbox drops unfinished sessions.
    *client* returns the SDK client of the calling thread.
    """

    def __init__(
        self, client: Callable[[], Any], path: str, part_size: int, write_mode: str
    ) -> None:
        self._client = client
        self._path = path
        self._part = part_size
        self._mode = write_mode
        self._buffer = bytearray()
        self._cursor: Any = None

    def write(self, data: bytes, /) -> None:
        self._buffer += data
        while len(self._buffer) > self._part:
            self._send_part()

    def _send_part(self) -> None:
        with memoryview(self._buffer) as view:
            part = bytes(view[: self._part])
        del self._buffer[: self._part]
        client = self._client()
        if self._cursor is None:
            session = client.files_upload_session_start(part)
            self._cursor = UploadSessionCursor(session_id=session.session_id, offset=len(part))
        else:
            client.files_upload_session_append_v2(part, self._cursor)
            self._cursor.offset += len(part)

    def commit(self) -> None:
        data = bytes(self._buffer)
        self._buffer = bytearray()
        mode = WriteMode(self._mode)
        client = self._client()
        if self._cursor is None:
            client.files_upload(data, self._path, mode=mode)
        else:
            commit = CommitInfo(path=self._path, mode=mode)
            client.files_upload_session_finish(data, self._cursor, commit)

    def abort(self) -> None:
        self._buffer = bytearray()
        self._cursor = None
