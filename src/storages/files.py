"""The one remote file object that every remote backend returns from ``open()``.

Reads are lazy and streamed: the backend opens a byte stream at an offset only when data is
needed, sequential reads share that stream, and a seek elsewhere reopens it at the new offset
(a ranged request), so ``read(3)`` never downloads the whole object. Writes go to a
:class:`Writer` the backend provides: by default a bounded spool (memory, then a temporary file)
uploaded on close; backends with multipart uploads stream parts as they fill. Text modes wrap
the same binary streams in :class:`io.TextIOWrapper`.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from types import TracebackType
from typing import IO, Any, Protocol, cast

from django.core.files.base import File

from storages.errors import StorageConnectionError

__all__ = [
    "ChunkStream",
    "FileBackend",
    "GuardedStream",
    "GuardedWriter",
    "ReadStream",
    "RemoteFile",
    "SpooledWriter",
    "Writer",
    "file_arguments",
    "parse_mode",
]

DEFAULT_CHUNK_SIZE = 64 * 1024


class ReadStream(Protocol):
    """A byte stream of one object, opened at some offset by a backend.

    A stream may also offer ``readinto(buffer) -> int``, filling the caller's buffer straight
    from the connection: a file's reads then copy each byte once.
    """

    #: The total size of the object, when the backend learned it while opening.
    size: int | None

    def read(self, n: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


class Writer(Protocol):
    """Where the bytes written to a file go until they are committed."""

    def write(self, data: bytes, /) -> None: ...

    def commit(self) -> None:
        """Make the written bytes the content of the file, replacing any previous content."""

    def abort(self) -> None:
        """Forget the written bytes; the file keeps its previous content (or stays absent)."""


class FileBackend(Protocol):
    """What a :class:`RemoteFile` needs from its storage (a :class:`~storages.base.BaseStorage`
    is one): streams whose errors are already translated, and the file's size."""

    chunk_size: int
    text_encoding: str

    def size(self, name: str) -> int: ...

    def open_read_stream(self, name: str, offset: int) -> ReadStream: ...

    def open_write_stream(self, name: str) -> Writer: ...


#: Returns a context manager that translates the errors raised inside it.
Guard = Callable[[], AbstractContextManager[Any]]


class GuardedStream:
    """A :class:`ReadStream` whose reads translate the backend's errors through *guard*."""

    def __init__(self, stream: ReadStream, guard: Guard) -> None:
        self._stream = stream
        self._guard = guard
        self.size = stream.size

    def read(self, n: int = -1, /) -> bytes:
        with self._guard():
            return self._stream.read(n)

    def readinto(self, buffer: memoryview, /) -> int:
        """Fill *buffer* from the stream; return the number of bytes (0 at the end)."""
        with self._guard():
            readinto = getattr(self._stream, "readinto", None)
            if readinto is not None:
                return int(readinto(buffer))
            data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        with self._guard():
            self._stream.close()


class GuardedWriter:
    """A :class:`Writer` whose calls translate the backend's errors through *guard*."""

    def __init__(self, writer: Writer, guard: Guard) -> None:
        self._writer = writer
        self._guard = guard

    def write(self, data: bytes, /) -> None:
        with self._guard():
            self._writer.write(data)

    def commit(self) -> None:
        with self._guard():
            self._writer.commit()

    def abort(self) -> None:
        self._writer.abort()


class ChunkStream:
    """A :class:`ReadStream` over an iterator of byte chunks (an SDK's streamed body).

    Subclasses set ``size`` and the iterator ``_chunks`` and close their response in
    ``close()``; ``read(n)`` hands out at most one chunk's worth at a time.
    """

    size: int | None = None

    def __init__(self) -> None:
        self._chunks: Any = iter(())
        self._pending = b""

    def read(self, n: int = -1, /) -> bytes:
        if n is None or n < 0:
            data = self._pending + b"".join(self._chunks)
            self._pending = b""
            return data
        if not self._pending:
            self._pending = next(self._chunks, b"")
        data, self._pending = self._pending[:n], self._pending[n:]
        return bytes(data)

    def close(self) -> None:
        self._chunks = iter(())
        self._pending = b""


class SpooledWriter:
    """Collect bytes in memory up to ``max_memory_size``, then in a temporary file.

    On commit the spool is rewound and handed to ``upload(fileobj, size)``.
    """

    def __init__(self, upload: Callable[[IO[bytes], int], None], max_memory_size: int) -> None:
        self._upload = upload
        self._spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=max_memory_size)  # noqa: SIM115
        self.size = 0

    def write(self, data: bytes, /) -> None:
        self._spool.write(data)
        self.size += len(data)

    def commit(self) -> None:
        try:
            self._spool.seek(0)
            self._upload(self._spool, self.size)
        finally:
            self._spool.close()

    def abort(self) -> None:
        self._spool.close()


def parse_mode(mode: str) -> tuple[bool, bool]:
    """Return ``(writing, binary)`` for an open mode; refuse modes a remote file can't honour."""
    chars = set(mode)
    if len(chars) != len(mode) or not chars <= set("rwbt") or len(chars & set("rw")) != 1:
        raise ValueError(f"Unsupported mode {mode!r}: use 'r', 'rb', 'w' or 'wb'")
    if {"b", "t"} <= chars:
        raise ValueError(f"Mode {mode!r} can't be both binary and text")
    return "w" in chars, "b" in chars


class _Reader(io.RawIOBase):
    """Raw readable view of a remote object; streams are opened lazily at the current offset.

    A seek only moves the position: the open stream is dropped when a read starts somewhere
    else than where the stream is, so ``seek(0, 2); seek(0)`` (how Django's ``FileResponse``
    measures a file) costs no second request.
    """

    def __init__(self, backend: FileBackend, name: str) -> None:
        super().__init__()
        self._backend = backend
        self._name = name
        self._pos = 0
        self._stream: ReadStream | None = None
        self._stream_pos = 0
        self.size: int | None = None

    def open_stream(self) -> ReadStream:
        if self._stream is not None and self._stream_pos != self._pos:
            self._drop_stream()
        if self._stream is None:
            self._stream_pos = self._pos
            self._stream = self._backend.open_read_stream(self._name, self._pos)
            if self._stream.size is not None:
                self.size = self._stream.size
        return self._stream

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self.size is not None and self._pos >= self.size:
            return 0
        stream = self.open_stream()
        readinto = getattr(stream, "readinto", None)
        if readinto is not None:
            count = readinto(view)
        else:
            data = stream.read(len(view))
            count = len(data)
            view[:count] = data
        if not count and self.size is not None and self._pos < self.size:
            self._drop_stream()
            raise StorageConnectionError(
                f"The stream of {self._name!r} ended at byte {self._pos} of {self.size}"
            )
        self._pos += count
        self._stream_pos = self._pos
        return int(count)

    def readall(self) -> bytes:
        """Read to the end: into one buffer of the remaining size when the size is known."""
        if self.size is None:
            self.open_stream()  # learns the size where the backend tells it when opening
        if self.size is None:
            return super().readall() or b""
        buffer = bytearray(max(self.size - self._pos, 0))
        view = memoryview(buffer)
        done = 0
        while done < len(buffer) and (count := self.readinto(view[done:])):
            done += count
        del view
        del buffer[done:]
        return bytes(buffer)

    def total_size(self) -> int:
        if self.size is None:
            self.size = self._backend.size(self._name)
        return self.size

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            target = offset
        elif whence == io.SEEK_CUR:
            target = self._pos + offset
        elif whence == io.SEEK_END:
            target = self.total_size() + offset
        else:
            raise ValueError(f"Invalid whence {whence!r}")
        if target < 0:
            raise ValueError(f"Negative seek position {target}")
        self._pos = target
        return self._pos

    def tell(self) -> int:
        return self._pos

    def _drop_stream(self) -> None:
        if self._stream is not None:
            stream, self._stream = self._stream, None
            stream.close()

    def close(self) -> None:
        if not self.closed:
            self._drop_stream()
        super().close()


class _WriterIO(io.RawIOBase):
    """Raw writable view handing bytes to a :class:`Writer`; committing on close."""

    def __init__(self, writer: Writer) -> None:
        super().__init__()
        self._writer = writer
        self._aborted = False
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        if self._aborted:
            return len(chunk)  # buffered bytes flushed while closing an aborted file
        self._writer.write(chunk)
        self.size += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.size

    def abort(self) -> None:
        """Discard what was written; closing then commits nothing."""
        self._aborted = True

    def close(self) -> None:
        if self.closed:
            return
        try:
            if self._aborted:
                self._writer.abort()
            else:
                self._writer.commit()
        except BaseException:
            self._writer.abort()
            raise
        finally:
            super().close()


def file_arguments(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[FileBackend, str, str, int | None]:
    """Return ``(storage, name, mode, buffer_size)`` from a file class's arguments.

    Ours are ``(storage, name, mode)``; django-storages 1.x file classes took the same values
    in other orders (``S3File(name, mode, storage, buffer_size)``, ``SFTPStorageFile(name,
    storage, mode)``, ``DropboxFile(name, storage)``): the storage is the one argument that is
    a :class:`FileBackend`, then come the name and the mode, in that order.
    """
    storage = kwargs.pop("storage", None)
    texts: list[str] = []
    numbers: list[int] = []
    for value in args:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, int) or value is None:
            numbers.append(value or 0)
        elif storage is None and hasattr(value, "open_read_stream"):
            storage = value
        else:
            raise TypeError(f"unexpected file argument {value!r}")
    name = kwargs.pop("name", texts.pop(0) if texts else None)
    mode = kwargs.pop("mode", texts.pop(0) if texts else "rb")
    buffer_size = kwargs.pop("buffer_size", numbers[0] if numbers else None)
    if storage is None or name is None or texts or kwargs:
        raise TypeError("a file takes a storage, a name and optionally a mode and a buffer size")
    return storage, name, mode, buffer_size or None


class RemoteFile(File):
    """A file of a remote storage, opened in ``'rb'``, ``'r'``, ``'wb'`` or ``'w'`` mode.

    Usable as a context manager: leaving the block normally commits a written file; leaving it
    with an exception discards what was written and keeps the previous content.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        storage, name, mode, buffer_size = file_arguments(args, kwargs)
        writing, binary = parse_mode(mode)
        self._storage = storage
        self._writing = writing
        chunk_size = buffer_size or storage.chunk_size
        raw: _Reader | _WriterIO
        stream: io.BufferedIOBase
        if writing:
            raw = _WriterIO(storage.open_write_stream(name))
            stream = io.BufferedWriter(raw, buffer_size=chunk_size)
        else:
            raw = _Reader(storage, name)
            raw.open_stream()  # a missing file fails here, as Django's open() does
            stream = io.BufferedReader(raw, buffer_size=chunk_size)
        self._raw = raw
        text_or_bytes = stream if binary else io.TextIOWrapper(stream, storage.text_encoding)
        self._stream = cast(IO[Any], text_or_bytes)
        super().__init__(self._stream, name)
        self.mode = mode
        self.DEFAULT_CHUNK_SIZE = chunk_size

    @property
    def size(self) -> int:
        """Return the object's size (while writing: the bytes written so far)."""
        if isinstance(self._raw, _Reader):
            return self._raw.total_size()
        self._stream.flush()
        return self._raw.size

    def readable(self) -> bool:
        return not self._writing

    def writable(self) -> bool:
        return self._writing

    def seekable(self) -> bool:
        return not self._writing

    def abort(self) -> None:
        """Discard everything written and close; the stored file keeps its previous content."""
        if isinstance(self._raw, _WriterIO):
            self._raw.abort()
        self._stream.close()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None and self._writing:
            self.abort()
        else:
            self.close()

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> RemoteFile:
        """Reopen the file (after ``close()``) from the storage, in *mode* or the same mode."""
        if not self.closed:
            self.seek(0)
            return self
        reopened = type(self)(self._storage, self.name or "", mode or self.mode)
        self.__dict__.update(reopened.__dict__)
        return self

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.name} ({self.mode})>"
