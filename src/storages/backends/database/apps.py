"""The Django app of the Database backend: its zero-config tables and their migration."""

from __future__ import annotations

from django.apps import AppConfig

__all__ = ["DatabaseStorageConfig"]


class DatabaseStorageConfig(AppConfig):
    """Add ``"storages.backends.database"`` to ``INSTALLED_APPS`` for the zero-config tables.

    Only :class:`~storages.backends.database.DatabaseStorage` without a ``DB_FILES`` table needs
    it; ``"storages"`` alone creates no table.
    """

    name = "storages.backends.database"
    label = "storages_database"
    verbose_name = "Storages: files in the database"
    default_auto_field = "django.db.models.BigAutoField"
