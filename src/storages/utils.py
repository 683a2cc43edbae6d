"""The helpers django-storages 1.x custom storages import from ``storages.utils``.

Kept with their 1.x signatures so that a subclass or third-party backend written for 1.14 keeps
importing and working. They are built on :mod:`storages.paths`, the one name rule of this
package: a name with a NUL byte or ``..`` that escapes is refused, as everywhere else.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.utils import FileProxyMixin
from django.utils.encoding import force_bytes

from storages import paths

__all__ = [
    "ReadBytesWrapper",
    "check_location",
    "clean_name",
    "get_available_overwrite_name",
    "is_seekable",
    "lookup_env",
    "safe_join",
    "setting",
    "to_bytes",
]


def setting(name: str, default: Any = None) -> Any:
    """Return the Django setting *name*, or *default* when it is not set."""
    return getattr(settings, name, default)


def clean_name(name: str | os.PathLike[str]) -> str:
    """Return *name* normalised as a storage name (``/`` separators, trailing ``/`` kept).

    Unlike 1.x, a name that climbs out with ``..``, an absolute path or a NUL byte raises
    ``SuspiciousFileOperation`` (see :func:`storages.paths.clean_name`).
    """
    return paths.clean_name(name)


def safe_join(base: str, *parts: str) -> str:
    """Join *parts* under *base* and return the result without a leading ``/``.

    ``..`` may move within *base*; a result outside it raises ``ValueError``, as in 1.x.
    """
    base_path = base.rstrip("/")
    joined = base_path + "/"
    for part in parts:
        normal = posixpath.normpath(posixpath.join(joined, part))
        if part.endswith("/") or normal + "/" == joined:
            normal += "/"
        joined = normal
    if joined == base_path:
        joined += "/"
    if not joined.startswith(base_path) or joined[len(base_path)] != "/":
        raise ValueError("the joined path is located outside of the base path component")
    relative = joined[len(base_path) :].lstrip("/")
    return paths.safe_join(base_path, relative).lstrip("/") if relative else joined.lstrip("/")


def check_location(storage: Any) -> None:
    """Refuse a storage ``location`` that begins with ``/`` (1.x's check, kept for subclasses)."""
    if storage.location.startswith("/"):
        correct = storage.location.lstrip("/")
        raise ImproperlyConfigured(
            f"{type(storage).__name__}.location cannot begin with a leading slash. "
            f"Found '{storage.location}'. Use '{correct}' instead."
        )


def lookup_env(names: Iterable[str]) -> str | None:
    """Return the value of the first environment variable of *names* that is set and not empty."""
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def get_available_overwrite_name(name: str, max_length: int | None) -> str:
    """Return *name*, truncated like Django truncates names when it is over *max_length*."""
    return paths.available_name(None, name, max_length, overwrite=True)  # type: ignore[arg-type]


def to_bytes(content: Any) -> bytes | bytearray:
    """Return *content* as bytes (a bytearray passes through), as 1.x's uploads did."""
    return content if isinstance(content, bytearray) else force_bytes(content)


def is_seekable(file_object: Any) -> bool:
    """Return whether *file_object* can seek (an object without ``seekable()`` is assumed to)."""
    return not hasattr(file_object, "seekable") or bool(file_object.seekable())


class ReadBytesWrapper(FileProxyMixin):
    """A file whose ``read()`` always returns bytes, encoding text with *encoding*."""

    file: IO[Any]

    def __init__(self, file: IO[Any], encoding: str | None = None) -> None:
        self.file = file
        self._encoding = encoding or getattr(file, "encoding", None) or "utf-8"

    def read(self, *args: Any, **kwargs: Any) -> bytes:
        content = self.file.read(*args, **kwargs)
        return content if isinstance(content, bytes) else content.encode(self._encoding)

    def close(self) -> None:
        self.file.close()

    def readable(self) -> bool:
        return True
