"""Test content that is large on the wire but never held in memory."""

from __future__ import annotations

import hashlib
import io
import random
from typing import IO, Any, cast

from django.core.files.base import File

__all__ = ["ALL_BYTES", "GeneratedFile", "digest_of"]

#: Every byte value, in both orders, to catch encoding or newline translation.
ALL_BYTES = bytes(range(256)) + bytes(reversed(range(256)))

# A prime length, so chunk boundaries never line up with the pattern; not for cryptography.
_BLOCK = random.Random(20261122).randbytes(65_521)  # noqa: S311


class _GeneratedStream(io.RawIOBase):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        count = min(len(view), self.size - self._pos)
        written = 0
        while written < count:
            offset = (self._pos + written) % len(_BLOCK)
            piece = _BLOCK[offset : offset + count - written]
            view[written : written + len(piece)] = piece
            written += len(piece)
        self._pos += count
        return count


class GeneratedFile(File):
    """A deterministic pseudo-random file of *size* bytes, produced as it is read."""

    def __init__(self, size: int, name: str = "generated.bin") -> None:
        super().__init__(cast(IO[bytes], _GeneratedStream(size)), name)

    @property
    def size(self) -> int:
        return int(getattr(self.file, "size", 0))

    def digest(self) -> str:
        """Return the SHA-256 of the whole content, computed chunk by chunk."""
        return digest_of(self.chunks())


def digest_of(chunks: Any) -> str:
    """Return the SHA-256 hex digest of an iterable of byte chunks."""
    hasher = hashlib.sha256()
    for chunk in chunks:
        hasher.update(chunk)
    return hasher.hexdigest()
