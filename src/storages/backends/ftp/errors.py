"""How ftplib's errors become :mod:`storages.errors` classes."""

from __future__ import annotations

import ftplib

from storages.errors import (
    ErrorTranslator,
    StorageConnectionError,
    StorageError,
    StorageNotFoundError,
    StoragePermissionError,
    by_type,
)

__all__ = ["ERRORS", "reply_code"]


def reply_code(exc: BaseException) -> str:
    """Return the three-digit reply code of an ftplib error ('' if it has none)."""
    text = str(exc.args[0]) if getattr(exc, "args", None) else ""
    return text[:3] if text[:3].isdigit() else ""


def _by_reply(exc: BaseException) -> type[StorageError] | None:
    if not isinstance(exc, ftplib.Error):
        return None
    code = reply_code(exc)
    if code == "550":  # "Requested action not taken: file unavailable (not found, no access)"
        return StorageNotFoundError
    if code in ("530", "532", "553"):
        return StoragePermissionError
    if code == "421":  # "Service not available, closing control connection"
        return StorageConnectionError
    return StorageError


ERRORS = ErrorTranslator(
    [_by_reply, by_type(EOFError, to=StorageConnectionError)],
    backend="FTP",
)
