"""``manage.py storages_copy SRC DST``: copy every file from one configured storage to another.

SRC and DST are aliases of ``STORAGES`` and may be any two backends (filesystem to S3, S3 to
Azure, a database to Google Cloud...). Content is streamed (bounded memory), files already
identical in DST are skipped (so an interrupted copy resumes where it stopped), ``--verify``
compares checksums after copying, ``--delete`` removes from DST what SRC does not have, and the
command exits non-zero naming every file that failed.
"""

from __future__ import annotations

import hashlib
import posixpath
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from django.core.files.storage import Storage, storages
from django.core.management.base import BaseCommand, CommandError, CommandParser

from storages.base import BaseStorage

__all__ = ["Command", "walk"]

CHUNK = 1024 * 1024


def walk(storage: Storage, prefix: str = "") -> Iterator[tuple[str, int, str | None]]:
    """Yield ``(name, size, digest)`` of every file under *prefix*, recursively."""
    if isinstance(storage, BaseStorage):
        for entry in storage.listing(prefix):
            yield entry.name, entry.size, entry.digest
        return
    if prefix and not storage.exists(prefix):
        return
    dirs, files = storage.listdir(prefix)
    for name in files:
        path = posixpath.join(prefix, name) if prefix else name
        try:
            size = storage.size(path)
        except OSError:
            size = -1  # unreadable: copying it will fail and name it
        yield path, size, None
    for directory in dirs:
        yield from walk(storage, posixpath.join(prefix, directory) if prefix else directory)


def checksum(storage: Storage, name: str) -> str:
    """Return the SHA-256 of a stored file, streamed."""
    hasher = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        for chunk in handle.chunks(CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


def overwrites(storage: Storage) -> bool:
    """Return whether saving to *storage* under a taken name surely replaces the file (other
    storages, Django's among them, may pick another name: the copy deletes the old file first)."""
    return isinstance(storage, BaseStorage) and storage.overwrites_files


class Command(BaseCommand):
    help = "Copy the files of one STORAGES alias to another, skipping identical ones."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="STORAGES alias to copy from")
        parser.add_argument("destination", help="STORAGES alias to copy to")
        parser.add_argument("--prefix", default="", help="only files under this directory")
        parser.add_argument("--dry-run", action="store_true", help="report, change nothing")
        parser.add_argument(
            "--delete", action="store_true", help="delete destination files missing in source"
        )
        parser.add_argument(
            "--verify",
            action="store_true",
            help="compare SHA-256 checksums (also to decide what is identical)",
        )
        parser.add_argument("--workers", type=int, default=4, help="files copied at once")

    def handle(self, *args: Any, **options: Any) -> None:
        source = self._storage(options["source"])
        target = self._storage(options["destination"])
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        self.options = options
        self._lock = threading.Lock()
        self._done = 0
        prefix = options["prefix"].strip("/")
        # Both listings at once: at 1,000 files each is a few pages of XML or JSON to parse.
        with ThreadPoolExecutor(1) as pool:
            listed = pool.submit(lambda: list(walk(target, prefix)))
            wanted = list(walk(source, prefix))
            existing = {name: (size, digest) for name, size, digest in listed.result()}
        comparable = type(source) is type(target)
        to_copy: list[str] = []
        skipped = 0
        for name, size, digest in wanted:
            have = existing.get(name)
            if have is not None and self._identical(
                source, target, name, (size, digest), have, comparable
            ):
                skipped += 1
            else:
                to_copy.append(name)
        stale = sorted(set(existing) - {name for name, _, _ in wanted})
        failed: dict[str, str] = {}
        self._replacing = {name for name in to_copy if name in existing}
        copied = self._copy_all(source, target, to_copy, failed)
        deleted = 0
        if options["delete"]:
            for name in stale:
                if not options["dry_run"]:
                    target.delete(name)
                deleted += 1
                self._say(f"Deleted {name}", level=2)
        verb = "Would copy" if options["dry_run"] else "Copied"
        summary = (
            f"{verb} {copied} file(s), skipped {skipped} identical, "
            f"{'would delete' if options['dry_run'] else 'deleted'} {deleted}, "
            f"failed {len(failed)}."
        )
        self._end_progress()
        if failed:
            details = "\n".join(f"  {name}: {error}" for name, error in sorted(failed.items()))
            raise CommandError(f"{summary}\nThese files were not copied:\n{details}")
        self._say(summary, level=1)

    def _storage(self, alias: str) -> Storage:
        try:
            return storages[alias]
        except Exception as exc:  # InvalidStorageError and ImproperlyConfigured
            raise CommandError(f"STORAGES has no usable alias {alias!r}: {exc}") from exc

    def _identical(
        self,
        source: Storage,
        target: Storage,
        name: str,
        mine: tuple[int, str | None],
        theirs: tuple[int, str | None],
        comparable: bool,
    ) -> bool:
        if mine[0] != theirs[0]:
            return False
        if self.options["verify"]:
            return checksum(source, name) == checksum(target, name)
        if comparable and mine[1] is not None and theirs[1] is not None:
            return mine[1] == theirs[1]
        return True  # same name and size: use --verify to compare content

    def _copy_all(
        self, source: Storage, target: Storage, names: list[str], failed: dict[str, str]
    ) -> int:
        if self.options["dry_run"]:
            for name in names:
                self._say(f"Would copy {name}", level=2)
            return len(names)
        copied = 0
        with ThreadPoolExecutor(self.options["workers"]) as pool:
            futures = {pool.submit(self._copy, source, target, name): name for name in names}
            for future in as_completed(futures):
                name = futures[future]
                error = future.exception()
                if error is None:
                    copied += 1
                    self._say(f"Copied {name}", level=2)
                else:
                    failed[name] = f"{type(error).__name__}: {error}"
                self._progress(len(names))
        return copied

    def _copy(self, source: Storage, target: Storage, name: str) -> None:
        # The destination's listing told which names it has: asking again would cost a request
        # per file (a third of a copy's requests). Only a storage that keeps existing names needs
        # the old file deleted first.
        if name in self._replacing and not overwrites(target):
            target.delete(name)
        with source.open(name, "rb") as handle:
            saved = target.save(name, handle)
        if saved != name:
            raise CommandError(f"the destination stored it as {saved!r}")
        if self.options["verify"] and checksum(source, name) != checksum(target, name):
            raise CommandError("checksums differ after copying")

    def _say(self, message: str, level: int) -> None:
        if self.options["verbosity"] >= level:
            self.stdout.write(message)

    def _progress(self, total: int) -> None:
        with self._lock:
            self._done += 1
            if self.options["verbosity"] >= 1 and sys.stdout.isatty():
                self.stdout.write(f"\r{self._done}/{total} files", ending="")
                self.stdout.flush()

    def _end_progress(self) -> None:
        if self.options["verbosity"] >= 1 and sys.stdout.isatty() and self._done:
            self.stdout.write("")
