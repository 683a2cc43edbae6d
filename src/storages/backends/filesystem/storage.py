"""The filesystem storage the other local backends derive from."""

from __future__ import annotations

import inspect
import os
from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible

from storages import paths
from storages.backends.filesystem.options import LocalOptions
from storages.backends.filesystem.streams import AtomicWriteFile, write_atomically
from storages.features import FILESYSTEM_FEATURES, Feature
from storages.options import resolve, unknown_option

__all__ = ["LocalStorage"]

#: The keywords Django's FileSystemStorage takes (``allow_overwrite`` since Django 5.1).
_DJANGO_KEYWORDS = frozenset(inspect.signature(FileSystemStorage.__init__).parameters) - {"self"}


@deconstructible(path="storages.backends.filesystem.LocalStorage")
class LocalStorage(FileSystemStorage):
    """Django's :class:`FileSystemStorage` with this package's name rules.

    Names go through :func:`storages.paths.clean_name`, so traversal, absolute paths, NUL bytes
    and backslash tricks raise ``SuspiciousFileOperation`` the same way on every backend.
    """

    features: ClassVar[Feature] = FILESYSTEM_FEATURES | Feature.ATOMIC_WRITE

    #: Whether saving under an existing name replaces the file (see OverwriteStorage).
    replaces_files: ClassVar[bool] = False
    #: The declared options, checked (not resolved: Django reads its settings lazily) on creation.
    options_class: ClassVar[type[LocalOptions]] = LocalOptions

    def __init__(
        self,
        location: str | os.PathLike[str] | None = None,
        base_url: str | None = None,
        file_permissions_mode: int | None = None,
        directory_permissions_mode: int | None = None,
        **kwargs: Any,
    ) -> None:
        given = {
            "location": location,
            "base_url": base_url,
            "file_permissions_mode": file_permissions_mode,
            "directory_permissions_mode": directory_permissions_mode,
        }
        for key in kwargs.keys() - _DJANGO_KEYWORDS:
            # Refused here with a suggestion, not by Django with a bare TypeError.
            raise ImproperlyConfigured(unknown_option(key, self.options_class, type(self).__name__))
        resolve(
            self.options_class,
            type(self),
            {name: value for name, value in given.items() if value is not None},
            stop=LocalStorage,
        )
        super().__init__(
            location, base_url, file_permissions_mode, directory_permissions_mode, **kwargs
        )

    def _save(self, name: str, content: File) -> str:
        while True:
            full_path = self.path(name)
            self._ensure_directory(full_path)
            try:
                write_atomically(
                    full_path,
                    content.chunks(),
                    file_mode=self.file_permissions_mode,
                    replace=self.replaces_files,
                )
            except FileExistsError:
                # The name was taken since get_available_name(): pick another, as Django does.
                name = self.get_available_name(name)
                continue
            return str(name).replace("\\", "/")

    def url(self, name: str | None) -> str:
        """Return the URL of *name*, cleaned by the same rules as every other method."""
        return str(super().url(paths.clean_name(name) if name else name))

    def _open(self, name: str, mode: str = "rb") -> File:
        if not set(mode) & set("wax+"):
            opened: File = super()._open(name, mode)  # type: ignore[misc]
            return opened
        if set(mode) & set("ax+"):
            raise ValueError(f"Unsupported mode {mode!r}: use 'r', 'rb', 'w' or 'wb'")
        full_path = self.path(name)
        self._ensure_directory(full_path)
        return AtomicWriteFile(full_path, mode, self.file_permissions_mode)

    def path(self, name: str) -> str:
        """Return the local path of *name*, refusing names that leave the root."""
        return super().path(paths.clean_name(name))

    def _ensure_directory(self, full_path: str) -> None:
        directory = os.path.dirname(full_path)
        if self.directory_permissions_mode is not None:
            old = os.umask(0o777 & ~self.directory_permissions_mode)
            try:
                os.makedirs(directory, self.directory_permissions_mode, exist_ok=True)
            finally:
                os.umask(old)
        else:
            os.makedirs(directory, exist_ok=True)
