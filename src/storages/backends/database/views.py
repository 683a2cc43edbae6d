"""The view that serves files of a DatabaseStorage over HTTP: :func:`storages.views.serve`
with the default ``DatabaseStorage()``.

Mount it under the storage's ``base_url``::

    path("dbfiles/<path:name>", serve, name="dbfiles")

It answers ``GET`` and ``HEAD`` with the stored content type, ``Content-Length``, an ``ETag`` and
``Last-Modified`` (``304 Not Modified`` for a matching conditional request), single ``Range``
requests (``206``/``416``), and ``404`` for a missing file or a name that is not a clean
relative name. ``permission`` (or ``STORAGES_SERVE_PERMISSION``) decides who may read.
"""

from __future__ import annotations

from django.core.files.storage import Storage
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from storages.views import Permission
from storages.views import serve as serve_file

__all__ = ["serve"]


def serve(
    request: HttpRequest,
    name: str,
    storage: Storage | str | None = None,
    permission: Permission | str | None = None,
) -> HttpResponse | StreamingHttpResponse:
    """Serve the file *name* of *storage* (an instance, a ``STORAGES`` alias, or the default
    ``DatabaseStorage()``)."""
    return serve_file(request, name, storage, permission, default=_default)


def _default() -> Storage:
    from storages.backends.database.storage import DatabaseStorage

    return DatabaseStorage()
