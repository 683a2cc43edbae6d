"""Synchronising a storage with local content: list once, skip what is already there.

:meth:`storages.base.BaseStorage.synchronizing` yields a *view* of a storage: a second object,
sharing the storage's configuration and clients, that answers ``exists()``, ``size()``,
``listdir()`` and modified times from one listing made at the start, skips a save whose content
is already stored (compared by content digest, never by modification time), defers deletes until
the end (a file deleted and then saved again unchanged is neither deleted nor uploaded), and
reads back what it was given locally instead of downloading it. ``collectstatic`` uses this.
The storage itself never changes behaviour: another thread using it meanwhile is unaffected.

A manifest storage's view (``ManifestFilesMixin``) post-processes as :mod:`storages.manifest`
says: saves of small or local files uploaded in the background (:mod:`storages.background`),
the manifest written last, and nothing done when no input changed.
"""

from __future__ import annotations

import collections
import os
import threading
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeVar

from django.core.files.base import ContentFile, File

from storages.background import DEFAULT_WORKERS, BackgroundUploads
from storages.entries import Entry, localize_time
from storages.manifest import ManifestView
from storages.paths import clean_name, split_level

__all__ = [
    "SyncIndex",
    "SynchronizingStorage",
    "keep_what_the_view_learned",
    "synchronizing_view",
]

S = TypeVar("S")

#: Content up to this size is kept in memory to be read back without a download.
KEEP_IN_MEMORY = 1024 * 1024


class SyncIndex:
    """What a storage holds (listed once) and what the synchronisation did to it.

    With *background*, the listing is read by a thread of its own from the start: the caller
    can work on its side (``collectstatic`` reads and digests the local files) while the service
    answers. Every question about what is stored waits for the whole listing, and raises what it
    raised. (A backend with a client per thread opens one more for that thread.)
    """

    def __init__(self, entries: Iterable[Entry], background: bool = False) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, Entry] = {}
        self.pending_deletes: set[str] = set()
        self.uploaded: set[str] = set()
        self.unchanged: set[str] = set()
        #: The uploads going on in the background (while post-processing), and how many at once.
        self.background: BackgroundUploads | None = None
        self.workers = DEFAULT_WORKERS
        self._local: dict[str, str | bytes] = {}
        # Live files under each directory, so exists("dir") is a lookup, not a scan.
        self._live_dirs: collections.Counter[str] = collections.Counter()
        self._failure: BaseException | None = None
        self._loader = threading.Thread(
            target=self._load, args=(entries,), name="storages-listing", daemon=True
        )
        if background:
            self._loader.start()
            return
        self._load(entries)
        if self._failure is not None:
            raise self._failure

    def _load(self, entries: Iterable[Entry]) -> None:
        try:
            self._entries = {entry.name: entry for entry in entries}
        except BaseException as exc:  # raised to whoever asks next
            self._failure = exc
            return
        for name in self._entries:
            self._count(name, 1)

    def ready(self) -> bool:
        """Return whether the listing is read (questions then answer at once)."""
        return not self._loader.is_alive()

    @property
    def entries(self) -> dict[str, Entry]:
        """The stored files by name, once listed."""
        if self._loader.is_alive():
            self._loader.join()
        if self._failure is not None:
            raise self._failure
        return self._entries

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

    def remember_path(self, name: str, path: str) -> None:
        """Remember that the content of *name* is the local file *path*."""
        with self._lock:
            self._local[name] = path

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


class SynchronizingStorage:
    """The behaviour of a synchronising view, put in front of the storage's own class.

    A view is a second object sharing the storage's configuration and clients (see
    :func:`synchronizing_view`); the storage itself keeps answering from the backend.
    """

    sync_index: SyncIndex

    def _open(self, name: str, mode: str = "rb") -> File:
        if mode in ("r", "rb"):
            local = self.sync_index.local_source(clean_name(name))
            if isinstance(local, bytes):
                return ContentFile(local if "b" in mode else local.decode(), name=name)
            if local is not None:
                return File(open(local, mode), name=name)
        return super()._open(name, mode)  # type: ignore[misc, no-any-return]

    def digest_of(self, content: File) -> tuple[str | None, int]:
        """Return the digest and size the listing would show for *content*."""
        content.seek(0)
        encoding = self.text_encoding  # type: ignore[attr-defined]
        chunks = (
            chunk.encode(encoding) if isinstance(chunk, str) else chunk
            for chunk in content.chunks(self.chunk_size)  # type: ignore[attr-defined]
        )
        digest, size = self.content_digest(chunks)  # type: ignore[attr-defined]
        content.seek(0)
        return digest, size

    def keep_if_unchanged(self, name: str, content: File) -> bool:
        """Return whether *name* is stored with this content already (then kept as it is): what
        a save would find, without the work of a save. A file of another size is not read."""
        name = clean_name(name)
        entry = self.sync_index.get(name)
        if entry is None or entry.digest is None:
            return False
        size = getattr(content, "size", None)
        if isinstance(size, int) and size != entry.size:
            return False
        digest, size = self.digest_of(content)
        if not self.sync_index.unchanged_content(name, size, digest):
            return False
        self.sync_index.remember_source(name, content, size)
        return True

    def keep_stored(self, name: str, size: int, digest: str | None, source: str) -> bool:
        """Return whether *name* is stored with this size and digest (then kept as it is), for
        content digested earlier from the local file *source*."""
        name = clean_name(name)
        if not self.sync_index.unchanged_content(name, size, digest):
            return False
        self.sync_index.remember_path(name, source)
        return True

    def _write_content(self, name: str, content: File) -> None:
        """Upload *content* unless the listing shows it is stored already."""
        name = clean_name(name)
        digest, size = self.digest_of(content)
        index = self.sync_index
        index.remember_source(name, content, size)
        if index.unchanged_content(name, size, digest):
            return
        upload = super()._write_content  # type: ignore[misc]
        source = index.local_source(name)
        if index.background is None or source is None or _declares_type(content):
            upload(name, content)
            index.record_upload(name, size, digest)
            return
        # The bytes (or the local file) stay readable after the caller closes its content.
        index.record_upload(name, size, digest)
        index.background.submit(name, lambda: _upload_from(upload, name, source))

    def delete(self, name: str) -> None:
        if not self.sync_index.defer_delete(clean_name(name)):
            super().delete(name)  # type: ignore[misc]

    def exists(self, name: str) -> bool:
        return self.sync_index.exists(clean_name(name))

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self.sync_index.listdir(clean_name(path))

    def size(self, name: str) -> int:
        entry = self.sync_index.get(clean_name(name))
        return entry.size if entry is not None else super().size(name)  # type: ignore[misc]

    def get_modified_time(self, name: str) -> datetime:
        entry = self.sync_index.get(clean_name(name))
        if entry is not None and entry.modified is not None:
            return localize_time(entry.modified)
        return super().get_modified_time(name)  # type: ignore[misc, no-any-return]


def _declares_type(content: Any) -> bool:
    """Whether *content* carries its own content type (kept by uploading it as it is)."""
    return bool(getattr(content, "content_type", None))


def _upload_from(upload: Any, name: str, source: str | bytes) -> None:
    """Upload *name* from local *source*: bytes, or the path of a local file."""
    if isinstance(source, bytes):
        upload(name, ContentFile(source, name=name))
        return
    with open(source, "rb") as handle:
        upload(name, File(handle, name=name))


_VIEW_CLASSES: dict[type[Any], type[Any]] = {}
_VIEW_LOCK = threading.Lock()


def synchronizing_view(storage: S, index: SyncIndex) -> S:
    """Return a view of *storage* answering from *index* (its class has the storage's as base).

    The view shares the storage's attributes (options, clients), so a manifest storage's
    post-processing, run on the view, reads back what was synchronised without downloading it.
    """
    cls = type(storage)
    with _VIEW_LOCK:
        view_class = _VIEW_CLASSES.get(cls)
        if view_class is None:
            namespace = {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
            bases: tuple[type[Any], ...] = (SynchronizingStorage, cls)
            if hasattr(cls, "save_manifest") and hasattr(cls, "post_process"):
                bases = (ManifestView, *bases)
            view_class = type(f"Synchronizing{cls.__name__}", bases, namespace)
            _VIEW_CLASSES[cls] = view_class
    view = object.__new__(view_class)
    # What pointed at the storage itself (a manifest storage's ``manifest_storage``) points at
    # the view: its manifest, too, is read and written through the listing.
    view.__dict__.update({k: view if v is storage else v for k, v in vars(storage).items()})
    view.sync_index = index
    return view  # type: ignore[no-any-return]


def keep_what_the_view_learned(view: Any, storage: Any) -> None:
    """Give *storage* the attributes its view set while synchronising (the ``hashed_files`` a
    manifest storage's post-processing found), so that the instance ``collectstatic`` used
    answers ``url()`` as a fresh one reading the manifest would."""
    own = vars(storage)
    for name, value in vars(view).items():
        if name == "sync_index" or value is view:
            continue
        if name not in own or own[name] is not value:
            own[name] = value
