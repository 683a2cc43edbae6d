"""Libcloud drivers as the backend makes and adapts them, and how it retries them.

:func:`driver_spec` turns a ``LIBCLOUD_PROVIDERS`` entry into a driver class and its arguments.
:func:`adapt_driver` changes a new driver's connection (per driver instance):

- Answers without a charset are decoded as UTF-8: S3 and Azure send XML as ``application/xml``
  without one and always mean UTF-8; ``requests`` would guess (a listing of long non-ASCII names
  came back as Shift-JIS mojibake, ``'ﾃｩ'`` for ``'é'``).
- A failed answer is closed before its error is raised: a streamed one (``stream=True``) would
  otherwise keep its socket until garbage collection. One of :data:`RETRY_STATUSES` raises
  :class:`TransientHTTPError`, which the backend retries.
- The answers to a ranged GET (``206 Partial Content``, ``416`` past the end) are returned, not
  raised: Libcloud counts only 200, 201 and 202 as successes, and the Azure driver would read
  the whole body to parse it as an error.
- Raw requests (uploads, streamed downloads) get the connection's timeout too: Libcloud sends
  them with none, so a server that stalls would hang them forever.

Libcloud's own retry (``LIBCLOUD_RETRY_FAILED_HTTP_REQUESTS``) only catches exceptions raised
while sending, not an HTTP 500/503 answer, and re-sends a request's body as it is: an upload's
iterator or file, already consumed. So the backend retries whole operations that are safe to
repeat (a HEAD, a listing, a delete, a GET, an upload sent again from memory or its spool file)
with :data:`RETRY`, on the failures :func:`is_transient` accepts.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from typing import Any

from storages.errors import MissingDependencyError
from storages.http import TRANSIENT_STATUSES
from storages.retry import RetryPolicy, retry_after

try:
    import libcloud.security
    import requests
    from libcloud.common.types import LibcloudError
    from libcloud.http import LibcloudConnection
    from libcloud.storage.drivers.local import LocalStorageDriver
    from libcloud.storage.providers import get_driver
    from libcloud.storage.types import Provider
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingDependencyError("apache-libcloud", "libcloud") from exc

__all__ = [
    "RETRY",
    "RETRY_STATUSES",
    "TransientHTTPError",
    "adapt_driver",
    "driver_spec",
    "is_transient",
]

#: Attempts of one operation that is safe to repeat (so two retries), after a short backoff.
RETRY = RetryPolicy(attempts=3, max_wait=5.0)
#: Answers that say "not now": S3 and Azure document 500 as one to retry as well.
RETRY_STATUSES = TRANSIENT_STATUSES | {500}
#: How a request or a response body breaks: nothing the server did can be half-applied by a
#: repeat of an operation that is safe to repeat.
_BROKEN = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)

_TYPES_MODULE = "libcloud.storage.types.Provider"

#: Constants of Libcloud < 0.14 that the 1.x documentation names; Libcloud now has one S3
#: driver that takes a region.
_LEGACY_S3_HOSTS = {
    "S3_US_STANDARD_HOST": "us-east-1",
    "S3_US_WEST_HOST": "us-west-1",
    "S3_US_WEST_OREGON_HOST": "us-west-2",
    "S3_EU_WEST_HOST": "eu-west-1",
    "S3_AP_SOUTHEAST_HOST": "ap-southeast-1",
    "S3_AP_NORTHEAST_HOST": "ap-northeast-1",
}

#: Optional entry keys passed to the driver's constructor.
_DRIVER_KEYWORDS = ("region", "project", "host", "port", "secure", "account_prefix", "timeout")


class TransientHTTPError(LibcloudError):
    """A server answered with one of :data:`RETRY_STATUSES` (its response is closed)."""

    def __init__(self, status: int, reason: str | None, retry_after_header: str | None) -> None:
        super().__init__(f"HTTP {status} {reason or ''}".rstrip())
        self.status = status
        self.retry_after = retry_after(retry_after_header)


def is_transient(exc: BaseException) -> bool:
    """Whether *exc* is a failure that a repeat of the operation may not meet again."""
    return isinstance(exc, (TransientHTTPError, *_BROKEN))


def _provider_type(value: Any) -> tuple[Any, dict[str, Any]]:
    """Return the Libcloud provider of an entry's ``type`` and keywords it implies."""
    if value is None or value == "":
        raise ValueError("the provider entry has no 'type'")
    if not isinstance(value, str) or "." not in value:
        # A Provider value such as Provider.S3 ('s3'), or the id a driver was registered under
        # with ``libcloud.storage.providers.set_driver()`` (any hashable, as in 1.x).
        return value, {}
    module_path, name = value.rsplit(".", 1)
    if module_path != _TYPES_MODULE:
        raise ValueError(f"Invalid module path {module_path!r}: expected {_TYPES_MODULE}.NAME")
    if name in _LEGACY_S3_HOSTS:
        return Provider.S3, {"region": _LEGACY_S3_HOSTS[name]}
    provider = getattr(Provider, name, None)
    if not isinstance(provider, str):
        raise ValueError(f"Libcloud has no storage provider {name!r}")
    return provider, {}


def _check_ca_certificates(secure: bool) -> None:
    """Refuse, as Libcloud once did, an HTTPS driver whose CA bundle does not exist."""
    path: Any = libcloud.security.CA_CERTS_PATH
    if isinstance(path, list):  # Libcloud < 2 took a list; some settings files still append
        path = path[0] if path else None
    if secure and libcloud.security.VERIFY_SSL_CERT and path and not os.path.exists(path):
        raise ValueError(libcloud.security.CA_CERTS_UNAVAILABLE_ERROR_MSG)


def driver_spec(entry: Mapping[str, Any]) -> tuple[type, tuple[Any, ...], dict[str, Any]]:
    """Return the driver class and constructor arguments of a provider entry."""
    provider, implied = _provider_type(entry.get("type"))
    driver_class = get_driver(provider)
    local = issubclass(driver_class, LocalStorageDriver)
    for required in ("user", "bucket") if local else ("user", "key", "bucket"):
        if not entry.get(required):
            raise ValueError(f"the provider entry has no {required!r}")
    kwargs = {**implied, **{k: entry[k] for k in _DRIVER_KEYWORDS if k in entry}}
    if not local:
        _check_ca_certificates(bool(kwargs.get("secure", True)))
    return driver_class, (entry["user"], entry.get("key")), kwargs


@functools.cache
def _checked_response(response_class: type) -> type:
    """Return *response_class* (a Libcloud ``Response`` or ``RawResponse``) adapted as above.

    Libcloud builds both with keywords: ``responseCls(connection=..., response=...)``.
    """

    class Checked(response_class):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            response = kwargs.get("response")
            if response is None:
                super().__init__(*args, **kwargs)
                return
            if getattr(response, "encoding", None) is None:
                response.encoding = "utf-8"
            if response.status_code in RETRY_STATUSES:
                response.close()
                retry_after = response.headers.get("Retry-After")
                raise TransientHTTPError(response.status_code, response.reason, retry_after)
            try:
                super().__init__(*args, **kwargs)
            except BaseException:
                response.close()
                raise

        def success(self) -> bool:
            # A ranged GET's answers (206, and 416 past the end) are for the caller to read:
            # Libcloud's list lacks them, and the Azure driver's error parsing would read the
            # whole body into memory.
            return self.status in (206, 416) or bool(super().success())

    Checked.__name__ = Checked.__qualname__ = response_class.__name__
    return Checked


@functools.cache
def _timed_connection(conn_class: type) -> type:
    """Return *conn_class* whose session sends every request with its timeout by default."""

    class Timed(conn_class):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            session = self.session
            # An explicit timeout (the non-raw requests pass one) still wins over this keyword.
            session.send = functools.partial(session.send, timeout=session.timeout)

    Timed.__name__ = Timed.__qualname__ = conn_class.__name__
    return Timed


def adapt_driver(driver: Any) -> None:
    """Adapt the connection of a newly made *driver* (one per thread) as described above."""
    connection = getattr(driver, "connection", None)
    if connection is None:
        return
    for attribute in ("responseCls", "rawResponseCls"):
        response_class = getattr(connection, attribute, None)
        if isinstance(response_class, type):
            setattr(connection, attribute, _checked_response(response_class))
    conn_class = getattr(connection, "conn_class", None)
    if isinstance(conn_class, type) and issubclass(conn_class, LibcloudConnection):
        connection.conn_class = _timed_connection(connection.conn_class)
        stale = connection.connection
        if stale is not None:  # the driver connected already: connect again with the new class
            connection.connect()
            stale.session.close()
