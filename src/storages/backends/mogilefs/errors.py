"""How tracker answers and storage-node errors become :mod:`storages.errors` classes."""

from __future__ import annotations

from storages.errors import (
    ErrorTranslator,
    StorageConnectionError,
    StorageError,
    StorageExistsError,
    StorageNotFoundError,
    by_type,
)
from storages.http import requests_rules

__all__ = ["ERRORS", "MogileFSError", "TrackerUnavailable"]


class MogileFSError(Exception):
    """An ``ERR code message`` answer of a tracker (or an error status of a storage node)."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code


class TrackerUnavailable(ConnectionError):
    """No tracker of the list could be reached."""


_CODES: dict[str, type[StorageError]] = {
    "unknown_key": StorageNotFoundError,
    "key_exists": StorageExistsError,
    "http_404": StorageNotFoundError,
}


def _by_code(exc: BaseException) -> type[StorageError] | None:
    if isinstance(exc, MogileFSError):
        return _CODES.get(exc.code, StorageError)
    return None


ERRORS = ErrorTranslator(
    [_by_code, by_type(TrackerUnavailable, to=StorageConnectionError), *requests_rules()],
    backend="MogileFS",
)
