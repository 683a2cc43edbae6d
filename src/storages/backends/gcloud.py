"""The documented dotted path ``storages.backends.gcloud.GoogleCloudStorage``."""

from __future__ import annotations

from storages.backends.gcs import GCSOptions, GoogleCloudStorage

__all__ = ["GCSOptions", "GoogleCloudStorage"]
