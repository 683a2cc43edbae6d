"""Synchronising a storage with local content: list once, skip what is already there.

Inside :meth:`storages.base.BaseStorage.synchronizing` a storage answers ``exists()``, ``size()``,
``listdir()`` and modified times from one listing made at the start, skips a save whose content
is already stored (compared by content digest, never by modification time), defers deletes until
the end (a file deleted and then saved again unchanged is neither deleted nor uploaded), and
reads back what it was given locally instead of downloading it. ``collectstatic`` uses this.
"""

from __future__ import annotations

import collections
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storages.paths import split_level

__all__ = ["Entry", "SyncIndex"]

#: Content up to this size is kept in memory to be read back without a download.
KEEP_IN_MEMORY = 1024 * 1024


@dataclass(frozen=True)
class Entry:
    """One stored file as a listing shows it."""

    name: str
    size: int
    #: The backend's content digest (S3: the ETag), comparable with ``content_digest()``.
    digest: str | None = None
    modified: datetime | None = None


class SyncIndex:
    """What a storage holds (listed once) and what the synchronisation did to it."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self._lock = threading.Lock()
        self.entries: dict[str, Entry] = {entry.name: entry for entry in entries}
        self.pending_deletes: set[str] = set()
        self.uploaded: set[str] = set()
        self.unchanged: set[str] = set()
        self._local: dict[str, str | bytes] = {}
        # Live files under each directory, so exists("dir") is a lookup, not a scan.
        self._live_dirs: collections.Counter[str] = collections.Counter()
        for name in self.entries:
            self._count(name, 1)

    def _count(self, name: str, step: int) -> None:
        parts = name.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            self._live_dirs["/".join(parts[:depth])] += step

    def get(self, name: str) -> Entry | None:
        """Return the entry of *name* unless it was deleted meanwhile."""
        with self._lock:
            if name in self.pending_deletes:
                return None
            return self.entries.get(name)

    def exists(self, name: str) -> bool:
        """Return whether *name* exists, or is a directory of existing files (or the root)."""
        if not name.strip("/") or self.get(name) is not None:
            return True
        with self._lock:
            return self._live_dirs[name.rstrip("/")] > 0

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        """Return ``(dirs, files)`` directly under *path*, as ``listdir()`` would."""
        prefix = path.strip("/") + "/" if path.strip("/") else ""
        with self._lock:
            keys = [
                key
                for key in self.entries
                if key.startswith(prefix) and key not in self.pending_deletes
            ]
        dirs, files = split_level(prefix, keys)
        return dirs, sorted(files)

    def defer_delete(self, name: str) -> bool:
        """Mark *name* deleted (done at the end); return False if it is not stored."""
        with self._lock:
            if name not in self.entries:
                return False
            if name not in self.pending_deletes:
                self.pending_deletes.add(name)
                self._count(name, -1)
            return True

    def unchanged_content(self, name: str, size: int, digest: str | None) -> bool:
        """Return whether *name* is stored with this size and digest (and keep it if so)."""
        with self._lock:
            entry = self.entries.get(name)
            if digest is None or entry is None or entry.size != size or entry.digest != digest:
                return False
            if name in self.pending_deletes:
                self.pending_deletes.discard(name)
                self._count(name, 1)
            self.unchanged.add(name)
            return True

    def record_upload(self, name: str, size: int, digest: str | None) -> None:
        """Remember that *name* now holds content of this size and digest."""
        with self._lock:
            if name not in self.entries or name in self.pending_deletes:
                self._count(name, 1)
            self.entries[name] = Entry(name, size, digest)
            self.pending_deletes.discard(name)
            self.uploaded.add(name)
            self.unchanged.discard(name)

    def remember_source(self, name: str, content: Any, size: int) -> None:
        """Remember where the content of *name* can be read locally."""
        path = getattr(content, "name", None)
        source: str | bytes | None = None
        if isinstance(path, str) and os.path.isabs(path) and os.path.isfile(path):
            source = path
        elif size <= KEEP_IN_MEMORY and hasattr(content, "read"):
            content.seek(0)
            data = content.read()
            source = data.encode() if isinstance(data, str) else bytes(data)
        if source is not None:
            with self._lock:
                self._local[name] = source

    def local_source(self, name: str) -> str | bytes | None:
        """Return the local path or bytes of *name*, if the synchronisation saw them."""
        with self._lock:
            return self._local.get(name)

    def take_pending_deletes(self) -> list[str]:
        """Return the deletes still pending, forgetting them."""
        with self._lock:
            pending = sorted(self.pending_deletes)
            self.pending_deletes.clear()
            for name in pending:
                self.entries.pop(name, None)
        return pending
