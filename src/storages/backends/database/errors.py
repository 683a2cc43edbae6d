"""How database errors become :mod:`storages.errors` classes."""

from __future__ import annotations

from django.db import IntegrityError, InterfaceError

from storages.errors import (
    ErrorTranslator,
    StorageConnectionError,
    StorageExistsError,
    by_type,
)

__all__ = ["DATABASE_ERRORS"]

DATABASE_ERRORS = ErrorTranslator(
    [
        # Two writers inserted the same name at once.
        by_type(IntegrityError, to=StorageExistsError),
        by_type(InterfaceError, to=StorageConnectionError),
    ],
    backend="Database",
)
