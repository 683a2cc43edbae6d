"""Keep ``storages.backends.s3boto3`` importable, as the documentation shows it."""

from storages.backends.s3 import S3File, S3ManifestStaticStorage, S3StaticStorage, S3Storage

#: The names django-storages 1.x used for the boto3 backend.
S3Boto3Storage = S3Storage
S3Boto3StorageFile = S3File

__all__ = [
    "S3Boto3Storage",
    "S3Boto3StorageFile",
    "S3ManifestStaticStorage",
    "S3StaticStorage",
]
