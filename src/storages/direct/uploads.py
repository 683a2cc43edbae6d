"""A stored upload: checked against its policy, then moved to its final name.

:class:`DirectUpload` is what a :class:`~storages.direct.fields.DirectUploadField` cleans to.
It is a ``FieldFile`` not yet committed, so a model form assigns it to a ``FileField`` as any
upload; saving the instance moves the stored object (server-side, see
:mod:`storages.direct.moving`) to the name the model field gives it, instead of streaming the
bytes through Django again. Outside a model, :meth:`DirectUpload.save_as` does the same.
"""

from __future__ import annotations

import posixpath
from typing import Any

from django.core.files import File
from django.core.files.storage import Storage
from django.db.models.fields.files import FieldFile

from storages.direct.moving import move
from storages.direct.policy import Refused, UploadPolicy

__all__ = ["DirectUpload", "check_stored", "stored"]


def _bare(content_type: str | None) -> str | None:
    return content_type.split(";", 1)[0].strip().lower() if content_type else None


def stored(storage: Storage, name: str) -> tuple[int, str | None] | None:
    """Return the size and (where the storage keeps it) content type of *name*, or None."""
    try:
        stat = getattr(storage, "stat", None)
        if stat is not None:
            entry = stat(name)
            return int(entry.size), _bare(entry.content_type)
        return storage.size(name), None
    except FileNotFoundError:
        return None


def check_stored(
    storage: Storage,
    name: str,
    policy: UploadPolicy,
    *,
    size: int | None = None,
    content_type: str | None = None,
) -> tuple[int, str | None]:
    """Return the size and content type of the upload *name*; raise :class:`Refused` when it
    is missing, breaks *policy*, or is not the *size* and *content_type* that were declared."""
    found = stored(storage, name)
    if found is None:
        raise Refused("The upload is missing; choose the file again.", 409)
    actual_size, actual_type = found
    policy.check(actual_size, actual_type)
    if size is not None and actual_size != size:
        raise Refused("The stored file is not the size that was declared; nothing was kept.")
    if content_type and actual_type and actual_type != _bare(content_type):
        raise Refused("The stored file is not the type that was declared; nothing was kept.")
    return actual_size, actual_type


class _PendingFile:
    """The pending object, opened only when something reads it (``FileField.pre_save`` hands
    it to :meth:`DirectUpload.save`, which never does)."""

    def __init__(self, storage: Storage, name: str) -> None:
        self._storage, self._name = storage, name
        self._opened: Any = None

    def __getattr__(self, attribute: str) -> Any:
        if self._opened is None:
            self._opened = self._storage.open(self._name, "rb")
        return getattr(self._opened, attribute)

    def close(self) -> None:
        if self._opened is not None:
            self._opened.close()
            self._opened = None


class DirectUpload(FieldFile):
    """A checked upload under its pending name, not yet committed to its final name."""

    def __init__(self, storage: Storage, pending_name: str, size: int, content_type: str | None):
        File.__init__(self, None, posixpath.basename(pending_name))
        self.storage = storage
        #: Where the upload waits, in :attr:`source_storage`.
        self.pending_name = pending_name
        self.source_storage = storage
        self.content_type = content_type
        self._size = size
        self._committed = False

    @property
    def file(self) -> Any:
        """Return the pending object (opened when first read)."""
        if getattr(self, "_file", None) is None:
            self._file = _PendingFile(self.source_storage, self.pending_name)
        return self._file

    @file.setter
    def file(self, file: Any) -> None:
        self._file = file

    @property
    def size(self) -> int:
        """Return the size in bytes (known since the upload was checked)."""
        return self._size if not self._committed else int(super().size)

    def _move(self, target: Storage, name: str, max_length: int | None) -> str:
        final = target.get_available_name(name, max_length=max_length)
        if getattr(self, "_file", None) is not None:
            self._file.close()
            self._file = None  # type: ignore[assignment]
        final = move(self.source_storage, self.pending_name, target, final, self.content_type)
        self.name, self.storage, self._committed = final, target, True
        return final

    def save(self, name: str, content: Any = None, save: bool = True) -> None:
        """Move the upload to the model field's name for *name* (FileField.pre_save calls this
        with the pending object as *content*, which is not read)."""
        if not hasattr(self, "field"):
            raise TypeError("Assign a DirectUpload to a model's FileField, or call save_as()")
        name = self.field.generate_filename(self.instance, name)
        self._move(self.storage, name, self.field.max_length)
        setattr(self.instance, self.field.attname, self.name)
        if save:
            self.instance.save()

    def save_as(self, name: str, storage: Storage | None = None) -> str:
        """Move the upload to *name* (or a free variant of it) in *storage* (default: the
        storage it was uploaded to); return the name it got."""
        return self._move(storage or self.source_storage, name, None)
