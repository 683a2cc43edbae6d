"""The contract suite on Django's own storages (a check of the suite) and the local backends."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from django.core.files.storage import FileSystemStorage, InMemoryStorage, Storage

from storages.backends.filesystem import LocalStorage, OverwriteStorage, SymlinkOrCopyStorage
from storages.features import Feature
from storages.testing import HOSTILE_NAMES, StorageContract
from storages.testing.contract import TIME_GETTERS

# Django's own storages treat backslashes, drive letters and NUL bytes in a lookup as plain
# characters on POSIX; the names below are the ones they refuse everywhere.
DJANGO_REFUSES = [
    name
    for name in HOSTILE_NAMES
    if "\\" not in name and "\x00" not in name and not name.startswith("C:")
]


class TestDjangoFileSystemStorage(StorageContract):
    hostile_names: ClassVar[list[str]] = DJANGO_REFUSES

    @pytest.fixture
    def storage(self, tmp_path: Path) -> Storage:
        return FileSystemStorage(location=tmp_path, base_url="/media/")


class TestDjangoInMemoryStorage(StorageContract):
    # InMemoryStorage.delete("..") empties nothing but raises nothing either.
    hostile_names: ClassVar[list[str]] = [name for name in DJANGO_REFUSES if name != ".."]
    # It keeps every file in memory by design.
    memory_budget: ClassVar[int] = 4 * StorageContract.large_file_size

    @pytest.mark.xfail(
        strict=True, raises=AssertionError, reason="InMemoryStorage keeps the zone of save time"
    )
    @pytest.mark.parametrize(("feature", "method"), TIME_GETTERS)
    def test_times(
        self, storage: Storage, features: Feature, feature: Feature, method: str
    ) -> None:
        super().test_times(storage, features, feature, method)

    @pytest.fixture
    def storage(self) -> Storage:
        return InMemoryStorage(base_url="/media/")


class TestLocalStorage(StorageContract):
    @pytest.fixture
    def storage(self, tmp_path: Path) -> Storage:
        return LocalStorage(location=tmp_path, base_url="/media/")


class TestOverwriteStorage(StorageContract):
    @pytest.fixture
    def storage(self, tmp_path: Path) -> Storage:
        return OverwriteStorage(location=tmp_path, base_url="/media/")


class TestSymlinkOrCopyStorage(StorageContract):
    @pytest.fixture
    def storage(self, tmp_path: Path) -> Storage:
        linked = tmp_path / "linked"
        linked.mkdir()
        return SymlinkOrCopyStorage(
            location=tmp_path / "root", base_url="/media/", symlink_within=[str(linked)]
        )
