"""What a fault target declares: the :class:`FaultTarget` of a backend and the cases of each
scenario (:class:`Cut`, :class:`Burst`, :class:`Stall`), with the short :data:`TIMEOUT` the
stall tests use and :func:`through`, a server as seen through a proxy.

:mod:`tests.reliability.fault_targets` declares the targets; ``test_faults.py`` runs them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

import pytest
from django.core.files.storage import Storage

from tests.harness.faultproxy import FaultProxy
from tests.harness.servers import RunningServer
from tests.reliability.faults import RequestFaults

__all__ = [
    "BOTH_RETRIED",
    "CUTS",
    "HEADERS_RETRIED_BODY_RAISES",
    "OVERWRITE",
    "READ_CUTS",
    "SESSION_CUTS",
    "TIMEOUT",
    "Burst",
    "Cut",
    "FaultTarget",
    "Stall",
    "assert_finite_timeout",
    "cuts_and",
    "every_cut",
    "through",
]

#: The client timeout of the stall tests (seconds); the stalls last far longer.
TIMEOUT = 1.0
#: Where an upload is cut, as a fraction of the payload.
CUTS = (0.01, 0.5, 0.99)
#: Where a download is cut: mid-way, and just before the end, where a truncated read would
#: most easily pass for a complete one.
READ_CUTS = (0.5, 0.99)
#: Where a transfer of a session protocol is cut (near its start, mid-way, near its end).
SESSION_CUTS = (0.05, 0.5, 0.95)
#: Saves that rename the new version or overwrite the old one.
OVERWRITE = {"renaming": {"file_overwrite": False}, "overwriting": {"file_overwrite": True}}


def through(server: RunningServer, proxy: FaultProxy) -> RunningServer:
    """Return *server* as a client should see it through *proxy*: the proxy's port, the
    server's own working directory (certificates, keys)."""
    return dataclasses.replace(server, port=proxy.port)


def assert_finite_timeout(seconds: object, *, at_most: float = 300, name: str = "") -> None:
    """Fail unless *seconds* is a positive, finite wait no longer than *at_most*."""
    assert isinstance(seconds, (int, float)) and not isinstance(seconds, bool), (name, seconds)
    assert 0 < seconds <= at_most and math.isfinite(seconds), (name, seconds)


# -- the cases of a scenario ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Cut:
    """An upload cut ``at`` of the way through, by a storage built with *options*."""

    at: float
    variant: str = ""
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.at}-{self.variant}" if self.variant else str(self.at)


def cuts_and(variants: Mapping[str, Mapping[str, Any]]) -> tuple[Cut, ...]:
    """Return every cut of :data:`CUTS` for the first variant, the middle one for the others
    (they differ in how an upload is sent, not in where it breaks)."""
    first, *others = variants
    return tuple(Cut(at, first, variants[first]) for at in CUTS) + tuple(
        Cut(0.5, label, variants[label]) for label in others
    )


def every_cut(
    ats: Iterable[float], variants: Mapping[str, Mapping[str, Any]] | None = None
) -> tuple[Cut, ...]:
    """Return each cut of *ats* for each variant (or for the default storage)."""
    if variants is None:
        return tuple(Cut(at) for at in ats)
    return tuple(Cut(at, label, options) for at in ats for label, options in variants.items())


@dataclasses.dataclass(frozen=True)
class Burst:
    """*count* answers with *status* to each of *operations* (all six by default)."""

    status: int
    count: int = 2
    operations: tuple[str, ...] | None = None

    def __str__(self) -> str:
        return str(self.status)


@dataclasses.dataclass(frozen=True)
class Stall:
    """A read stalled after *after* bytes of the answer (*where* names the spot), ending in
    *outcome* (see :func:`~tests.reliability.faults.stalled_operation`)."""

    where: str
    after: int
    outcome: Literal["retried", "raised"]

    def __str__(self) -> str:
        return self.where


#: A stall before the answer is retried on a fresh connection; one mid-body raises a timeout.
HEADERS_RETRIED_BODY_RAISES = (Stall("headers", 1, "retried"), Stall("body", 100_000, "raised"))
#: A stall before the answer is retried (the GET is sent again); one mid-body is resumed with
#: a ranged GET.
BOTH_RETRIED = (Stall("headers", 1, "retried"), Stall("body", 100_000, "retried"))


# -- the target ---------------------------------------------------------------------------------


def _proxy_answers(server: RunningServer, proxy: FaultProxy) -> RequestFaults:
    return proxy


def _nothing_to_point(server: RunningServer) -> contextlib.AbstractContextManager[None]:
    return contextlib.nullcontext()


@dataclasses.dataclass(frozen=True)
class FaultTarget:
    """One backend, its server behind a proxy, and what each fault scenario ends in."""

    name: str
    #: The fixture of the session's server (with its bucket, container or database made).
    server: str
    #: ``storage(server, proxy, **options)``: a storage reaching *server* only through *proxy*,
    #: with the short :data:`TIMEOUT`, in a fresh location.
    storage: Callable[..., Storage]
    #: Uploads cut part-way, and what a save then does: send it again, or raise.
    cuts: tuple[Cut, ...]
    write_outcome: Literal["retried", "raised"]
    #: Downloads cut part-way, and what a read then does: resume, or raise.
    read_cuts: tuple[float, ...]
    read_outcome: Literal["resumed", "raised"]
    #: Reads stalled past the timeout.
    stalls: tuple[Stall, ...]
    #: Bursts of HTTP error answers, each ridden out (none for the session protocols).
    bursts: tuple[Burst, ...] = ()
    #: Who answers the bursts: the proxy, or the server itself where the proxy sees only TLS.
    request_faults: Callable[[RunningServer, FaultProxy], RequestFaults] = _proxy_answers
    #: ``default_timeouts(server, proxy)``: the waits of a storage configured without a
    #: timeout, by name; each must be finite and at most ``longest_default`` seconds.
    default_timeouts: Callable[[RunningServer, FaultProxy], Mapping[str, object]] | None = None
    longest_default: float = 300
    #: For session protocols (the session scenarios apply): the fewest and most connections
    #: six operations open when every connection is dropped before each.
    reconnections: tuple[int, float] | None = None
    #: Whether the proxy must rewrite FTP passive-mode replies (to carry data connections).
    ftp: bool = False
    #: Point the client library at a server (the proxy) while a test runs, where the storage
    #: has no option that says where its server is.
    pointed_at: Callable[[RunningServer], contextlib.AbstractContextManager[None]] = (
        _nothing_to_point
    )
    marks: tuple[pytest.MarkDecorator, ...] = ()
