"""``serve``: the one view that serves stored files, with a permission hook.

Mount it with a storage (an instance or a ``STORAGES`` alias; by default the default storage)::

    path("files/<path:name>", serve, {"storage": "media", "permission": can_read})

*permission* (or the ``STORAGES_SERVE_PERMISSION`` setting: a callable or its dotted path) is
called as ``permission(request, storage, name)``; a false answer is ``403``. Where the backend
signs URLs (S3, Azure, Cloud Storage), an allowed request is redirected to a signed URL valid
for ``STORAGES_SERVE_EXPIRE`` seconds (60), so the bytes never pass through Django. Otherwise the
view streams the file with ``Content-Length``, ``ETag`` and ``Last-Modified`` (``304`` for a
matching ``If-None-Match``/``If-Modified-Since``) and single ``Range`` requests (``206``/``416``).
A missing file, or a name that is not a clean relative name, is ``404``.

The Database and MogileFS serving views (``storages.backends.database.views.serve``,
``storages.backends.mogilefs.views.serve_mogilefs_file``) are this view with their backend's
default storage.
"""

from __future__ import annotations

import dataclasses
import mimetypes
import re
from collections.abc import Callable, Iterator
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation
from django.core.files.storage import Storage, default_storage, storages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.module_loading import import_string
from django.views.decorators.http import require_safe

from storages import paths
from storages.entries import Entry, localize_time

__all__ = [
    "SERVE_BLOCK",
    "Permission",
    "check_permission",
    "requested_name",
    "serve",
    "storage_for",
]

#: Bytes per block a serving view streams.
SERVE_BLOCK = 256 * 1024

#: ``permission(request, storage, name) -> bool``: may *request* read the file *name*?
Permission = Callable[[HttpRequest, Storage, str], bool]

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def storage_for(storage: Storage | str | None, default: Callable[[], Storage]) -> Storage:
    """Return *storage* itself, the ``STORAGES`` alias it names, or ``default()`` for None."""
    if isinstance(storage, Storage):
        return storage
    if isinstance(storage, str):
        return storages[storage]
    return default()


def _entry(store: Storage, name: str) -> Entry:
    """Return the size, modification time, digest and content type of *name* (one request
    where the storage has ``stat()``)."""
    stat = getattr(store, "stat", None)
    if stat is not None:
        entry: Entry = stat(name)
        modified = localize_time(entry.modified) if entry.modified is not None else None
        return dataclasses.replace(entry, modified=modified)
    try:
        modified = store.get_modified_time(name)
    except (NotImplementedError, AttributeError):
        modified = None
    return Entry(name, store.size(name), modified=modified)


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """Return ``(start, end)`` (inclusive) of a single-range header; ``None`` to ignore it.

    Raise ``ValueError`` when the range cannot be satisfied.
    """
    match = _RANGE.match(header.strip())
    if match is None:
        return None  # multiple ranges or another unit: RFC 9110 lets us send the whole file
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0:
            raise ValueError(header)
        return max(size - suffix, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise ValueError(header)
    return start, end


def _stream(handle: IO[bytes], length: int) -> Iterator[bytes]:
    try:
        while length > 0:
            block = handle.read(min(SERVE_BLOCK, length))
            if not block:
                break
            length -= len(block)
            yield block
    finally:
        handle.close()


def _etag(entry: Entry) -> str | None:
    if entry.digest:
        return f'"{entry.digest}"'
    if entry.modified is not None:
        return f'"{entry.size:x}-{int(entry.modified.timestamp() * 1e6):x}"'
    return None


def requested_name(name: str) -> str:
    """Return the clean name of a request for *name*; raise ``Http404`` for a name that is not
    a clean relative file name."""
    try:
        clean = paths.clean_name(name)
    except SuspiciousFileOperation:
        raise Http404("No such file") from None
    if not clean or clean.endswith("/"):
        raise Http404("No such file")
    return clean


def check_permission(
    request: HttpRequest, store: Storage, name: str, permission: Permission | str | None
) -> None:
    """Raise ``PermissionDenied`` unless *permission* (else ``STORAGES_SERVE_PERMISSION``;
    neither: anyone) lets *request* read *name*."""
    check: Any = permission or getattr(settings, "STORAGES_SERVE_PERMISSION", None)
    if isinstance(check, str):
        check = import_string(check)
    if check is not None and not check(request, store, name):
        raise PermissionDenied(f"Reading {name!r} is not allowed")


@require_safe
def serve(
    request: HttpRequest,
    name: str,
    storage: Storage | str | None = None,
    permission: Permission | str | None = None,
    default: Callable[[], Storage] | None = None,
) -> HttpResponse | StreamingHttpResponse:
    """Serve the file *name* of *storage*: redirect to a short-lived signed URL where the
    backend signs, else stream it; ``403`` when *permission* says no."""
    store = storage_for(storage, default or (lambda: default_storage))
    clean = requested_name(name)
    check_permission(request, store, clean, permission)
    from storages.direct.downloads import signed_url

    signed = signed_url(store, clean, int(getattr(settings, "STORAGES_SERVE_EXPIRE", 60)))
    if signed is not None:
        redirect = HttpResponseRedirect(signed)
        redirect["Cache-Control"] = "private, no-store"  # the URL expires; never cache it
        return redirect
    return _streamed(request, store, clean)


def _streamed(
    request: HttpRequest, store: Storage, name: str
) -> HttpResponse | StreamingHttpResponse:
    try:
        entry = _entry(store, name)
    except (FileNotFoundError, IsADirectoryError):
        raise Http404("No such file") from None
    size, modified, etag = entry.size, entry.modified, _etag(entry)
    stamp = int(modified.timestamp()) if modified is not None else None
    conditional = get_conditional_response(request, etag=etag, last_modified=stamp)
    if conditional is not None:
        return conditional

    content_type = entry.content_type or mimetypes.guess_type(name)[0]
    start, end, status = 0, size - 1, 200
    header = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if header and size and (if_range is None or (etag is not None and if_range == etag)):
        try:
            wanted = _byte_range(header, size)
        except ValueError:
            refused = HttpResponse(status=416)
            refused["Content-Range"] = f"bytes */{size}"
            return refused
        if wanted is not None:
            (start, end), status = wanted, 206
    length = end - start + 1 if size else 0

    response: HttpResponse | StreamingHttpResponse
    if request.method == "HEAD":
        response = HttpResponse(status=status)
    else:
        try:
            handle = store.open(name, "rb")
        except FileNotFoundError:
            raise Http404("No such file") from None
        handle.seek(start)
        response = StreamingHttpResponse(_stream(handle, length), status=status)
    response["Content-Type"] = content_type or "application/octet-stream"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    if etag is not None:
        response["ETag"] = etag
    if stamp is not None:
        response["Last-Modified"] = http_date(stamp)
    return response
