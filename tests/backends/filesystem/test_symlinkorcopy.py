"""SymlinkOrCopyStorage links files already inside its directories and copies the rest."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile, File

from storages.backends.symlinkorcopy import SymlinkOrCopyStorage


def read_back(storage: Any, name: str, mode: str = "rb") -> Any:
    with storage.open(name, mode) as handle:
        return handle.read()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for directory in ["a", "ab", "root"]:
        (tmp_path / directory).mkdir()
    (tmp_path / "a/inside.txt").write_bytes(b"inside")
    (tmp_path / "ab/neighbour.txt").write_bytes(b"neighbour")
    return tmp_path


def save_path(storage: SymlinkOrCopyStorage, source: Path, name: str) -> Path:
    with source.open("rb") as handle:
        saved = storage.save(name, File(handle, str(source)))
    return Path(storage.path(saved))


def test_file_inside_is_linked_to_its_real_path(tree: Path) -> None:
    storage = SymlinkOrCopyStorage(location=tree / "root", symlink_within=[str(tree / "a")])
    target = save_path(storage, tree / "a/inside.txt", "linked.txt")
    assert target.is_symlink()
    assert os.readlink(target) == str((tree / "a/inside.txt").resolve())
    assert read_back(storage, "linked.txt") == b"inside"


def test_directories_are_compared_path_wise(tree: Path) -> None:
    storage = SymlinkOrCopyStorage(location=tree / "root", symlink_within=[str(tree / "a")])
    target = save_path(storage, tree / "ab/neighbour.txt", "copied.txt")
    assert not target.is_symlink()
    assert target.read_bytes() == b"neighbour"


def test_sources_reached_through_symlinks_are_resolved(tree: Path) -> None:
    (tree / "alias").symlink_to(tree / "ab")
    storage = SymlinkOrCopyStorage(location=tree / "root", symlink_within=[str(tree / "a")])
    assert not save_path(storage, tree / "alias/neighbour.txt", "x.txt").is_symlink()
    storage = SymlinkOrCopyStorage(location=tree / "root", symlink_within=[str(tree / "alias")])
    assert save_path(storage, tree / "ab/neighbour.txt", "y.txt").is_symlink()


def test_content_without_a_file_is_copied(tree: Path) -> None:
    storage = SymlinkOrCopyStorage(location=tree / "root", symlink_within=[str(tree)])
    name = storage.save("plain.txt", ContentFile(b"plain"))
    assert not Path(storage.path(name)).is_symlink()


def test_legacy_keyword_and_pathsep_string(tree: Path) -> None:
    joined = os.pathsep.join([str(tree / "ab"), str(tree / "a")])
    storage = SymlinkOrCopyStorage(location=tree / "root", symlinkWithin=joined)
    assert storage.symlink_within == [str((tree / "ab").resolve()), str((tree / "a").resolve())]
    assert save_path(storage, tree / "a/inside.txt", "l.txt").is_symlink()


def test_existing_destination_gets_another_name(tree: Path) -> None:
    storage = SymlinkOrCopyStorage(location=tree / "root", symlink_within=[str(tree / "a")])
    first = save_path(storage, tree / "a/inside.txt", "same.txt")
    second = save_path(storage, tree / "a/inside.txt", "same.txt")
    assert first != second
    assert first.is_symlink() and second.is_symlink()
    assert second.name.startswith("same_")
