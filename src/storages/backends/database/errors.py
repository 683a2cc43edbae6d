"""How database errors become :mod:`storages.errors` classes."""

from __future__ import annotations

from django.db import DataError, IntegrityError, InterfaceError

from storages.errors import (
    ErrorTranslator,
    StorageConnectionError,
    StorageExistsError,
    StorageNameError,
    by_type,
)

__all__ = ["DATABASE_ERRORS"]

DATABASE_ERRORS = ErrorTranslator(
    [
        # Two writers inserted the same name at once.
        by_type(IntegrityError, to=StorageExistsError),
        by_type(InterfaceError, to=StorageConnectionError),
        # A name longer than the name column ("value too long", "Data too long").
        by_type(DataError, to=StorageNameError),
    ],
    backend="Database",
)
