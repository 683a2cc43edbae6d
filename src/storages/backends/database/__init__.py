"""The Database backend: files as rows, through Django's database connections.

Also a Django app (``"storages.backends.database"`` in ``INSTALLED_APPS``): the zero-config
tables, their migration, and the serving view (:mod:`storages.backends.database.views`).
"""

from storages.backends.database.options import DatabaseOptions
from storages.backends.database.storage import DatabaseStorage

__all__ = ["DatabaseOptions", "DatabaseStorage"]
