"""Keep ``storages.backends.s3boto`` importable: boto 2 is gone, boto3 does the work.

The boto-era settings (``AWS_HEADERS``, ``AWS_S3_HOST``/``AWS_S3_PORT``, ``AWS_S3_CALLING_FORMAT``,
``AWS_ORIGIN``, ...) are read and translated by every S3 storage, each with a
``DeprecationWarning`` that names the modern setting.
"""

from storages.backends.s3 import S3File, S3Storage

__all__ = ["S3BotoStorage", "S3BotoStorageFile"]


class S3BotoStorage(S3Storage):
    """The boto-era name of :class:`storages.backends.s3.S3Storage`."""


S3BotoStorageFile = S3File
