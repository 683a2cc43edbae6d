"""Keep ``storages.backends.ftp`` importable, as django-storages 1.x had it."""

from storages.backends.ftpbackend import FTPStorage

__all__ = ["FTPStorage"]
