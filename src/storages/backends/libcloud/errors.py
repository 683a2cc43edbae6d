"""How Libcloud's errors become the exceptions of :mod:`storages.errors`."""

from __future__ import annotations

from storages.errors import (
    ErrorTranslator,
    MissingDependencyError,
    StorageNotFoundError,
    StoragePermissionError,
    by_type,
)
from storages.http import requests_rules

try:
    from libcloud.common.types import InvalidCredsError
    from libcloud.storage.types import ContainerDoesNotExistError, ObjectDoesNotExistError
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingDependencyError("apache-libcloud", "libcloud") from exc

__all__ = ["ERRORS"]

ERRORS = ErrorTranslator(
    [
        by_type(ObjectDoesNotExistError, ContainerDoesNotExistError, to=StorageNotFoundError),
        by_type(InvalidCredsError, to=StoragePermissionError),
        *requests_rules(),
    ],
    backend="Libcloud",
)
