"""URLs of the example site."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver, include, path
from django.utils.module_loading import import_string
from django.views.static import serve as serve_static

from demo import views
from storages.backends.database import DatabaseStorage
from storages.backends.database.views import serve as serve_db_file
from storages.backends.mogilefs import MogileFSStorage, serve_mogilefs_file

__all__ = ["MEDIA_VIEW", "urlpatterns"]

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("direct/", views.direct, name="direct"),
    path("storages/direct/", include("storages.direct.urls")),
    path("delete/", views.delete, name="delete"),
    path("files/<path:name>", views.serve, name="serve"),
    path("favicon.ico", views.favicon, name="favicon"),
]

#: The view of the storage's own ``url()`` links when this site serves them: (dotted path, URL
#: prefix). ``None`` when ``url()`` points elsewhere (S3, Azure...), or nowhere.
MEDIA_VIEW: tuple[str, str] | None = None


def sandboxed(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Return *view* with ``Content-Security-Policy: sandbox`` on its answers, as the demo's
    own view: an uploaded HTML or SVG file must not run scripts on the site's origin."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = "sandbox"
        return response

    return wrapper


def _dotted(view: Callable[..., Any]) -> str:
    return f"{view.__module__}.{view.__qualname__}"


def _media_class() -> type | None:
    """Return the default storage's class without creating it (bad options: see the checks)."""
    try:
        backend = import_string(settings.STORAGES["default"]["BACKEND"])
    except ImportError:
        return None  # the system checks report it
    return backend if isinstance(backend, type) else None


# Backends with a serving view of their own: mount it where their url() points
# (DEMO_STORAGE=database sets base_url="/dbfiles/", mogilefs sets media_url="/mogilefs/"),
# and a local directory under its base_url, so url() links work for those too.
_media = _media_class()
_options: dict[str, Any] = settings.STORAGES["default"].get("OPTIONS", {})
if _media is not None and issubclass(_media, DatabaseStorage):
    urlpatterns.append(
        path("dbfiles/<path:name>", sandboxed(serve_db_file), {"storage": "default"})
    )
    MEDIA_VIEW = (_dotted(serve_db_file), "/dbfiles/")
elif _media is not None and issubclass(_media, MogileFSStorage):
    urlpatterns.append(
        path("mogilefs/<path:key>", sandboxed(serve_mogilefs_file), {"storage": "default"})
    )
    MEDIA_VIEW = (_dotted(serve_mogilefs_file), "/mogilefs/")
elif (
    _media is not None
    and issubclass(_media, FileSystemStorage)
    and str(_options.get("base_url", "")).startswith("/")
    and _options.get("location")
):
    prefix = "/" + str(_options["base_url"]).strip("/") + "/"
    urlpatterns.append(
        path(
            f"{prefix[1:]}<path:path>",
            sandboxed(serve_static),
            {"document_root": _options["location"]},
        )
    )
    MEDIA_VIEW = (_dotted(serve_static), prefix)
