"""What the cloud object stores (Amazon S3, Azure Blob Storage, Google Cloud Storage) share.

No SDK is imported here: each backend package imports its own.
"""

from __future__ import annotations

from storages.features import Feature

__all__ = ["DEFAULT_GZIP_CONTENT_TYPES", "OBJECT_STORE_FEATURES"]

#: What every object store here can do; Azure and Cloud Storage also keep creation times.
OBJECT_STORE_FEATURES = (
    Feature.URL
    | Feature.SIGNED_URL
    | Feature.MODIFIED_TIME
    | Feature.LISTDIR
    | Feature.CONTENT_TYPE
    | Feature.ATOMIC_WRITE
)

#: Content types compressed when gzip is on (django-storages 1.x's list, for S3 and GCS alike).
DEFAULT_GZIP_CONTENT_TYPES = (
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/x-javascript",
    "image/svg+xml",
)
