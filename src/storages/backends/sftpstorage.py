"""Keep ``storages.backends.sftpstorage`` importable, as django-storages 1.x had it."""

from storages.backends.sftp import SFTPStorage, SFTPStorageFile

__all__ = ["SFTPStorage", "SFTPStorageFile"]
