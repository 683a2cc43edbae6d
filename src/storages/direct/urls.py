"""URLs of the direct-upload views: ``path("uploads/", include("storages.direct.urls"))``."""

from __future__ import annotations

from django.urls import URLPattern, path

from storages.direct import views

__all__ = ["app_name", "urlpatterns"]

app_name = "storages_direct"

urlpatterns: list[URLPattern] = [
    path("sign/", views.sign, name="sign"),
    path("complete/", views.complete, name="complete"),
    path("upload/", views.upload, name="upload"),
]
