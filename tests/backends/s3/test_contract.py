"""The contract suite on every documented S3 dotted path, against moto's S3 server."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from django.core.files.storage import Storage

from storages.backends.s3 import S3Storage
from storages.backends.s3boto import S3BotoStorage
from storages.backends.s3boto3 import S3Boto3Storage
from storages.testing import StorageContract


class TestS3Storage(StorageContract):
    # Up to four 5 MiB parts upload while a fifth fills, plus botocore's own copies.
    memory_budget: ClassVar[int] = 32 * 1024 * 1024
    # moto's routes can't match a key with a newline (404 on PUT, even from plain boto3); S3
    # stores it.
    unsupported_name_characters: ClassVar[str] = "\n"

    @pytest.fixture
    def storage(self, s3_options: dict[str, Any]) -> Storage:
        return S3Storage(**s3_options)


class TestS3StorageNoOverwrite(TestS3Storage):
    @pytest.fixture
    def storage(self, s3_options: dict[str, Any]) -> Storage:
        return S3Storage(file_overwrite=False, **s3_options)


class TestS3Boto3Storage(TestS3Storage):
    @pytest.fixture
    def storage(self, s3_options: dict[str, Any]) -> Storage:
        return S3Boto3Storage(**s3_options)


class TestS3BotoStorage(TestS3Storage):
    @pytest.fixture
    def storage(self, s3_options: dict[str, Any]) -> Storage:
        return S3BotoStorage(**s3_options)
