"""The Django app: add ``'storages'`` to ``INSTALLED_APPS`` for its system checks."""

from __future__ import annotations

from django.apps import AppConfig

__all__ = ["StoragesConfig"]


class StoragesConfig(AppConfig):
    """Register the package's system checks."""

    name = "storages"
    verbose_name = "Storages"

    def ready(self) -> None:
        from storages import checks  # noqa: F401 - registers the checks
