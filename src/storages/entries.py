"""What a backend knows about one stored file, from one request: :class:`Entry`.

A backend's ``_stat(key)`` hook returns one (or None when nothing is stored under the key), and
``exists()``, ``size()``, ``get_modified_time()`` and the other attribute questions of the
Storage API are answered from it, so one request answers all of them (:meth:`~storages.base.
BaseStorage.stat`). A recursive listing yields the same objects, so synchronising compares
listed and local content without a request per file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from django.conf import settings
from django.utils import timezone as dj_timezone

__all__ = ["Entry", "localize_time"]


@dataclass(frozen=True)
class Entry:
    """One stored file (or, on backends with directories, one directory)."""

    #: The storage name of the file in a listing; the backend key when returned by ``_stat``.
    name: str
    size: int
    #: The backend's content digest (S3: the ETag), comparable with ``content_digest()``.
    digest: str | None = None
    modified: datetime | None = None
    created: datetime | None = None
    accessed: datetime | None = None
    content_type: str | None = None
    is_dir: bool = False


def localize_time(value: datetime) -> datetime:
    """Return *value* as Django expects it: aware UTC with ``USE_TZ``, else naive local time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    if settings.USE_TZ:
        return value.astimezone(timezone.utc)
    return dj_timezone.make_naive(value, dj_timezone.get_default_timezone())
