"""How Azure SDK errors become :mod:`storages.errors` classes."""

from __future__ import annotations

from azure.core import exceptions as az

from storages import errors as e
from storages.errors import ErrorTranslator, StorageError, by_type
from storages.http import requests_rules

__all__ = ["ERRORS"]

_BY_STATUS: dict[int, type[StorageError]] = {
    401: e.StoragePermissionError,
    403: e.StoragePermissionError,
    404: e.StorageNotFoundError,
    409: e.StorageExistsError,
}


def _by_status(exc: BaseException) -> type[StorageError] | None:
    if isinstance(exc, az.HttpResponseError):
        return _BY_STATUS.get(getattr(exc, "status_code", None) or 0)
    return None


def _broken_stream(exc: BaseException) -> type[StorageError] | None:
    """A download that broke mid-body: the SDK wraps the transport's error, with no status."""
    if not isinstance(exc, az.HttpResponseError) or exc.status_code is not None:
        return None
    inner = getattr(exc, "inner_exception", None)
    if inner is None or inner is exc:
        return None
    return next(filter(None, (rule(inner) for rule in requests_rules())), None)


ERRORS = ErrorTranslator(
    [
        by_type(az.ResourceNotFoundError, to=e.StorageNotFoundError),
        by_type(az.ResourceExistsError, to=e.StorageExistsError),
        by_type(az.ClientAuthenticationError, to=e.StoragePermissionError),
        by_type(
            az.ServiceRequestTimeoutError, az.ServiceResponseTimeoutError, to=e.StorageTimeoutError
        ),
        by_type(az.ServiceRequestError, az.ServiceResponseError, to=e.StorageConnectionError),
        _by_status,
        _broken_stream,
    ],
    backend="Azure",
)
