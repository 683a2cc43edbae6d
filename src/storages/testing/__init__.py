"""The contract suite, shipped so any storage backend can prove it behaves.

Add ``'storages.testing'`` to the test project's ``INSTALLED_APPS`` (for the scenario's model),
install ``pytest`` and ``pytest-django``, and derive a test class from :class:`StorageContract`.
Names are imported lazily: Django imports this package while its app registry is still loading.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "ALL_BYTES",
    "HOSTILE_NAMES",
    "DocumentationScenario",
    "GeneratedFile",
    "StorageContract",
    "digest_of",
]

_HOMES = {
    "ALL_BYTES": "content",
    "GeneratedFile": "content",
    "digest_of": "content",
    "HOSTILE_NAMES": "contract",
    "StorageContract": "contract",
    "DocumentationScenario": "scenario",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f"storages.testing.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'storages.testing' has no attribute {name!r}")
