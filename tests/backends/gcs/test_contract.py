"""The contract suite on gcp-storage-emulator, through the documented dotted path and settings."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from django.core.files.storage import Storage

from storages.backends.gcloud import GoogleCloudStorage
from storages.testing import StorageContract
from tests.backends import object_stores as shared
from tests.backends.gcs.conftest import BUCKET, PROJECT
from tests.harness.servers import RunningServer


def _location() -> str:
    return f"contract-{uuid.uuid4().hex[:12]}"


class TestGoogleCloudStorage(StorageContract):
    """Configured through STORAGES OPTIONS (constructor keywords), overwriting by default."""

    # gcp-storage-emulator keeps objects as local files: a name component over 255 bytes gets
    # 500s (retried for minutes), where Cloud Storage holds names up to 1024 bytes.
    long_name_components: ClassVar[bool] = False
    # A save holds about two resumable chunks (24 MiB each by default), within the 64 MiB a
    # 256 MiB save may take: fewer, larger chunks cost fewer requests.
    memory_budget: ClassVar[int] = 60 * 1024 * 1024

    @pytest.fixture
    def storage(self, emulator: RunningServer, sa_credentials: Any) -> Storage:
        return GoogleCloudStorage(
            bucket_name=BUCKET, project_id=PROJECT, location=_location(), credentials=sa_credentials
        )


class TestGoogleCloudStorageFromSettings(StorageContract):
    """Configured through the documented global settings, not overwriting, through STORAGES."""

    # gcp-storage-emulator keeps objects as local files: a name component over 255 bytes gets
    # 500s (retried for minutes), where Cloud Storage holds names up to 1024 bytes.
    long_name_components: ClassVar[bool] = False

    @pytest.fixture
    def storage(self, emulator: RunningServer, sa_credentials: Any) -> Iterator[Storage]:
        with shared.configured_storage(
            "storages.backends.gcloud.GoogleCloudStorage",
            GS_BUCKET_NAME=BUCKET,
            GS_PROJECT_ID=PROJECT,
            GS_CREDENTIALS=sa_credentials,
            GS_LOCATION=_location(),
            GS_FILE_OVERWRITE=False,
            GS_BLOB_CHUNK_SIZE=1024 * 1024,
        ) as storage:
            assert isinstance(storage, GoogleCloudStorage)
            assert storage.options.file_overwrite is False
            yield storage
