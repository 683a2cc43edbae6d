"""What the fault tests of the HTTP backends share: a server seen through a proxy, the timeouts.

Each ``test_faults_<backend>.py`` builds its storage the way the contract suite does, but on
:func:`through` (the session's server with the proxy's port), so every request crosses the proxy.
One proxy serves a whole module (a proxy takes a poll period to shut down); the autouse
:func:`disarmed_after_each_test` keeps what one test armed from reaching the next.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from tests.harness.faultproxy import FaultProxy
from tests.harness.servers import RunningServer

__all__ = [
    "CUTS",
    "READ_CUTS",
    "TIMEOUT",
    "assert_finite_timeout",
    "cuts_and",
    "disarmed_after_each_test",
    "through",
]

#: The client timeout of the stall tests (seconds); the stalls last far longer.
TIMEOUT = 1.0
#: Where an upload is cut, as a fraction of the payload.
CUTS = (0.01, 0.5, 0.99)
#: Where a download is cut: mid-way, and just before the end, where a truncated read would
#: most easily pass for a complete one.
READ_CUTS = (0.5, 0.99)


def cuts_and(variants: Mapping[str, object]) -> list[Any]:
    """Return ``(at, variant)`` parameters: every cut of :data:`CUTS` for the first variant, the
    middle one for the others (they differ in how an upload is sent, not in where it breaks)."""
    first, *others = variants
    params = [pytest.param(at, variants[first], id=f"{first}-{at}") for at in CUTS]
    return params + [pytest.param(0.5, variants[label], id=f"{label}-0.5") for label in others]


def through(server: RunningServer, proxy: FaultProxy) -> RunningServer:
    """Return *server* as a client should see it through *proxy*: the proxy's port, the
    server's own working directory (certificates, keys)."""
    return dataclasses.replace(server, port=proxy.port)


def assert_finite_timeout(seconds: object, *, at_most: float = 300) -> None:
    """Fail unless *seconds* is a positive, finite wait no longer than *at_most*."""
    assert isinstance(seconds, (int, float)) and not isinstance(seconds, bool), seconds
    assert 0 < seconds <= at_most and math.isfinite(seconds), seconds


@pytest.fixture(autouse=True)
def disarmed_after_each_test(proxy: FaultProxy) -> Iterator[None]:
    """Disarm the module's ``proxy`` after each test, and drop the connections it carried."""
    yield
    proxy.clear()
    proxy.drop_connections()
