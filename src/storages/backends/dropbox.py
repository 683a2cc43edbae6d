"""Keep ``storages.backends.dropbox`` importable, as the documentation shows it."""

from storages.backends.dropboxbackend import DropboxOptions, DropBoxStorage, DropboxStorage

__all__ = ["DropBoxStorage", "DropboxOptions", "DropboxStorage"]
