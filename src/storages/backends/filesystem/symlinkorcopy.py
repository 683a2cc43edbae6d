"""A filesystem storage that links to files already inside chosen directories."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import File
from django.utils.deconstruct import deconstructible

from storages.backends.filesystem.storage import LocalStorage

__all__ = ["SymlinkOrCopyStorage"]


def _directories(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, (str, list, tuple)):
        raise ImproperlyConfigured("symlink_within must be a list of directory paths")
    items = value.split(os.pathsep) if isinstance(value, str) else list(value)
    if not all(isinstance(item, (str, os.PathLike)) for item in items):
        raise ImproperlyConfigured("symlink_within must be a list of directory paths")
    return [os.path.realpath(item) for item in items if str(item)]


def _is_within(path: str, directory: str) -> bool:
    try:
        return os.path.commonpath([path, directory]) == directory
    except ValueError:  # different drives
        return False


@deconstructible(path="storages.backends.symlinkorcopy.SymlinkOrCopyStorage")
class SymlinkOrCopyStorage(LocalStorage):
    """Store a symlink when the saved file already lives under ``symlink_within``, else a copy.

    ``symlink_within`` is a list of directories (or one string of them joined with
    ``os.pathsep``, as in django-storages 1.x, whose ``symlinkWithin`` keyword is accepted too).
    A source is admitted when its real path is inside one of them path-wise: ``/a`` admits
    ``/a/b`` but not ``/ab``.
    """

    def __init__(
        self,
        location: str | None = None,
        base_url: str | None = None,
        symlink_within: str | Sequence[str] | None = None,
        symlinkWithin: str | Sequence[str] | None = None,  # noqa: N803 - the 1.x keyword
        **kwargs: Any,
    ) -> None:
        super().__init__(location, base_url, **kwargs)
        self.symlink_within = _directories(
            symlink_within if symlink_within is not None else symlinkWithin
        )

    def _link_source(self, content: File) -> str | None:
        """Return the real path of *content* if it should be linked rather than copied."""
        source: str | None = getattr(content, "name", None)
        if not source or not hasattr(os, "symlink"):
            return None
        real = os.path.realpath(os.fspath(source))
        if not os.path.isfile(real):
            return None
        if any(_is_within(real, directory) for directory in self.symlink_within):
            return real
        return None

    def _save(self, name: str, content: File) -> str:
        source = self._link_source(content)
        if source is None:
            return str(super()._save(name, content))
        while True:
            full_path = self.path(name)
            self._ensure_directory(full_path)
            try:
                os.symlink(source, full_path)
            except FileExistsError:
                # Someone took the name since get_available_name(): pick another, like Django.
                name = self.get_available_name(name)
                continue
            return str(name).replace("\\", "/")
