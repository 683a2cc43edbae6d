"""Dropbox storage (``storages.backends.dropbox.DropBoxStorage``, as the documentation shows
it), built on the official Dropbox SDK."""

from storages.backends.dropbox.options import DropboxOptions
from storages.backends.dropbox.storage import (
    DropBoxFile,
    DropboxFile,
    DropBoxStorage,
    DropboxStorage,
)
from storages.errors import StorageError

#: 1.x's exception (both spellings): every error the backend raises is one, so ``except``
#: clauses keep working.
DropboxStorageException = StorageError
DropBoxStorageException = StorageError

__all__ = [
    "DropBoxFile",
    "DropBoxStorage",
    "DropBoxStorageException",
    "DropboxFile",
    "DropboxOptions",
    "DropboxStorage",
    "DropboxStorageException",
]
