"""The contract suite on the reference object store: the core (BaseStorage, RemoteFile) itself."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from django.core.files.storage import Storage

from storages.testing import StorageContract
from tests.reference.storage import ReferenceStorage


class TestReferenceStorage(StorageContract):
    memory_budget: ClassVar[int] = 4 * 1024 * 1024

    @pytest.fixture
    def storage(self, tmp_path: Path) -> Storage:
        return ReferenceStorage(root=str(tmp_path), file_overwrite=False)


class TestReferenceStorageOverwriting(StorageContract):
    @pytest.fixture
    def storage(self, tmp_path: Path) -> Storage:
        return ReferenceStorage(root=str(tmp_path), location="media/")
