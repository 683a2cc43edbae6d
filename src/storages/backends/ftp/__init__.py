"""FTP and FTPS storage (``storages.backends.ftp.FTPStorage``, as in django-storages 1.x),
built on ftplib."""

from storages.backends.ftp.options import FTPOptions
from storages.backends.ftp.storage import FTPStorage

__all__ = ["FTPOptions", "FTPStorage"]
