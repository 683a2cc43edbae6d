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


AZURE_ERRORS = ErrorTranslator(
    [
        by_type(ResourceNotFoundError, to=StorageNotFoundError),
        by_type(ResourceExistsError, to=StorageExistsError),
        by_type(ClientAuthenticationError, to=StoragePermissionError),
        by_type(ServiceRequestTimeoutError, ServiceResponseTimeoutError, to=StorageTimeoutError),
        by_type(ServiceRequestError, ServiceResponseError, to=StorageConnectionError),
        _by_status,
    ],
    backend="Azure",
)
