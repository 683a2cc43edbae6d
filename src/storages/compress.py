"""Gzip on the fly, as django-storages 1.x third-party backends import it.

:class:`GzipCompressionWrapper` reads a file and yields its gzip stream, a bounded buffer at a
time; :class:`CompressStorageMixin` and :class:`CompressedFileMixin` keep 1.x's hooks. This
package's own backends compress in their writers (``AWS_IS_GZIPPED``, ``GS_IS_GZIPPED``).
"""

from __future__ import annotations

import io
import zlib
from gzip import GzipFile
from typing import IO, Any

from storages.utils import to_bytes

__all__ = ["CompressStorageMixin", "CompressedFileMixin", "GzipCompressionWrapper"]


class GzipCompressionWrapper(io.RawIOBase):
    """A readable gzip stream of the file *raw*, compressed as it is read."""

    def __init__(self, raw: IO[Any], level: int = zlib.Z_BEST_COMPRESSION) -> None:
        super().__init__()
        self.raw = raw
        self._compressor: Any = zlib.compressobj(level=level, wbits=31)
        self._pending = bytearray()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        size = len(view)
        while len(self._pending) < size and self._compressor is not None:
            chunk = to_bytes(self.raw.read(size))
            if chunk:
                self._pending += self._compressor.compress(chunk)
            else:
                self._pending += self._compressor.flush(zlib.Z_FINISH)
                self._compressor = None
        taken = min(size, len(self._pending))
        view[:taken] = self._pending[:taken]
        del self._pending[:taken]
        return taken


class CompressStorageMixin:
    """1.x's storage hook: ``_compress_content(content)`` returns its gzip stream."""

    def _compress_content(self, content: IO[Any]) -> GzipCompressionWrapper:
        return GzipCompressionWrapper(content)


class CompressedFileMixin:
    """1.x's file hook: ``_decompress_file(mode, file)`` returns a :class:`gzip.GzipFile`."""

    def _decompress_file(self, mode: str, file: IO[bytes], mtime: float = 0.0) -> GzipFile:
        return GzipFile(mode=mode, fileobj=file, mtime=mtime)
