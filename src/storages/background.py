"""Uploads that go on in the background while a synchronisation carries on.

A manifest storage's post-processing (Django's ``HashedFilesMixin``) saves every hashed copy
one after the other, waiting for each upload. Through a synchronising view
(:mod:`storages.sync`) those saves are handed to :class:`BackgroundUploads` instead: a bounded
pool of threads, at most two uploads per thread queued (so at most that many small files are
held in memory), two saves of one name kept in order, and the first failure raised to the
caller at the next save or when it waits for them all (before the manifest is written).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

__all__ = ["DEFAULT_WORKERS", "BackgroundUploads"]

#: Uploads at once, as the ``collectstatic`` command's default.
DEFAULT_WORKERS = 8


class BackgroundUploads:
    """A bounded pool of uploads; used as a context manager that waits for them all."""

    def __init__(self, workers: int = DEFAULT_WORKERS) -> None:
        self._pool = ThreadPoolExecutor(max(1, workers), thread_name_prefix="storages-upload")
        self._slots = threading.BoundedSemaphore(2 * max(1, workers))
        self._pending: dict[str, Future[None]] = {}
        self._lock = threading.Lock()
        self._failure: BaseException | None = None

    def submit(self, name: str, upload: Callable[[], None]) -> None:
        """Run *upload* (of the file *name*) in the background, after any earlier one of *name*.

        Blocks while the queue is full; raises the first failure of an earlier upload.
        """
        self._raise_failure()
        with self._lock:
            previous = self._pending.get(name)
        if previous is not None:
            previous.result()  # the same name again: the last save must land last
        self._slots.acquire()
        try:
            future = self._pool.submit(upload)
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(self._done)
        with self._lock:
            self._pending[name] = future

    def _done(self, future: Future[None]) -> None:
        self._slots.release()
        error = None if future.cancelled() else future.exception()
        with self._lock:
            if error is not None and self._failure is None:
                self._failure = error

    def _raise_failure(self) -> None:
        with self._lock:
            failure = self._failure
        if failure is not None:
            raise failure

    def wait(self) -> None:
        """Wait for every upload so far; raise the first that failed."""
        with self._lock:
            pending = list(self._pending.values())
        for future in pending:
            error = None if future.cancelled() else future.exception()  # waits
            if error is not None:
                raise error
        self._raise_failure()

    def __enter__(self) -> BackgroundUploads:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            # Failing already: start nothing more, let what runs finish, raise the first error.
            self._pool.shutdown(wait=True, cancel_futures=True)
            return
        try:
            self.wait()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
