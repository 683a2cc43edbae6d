"""What the views that serve stored files share: finding the storage a URL pattern names.

The Database and MogileFS backends each have a serving view (``storages.backends.database.
views.serve``, ``storages.backends.mogilefs.views.serve_mogilefs_file``); a URL pattern passes
them a storage instance, a ``STORAGES`` alias, or nothing for the backend's default storage.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.files.storage import Storage, storages

__all__ = ["SERVE_BLOCK", "storage_for"]

#: Bytes per block a serving view streams.
SERVE_BLOCK = 256 * 1024


def storage_for(storage: Storage | str | None, default: Callable[[], Storage]) -> Storage:
    """Return *storage* itself, the ``STORAGES`` alias it names, or ``default()`` for None."""
    if isinstance(storage, Storage):
        return storage
    if isinstance(storage, str):
        return storages[storage]
    return default()
