"""Settings of the processes that rebuild a storage from ``deconstruct()``.

The test suite's settings, plus what the test that starts the process puts, as JSON, in the
environment variable ``STORAGES_REBUILD_SETTINGS``: the ``STORAGES`` setting (credentials
included, as a project's settings hold them) and extra ``DATABASES`` aliases. The test applies
the same ``STORAGES`` with ``override_settings``, so both processes share one configuration.
"""

from __future__ import annotations

import json
import os
from typing import Any

from tests.settings import *  # noqa: F403
from tests.settings import DATABASES as _DATABASES

#: Stands for Google service-account credentials (an object) in the JSON.
SERVICE_ACCOUNT = "<service account credentials>"


def materialise(storages: dict[str, Any]) -> dict[str, Any]:
    """Return *storages* with the credential objects JSON cannot carry built again."""
    built = {
        alias: {**entry, "OPTIONS": dict(entry.get("OPTIONS", {}))}
        for alias, entry in storages.items()
    }
    for entry in built.values():
        if entry["OPTIONS"].get("credentials") == SERVICE_ACCOUNT:
            from tests.backends.gcs.conftest import local_credentials

            entry["OPTIONS"]["credentials"] = local_credentials()
    return built


_given = json.loads(os.environ.get("STORAGES_REBUILD_SETTINGS", "{}"))
STORAGES = materialise(_given.get("STORAGES", {}))
DATABASES = {**_DATABASES, **_given.get("DATABASES", {})}
