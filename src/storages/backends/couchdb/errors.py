"""How CouchDB answers and ``requests`` errors become :mod:`storages.errors` classes."""

from __future__ import annotations

from typing import Any

from storages.errors import (
    ErrorTranslator,
    StorageError,
    StorageExistsError,
    StorageNotFoundError,
    StoragePermissionError,
)
from storages.http import requests_rules

__all__ = ["ERRORS", "CouchDBHTTPError", "check"]


class CouchDBHTTPError(Exception):
    """An error answer of the server: its status, ``error`` and ``reason``."""

    def __init__(self, status: int, error: str, reason: str) -> None:
        super().__init__(f"HTTP {status} {error}: {reason}")
        self.status = status


_STATUS: dict[int, type[StorageError]] = {
    401: StoragePermissionError,
    403: StoragePermissionError,
    404: StorageNotFoundError,
    409: StorageExistsError,
    412: StorageExistsError,
}


def _by_status(exc: BaseException) -> type[StorageError] | None:
    if isinstance(exc, CouchDBHTTPError):
        return _STATUS.get(exc.status, StorageError)
    return None


def check(response: Any) -> Any:
    """Return *response*, or raise :class:`CouchDBHTTPError` for an error status."""
    if response.status_code < 400:
        return response
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    raise CouchDBHTTPError(
        response.status_code, str(body.get("error", "error")), str(body.get("reason", ""))
    )


ERRORS = ErrorTranslator([_by_status, *requests_rules()], backend="CouchDB")
