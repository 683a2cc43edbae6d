"""How Google Cloud Storage client errors become :mod:`storages.errors` classes."""

from __future__ import annotations

from google.api_core import exceptions as api
from google.auth import exceptions as auth

from storages import errors as e
from storages.errors import ErrorTranslator, StorageError, by_type
from storages.http import requests_rules

__all__ = ["ERRORS"]


def _retries_exhausted(exc: BaseException) -> type[StorageError] | None:
    """A call retried until its deadline fails as its last attempt did."""
    if isinstance(exc, api.RetryError) and exc.cause is not None and exc.cause is not exc:
        return ERRORS.classify(exc.cause)
    return None


ERRORS = ErrorTranslator(
    [
        by_type(api.NotFound, to=e.StorageNotFoundError),
        by_type(api.Forbidden, api.Unauthorized, auth.RefreshError, to=e.StoragePermissionError),
        by_type(api.Conflict, api.PreconditionFailed, to=e.StorageExistsError),
        *requests_rules(),
        by_type(auth.TransportError, api.ServiceUnavailable, to=e.StorageConnectionError),
        _retries_exhausted,
    ],
    backend="Google Cloud Storage",
)
