"""Google Cloud Storage backend (``pip install 'django-storages[google]'``)."""

from __future__ import annotations

from storages.backends.gcs.options import GCSOptions
from storages.backends.gcs.storage import GoogleCloudFile, GoogleCloudStorage

__all__ = ["GCSOptions", "GoogleCloudFile", "GoogleCloudStorage"]
