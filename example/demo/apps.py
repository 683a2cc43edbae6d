"""The app configuration of the example site."""

from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Hold the views and template of the file browser."""

    name = "demo"
    verbose_name = "Storage demo"
