"""Lazily created SDK clients, one per thread where the SDK is not thread-safe.

A storage asks its :class:`ClientCache` for a client on every operation; the first call in a
thread (or the first at all, for a shared client) creates it. A per-thread client is closed when
its thread ends, and :meth:`ClientCache.drain` hands every live client back for closing.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["ClientCache"]

C = TypeVar("C")


class _Holder(Generic[C]):
    """Holds one thread's client; when the thread ends it is collected, closing the client."""

    def __init__(self, client: C) -> None:
        self.client = client


class ClientCache(Generic[C]):
    """Lazily created SDK clients: one per thread, or one shared, closed together.

    A per-thread client is closed when its thread ends (a server with a thread per request
    would otherwise pile up connections), and every client when :meth:`drain` is called.
    """

    def __init__(
        self,
        factory: Callable[[], C],
        *,
        per_thread: bool,
        closer: Callable[[C], None] | None = None,
    ) -> None:
        self._factory = factory
        self._per_thread = per_thread
        self._closer = closer
        self._local = threading.local()
        self._shared: C | None = None
        # Reentrant: the finalizer of a dead thread's client may run (on garbage collection)
        # while this thread holds the lock.
        self._lock = threading.RLock()
        self._all: list[C] = []

    def get(self) -> C:
        """Return this thread's client (or the shared one), creating it on first use."""
        if self._per_thread:
            holder: _Holder[C] | None = getattr(self._local, "holder", None)
            if holder is None:
                holder = _Holder(self._factory())
                self._local.holder = holder
                with self._lock:
                    self._all.append(holder.client)
                weakref.finalize(holder, self._thread_ended, holder.client)
            return holder.client
        with self._lock:
            if self._shared is None:
                self._shared = self._factory()
                self._all.append(self._shared)
            return self._shared

    def _thread_ended(self, client: C) -> None:
        with self._lock:
            if client not in self._all:
                return  # discarded or drained already: its owner closed it
            self._all.remove(client)
        if self._closer is not None:
            with contextlib.suppress(Exception):
                self._closer(client)

    def discard(self) -> None:
        """Forget this thread's client (after the connection broke)."""
        if self._per_thread:
            holder = getattr(self._local, "holder", None)
            client = holder.client if holder is not None else None
            self._local.holder = None
        else:
            with self._lock:
                client, self._shared = self._shared, None
        if client is not None:
            with self._lock:
                if client in self._all:
                    self._all.remove(client)

    def live(self) -> list[C]:
        """Return the clients open now: a snapshot taken without the lock (a log filter asks)."""
        return list(self._all)

    def drain(self) -> list[C]:
        """Forget every client and return them (to be closed by the caller)."""
        with self._lock:
            clients, self._all = self._all, []
            self._shared = None
            self._local = threading.local()
        return clients
