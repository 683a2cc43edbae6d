"""``collectstatic`` that is fast on remote storages.

With ``'storages'`` before ``'django.contrib.staticfiles'`` in ``INSTALLED_APPS``, and a static
files storage of this package, the command lists the destination once, skips every file whose
content is already there (by content digest, never by modification time), uploads the rest with
a bounded pool of threads and reads back nothing it had locally, including for the manifest
storages' post-processing. Any other storage gets Django's own command unchanged.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.management.commands import collectstatic
from django.core.files.storage import Storage
from django.core.management.base import CommandError, CommandParser

from storages.background import DEFAULT_WORKERS
from storages.base import BaseStorage

__all__ = ["Command"]


class Command(collectstatic.Command):
    """Collect static files, synchronising a remote storage instead of re-uploading it."""

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help=(
                "Upload this many files at once to a remote storage "
                "(default: STORAGES_COLLECTSTATIC_WORKERS or 8)."
            ),
        )

    def set_options(self, **options: Any) -> None:
        super().set_options(**options)
        workers: Any = options.get("workers") or getattr(
            settings, "STORAGES_COLLECTSTATIC_WORKERS", DEFAULT_WORKERS
        )
        if not isinstance(workers, int) or workers < 1:
            raise CommandError("--workers must be a whole number of at least 1")
        self.workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._futures: dict[Future[bool], str] = {}
        self._submitted: set[str] = set()
        #: Files digested before the listing came: (path, prefixed path, storage, digest, size,
        #: local path).
        self._deferred: list[tuple[str, str, Storage, str | None, int, str]] = []
        self._lock = threading.Lock()
        self._done = 0
        self._bytes = 0

    def collect(self) -> dict[str, list[str]]:
        storage = self.storage
        if not isinstance(storage, BaseStorage) or self.symlink:
            return dict(super().collect())
        listing = storage.synchronizing(list_in_background=True)
        with listing as view, ThreadPoolExecutor(self.workers) as pool:
            self._pool = pool
            self.storage = view
            index = getattr(view, "sync_index", None)
            if index is not None:
                index.workers = self.workers  # post-processing's background uploads too
            post_process = getattr(view, "post_process", None)
            if post_process is not None:
                # Every upload must be done before post-processing reads the files back.
                view.post_process = self._after_uploads(post_process)
            try:
                result = dict(super().collect())
                self._wait_for_uploads()
            finally:
                self.storage = storage
                self._pool = None
        self._end_progress()
        # The uploads finished after Django's collect() built its summary: build it again.
        result["modified"] = self.copied_files + self.symlinked_files
        result["unmodified"] = self.unmodified_files
        return result

    def copy_file(self, path: str, prefixed_path: str, source_storage: Storage) -> None:
        if self._pool is None:
            super().copy_file(path, prefixed_path, source_storage)
            return None
        if prefixed_path in self._submitted:
            return self.log(f"Skipping '{path}' (already copied earlier)")
        self._submitted.add(prefixed_path)
        if self.dry_run:
            self.log(f"Pretending to copy '{source_storage.path(path)}'", level=1)
            self.copied_files.append(prefixed_path)
            return None
        self._settle_deferred()
        if self._unchanged(path, prefixed_path, source_storage):
            return None
        self._submit(path, prefixed_path, source_storage)
        return None

    def _submit(self, path: str, prefixed_path: str, source_storage: Storage) -> None:
        assert self._pool is not None
        future = self._pool.submit(self._copy, path, prefixed_path, source_storage)
        self._futures[future] = prefixed_path

    def _unchanged(self, path: str, prefixed_path: str, source_storage: Storage) -> bool:
        """Keep a file stored with the same content, here: reading a small file costs less than
        handing it to a thread and through Django's save. While the listing is still coming,
        digest the local file now and compare it later (see :meth:`_settle_deferred`)."""
        view: Any = self.storage
        if not hasattr(view, "keep_if_unchanged"):
            return False
        try:
            source = source_storage.open(path)
        except OSError:
            return False  # the copy reports it, naming the file
        with source:
            local = getattr(source, "name", None)
            if not view.sync_index.ready() and isinstance(local, str) and os.path.isabs(local):
                digest, size = view.digest_of(source)
                self._deferred.append((path, prefixed_path, source_storage, digest, size, local))
                return True
            if not view.keep_if_unchanged(prefixed_path, source):
                return False
        self._kept(prefixed_path)
        return True

    def _kept(self, prefixed_path: str) -> None:
        self.unmodified_files.append(prefixed_path)
        self.log(f"Skipping '{prefixed_path}' (unchanged)", level=2)
        with self._lock:
            self._done += 1

    def _settle_deferred(self, wait: bool = False) -> None:
        """Compare the files digested before the listing came with it, once it has (at once
        with *wait*); upload those that differ."""
        view: Any = self.storage
        if not self._deferred or not (wait or view.sync_index.ready()):
            return
        deferred, self._deferred = self._deferred, []
        for path, prefixed_path, source_storage, digest, size, local in deferred:
            if view.keep_stored(prefixed_path, size, digest, local):
                self._kept(prefixed_path)
            else:
                self._submit(path, prefixed_path, source_storage)

    def _copy(self, path: str, prefixed_path: str, source_storage: Storage) -> bool:
        storage = self.storage
        if storage.exists(prefixed_path):
            # As Django does; the delete is deferred and undone if the content is unchanged.
            storage.delete(prefixed_path)
        with source_storage.open(path) as source:
            size = source.size
            storage.save(prefixed_path, source)
        index = getattr(storage, "sync_index", None)
        uploaded = index is not None and prefixed_path in index.uploaded
        with self._lock:
            self._done += 1
            if uploaded:
                self._bytes += size
            self._show_progress()
        return uploaded

    def _wait_for_uploads(self) -> None:
        self._settle_deferred(wait=True)
        futures, self._futures = self._futures, {}
        if not futures:
            return
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for future in done:
            error = future.exception()
            if error is not None:
                for pending in futures:
                    pending.cancel()
                raise CommandError(f"Could not copy '{futures[future]}': {error}") from error
        wait(futures)
        for future, name in sorted(futures.items(), key=lambda item: item[1]):
            error = future.exception()
            if error is not None:
                raise CommandError(f"Could not copy '{name}': {error}") from error
            if future.result():
                self.copied_files.append(name)
                self.log(f"Copied '{name}'", level=2)
            else:
                self.unmodified_files.append(name)
                self.log(f"Skipping '{name}' (unchanged)", level=2)

    def _after_uploads(
        self, post_process: Callable[..., Iterator[Any]]
    ) -> Callable[..., Iterator[Any]]:
        def run(*args: Any, **kwargs: Any) -> Iterator[Any]:
            self._wait_for_uploads()
            yield from post_process(*args, **kwargs)

        return run

    def _show_progress(self) -> None:
        if self.verbosity >= 1 and sys.stdout.isatty() and self._futures:
            total = len(self._submitted)  # uploaded or kept as they are
            megabytes = self._bytes / 1_000_000
            self.stdout.write(
                f"\r{self._done}/{total} files, {megabytes:.1f} MB uploaded", ending=""
            )
            self.stdout.flush()

    def _end_progress(self) -> None:
        if self.verbosity >= 1 and sys.stdout.isatty() and self._done:
            self.stdout.write("")
