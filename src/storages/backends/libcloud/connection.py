"""What the backend changes in a Libcloud driver's connection, per driver instance.

- Answers without a charset are decoded as UTF-8: S3 and Azure send XML as ``application/xml``
  without one and always mean UTF-8; ``requests`` would guess (a listing of long non-ASCII names
  came back as Shift-JIS mojibake, ``'ﾃｩ'`` for ``'é'``).
- A failed answer is closed before its error is raised: a streamed one (``stream=True``) would
  otherwise keep its socket until garbage collection. One of
  :data:`~storages.backends.libcloud.retry.RETRY_STATUSES` raises
  :class:`~storages.backends.libcloud.retry.TransientHTTPError`, which the backend retries.
- Raw requests (uploads, streamed downloads) get the connection's timeout too: Libcloud sends
  them with none, so a server that stalls would hang them forever.
"""

from __future__ import annotations

import functools
from typing import Any

from storages.backends.libcloud.retry import RETRY_STATUSES, TransientHTTPError
from storages.errors import MissingDependencyError

try:
    from libcloud.http import LibcloudConnection
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingDependencyError("apache-libcloud", "libcloud") from exc

__all__ = ["adapt_driver"]


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
