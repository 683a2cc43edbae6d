"""FTP and FTPS storage (``storages.backends.ftp.FTPStorage``), built on ftplib."""

from storages.backends.ftpbackend.options import FTPOptions
from storages.backends.ftpbackend.storage import FTPStorage

__all__ = ["FTPOptions", "FTPStorage"]
