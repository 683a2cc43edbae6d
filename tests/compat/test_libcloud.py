"""django-storages 1.14 code for Apache Libcloud, unchanged, against Libcloud's LOCAL driver.

Each test is written as a 1.14 project has it: ``LIBCLOUD_PROVIDERS`` and
``DEFAULT_LIBCLOUD_PROVIDER``, the provider name as the first argument, ``store.driver``, a
driver registered with ``set_driver`` under an id that is not a string, 1.x's
``LibCloudFile``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.test import override_settings
from libcloud.storage.drivers.local import LocalStorageDriver
from libcloud.storage.providers import DRIVERS, set_driver
from libcloud.storage.types import ObjectDoesNotExistError

from storages.backends.apache_libcloud import LibCloudFile, LibCloudStorage

LIBCLOUD_STORAGES = {
    "default": {"BACKEND": "storages.backends.apache_libcloud.LibCloudStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


class ArchiveDriver(LocalStorageDriver):
    """A project's own driver, registered under its own provider id."""

    name = "Archive"


class MyProviders(enum.Enum):
    """Provider ids of a project's own drivers: not strings, as Libcloud allows."""

    ARCHIVE = enum.auto()


def local_entry(root: Path, bucket: str) -> dict[str, Any]:
    (root / bucket).mkdir(parents=True, exist_ok=True)
    return {
        "type": "libcloud.storage.types.Provider.LOCAL",
        "user": str(root),
        "key": "",
        "bucket": bucket,
    }


@pytest.fixture
def archive_provider() -> Iterator[MyProviders]:
    set_driver(MyProviders.ARCHIVE, __name__, "ArchiveDriver")
    yield MyProviders.ARCHIVE
    DRIVERS.pop(MyProviders.ARCHIVE)


@pytest.fixture
def providers(tmp_path: Path, archive_provider: MyProviders) -> Iterator[dict[str, Any]]:
    """The settings of a 1.14 project: two providers, one of them the default."""
    entries = {
        "local": local_entry(tmp_path, "media"),
        "archive": {**local_entry(tmp_path, "archive"), "type": archive_provider},
    }
    with override_settings(
        LIBCLOUD_PROVIDERS=entries, DEFAULT_LIBCLOUD_PROVIDER="local", STORAGES=LIBCLOUD_STORAGES
    ):
        yield entries


def test_default_storage_from_1x_settings(providers: dict[str, Any], tmp_path: Path) -> None:
    name = default_storage.save("docs/report.txt", ContentFile(b"quarterly"))
    assert isinstance(storages["default"], LibCloudStorage)
    assert (tmp_path / "media" / "docs" / "report.txt").read_bytes() == b"quarterly"
    assert default_storage.open(name).read() == b"quarterly"
    assert default_storage.size(name) == len(b"quarterly")
    assert default_storage.listdir("docs") == ([], ["report.txt"])
    default_storage.delete(name)
    assert not default_storage.exists(name)


def test_driver_registered_under_a_provider_id_that_is_not_a_string(
    providers: dict[str, Any], tmp_path: Path
) -> None:
    store = LibCloudStorage("archive")
    assert isinstance(store.driver, ArchiveDriver)
    assert store.bucket == "archive"
    store.save("2024.tar", ContentFile(b"archived"))
    assert (tmp_path / "archive" / "2024.tar").read_bytes() == b"archived"
    assert store.open("2024.tar").read() == b"archived"


def test_subclass_naming_its_provider(providers: dict[str, Any], tmp_path: Path) -> None:
    class ArchiveStorage(LibCloudStorage):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__("archive", *args, **kwargs)

    store = ArchiveStorage()
    store.save("old.txt", ContentFile(b"old"))
    assert (tmp_path / "archive" / "old.txt").exists()
    # The documentation's way to create a missing bucket.
    store.driver.create_container("spare")
    assert (tmp_path / "spare").is_dir()


def test_provider_assigned_after_construction(providers: dict[str, Any], tmp_path: Path) -> None:
    store = LibCloudStorage()
    store.provider_name = "archive"
    store.location = "moved"
    store.save("x.txt", ContentFile(b"x"))
    assert (tmp_path / "archive" / "moved" / "x.txt").read_bytes() == b"x"
    assert store.provider["bucket"] == "archive"


def test_file_class_of_1x(providers: dict[str, Any]) -> None:
    store = LibCloudStorage()
    writer = LibCloudFile("notes.txt", store, "wb")
    writer.write(b"written by LibCloudFile")
    writer.close()
    reader = store.open("notes.txt")
    assert isinstance(reader, LibCloudFile)
    assert reader.read() == b"written by LibCloudFile"
    assert reader.size == len(b"written by LibCloudFile")


def test_missing_files_and_the_sdk_error(providers: dict[str, Any]) -> None:
    store = LibCloudStorage()
    # 1.x's open() raised FileNotFoundError too; size() raised Libcloud's error.
    with pytest.raises(FileNotFoundError) as caught:
        store.open("missing.txt")
    assert isinstance(caught.value.__cause__, ObjectDoesNotExistError)
    with pytest.raises(FileNotFoundError):
        store.size("missing.txt")
    store.delete("missing.txt")  # 1.x ignored a missing object too
