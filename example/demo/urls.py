"""URLs of the example site."""

from __future__ import annotations

from django.conf import settings
from django.urls import URLPattern, path
from django.utils.module_loading import import_string

from demo import views
from storages.backends.database import DatabaseStorage
from storages.backends.database.views import serve as serve_db_file
from storages.backends.mogilefs import MogileFSStorage, serve_mogilefs_file

urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("delete/", views.delete, name="delete"),
    path("files/<path:name>", views.serve, name="serve"),
]


def _media_class() -> type | None:
    """Return the default storage's class without creating it (bad options: see the checks)."""
    try:
        backend = import_string(settings.STORAGES["default"]["BACKEND"])
    except ImportError:
        return None  # the system checks report it
    return backend if isinstance(backend, type) else None


# Backends with a serving view of their own: mount it where their url() points
# (DEMO_STORAGE=database sets base_url="/dbfiles/", mogilefs sets media_url="/mogilefs/").
_media = _media_class()
if _media is not None and issubclass(_media, DatabaseStorage):
    urlpatterns.append(
        path("dbfiles/<path:name>", serve_db_file, {"storage": "default"}, name="dbfiles")
    )
elif _media is not None and issubclass(_media, MogileFSStorage):
    urlpatterns.append(
        path("mogilefs/<path:key>", serve_mogilefs_file, {"storage": "default"}, name="mogilefs")
    )
