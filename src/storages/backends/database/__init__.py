"""The Database backend: files as rows, through Django's database connections."""

from storages.backends.database.storage import DatabaseStorage

__all__ = ["DatabaseStorage"]
