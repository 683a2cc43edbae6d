"""S3 storages for static files."""

from __future__ import annotations

from django.contrib.staticfiles.storage import ManifestFilesMixin

from storages.backends.s3.storage import S3Storage

__all__ = ["S3ManifestStaticStorage", "S3StaticStorage"]


class S3StaticStorage(S3Storage):
    """Static files on S3: unsigned URLs, so pages and caches see stable addresses."""

    querystring_auth = False

    def security_warnings(self) -> list[tuple[str, str]]:
        """Unsigned URLs are the point of a static storage: no W102 here."""
        return [w for w in super().security_warnings() if w[0] != "storages.W102"]


class S3ManifestStaticStorage(ManifestFilesMixin, S3StaticStorage):  # type: ignore[misc]
    """Static files on S3 with hashed names recorded in a manifest."""
