"""Dropbox storage (``storages.backends.dropbox.DropBoxStorage``, as the documentation shows
it), built on the official Dropbox SDK."""

from storages.backends.dropbox.options import DropboxOptions
from storages.backends.dropbox.storage import DropBoxStorage, DropboxStorage

__all__ = ["DropBoxStorage", "DropboxOptions", "DropboxStorage"]
