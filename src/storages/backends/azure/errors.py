"""How Azure SDK errors become :mod:`storages.errors` classes."""

from __future__ import annotations

from storages.errors import (
    ErrorTranslator,
    MissingDependencyError,
    StorageConnectionError,
    StorageError,
    StorageExistsError,
    StorageNotFoundError,
    StoragePermissionError,
    StorageTimeoutError,
    by_type,
)
from storages.http import requests_rules

try:
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ResourceExistsError,
        ResourceNotFoundError,
        ServiceRequestError,
        ServiceRequestTimeoutError,
        ServiceResponseError,
        ServiceResponseTimeoutError,
    )
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingDependencyError("azure-storage-blob", "azure") from exc

__all__ = ["AZURE_ERRORS"]

_BY_STATUS: dict[int, type[StorageError]] = {
    401: StoragePermissionError,
    403: StoragePermissionError,
    404: StorageNotFoundError,
    409: StorageExistsError,
}


def _by_status(exc: BaseException) -> type[StorageError] | None:
    if isinstance(exc, HttpResponseError):
        return _BY_STATUS.get(getattr(exc, "status_code", None) or 0)
    return None


def _broken_stream(exc: BaseException) -> type[StorageError] | None:
    """A download that broke mid-body: the SDK wraps the transport's error, with no status."""
    if not isinstance(exc, HttpResponseError) or exc.status_code is not None:
        return None
    inner = getattr(exc, "inner_exception", None)
    if inner is None or inner is exc:
        return None
    return next(filter(None, (rule(inner) for rule in requests_rules())), None)


AZURE_ERRORS = ErrorTranslator(
    [
        by_type(ResourceNotFoundError, to=StorageNotFoundError),
        by_type(ResourceExistsError, to=StorageExistsError),
        by_type(ClientAuthenticationError, to=StoragePermissionError),
        by_type(ServiceRequestTimeoutError, ServiceResponseTimeoutError, to=StorageTimeoutError),
        by_type(ServiceRequestError, ServiceResponseError, to=StorageConnectionError),
        _by_status,
        _broken_stream,
    ],
    backend="Azure",
)
