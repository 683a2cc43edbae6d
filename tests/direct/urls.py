"""The upload views, for the direct-upload tests without a browser."""

from __future__ import annotations

from django.urls import URLResolver, include, path

urlpatterns: list[URLResolver] = [path("direct/", include("storages.direct.urls"))]
