"""What the cloud object stores (Amazon S3, Azure Blob Storage, Google Cloud Storage) share.

No SDK is imported here: each backend package imports its own.
"""

from __future__ import annotations

import mimetypes

from storages.features import Feature

__all__ = [
    "DEFAULT_CONTENT_TYPE",
    "DEFAULT_GZIP_CONTENT_TYPES",
    "OBJECT_STORE_FEATURES",
    "content_headers",
    "name_encoding",
]

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

#: The content type of a file whose type is neither given nor guessed from its name (1.x's).
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def name_encoding(name: str) -> str | None:
    """Return the content encoding a file's name announces (``gzip`` for ``x.gz`` and
    ``x.tar.gz``), as :func:`mimetypes.guess_type` reads it; None for most names."""
    return mimetypes.guess_type(name)[1]


def content_headers(
    name: str, content_type: str | None, default: str = DEFAULT_CONTENT_TYPE
) -> tuple[str, str | None]:
    """Return the content type and content encoding to store the file *name* with.

    As django-storages 1.x did: the type given (an upload's own, or guessed from the name),
    else *default*; and the encoding the name announces, so that ``x.tar.gz`` is served as
    ``application/x-tar`` with ``Content-Encoding: gzip``.
    """
    return content_type or default, name_encoding(name)
