"""The contract suite's Django app: add ``'storages.testing'`` to a test project's apps."""

from __future__ import annotations

from django.apps import AppConfig

__all__ = ["StoragesTestingConfig"]


class StoragesTestingConfig(AppConfig):
    """Hold the ``MyStorage`` model of the documentation's test scenario."""

    name = "storages.testing"
    label = "storages_testing"
    verbose_name = "Storages contract suite"
    default_auto_field = "django.db.models.BigAutoField"
