"""URLs of the example site."""

from __future__ import annotations

from django.urls import path

from demo import views

urlpatterns = [
    path("", views.index, name="index"),
    path("delete/", views.delete, name="delete"),
    path("files/<path:name>", views.serve, name="serve"),
]
