"""The documented dotted path ``storages.backends.gcloud.GoogleCloudStorage``, with the other
public names of django-storages 1.x's module."""

from __future__ import annotations

from storages.backends.gcs import GCSOptions, GoogleCloudFile, GoogleCloudStorage

__all__ = [
    "CONTENT_ENCODING",
    "CONTENT_TYPE",
    "GCSOptions",
    "GoogleCloudFile",
    "GoogleCloudStorage",
]

#: The ``GS_OBJECT_PARAMETERS`` keys of the content encoding and type (1.x's constants).
CONTENT_ENCODING = "content_encoding"
CONTENT_TYPE = "content_type"
