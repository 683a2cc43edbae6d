"""Amazon S3 and S3-compatible services: ``storages.backends.s3.S3Storage``."""

from storages.backends.s3.static import S3ManifestStaticStorage, S3StaticStorage
from storages.backends.s3.storage import S3File, S3Storage

__all__ = ["S3File", "S3ManifestStaticStorage", "S3StaticStorage", "S3Storage"]
