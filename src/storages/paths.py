"""Name cleaning and joining: the one implementation every backend uses.

A storage name is a relative, ``/``-separated path. :func:`clean_name` turns what a caller gave
into that form or refuses it with :class:`~django.core.exceptions.SuspiciousFileOperation`;
:func:`safe_join` puts a clean name under a backend's location (prefix or root directory);
:func:`available_name` is the overwrite policy every backend shares.
"""

from __future__ import annotations

import errno
import functools
import os
import posixpath
import re
import secrets
from collections.abc import Iterable

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import Storage

from storages.errors import StorageNameError

__all__ = [
    "available_name",
    "check_components",
    "check_no_control_characters",
    "clean_location",
    "clean_name",
    "safe_join",
    "split_key",
    "split_level",
    "temporary_name",
]

#: The longest file name component (in bytes) of nearly every filesystem a server keeps files on.
NAME_MAX = 255

_DRIVE = re.compile(r"^[A-Za-z]:")


def clean_name(name: str | os.PathLike[str]) -> str:
    """Return *name* as a clean relative storage name.

    Backslashes count as separators (so ``..\\secret`` is seen for what it is), empty and ``.``
    segments are dropped and a trailing ``/`` is kept. Refuse NUL bytes, ``..`` segments,
    absolute paths and Windows drive paths with ``SuspiciousFileOperation``.
    """
    if (  # the common case, already clean: answered without splitting (url() in templates)
        type(name) is str
        and not name.startswith("/")
        and "/." not in "/" + name
        and "//" not in name
        and "\\" not in name
        and "\x00" not in name
        and name[1:2] != ":"
    ):
        return name
    text = os.fspath(name)
    if not isinstance(text, str):
        raise TypeError(f"Storage names must be str, not {type(text).__name__}")
    if "\x00" in text:
        raise SuspiciousFileOperation(f"Storage name {text!r} contains a NUL byte")
    text = text.replace("\\", "/")
    if text.startswith("/") or _DRIVE.match(text):
        raise SuspiciousFileOperation(f"Storage name {text!r} is an absolute path")
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise SuspiciousFileOperation(f"Detected path traversal attempt in {text!r}")
    cleaned = "/".join(parts)
    if cleaned and text.endswith("/"):
        cleaned += "/"
    return cleaned


@functools.lru_cache(maxsize=64)
def clean_location(location: str) -> str:
    """Return a backend location (key prefix) without leading or trailing slashes.

    A location is configuration, not user input: a leading ``/`` is tolerated (``/media`` and
    ``media`` mean the same prefix) but ``..`` is not.
    """
    return clean_name(location.replace("\\", "/").lstrip("/")).rstrip("/")


def safe_join(location: str, name: str) -> str:
    """Return the key of *name* under *location*; both are cleaned first."""
    prefix = clean_location(location)
    cleaned = clean_name(name)
    if not prefix:
        return cleaned
    if not cleaned:
        return prefix + "/"
    return f"{prefix}/{cleaned}"


def split_key(location: str, key: str) -> str:
    """Return the storage name of *key*, the inverse of :func:`safe_join`."""
    prefix = clean_location(location)
    if not prefix:
        return key
    if key == prefix or not key.startswith(prefix + "/"):
        raise SuspiciousFileOperation(f"Key {key!r} is outside the location {prefix!r}")
    return key[len(prefix) + 1 :]


def split_level(prefix: str, keys: Iterable[str]) -> tuple[list[str], list[str]]:
    """Return ``(dirs, files)`` one level under *prefix* from a flat list of keys under it.

    For backends that list keys rather than directories: ``a/b.txt`` under ``''`` is the
    directory ``a``; ``b.txt`` is a file.
    """
    dirs: set[str] = set()
    files: list[str] = []
    for key in keys:
        head, sep, _ = key[len(prefix) :].partition("/")
        if sep:
            dirs.add(head)
        elif head:
            files.append(head)
    return sorted(dirs), files


def check_components(key: str, *, encoding: str = "utf-8", max_bytes: int = NAME_MAX) -> None:
    """Refuse a key with a component longer than *max_bytes* once encoded (ENAMETOOLONG).

    For servers that keep files on a filesystem: checked before a write, so the refusal is the
    same clear error whatever the server answers (a 550, a 553, an SSH "bad message").
    """
    for part in key.split("/"):
        try:
            size = len(part.encode(encoding))
        except UnicodeEncodeError:
            raise StorageNameError(
                errno.EILSEQ, f"The name can't be written in {encoding}", key
            ) from None
        if size > max_bytes:
            raise StorageNameError(
                errno.ENAMETOOLONG, f"A name component is {size} bytes (at most {max_bytes})", key
            )


def check_no_control_characters(key: str) -> None:
    """Refuse a key holding a control character (for services whose XML can't carry one)."""
    if any(ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F for char in key):
        raise StorageNameError(errno.EINVAL, "The name holds a control character", key)


def available_name(storage: Storage, name: str, max_length: int | None, *, overwrite: bool) -> str:
    """Return a name for a new file: the policy shared by every backend of this package.

    With *overwrite* the (cleaned) name itself is returned, truncated like Django truncates
    alternatives when it is longer than *max_length*; otherwise Django's own rule applies
    (a random suffix until the name is free).
    """
    name = clean_name(name)
    if not overwrite:
        return Storage.get_available_name(storage, name, max_length)
    if max_length is None or len(name) <= max_length:
        return name
    directory, _, filename = name.rpartition("/")
    stem, dot, extension = filename.rpartition(".")
    if not dot or not stem:
        stem, extension = filename, ""
    suffix = f".{extension}" if extension else ""
    keep = max_length - len(name) + len(stem)
    if keep <= 0:
        raise SuspiciousFileOperation(
            f'Storage can not find an available filename for "{name}". Please make sure '
            'that the corresponding file field allows sufficient "max_length".'
        )
    return f"{directory}/{stem[:keep]}{suffix}" if directory else f"{stem[:keep]}{suffix}"


def temporary_name(key: str) -> str:
    """Return a hidden, unique name next to *key*, to write it there before a rename."""
    directory, base = posixpath.split(key)
    return posixpath.join(directory, f".{base}.{secrets.token_hex(6)}.part")
