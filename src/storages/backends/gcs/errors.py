"""How Google Cloud Storage client errors become :mod:`storages.errors` classes."""

from __future__ import annotations

from storages.errors import (
    ErrorTranslator,
    MissingDependencyError,
    StorageConnectionError,
    StorageError,
    StorageExistsError,
    StorageNotFoundError,
    StoragePermissionError,
    by_type,
)
from storages.http import requests_rules

try:
    from google.api_core import exceptions as api
    from google.auth import exceptions as auth
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingDependencyError("google-cloud-storage", "google") from exc

__all__ = ["GCS_ERRORS"]


def _retries_exhausted(exc: BaseException) -> type[StorageError] | None:
    """A call retried until its deadline fails as its last attempt did."""
    if isinstance(exc, api.RetryError) and exc.cause is not None and exc.cause is not exc:
        return GCS_ERRORS.classify(exc.cause)
    return None


GCS_ERRORS = ErrorTranslator(
    [
        by_type(api.NotFound, to=StorageNotFoundError),
        by_type(api.Forbidden, api.Unauthorized, auth.RefreshError, to=StoragePermissionError),
        by_type(api.Conflict, api.PreconditionFailed, to=StorageExistsError),
        *requests_rules(),
        by_type(auth.TransportError, api.ServiceUnavailable, to=StorageConnectionError),
        _retries_exhausted,
    ],
    backend="Google Cloud Storage",
)
