"""A filesystem storage that names images after their real format."""

from __future__ import annotations

import posixpath
from typing import IO, Any

from django.core.files.base import File
from django.utils.deconstruct import deconstructible

from storages.backends.filesystem.storage import LocalStorage
from storages.errors import MissingDependencyError

__all__ = ["ImageStorage", "InvalidImageError"]


class InvalidImageError(ValueError):
    """Raise when content saved to an :class:`ImageStorage` is not an image Pillow knows."""


def sniff_format(fileobj: IO[bytes]) -> str:
    """Return the image format of *fileobj* (e.g. ``'PNG'``), rewinding it afterwards."""
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError as exc:  # pragma: no cover - exercised without Pillow only
        raise MissingDependencyError("Pillow", "image") from exc
    start = fileobj.tell() if fileobj.seekable() else 0
    try:
        with Image.open(fileobj) as image:
            found: str | None = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidImageError(f"The file is not an image Pillow can read: {exc}") from None
    finally:
        fileobj.seek(start)
    if not found:
        raise InvalidImageError("Pillow could not tell the image format")
    return found


def extension_for(image_format: str) -> str:
    """Return the normalised file extension of a Pillow format name."""
    extension = image_format.lower()
    # Pillow calls multi-picture JPEGs (many cameras write them) "MPO"; they are JPEG files.
    return "jpg" if extension in ("jpeg", "mpo") else extension


@deconstructible(path="storages.backends.image.ImageStorage")
class ImageStorage(LocalStorage):
    """Save images under the lower-case extension of their real format (``jpeg`` -> ``jpg``).

    The format is sniffed with Pillow and the content rewound before it is written. Content that
    is not an image raises :class:`InvalidImageError` (a ``ValueError``) and nothing is saved.
    """

    def save(self, name: str | None, content: Any, max_length: int | None = None) -> str:
        """Save *content* under *name* with its extension replaced by the sniffed one."""
        if name is None:
            name = content.name
        if not hasattr(content, "chunks"):
            content = File(content, name)
        fileobj = content.file if hasattr(content, "file") else content
        if not hasattr(fileobj, "seekable") or not fileobj.seekable():
            raise InvalidImageError("ImageStorage needs seekable content to sniff its format")
        extension = extension_for(sniff_format(fileobj))
        directory, basename = posixpath.split(str(name).replace("\\", "/"))
        stem = basename.rsplit(".", 1)[0] if "." in basename.lstrip(".") else basename
        new_name = posixpath.join(directory, f"{stem}.{extension}")
        return str(super().save(new_name, content, max_length=max_length))
