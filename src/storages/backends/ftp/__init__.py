"""FTP and FTPS storage (``storages.backends.ftp.FTPStorage``, as in django-storages 1.x),
built on ftplib."""

from storages.backends.ftp.options import FTPOptions
from storages.backends.ftp.storage import FTPStorage, FTPStorageFile
from storages.errors import StorageError

#: 1.x's exception: every error the backend raises is one, so ``except`` clauses keep working.
FTPStorageException = StorageError

__all__ = ["FTPOptions", "FTPStorage", "FTPStorageException", "FTPStorageFile"]
