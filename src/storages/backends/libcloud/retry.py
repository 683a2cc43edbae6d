"""How the Libcloud backend rides out transient failures: a few attempts with a short backoff.

Libcloud's own retry (``LIBCLOUD_RETRY_FAILED_HTTP_REQUESTS``) only catches exceptions raised
while sending, not an HTTP 500/503 answer, and re-sends a request's body as it is: an upload's
iterator or file, already consumed. So the backend retries whole operations that are safe to
repeat (a HEAD, a listing, a delete, a GET, an upload sent again from memory or its spool file),
each at most :data:`ATTEMPTS` times.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from storages.errors import MissingDependencyError
from storages.http import TRANSIENT_STATUSES, backoff, retry_after

try:
    import requests
    from libcloud.common.types import LibcloudError
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingDependencyError("apache-libcloud", "libcloud") from exc

__all__ = ["ATTEMPTS", "RETRY_STATUSES", "TransientHTTPError", "is_transient", "retrying"]

T = TypeVar("T")

#: Attempts of one operation (so two retries).
ATTEMPTS = 3
#: Longest wait before a retry, even when the server's ``Retry-After`` asks for more.
MAX_WAIT = 5.0
#: Answers that say "not now": S3 and Azure document 500 as one to retry as well.
RETRY_STATUSES = TRANSIENT_STATUSES | {500}
#: How a request or a response body breaks: nothing the server did can be half-applied by a
#: repeat of an operation that is safe to repeat.
_BROKEN = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


class TransientHTTPError(LibcloudError):
    """A server answered with one of :data:`RETRY_STATUSES` (its response is closed)."""

    def __init__(self, status: int, reason: str | None, retry_after_header: str | None) -> None:
        super().__init__(f"HTTP {status} {reason or ''}".rstrip())
        self.status = status
        self.retry_after = retry_after(retry_after_header)


def is_transient(exc: BaseException) -> bool:
    """Whether *exc* is a failure that a repeat of the operation may not meet again."""
    return isinstance(exc, (TransientHTTPError, *_BROKEN))


def _wait(exc: BaseException, attempt: int) -> float:
    asked = getattr(exc, "retry_after", None)
    return backoff(attempt, MAX_WAIT) if asked is None else min(MAX_WAIT, float(asked))


def retrying(operation: Callable[[], T], *, attempts: int = ATTEMPTS) -> T:
    """Return ``operation()``, calling it again after a transient failure (bounded)."""
    for attempt in range(1, attempts):
        try:
            return operation()
        except Exception as exc:
            if not is_transient(exc):
                raise
            time.sleep(_wait(exc, attempt))
    return operation()
