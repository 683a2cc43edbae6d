"""How botocore's errors become :mod:`storages.errors` classes."""

from __future__ import annotations

from storages.errors import (
    ErrorTranslator,
    StorageConnectionError,
    StorageError,
    StorageExistsError,
    StorageNotFoundError,
    StoragePermissionError,
    StorageTimeoutError,
)

__all__ = ["CODES", "ERRORS"]

#: S3 error codes (and HTTP statuses, as strings) and what they mean to a caller.
CODES: dict[str, type[StorageError]] = {
    "404": StorageNotFoundError,
    "NoSuchKey": StorageNotFoundError,
    "NotFound": StorageNotFoundError,
    "NoSuchBucket": StorageNotFoundError,
    "403": StoragePermissionError,
    "AccessDenied": StoragePermissionError,
    "InvalidAccessKeyId": StoragePermissionError,
    "SignatureDoesNotMatch": StoragePermissionError,
    "ExpiredToken": StoragePermissionError,
    "InvalidToken": StoragePermissionError,
    "412": StorageExistsError,
    "PreconditionFailed": StorageExistsError,
    "RequestTimeout": StorageTimeoutError,
    "SlowDown": StorageConnectionError,
    "ServiceUnavailable": StorageConnectionError,
    "InternalError": StorageConnectionError,
}


def _client_error(exc: BaseException) -> type[StorageError] | None:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    code = str(response.get("Error", {}).get("Code", ""))
    status = str(response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
    return CODES.get(code) or CODES.get(status)


def _botocore(exc: BaseException) -> type[StorageError] | None:
    try:
        from botocore import exceptions as bx
    except ImportError:  # pragma: no cover
        return None
    if isinstance(exc, (bx.ConnectTimeoutError, bx.ReadTimeoutError)):
        return StorageTimeoutError
    if isinstance(
        exc,
        (
            bx.EndpointConnectionError,
            bx.ConnectionClosedError,
            bx.ProxyConnectionError,
            bx.ResponseStreamingError,
            bx.IncompleteReadError,
        ),
    ):
        return StorageConnectionError
    if isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return StoragePermissionError
    return None


ERRORS = ErrorTranslator([_client_error, _botocore], backend="S3")
