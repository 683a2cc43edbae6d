"""S3 storages for static files."""

from __future__ import annotations

from django.contrib.staticfiles.storage import ManifestFilesMixin

from storages.backends.s3.storage import S3Storage

__all__ = ["S3ManifestStaticStorage", "S3StaticStorage"]


class S3StaticStorage(S3Storage):
    """Static files on S3: unsigned URLs, so pages and caches see stable addresses."""

    querystring_auth = False


class S3ManifestStaticStorage(ManifestFilesMixin, S3StaticStorage):  # type: ignore[misc]
    """Static files on S3 with hashed names recorded in a manifest."""
