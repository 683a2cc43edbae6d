"""``serve_mogilefs_file``: the view of the 1.x documentation, for today's Django.

Mount it under ``MOGILEFS_MEDIA_URL``::

    path("mogilefs/<path:key>", serve_mogilefs_file)

With ``SERVE_WITH_PERLBAL`` it answers with an empty body and the file's storage-node URLs in
``X-REPROXY-URL`` (Perlbal fetches and sends the file); without, it is
:func:`storages.views.serve` (ranges, validators, the permission hook) on the default
``MogileFSStorage()``. An unknown key, or one that is not a clean relative name, gets ``404``.
"""

from __future__ import annotations

import mimetypes

from django.core.files.storage import Storage
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe

from storages.views import Permission, check_permission, requested_name, serve, storage_for

__all__ = ["serve_mogilefs_file"]


@require_safe
def serve_mogilefs_file(
    request: HttpRequest,
    key: str | None = None,
    storage: Storage | str | None = None,
    permission: Permission | str | None = None,
) -> HttpResponse | StreamingHttpResponse:
    """Serve the file *key* of *storage* (an instance, a ``STORAGES`` alias, or the default
    ``MogileFSStorage()``), through Perlbal or by streaming it."""
    store = storage_for(storage, _default)
    options = getattr(store, "options", None)
    if not getattr(options, "serve_with_perlbal", False):
        return serve(request, key or "", store, permission)
    name = requested_name(key or "")
    check_permission(request, store, name, permission)
    try:
        urls = store.get_mogile_paths(name)  # type: ignore[attr-defined]
    except FileNotFoundError:
        raise Http404("No such file") from None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = HttpResponse(content_type=content_type)
    response["X-REPROXY-URL"] = " ".join(urls)  # Perlbal tries each in turn
    return response


def _default() -> Storage:
    from storages.backends.mogilefs.storage import MogileFSStorage

    return MogileFSStorage()
