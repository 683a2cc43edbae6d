"""The one retry policy of the package: bounded attempts, a short jittered backoff.

Where an SDK has a retry policy of its own (botocore's retry modes, azure-core's and
google-api-core's policies) the backend configures that one. Where it has none, or one that
cannot see the failure (Libcloud does not retry an HTTP 503 answer; a database deadlock; an FTP,
SFTP or MogileFS connection that broke), the backend declares a :class:`RetryPolicy` and calls
:meth:`RetryPolicy.call` with a predicate saying which failures are transient. Nothing else in
the package loops over attempts.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["READ_RESUMES", "RetryPolicy", "backoff", "retry_after"]

T = TypeVar("T")

#: How many times a read cut mid-stream is resumed (with a ranged request) before it fails.
READ_RESUMES = 2


def backoff(attempt: int, max_wait: float, first_wait: float = 0.2) -> float:
    """Return the wait before retry *attempt*: doubling from *first_wait*, jittered, capped."""
    wait = min(max_wait, first_wait * 2 ** (attempt - 1))
    return float(wait * random.uniform(0.5, 1))  # noqa: S311 - jitter, not a secret


def retry_after(value: str | None) -> float | None:
    """Return the seconds a ``Retry-After`` header asks for; None when absent or an HTTP date."""
    try:
        return max(0.0, float(value or ""))
    except ValueError:
        return None


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and after what wait, a failed operation that is safe to repeat is tried again."""

    #: Attempts in all (1: no retry).
    attempts: int = 3
    #: Wait before the first retry, doubled for each further one (then jittered).
    first_wait: float = 0.2
    #: Longest wait, even when the server's ``Retry-After`` asks for more.
    max_wait: float = 5.0

    def wait(self, attempt: int, asked: float | None = None) -> float:
        """Return the seconds to wait after failed attempt *attempt* (1-based)."""
        if asked is not None:
            return min(self.max_wait, asked)
        return backoff(attempt, self.max_wait, self.first_wait)

    def call(
        self,
        operation: Callable[[], T],
        transient: Callable[[BaseException], bool],
        *,
        before_retry: Callable[[BaseException], None] | None = None,
    ) -> T:
        """Return ``operation()``, calling it again after a failure *transient* accepts.

        ``before_retry(exc)`` runs before each new attempt (to reconnect, rewind a body). A
        failure's ``retry_after`` attribute (seconds), when it has one, sets the wait. The last
        attempt's error is the caller's.
        """
        for attempt in range(1, self.attempts):
            try:
                return operation()
            except Exception as exc:
                if not transient(exc):
                    raise
                time.sleep(self.wait(attempt, getattr(exc, "retry_after", None)))
                if before_retry is not None:
                    before_retry(exc)
        return operation()
