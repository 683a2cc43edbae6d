"""How the Dropbox SDK's errors become the exceptions of :mod:`storages.errors`.

The SDK's exceptions print as nested unions (``ApiError('id', GetMetadataError('path',
LookupError('not_found', None)))``). :func:`explain` restates each as a
:class:`DropboxFailure` with the API's error summary (``path/not_found``) or, for a refused
token, what to configure; the table then picks the class from the summary.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from storages.errors import (
    ErrorTranslator,
    MissingDependencyError,
    StorageError,
    StorageExistsError,
    StorageNotFoundError,
    StoragePermissionError,
)
from storages.http import requests_rules

try:
    from dropbox import exceptions as sdk
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingDependencyError("dropbox", "dropbox") from exc

__all__ = ["ERRORS", "DropboxFailure", "error_tags", "explain", "is_not_found"]

#: Error tags (anywhere in an error union) and the class they translate to.
_TAG_CLASSES: dict[str, type[StorageError]] = {
    "not_found": StorageNotFoundError,
    "conflict": StorageExistsError,
    "no_write_permission": StoragePermissionError,
    "access_restricted": StoragePermissionError,
    "restricted_content": StoragePermissionError,
    "not_allowed": StoragePermissionError,
    "email_not_verified": StoragePermissionError,
    "team_folder": StoragePermissionError,
}

_AUTH_HINT = (
    "configure DROPBOX_OAUTH2_TOKEN, or DROPBOX_OAUTH2_REFRESH_TOKEN with DROPBOX_APP_KEY "
    "(and DROPBOX_APP_SECRET) so the SDK can renew access tokens"
)


class DropboxFailure(Exception):
    """An SDK error restated in plain words, with the class it translates to."""

    def __init__(self, message: str, kind: type[StorageError]) -> None:
        super().__init__(message)
        self.kind = kind


def error_tags(error: Any) -> list[str]:
    """Return the tags of a Dropbox error union, outermost first (``['path', 'not_found']``)."""
    tags: list[str] = []
    while error is not None and hasattr(error, "_tag"):
        tags.append(str(error._tag))
        error = error._value
        if error is not None and not hasattr(error, "_tag"):
            # A struct member (UploadWriteFailed) carries the union in its ``reason``.
            error = getattr(error, "reason", None)
    return tags


def is_not_found(exc: BaseException) -> bool:
    """Return whether *exc* is an ``ApiError`` saying that the path does not exist."""
    return isinstance(exc, sdk.ApiError) and "not_found" in error_tags(exc.error)


def _explain_auth(exc: Any) -> DropboxFailure:
    tags = error_tags(exc.error)
    reason = tags[0] if tags else "unknown"
    if reason == "expired_access_token":
        text = f"the access token has expired; {_AUTH_HINT}"
    elif reason == "missing_scope":
        scope = getattr(exc.error.get_missing_scope(), "required_scope", "?")
        text = f"the access token lacks the permission scope {scope!r} of the Dropbox app"
    else:
        text = f"Dropbox refused the credentials ({reason}); {_AUTH_HINT}"
    return DropboxFailure(text, StoragePermissionError)


def _explain_bad_input(exc: Any) -> DropboxFailure:
    """A 400 answer. On a token renewal, ``invalid_client`` (with or without the reason after a
    colon) means a refused app key or app secret: credentials refused."""
    body = str(exc.message)
    with contextlib.suppress(ValueError, AttributeError):
        error = str(json.loads(body).get("error", ""))
        if error.partition(":")[0].strip() == "invalid_client":
            text = f"Dropbox refused the app key or app secret (invalid_client); {_AUTH_HINT}"
            return DropboxFailure(text, StoragePermissionError)
    return DropboxFailure(f"the API refused the request: {body}", StorageError)


def explain(exc: BaseException) -> BaseException:
    """Return a :class:`DropboxFailure` restating an SDK error, or *exc* itself."""
    if isinstance(exc, sdk.AuthError):
        return _explain_auth(exc)
    if isinstance(exc, sdk.ApiError):
        tags = error_tags(exc.error)
        kind = next((_TAG_CLASSES[t] for t in tags if t in _TAG_CLASSES), StorageError)
        text = "/".join(tags) or repr(exc.error)
        if exc.user_message_text:
            text += f" ({exc.user_message_text})"
        return DropboxFailure(text, kind)
    if isinstance(exc, sdk.RateLimitError):
        wait = f"; retry after {exc.backoff} s" if exc.backoff else ""
        return DropboxFailure(f"too many requests{wait}", StorageError)
    if isinstance(exc, sdk.BadInputError):
        return _explain_bad_input(exc)
    if isinstance(exc, sdk.HttpError):
        return DropboxFailure(f"HTTP {exc.status_code}: {exc.body}", StorageError)
    return exc


def _failure_kind(exc: BaseException) -> type[StorageError] | None:
    return exc.kind if isinstance(exc, DropboxFailure) else None


class _DropboxErrorTranslator(ErrorTranslator):
    """The table, applied to the SDK error restated by :func:`explain`."""

    def translate(self, exc: BaseException, *args: Any, **kwargs: Any) -> BaseException:
        explained = explain(exc)
        if explained is exc:
            return super().translate(exc, *args, **kwargs)
        explained.__cause__ = exc
        new = super().translate(explained, *args, **kwargs)
        if new.__cause__ is explained:
            new.__cause__ = exc  # the SDK's own exception, as every backend keeps it
        return new


ERRORS = _DropboxErrorTranslator(
    [
        _failure_kind,
        *requests_rules(),
    ],
    backend="Dropbox",
)
