"""Views of the example site: list, upload, serve and delete files of the default storage.

Every name goes through the storage, which refuses traversal and absolute paths with
``SuspiciousFileOperation``; the views answer that with 400 instead of a server error.
"""

from __future__ import annotations

import mimetypes
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, Storage, default_storage, storages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from demo.forms import DirectUploadForm, UploadForm
from storages.direct.policy import setting
from storages.features import Feature, features_of

#: Stop listing after this many files; the demo is not a file manager.
MAX_LISTED = 500


@dataclass(frozen=True)
class StoredFile:
    """Describe one file of the storage as the list shows it."""

    name: str
    size: int | None
    modified: datetime | None
    #: What the storage's ``url()`` gives for it (``None``: it cannot tell).
    url: str | None = None


def walk(storage: Storage, directory: str = "") -> Iterator[str]:
    """Yield the names of the files under *directory*, recursing into subdirectories."""
    dirs, files = storage.listdir(directory)
    if not directory:  # uploads waiting for their form are nobody's files yet
        pending = str(setting("STORAGES_DIRECT_PENDING_PREFIX")).strip("/")
        dirs = [name for name in dirs if name != pending]
    for filename in files:
        if filename.startswith(".") and filename.endswith(".part"):
            continue  # an atomic write still in progress
        yield posixpath.join(directory, filename)
    for subdir in dirs:
        yield from walk(storage, posixpath.join(directory, subdir))


def describe(storage: Storage, name: str, with_time: bool) -> StoredFile | None:
    """Return the size and modified time of *name*, or ``None`` if it vanished meanwhile."""
    size: int | None = None
    modified: datetime | None = None
    try:
        size = storage.size(name)
        if with_time:
            modified = storage.get_modified_time(name)
    except FileNotFoundError:
        return None
    except NotImplementedError:
        pass  # the backend cannot tell; show what it told so far
    try:
        url: str | None = storage.url(name)
    except Exception:  # a link the backend cannot make must not break the list
        url = None
    return StoredFile(name=name, size=size, modified=modified, url=url)


def list_files(storage: Storage) -> tuple[list[StoredFile], bool, str | None]:
    """Return up to :data:`MAX_LISTED` files, whether more were left out, and any error."""
    with_time = Feature.MODIFIED_TIME in features_of(storage)
    names: list[str] = []
    truncated = False
    try:
        for name in walk(storage):
            if len(names) == MAX_LISTED:
                truncated = True
                break
            names.append(name)
    except FileNotFoundError:
        pass  # the location is created by the first upload
    except NotImplementedError:
        return [], False, "This storage cannot list its files."
    described = (describe(storage, name, with_time) for name in sorted(names))
    return [item for item in described if item is not None], truncated, None


def where(storage: Storage) -> str:
    """Describe where *storage* keeps the files, for the page."""
    if settings.DEMO_WHERE:
        return str(settings.DEMO_WHERE)  # the demo backend's own words (launch.py)
    location = getattr(storage, "location", None)
    if isinstance(storage, FileSystemStorage) and location:
        return f"the directory {location} on this machine (no server)"
    return "wherever STORAGE_BACKEND and STORAGE_OPTIONS point this storage"


def require_file_name(name: str) -> None:
    """Raise ``Http404`` when *name* is empty or names a directory (the storage root included)."""
    if not name.strip("/.") or name.endswith("/"):
        raise Http404("No file name given.")


@require_http_methods(["GET", "HEAD", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    """Show the files of the default storage; on POST, save the uploaded file first."""
    storage = default_storage
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                saved = storage.save(upload.name, upload)
            except SuspiciousFileOperation as exc:
                form.add_error("file", f"The storage refused this name: {exc}")
            else:
                messages.success(request, f"Saved {saved}.")
                return redirect("index")
    else:
        form = UploadForm()
    files, truncated, error = list_files(storage)
    from demo.urls import MEDIA_VIEW  # the URLconf imports this module

    backend = storages["default"]  # default_storage is a lazy wrapper around this instance
    features = features_of(backend)
    context = {
        "form": form,
        "files": files,
        "truncated": truncated,
        "max_listed": MAX_LISTED,
        "error": error,
        "backend": f"{type(backend).__module__}.{type(backend).__qualname__}",
        "location": getattr(backend, "location", None),
        "where": where(backend),
        "media_view": MEDIA_VIEW,
        "static_backend": type(storages["staticfiles"]).__qualname__,
        "features": features.names,
        "show_modified": Feature.MODIFIED_TIME in features,
    }
    status = 400 if form.errors else 200
    return render(request, "demo/index.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def direct(request: HttpRequest) -> HttpResponse:
    """Upload a file from the browser straight to the storage, then save it like the others.

    The form's one file input never reaches this view: the widget's script sends the file to
    the storage (or, for a backend that cannot sign, streams it to ``storages.direct``'s
    view) and the form submits the checked key alone. Saving moves the upload, inside the
    storage, to the file's own name at the root, where the list on ``/`` shows it.
    """
    if request.method == "POST":
        form = DirectUploadForm(request.POST)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            saved = upload.save_as(upload.name)
            messages.success(request, f"Saved {saved} ({upload.size} bytes).")
            return redirect("index")
    else:
        form = DirectUploadForm()
    context = {"form": form, "where": where(storages["default"])}
    return render(request, "demo/direct.html", context, status=400 if form.errors else 200)


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Answer the browsers' ``/favicon.ico`` with no content (the page's icon is inline)."""
    return HttpResponse(status=204)


@require_safe
def serve(request: HttpRequest, name: str) -> HttpResponse:
    """Stream the stored file *name*; add ``?download=1`` to get it as an attachment."""
    require_file_name(name)
    storage = default_storage
    try:
        if not storage.exists(name):
            raise Http404(f"No file named {name!r}.")
        handle = storage.open(name, "rb")
    except SuspiciousFileOperation:
        return HttpResponseBadRequest("Invalid file name.")
    except (FileNotFoundError, IsADirectoryError):
        raise Http404(f"No file named {name!r}.") from None
    content_type, encoding = mimetypes.guess_type(name, strict=False)
    if encoding or not content_type:
        content_type = "application/octet-stream"  # e.g. .tar.gz: do not claim it is a tar
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment="download" in request.GET,
        filename=posixpath.basename(name),
    )
    # Uploaded HTML or SVG must not run scripts on this site's origin.
    response["Content-Security-Policy"] = "sandbox"
    return response


@require_POST
def delete(request: HttpRequest) -> HttpResponse:
    """Delete the file named in the ``name`` field, then go back to the list."""
    name = request.POST.get("name", "")
    require_file_name(name)
    storage = default_storage
    try:
        if not storage.exists(name):
            raise Http404(f"No file named {name!r}.")
        storage.delete(name)
    except SuspiciousFileOperation:
        return HttpResponseBadRequest("Invalid file name.")
    except OSError as exc:
        messages.error(request, f"Could not delete {name}: {exc.strerror or exc}")
    else:
        messages.success(request, f"Deleted {name}.")
    return redirect("index")
