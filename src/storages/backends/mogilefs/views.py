"""``serve_mogilefs_file``: the view of the 1.x documentation, for today's Django.

Mount it under ``MOGILEFS_MEDIA_URL``::

    path("mogilefs/<path:key>", serve_mogilefs_file)

With ``SERVE_WITH_PERLBAL`` it answers with an empty body and the file's storage-node URLs in
``X-REPROXY-URL`` (Perlbal fetches and sends the file); without, it streams the file itself.
An unknown key, or one that is not a clean relative name, gets ``404``.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import File
from django.core.files.storage import Storage
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe

from storages import paths
from storages.views import SERVE_BLOCK, storage_for

__all__ = ["serve_mogilefs_file"]


def _stream(handle: File) -> Iterator[bytes]:
    try:
        yield from handle.chunks(SERVE_BLOCK)
    finally:
        handle.close()


@require_safe
def serve_mogilefs_file(
    request: HttpRequest, key: str | None = None, storage: Storage | str | None = None
) -> HttpResponse | StreamingHttpResponse:
    """Serve the file *key* of *storage* (an instance, a ``STORAGES`` alias, or the default
    ``MogileFSStorage()``), through Perlbal or by streaming it."""
    store = storage_for(storage, _default)
    try:
        name = paths.clean_name(key or "")
    except SuspiciousFileOperation:
        raise Http404("No such file") from None
    if not name or name.endswith("/"):
        raise Http404("No such file")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    options = getattr(store, "options", None)
    if getattr(options, "serve_with_perlbal", False):
        try:
            urls = store.get_mogile_paths(name)  # type: ignore[attr-defined]
        except FileNotFoundError:
            raise Http404("No such file") from None
        response = HttpResponse(content_type=content_type)
        response["X-REPROXY-URL"] = " ".join(urls)  # Perlbal tries each in turn
        return response
    try:
        handle = store.open(name, "rb")
    except FileNotFoundError:
        raise Http404("No such file") from None
    size = handle.size
    if request.method == "HEAD":
        handle.close()
        streamed: HttpResponse | StreamingHttpResponse = HttpResponse(content_type=content_type)
    else:
        streamed = StreamingHttpResponse(_stream(handle), content_type=content_type)
    streamed["Content-Length"] = str(size)
    streamed["X-Content-Type-Options"] = "nosniff"
    return streamed


def _default() -> Storage:
    from storages.backends.mogilefs.storage import MogileFSStorage

    return MogileFSStorage()
