"""A storage that forwards every call to the storage currently under test."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.core.files.base import File
from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible

__all__ = ["ForwardingStorage"]


@deconstructible
class ForwardingStorage(Storage):
    """Forward the Storage API to the storage set with :meth:`use`.

    A model field's storage is fixed when the model class is created; the contract suite runs
    the same model against many backends by pointing this one at each in turn.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._target: Storage | None = None

    @property
    def target(self) -> Storage:
        """Return the storage calls are forwarded to."""
        if self._target is None:
            raise RuntimeError("No storage under test: use ForwardingStorage.use(storage)")
        return self._target

    @contextmanager
    def use(self, storage: Storage) -> Iterator[Storage]:
        """Forward to *storage* inside the block."""
        with self._lock:
            previous, self._target = self._target, storage
        try:
            yield storage
        finally:
            self._target = previous

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]

    def open(self, name: str, mode: str = "rb") -> File:
        return self.target.open(name, mode)

    def save(self, name: str | None, content: Any, max_length: int | None = None) -> str:
        return self.target.save(name, content, max_length=max_length)

    def generate_filename(self, filename: str | os.PathLike[str]) -> str:
        return self.target.generate_filename(filename)

    def get_valid_name(self, name: str) -> str:
        return self.target.get_valid_name(name)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return self.target.get_available_name(name, max_length=max_length)

    def get_alternative_name(self, file_root: str, file_ext: str) -> str:
        return self.target.get_alternative_name(file_root, file_ext)

    def path(self, name: str) -> str:
        return self.target.path(name)

    def delete(self, name: str) -> None:
        self.target.delete(name)

    def exists(self, name: str) -> bool:
        return self.target.exists(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self.target.listdir(path)

    def size(self, name: str) -> int:
        return self.target.size(name)

    def url(self, name: str | None) -> str:
        return self.target.url(name)

    def get_accessed_time(self, name: str) -> datetime:
        return self.target.get_accessed_time(name)

    def get_created_time(self, name: str) -> datetime:
        return self.target.get_created_time(name)

    def get_modified_time(self, name: str) -> datetime:
        return self.target.get_modified_time(name)
