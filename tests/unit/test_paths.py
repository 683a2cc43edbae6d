"""Name cleaning: one implementation, refusing every way out of the storage."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.core.exceptions import SuspiciousFileOperation

from storages import paths
from storages.paths import clean_location, clean_name, safe_join, split_key

HOSTILE = [
    "..",
    "../",
    "../x",
    "../../etc/passwd",
    "a/../../x",
    "a/b/../../../x",
    "./../x",
    "a/./../../x",
    "/etc/passwd",
    "/",
    "//server/share/x",
    "\\\\server\\share\\x",
    "\\x",
    "..\\x",
    "a\\..\\..\\x",
    "a/..\\..\\x",
    "C:\\Windows\\win.ini",
    "c:/windows/win.ini",
    "C:relative-to-drive",
    "x\x00",
    "\x00",
    "a/\x00/b",
    "ok.txt\x00.jpg",
    "a/b/c/../../../../x",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_refused(name: str) -> None:
    with pytest.raises(SuspiciousFileOperation):
        clean_name(name)
    with pytest.raises(SuspiciousFileOperation):
        safe_join("media", name)


def test_table_is_big_enough() -> None:
    assert len(HOSTILE) >= 20


@pytest.mark.parametrize(
    ("name", "clean"),
    [
        ("a.txt", "a.txt"),
        ("a//b.txt", "a/b.txt"),
        ("./a/./b.txt", "a/b.txt"),
        ("a\\b.txt", "a/b.txt"),
        ("dir/", "dir/"),
        ("", ""),
        (".", ""),
        (".env", ".env"),
        ("a/..b/c..", "a/..b/c.."),
        ("with space/ü.txt", "with space/ü.txt"),
    ],
)
def test_clean_names(name: str, clean: str) -> None:
    assert clean_name(name) == clean


def test_safe_join_and_split_key_are_inverse() -> None:
    assert safe_join("media/", "a/b.txt") == "media/a/b.txt"
    assert safe_join("", "a/b.txt") == "a/b.txt"
    assert safe_join("/media", "") == "media/"
    assert split_key("media", "media/a/b.txt") == "a/b.txt"
    assert split_key("", "a") == "a"
    with pytest.raises(SuspiciousFileOperation):
        split_key("media", "mediax/a")


def test_location_tolerates_slashes_but_not_traversal() -> None:
    assert clean_location("/media/static/") == "media/static"
    with pytest.raises(SuspiciousFileOperation):
        clean_location("../media")


def test_names_must_be_text() -> None:
    with pytest.raises(TypeError):
        clean_name(b"bytes.txt")  # type: ignore[arg-type]


def test_the_fast_path_for_clean_names_agrees_with_the_full_rule() -> None:
    """A plain ``str`` that is clean already is returned without splitting; any other goes
    through the full rule. Both must answer alike for every name (a ``PathLike`` always takes
    the full rule)."""

    class Path:
        def __init__(self, text: str) -> None:
            self.text = text

        def __fspath__(self) -> str:
            return self.text

    def outcome(name: Any) -> str:
        try:
            return paths.clean_name(name)
        except SuspiciousFileOperation:
            return "refused"

    pieces = ["a", "b", ".", "..", "/", "\\", "\x00", ":", "c:", ".x", " ", "é"]
    rng = random.Random(1)
    for _ in range(50_000):
        name = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 7)))
        assert outcome(name) == outcome(Path(name)), name
