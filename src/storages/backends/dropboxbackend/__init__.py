"""Dropbox backend (``storages.backends.dropbox`` is its documented module)."""

from storages.backends.dropboxbackend.options import DropboxOptions
from storages.backends.dropboxbackend.storage import DropBoxStorage, DropboxStorage

__all__ = ["DropBoxStorage", "DropboxOptions", "DropboxStorage"]
