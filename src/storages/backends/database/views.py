"""The view that serves files of a DatabaseStorage over HTTP.

Mount it under the storage's ``base_url``::

    path("dbfiles/<path:name>", serve, name="dbfiles")

It answers ``GET`` and ``HEAD`` with the stored content type, ``Content-Length``, an ``ETag`` and
``Last-Modified`` (``304 Not Modified`` for a matching conditional request), single ``Range``
requests (``206``/``416``), and ``404`` for a missing file or a name that is not a clean
relative name.
"""

from __future__ import annotations

import dataclasses
import mimetypes
import re
from collections.abc import Iterator
from typing import IO

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import Storage
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from storages import paths
from storages.base import BaseStorage
from storages.entries import Entry, localize_time
from storages.features import Feature, features_of
from storages.views import SERVE_BLOCK, storage_for

__all__ = ["serve"]

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _entry(store: Storage, name: str) -> Entry:
    """Return the size, modification time and content type of *name* (one ``stat()`` where the
    storage has it: one statement on a DatabaseStorage)."""
    if isinstance(store, BaseStorage):
        entry = store.stat(name)
        modified = localize_time(entry.modified) if entry.modified is not None else None
        return dataclasses.replace(entry, modified=modified)
    features = features_of(store)
    modified = store.get_modified_time(name) if Feature.MODIFIED_TIME in features else None
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


@require_safe
def serve(
    request: HttpRequest, name: str, storage: Storage | str | None = None
) -> HttpResponse | StreamingHttpResponse:
    """Serve the file *name* of *storage* (an instance, a ``STORAGES`` alias, or the default
    ``DatabaseStorage()``)."""
    store = storage_for(storage, _default)
    try:
        clean = paths.clean_name(name)
    except SuspiciousFileOperation:
        raise Http404("No such file") from None
    if not clean or clean.endswith("/"):
        raise Http404("No such file")
    try:
        entry = _entry(store, clean)
    except FileNotFoundError:
        raise Http404("No such file") from None
    size, modified = entry.size, entry.modified
    stamp = int(modified.timestamp()) if modified is not None else None
    etag = f'"{size:x}-{int(modified.timestamp() * 1e6):x}"' if modified is not None else None
    conditional = get_conditional_response(request, etag=etag, last_modified=stamp)
    if conditional is not None:
        return conditional

    content_type = (
        entry.content_type or mimetypes.guess_type(clean)[0] or "application/octet-stream"
    )

    response: HttpResponse | StreamingHttpResponse
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

    if request.method == "HEAD":
        response = HttpResponse(status=status)
    else:
        try:
            handle = store.open(clean, "rb")
        except FileNotFoundError:
            raise Http404("No such file") from None
        handle.seek(start)
        response = StreamingHttpResponse(_stream(handle, length), status=status)
    response["Content-Type"] = content_type
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


def _default() -> Storage:
    from storages.backends.database.storage import DatabaseStorage

    return DatabaseStorage()
