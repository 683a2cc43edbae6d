"""OverwriteStorage replaces files atomically."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile, File
from django.test import override_settings

from storages.backends.overwrite import OverwriteStorage


class _WatchingFile(File):
    """Content that looks at the target while it is being written."""

    def __init__(self, target: Path) -> None:
        super().__init__(None, "watch.txt")
        self.target = target
        self.seen: list[bytes] = []

    def chunks(self, chunk_size: Any = None) -> Iterator[bytes]:
        yield b"new "
        self.seen.append(self.target.read_bytes())
        yield b"content"


def test_saving_replaces_and_keeps_the_name(tmp_path: Path) -> None:
    storage = OverwriteStorage(location=tmp_path)
    assert storage.save("a/doc.txt", ContentFile(b"old")) == "a/doc.txt"
    assert storage.save("a/doc.txt", ContentFile(b"new")) == "a/doc.txt"
    assert (tmp_path / "a/doc.txt").read_bytes() == b"new"


def test_old_content_is_readable_until_the_new_is_complete(tmp_path: Path) -> None:
    storage = OverwriteStorage(location=tmp_path)
    storage.save("doc.txt", ContentFile(b"old"))
    content = _WatchingFile(tmp_path / "doc.txt")
    storage.save("doc.txt", content)
    assert content.seen == [b"old"]
    assert (tmp_path / "doc.txt").read_bytes() == b"new content"


def test_failed_save_leaves_no_temporary_file(tmp_path: Path) -> None:
    class Broken(File):
        def chunks(self, chunk_size: Any = None) -> Iterator[bytes]:
            yield b"half"
            raise OSError("disk full")

    storage = OverwriteStorage(location=tmp_path)
    storage.save("doc.txt", ContentFile(b"old"))
    with pytest.raises(OSError, match="disk full"):
        storage.save("doc.txt", Broken(None, "x"))
    assert sorted(os.listdir(tmp_path)) == ["doc.txt"]
    assert (tmp_path / "doc.txt").read_bytes() == b"old"


def test_max_length_truncates_the_stem(tmp_path: Path) -> None:
    storage = OverwriteStorage(location=tmp_path)
    name = storage.save("d/" + "n" * 50 + ".txt", ContentFile(b"x"), max_length=20)
    assert name == "d/" + "n" * 14 + ".txt"
    assert len(name) == 20


def test_permissions_follow_the_settings(tmp_path: Path) -> None:
    storage = OverwriteStorage(
        location=tmp_path, file_permissions_mode=0o640, directory_permissions_mode=0o750
    )
    storage.save("sub/perm.txt", ContentFile(b"x"))
    assert stat.S_IMODE((tmp_path / "sub/perm.txt").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "sub").stat().st_mode) == 0o750


def test_default_permissions_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        with override_settings(FILE_UPLOAD_PERMISSIONS=None):
            OverwriteStorage(location=tmp_path).save("p.txt", ContentFile(b"x"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "p.txt").stat().st_mode) == 0o640
