"""The model of the documentation's "Tests" scenario, on a storage that forwards to any backend."""

from __future__ import annotations

import random

from django.db import models

from storages.testing.proxy import ForwardingStorage

__all__ = ["MyStorage", "get_scenario_storage", "random_upload_to", "scenario_storage"]

#: The storage the scenario's fields use; point it at a backend with ``scenario_storage.use()``.
scenario_storage = ForwardingStorage()


def get_scenario_storage() -> ForwardingStorage:
    """Return the scenario's forwarding storage (a callable, so migrations reference it)."""
    return scenario_storage


def random_upload_to(instance: models.Model, filename: str) -> str:
    """Put the file in a random directory, computed once per save (Django ticket #5655)."""
    return f"{random.randint(100, 999)}/{filename}"  # noqa: S311 - not security relevant


class MyStorage(models.Model):
    """The ``MyStorage`` model the documentation's test scenario saves files through."""

    normal = models.FileField(storage=get_scenario_storage, upload_to="tests", blank=True)
    default = models.FileField(
        storage=get_scenario_storage, upload_to="tests", default="tests/default.txt"
    )
    random = models.FileField(storage=get_scenario_storage, upload_to=random_upload_to, blank=True)

    class Meta:
        app_label = "storages_testing"

    def __str__(self) -> str:
        return f"MyStorage {self.pk}"
