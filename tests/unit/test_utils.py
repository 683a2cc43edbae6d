"""``storages.utils``: the helpers 1.x custom storages import, with 1.14.6's answers."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.test import override_settings

from storages import utils


# The expected values are what django-storages 1.14.6 returns for the same arguments.
@pytest.mark.parametrize(
    ("parts", "joined"),
    [
        (("media", "a/b.txt"), "media/a/b.txt"),
        (("", "a"), "a"),
        (("media/", "a/", "b/"), "media/a/b/"),
        (("media", "a/../b"), "media/b"),
        (("media", ""), "media/"),
        (("media", "a//b"), "media/a/b"),
    ],
)
def test_safe_join_joins_as_1x_did(parts: tuple[str, ...], joined: str) -> None:
    assert utils.safe_join(*parts) == joined


@pytest.mark.parametrize("parts", [("media", "../x"), ("a/b", "c/../../x"), ("media", "/abs")])
def test_safe_join_refuses_an_escape_with_value_error(parts: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="outside of the base path"):
        utils.safe_join(*parts)


def test_safe_join_refuses_a_nul_byte() -> None:
    with pytest.raises(SuspiciousFileOperation):
        utils.safe_join("media", "a\x00b")


@pytest.mark.parametrize(
    ("name", "clean"),
    [("a\\b/", "a/b/"), ("a/./b", "a/b"), (".", ""), ("", ""), ("a//b/", "a/b/")],
)
def test_clean_name_normalises_as_1x_did(name: str, clean: str) -> None:
    assert utils.clean_name(name) == clean


def test_clean_name_takes_paths_and_refuses_traversal() -> None:
    assert utils.clean_name(PurePosixPath("a/b")) == "a/b"
    with pytest.raises(SuspiciousFileOperation):  # 1.x returned "../x" unchanged
        utils.clean_name("../x")


@pytest.mark.parametrize(
    ("name", "max_length", "available"),
    [
        ("dir/longname.txt", 10, "dir/lo.txt"),
        ("dir/longname.txt", None, "dir/longname.txt"),
        ("longname.txt", 8, "long.txt"),
    ],
)
def test_get_available_overwrite_name(name: str, max_length: int | None, available: str) -> None:
    assert utils.get_available_overwrite_name(name, max_length) == available


def test_get_available_overwrite_name_refuses_to_truncate_everything() -> None:
    with pytest.raises(SuspiciousFileOperation):
        utils.get_available_overwrite_name("a.txt", 3)


def test_setting_and_lookup_env(monkeypatch: pytest.MonkeyPatch) -> None:
    with override_settings(STORAGES_TEST_VALUE=1):
        assert utils.setting("STORAGES_TEST_VALUE") == 1
    assert utils.setting("STORAGES_NO_SUCH_SETTING", 2) == 2
    monkeypatch.setenv("STORAGES_SECOND", "two")
    monkeypatch.setenv("STORAGES_FIRST", "")
    assert utils.lookup_env(["STORAGES_FIRST", "STORAGES_SECOND"]) == "two"
    assert utils.lookup_env(["STORAGES_UNSET"]) is None


def test_check_location_refuses_a_leading_slash() -> None:
    class Legacy:
        location = "/media"

    with pytest.raises(ImproperlyConfigured, match="Use 'media' instead"):
        utils.check_location(Legacy())


def test_read_bytes_wrapper_and_small_helpers() -> None:
    import io

    wrapped = utils.ReadBytesWrapper(io.StringIO("é"))
    assert wrapped.read() == "é".encode()
    assert utils.to_bytes("x") == b"x"
    assert utils.to_bytes(bytearray(b"y")) == bytearray(b"y")
    assert utils.is_seekable(io.BytesIO())


def test_1x_exception_names_catch_the_backends_errors() -> None:
    from storages.backends.dropbox import DropBoxStorageException, DropboxStorageException
    from storages.backends.ftp import FTPStorageException
    from storages.errors import StorageNotFoundError

    error = StorageNotFoundError("gone")
    for legacy in (FTPStorageException, DropboxStorageException, DropBoxStorageException):
        assert isinstance(error, legacy)


def test_compress_streams_a_gzip_that_reads_back() -> None:
    import gzip
    import io

    from storages.compress import CompressedFileMixin, CompressStorageMixin

    content = bytes(range(256)) * 4096  # 1 MiB
    stream = CompressStorageMixin()._compress_content(io.BytesIO(content))
    compressed = b"".join(iter(lambda: stream.read(8192), b""))
    assert gzip.decompress(compressed) == content
    assert len(compressed) < len(content) // 10
    reopened = CompressedFileMixin()._decompress_file("rb", io.BytesIO(compressed))
    assert reopened.read() == content


def test_a_1x_third_party_backend_keeps_its_default_settings(tmp_path: Any) -> None:
    # How 1.x backends outside this package declared their settings on storages.base.BaseStorage.
    from django.core.files.base import ContentFile

    from storages.base import BaseStorage

    class LegacyStorage(BaseStorage):  # type: ignore[type-arg]
        region = "fixed-by-the-class"

        def get_default_settings(self) -> dict[str, Any]:
            return {
                "root": utils.setting("LEGACY_ROOT", "/nowhere"),
                "region": "from-defaults",
                "retries": 3,
            }

        def _save(self, name: str, content: Any) -> str:
            (tmp_path / name).write_bytes(content.read())
            return name

    with override_settings(LEGACY_ROOT=str(tmp_path)):
        storage = LegacyStorage(retries=5)
    assert (storage.root, storage.region, storage.retries) == (
        str(tmp_path),
        "fixed-by-the-class",
        5,
    )
    assert storage._save("a.txt", ContentFile(b"x")) == "a.txt"
    with pytest.raises(ImproperlyConfigured, match="Unknown option 'retry'"):
        LegacyStorage(retry=1)
