"""How database errors become :mod:`storages.errors` classes, and which of them pass."""

from __future__ import annotations

from typing import Any

from django.db import DataError, IntegrityError, InterfaceError, OperationalError

from storages.errors import (
    ErrorTranslator,
    StorageConnectionError,
    StorageExistsError,
    StorageNameError,
    StorageNotFoundError,
    by_type,
)

__all__ = ["ERRORS", "VersionReplaced", "deadlocked", "name_taken"]

ERRORS = ErrorTranslator(
    [
        # Two writers inserted the same name at once.
        by_type(IntegrityError, to=StorageExistsError),
        by_type(InterfaceError, to=StorageConnectionError),
        # A name longer than the name column ("value too long", "Data too long").
        by_type(DataError, to=StorageNameError),
    ],
    backend="Database",
)

#: Errors of a transaction the database rolled back for another to go on (it may simply run
#: again): serialization failure, deadlock (SQLSTATE); deadlock (MySQL/MariaDB error number).
_RETRY_SQLSTATES = ("40001", "40P01")
_RETRY_MYSQL_ERRORS = (1213,)


class VersionReplaced(StorageNotFoundError):
    """The version of a file found by its lookup was replaced or deleted before it was read."""


def _codes(exc: BaseException) -> tuple[str | None, Any]:
    """Return the SQLSTATE and the first argument (MySQL's error number) of *exc*'s cause."""
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    args: tuple[Any, ...] = getattr(cause, "args", ())
    return sqlstate, args[0] if args else None


def deadlocked(exc: BaseException) -> bool:
    """Return whether the database rolled *exc*'s transaction back to let another go on."""
    if not isinstance(exc, OperationalError):
        return False
    sqlstate, number = _codes(exc)
    return sqlstate in _RETRY_SQLSTATES or number in _RETRY_MYSQL_ERRORS


def name_taken(exc: IntegrityError) -> bool:
    """Return whether *exc* is a duplicate of a unique name (another writer's committed row)."""
    sqlstate, number = _codes(exc)
    sqlite = str(exc.__cause__).startswith("UNIQUE constraint failed")
    return sqlstate == "23505" or number == 1062 or sqlite
