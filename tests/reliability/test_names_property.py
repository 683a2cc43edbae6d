"""The names property of the contract suite can fail: each way a backend can mishandle a name
is caught (storages/testing/names.py). The property itself runs on every backend through
``StorageContract.test_any_name_is_stored_faithfully_or_refused``."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage
from hypothesis import given, settings

from storages.backends.filesystem import LocalStorage
from storages.errors import StorageError, StorageNameError
from storages.testing.names import (
    _parent_of,
    check_name,
    check_names_property,
    names,
    outside_lister,
)
from tests.reference.storage import ReferenceStorage


class LeakyStorage(FileSystemStorage):
    """Skips Django's name checks and takes backslashes for separators: ``..\\x`` escapes."""

    def save(self, name: str | None, content: Any, max_length: int | None = None) -> str:
        return str(self._save(str(name), content))

    def path(self, name: str) -> str:
        return os.path.normpath(os.path.join(self.location, name.replace("\\", "/")))


class MisnamingStorage(LocalStorage):
    """Returns a name other than the one the file was stored under."""

    def _save(self, name: str, content: File) -> str:
        return f"{super()._save(name, content)}.elsewhere"


class FailingStorage(LocalStorage):
    """Raises for names with a pipe: a vendor error, or a clear refusal."""

    error: Exception = RuntimeError("SDK said no")

    def _save(self, name: str, content: File) -> str:
        if "|" in name:
            raise self.error
        return str(super()._save(name, content))


def test_a_name_escaping_the_root_is_caught(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    storage = LeakyStorage(location=tmp_path / "root")
    outside = outside_lister(storage)
    assert outside is not None
    before = outside()
    storage.save("..\\escape.txt", ContentFile(b"x"))
    assert outside() - before == {"escape.txt"}


def test_the_property_compares_the_namespace_before_and_after(tmp_path: Path) -> None:
    snapshots = iter([{"before.txt"}, {"before.txt", "planted.txt"}])
    with pytest.raises(AssertionError, match=r"outside the storage's location: \['planted.txt'\]"):
        check_names_property(
            LocalStorage(location=tmp_path), lambda: next(snapshots), max_examples=3
        )


def test_a_wrong_returned_name_is_caught(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="does not exist"):
        check_name(MisnamingStorage(location=tmp_path), "a.txt")


@pytest.mark.parametrize(
    ("error", "accepted"),
    [
        (RuntimeError("SDK said no"), False),
        (StorageError("Backend: 400 Bad Request"), False),
        (StorageNameError(errno.EINVAL, "the server refuses '|'", "a|b"), True),
        (OSError(errno.ENAMETOOLONG, "File name too long"), True),
        (ValueError("no pipes"), True),
    ],
)
def test_only_clear_refusals_are_accepted(tmp_path: Path, error: Exception, accepted: bool) -> None:
    storage = FailingStorage(location=tmp_path)
    storage.error = error
    if accepted:
        assert check_name(storage, "a|b") is None
    else:
        with pytest.raises(AssertionError, match="raised"):
            check_name(storage, "a|b")


def test_a_storage_located_in_a_namespace_sees_its_siblings(tmp_path: Path) -> None:
    storage = ReferenceStorage(root=str(tmp_path), location="media/mine")
    outside = outside_lister(storage)
    assert outside is not None
    storage.save("inside.txt", ContentFile(b"x"))
    ReferenceStorage(root=str(tmp_path), location="media/other").save("x.txt", ContentFile(b"x"))
    ReferenceStorage(root=str(tmp_path), location="elsewhere").save("y.txt", ContentFile(b"x"))
    assert outside() == {"other/x.txt"}


@pytest.mark.parametrize(
    ("value", "parent", "own"),
    [
        ("media", "", "media"),
        ("media/photos/", "media", "photos"),
        ("/srv/data/root/", "/srv/data", "root"),
        ("/root", "/", "root"),
        ("ftp://user:pw@host:21/files/mine", "ftp://user:pw@host:21/files", "mine"),
        ("ftp://user:pw@host:21/mine", "ftp://user:pw@host:21/", "mine"),
    ],
)
def test_parent_of_a_location(value: str, parent: str, own: str) -> None:
    found = _parent_of(value)
    assert found is not None
    assert (found.value, found.own) == (parent, own)


@pytest.mark.parametrize("value", ["", "/", "ftp://host/", "ftp://host"])
def test_a_location_at_the_top_has_no_parent(value: str) -> None:
    assert _parent_of(value) is None


def test_the_strategy_draws_every_kind_of_name() -> None:
    drawn: list[str] = []

    @settings(max_examples=300, derandomize=True, database=None)
    @given(name=names())
    def collect(name: str) -> None:
        drawn.append(name)

    collect()
    kinds: dict[str, Any] = {
        "traversal": lambda n: ".." in n,
        "absolute": lambda n: n.startswith(("/", "\\", "C:")),
        "control": lambda n: any(ord(c) < 32 for c in n),
        "long component": lambda n: any(len(p.encode()) > 255 for p in n.split("/")),
        "long name": lambda n: len(n) > 1024,
        "decomposed": lambda n: "\u0301" in n,
        "shell": lambda n: "$(" in n or "`" in n,
        "ordinary": lambda n: n.replace("/", "").replace("-", "").replace("_", "").isalnum(),
    }
    missing = [kind for kind, test in kinds.items() if not any(map(test, drawn))]
    assert missing == []
