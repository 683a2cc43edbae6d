"""The Azure backend's retry policy: the SDK's, bounded for a web request, and without its leak.

The SDK's default ``ExponentialRetry`` waits about 18, 24 then 42 s between attempts: a call to
a service that is down takes some 85 s to fail, far longer than a web request can wait. By
default this policy retries a refused connection twice, waiting 0.5 then 1 s (less, with
jitter): an outage fails in under 2 s. Any failure is retried at most 3 times (waiting up to 2 s
before the third), so that a burst of ``503 Server Busy`` answers, or one on top of a pooled
connection the server had closed, is still ridden out.

Given any of the SDK's own backoff keywords (``initial_backoff``, ``increment_base``,
``random_jitter_range``, as ``AZURE_CLIENT_OPTIONS`` of 1.x may hold), it backs off as the SDK
documents them instead.

It also closes each response it retries: ``StorageRetryPolicy.send`` drops it unclosed, which
for a streamed download (every read of this backend) leaves the connection of each retried
``503`` open until garbage collection finds it (a ``ResourceWarning``, and a socket held).
"""

from __future__ import annotations

import contextlib
import random
from typing import Any

from storages.errors import MissingDependencyError

try:
    from azure.storage.blob import ExponentialRetry
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingDependencyError("azure-storage-blob", "azure") from exc

__all__ = ["SDK_BACKOFF", "BoundedRetry"]

#: The SDK's backoff keywords: given one, the SDK's schedule applies.
SDK_BACKOFF = frozenset({"initial_backoff", "increment_base", "random_jitter_range"})


class BoundedRetry(ExponentialRetry):
    """A few retries with a short exponential backoff; closes each response it retries.

    Built from the client's keywords, as the SDK builds its own policy: ``retry_total`` caps
    the retries, ``retry_connect`` those after a connection that could not be made,
    ``retry_read`` and ``retry_status`` (3 each) those after a broken answer or a retryable
    status; the wait before retry *n* is ``retry_backoff_factor * 2 ** (n - 1)`` seconds, at
    most ``retry_backoff_max``, less up to half of it as jitter (the names of ``azure-core``'s
    ``RetryPolicy``).
    """

    def __init__(
        self,
        *,
        retry_total: int = 3,
        retry_connect: int = 2,
        retry_backoff_factor: float = 0.5,
        retry_backoff_max: float = 2.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(retry_total=retry_total, retry_connect=retry_connect, **kwargs)
        self.sdk_backoff = not SDK_BACKOFF.isdisjoint(kwargs)
        self.backoff_factor = retry_backoff_factor
        self.backoff_max = retry_backoff_max

    def get_backoff_time(self, settings: dict[str, Any]) -> float:
        if self.sdk_backoff:
            return float(super().get_backoff_time(settings))
        # The SDK counts the retry about to happen before it sleeps: the first wait sees 1.
        retries = int(settings["count"])
        wait = min(self.backoff_factor * 2.0 ** max(retries - 1, 0), self.backoff_max)
        return wait * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret

    def increment(
        self, settings: dict[str, Any], request: Any, response: Any = None, error: Any = None
    ) -> bool:
        retrying = bool(super().increment(settings, request, response=response, error=error))
        internal = getattr(response, "internal_response", None)
        if retrying and internal is not None:
            with contextlib.suppress(Exception):
                internal.close()
        return retrying
