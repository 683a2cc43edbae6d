"""The one base class of every remote backend.

It keeps Django's split between public and private methods: the public Storage API lives here
once (name cleaning, the overwrite policy, error translation, time zones, pickling, lazy clients)
and a backend fills narrow private hooks that receive a clean *key* (the name joined under the
backend's location). ``docs/architecture.md`` shows how a call flows through them.

==============================  =================================================================
hook                            contract
==============================  =================================================================
``_create_client()``            return a new SDK client (called lazily, per thread)
``_stat(key)``                  the :class:`~storages.entries.Entry` of ``key`` from one request,
                                or None when nothing is stored there; ``exists()``, ``size()``
                                and the ``get_*_time()`` methods derive from it
``_open_stream(key, offset)``   return a :class:`~storages.files.ReadStream` at ``offset``
``_open_writer(key, name,       return a :class:`~storages.files.Writer` (default: spool, then
content_type)``                 ``_upload``)
``_upload(key, f, size,         store the whole content of ``f`` under ``key``
content_type)``
``_delete(key)``                delete; a missing key is not an error
``_listdir(prefix)``            ``(dirs, files)`` directly under ``prefix``
``_object_url(key, **kwargs)``  URL of the file
``_exists(key)``                optional: a cheaper existence check than ``_stat``
``_size_stat(key)``             optional: a cheaper ``_stat`` whose entry needs its size only
``_iter_entries(prefix)``       optional: every file under ``prefix`` from one listing
``_start()``                    optional: set up run-time state (clients, locks), called at
                                construction and after unpickling
==============================  =================================================================
"""

from __future__ import annotations

import dataclasses
import errno
import mimetypes
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import IO, Any, ClassVar, TypeVar

from django.core.files.base import File
from django.core.files.storage import Storage

from storages import paths, rebuild, secrets
from storages.clients import ClientCache
from storages.entries import Entry, localize_time
from storages.errors import ErrorTranslator, StorageNotFoundError
from storages.features import Feature
from storages.files import (
    DEFAULT_CHUNK_SIZE,
    GuardedStream,
    GuardedWriter,
    ReadStream,
    RemoteFile,
    SpooledWriter,
    Writer,
)
from storages.options import BaseOptions
from storages.subclassing import OptionAttributes
from storages.sync import SyncIndex, keep_what_the_view_learned, synchronizing_view

__all__ = ["BaseStorage"]

O = TypeVar("O", bound=BaseOptions)  # noqa: E741


class BaseStorage(OptionAttributes[O], rebuild.Rebuildable, Storage):
    """Base class of this package's remote backends (see the module docs for the hooks)."""

    #: The options dataclass of the backend.
    options_class: ClassVar[type[BaseOptions]] = BaseOptions
    #: The capabilities the backend declares.
    features: ClassVar[Feature] = Feature.NONE
    #: How vendor errors become :mod:`storages.errors` classes.
    errors: ClassVar[ErrorTranslator] = ErrorTranslator()
    #: Whether each thread gets its own client (for SDKs that are not thread-safe).
    client_per_thread: ClassVar[bool] = True
    #: The class ``open()`` returns.
    file_class: ClassVar[type[RemoteFile]] = RemoteFile
    #: Loggers of the SDK that print credentials at DEBUG: this storage's secrets are redacted
    #: from their records (see :class:`storages.secrets.SecretLogFilter`).
    secret_loggers: ClassVar[tuple[str, ...]] = ("urllib3.connectionpool",)
    #: Bytes per read from the backend and per buffered write.
    chunk_size: int = DEFAULT_CHUNK_SIZE
    #: Encoding of text-mode files and of ``str`` content.
    text_encoding: str = "utf-8"

    def __init__(
        self, *, alias: str | None = None, needs_secrets: Sequence[str] = (), **options: Any
    ) -> None:
        if alias is not None:
            options = {**rebuild.options_of_alias(alias, type(self).__name__), **options}
        self._alias = alias
        self._needs_secrets = tuple(needs_secrets)
        self._constructor_args: tuple[tuple[Any, ...], dict[str, Any]] = ((), dict(options))
        self._resolve_options(options)
        self._start()

    def _options_changed(self) -> None:
        self.close()
        self._start()

    def _start(self) -> None:
        """Set up what a storage holds at run time and never pickles (its clients, its
        secrets); called after ``__init__`` resolved the options and again after unpickling.
        A backend with run-time state of its own extends it."""
        self._clients: ClientCache[Any] = ClientCache(
            self._checked_client, per_thread=self.client_per_thread, closer=self._close_client
        )
        self._secret_set = secrets.StorageSecrets(self._secrets, self._live_secrets)
        secrets.LOG_REDACTION.watch(self._secret_set, self.secret_loggers)

    # -- configuration ----------------------------------------------------------------------
    @property
    def location_prefix(self) -> str:
        """Return the cleaned location (key prefix) of this storage, ``''`` for none."""
        return paths.clean_location(getattr(self.options, "location", "") or "")

    @property
    def overwrites_files(self) -> bool:
        """Return whether saving under an existing name replaces the file."""
        return bool(getattr(self.options, "file_overwrite", False))

    @property
    def spool_limit(self) -> int:
        """Return how many bytes a write may hold in memory before spooling to disk."""
        return int(getattr(self.options, "max_memory_size", 0) or 10 * 1024 * 1024)

    def error_context(self) -> str | None:
        """Return what errors should say they were talking to (None: the backend's name)."""
        return None

    def _secrets(self) -> Sequence[str]:
        """Return the values to redact from error messages (override to narrow or add)."""
        return self.options.secret_values()

    def _live_secrets(self) -> Sequence[str]:
        """Return secrets that appear while the storage works (an access token its SDK obtained
        and renews): redacted from SDK logs, never cached. Must not log or block."""
        return ()

    # -- clients ----------------------------------------------------------------------------
    def _checked_client(self) -> Any:
        # Required options are checked on first use, not in __init__: migrations rebuild
        # storages without their settings' secrets.
        self.options.check_required(type(self).__name__)
        rebuild.check_needed_secrets(self.options, self._needs_secrets, type(self).__name__)
        return self._create_client()

    def _create_client(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not use a client")

    @property
    def client(self) -> Any:
        """Return the SDK client of this thread, creating it on first use."""
        return self._clients.get()

    def _close_client(self, client: Any) -> None:
        close = getattr(client, "close", None)
        if callable(close):
            close()

    def check_reachable(self) -> None:
        """Check that the backend is reachable with this configuration; raise OSError if not.

        Backends override :meth:`_check_reachable` (the default does nothing); ``check
        --deploy`` calls it.
        """
        self._call(None, self._check_reachable)

    def _check_reachable(self) -> None:
        return None

    def security_warnings(self) -> list[tuple[str, str]]:
        """Return ``(check id, message)`` for risky settings; ``check --deploy`` reports them."""
        return []

    def close(self) -> None:
        """Close every client this storage opened; later calls open new ones."""
        for client in self._clients.drain():
            self._close_client(client)

    def __enter__(self) -> BaseStorage[O]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- pickling and migrations (the rest in rebuild.Rebuildable) ---------------------------
    def __setstate__(self, state: dict[str, Any]) -> None:
        rebuild.restore_state(self, state, stop=BaseStorage)
        self._start()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.options!r}>"

    # -- plumbing ---------------------------------------------------------------------------
    def _key(self, name: str) -> str:
        """Return the backend key of a storage *name* (cleaned, under the location)."""
        return self._normalize_name(self._clean(name))

    def _clean(self, name: str) -> str:
        """Return the clean storage name of what a caller passed.

        As in django-storages 1.x, a storage without a location takes ``/a.txt`` for ``a.txt``
        (its root is the only place the name can mean); under a location, such a name is an
        absolute path outside it, refused.
        """
        if not self.location_prefix and isinstance(name, str) and name.startswith("/"):
            name = name.lstrip("/")
        return paths.clean_name(name)

    def _normalize_name(self, name: str) -> str:
        """Return the key of the clean *name*: joined under the location, never outside it.

        django-storages 1.x's hook of the same name: a subclass may override it to decide keys.
        """
        return paths.safe_join(self.location_prefix, name)

    def _guard(self, name: str | None) -> AbstractContextManager[None]:
        """Return a context that translates the backend's errors for the file *name*."""
        # Option secrets are computed before the first call reaches the SDK (the log filter
        # redacts only computed ones); live ones and the context are asked if an error occurs.
        self._secret_set.values()
        return self.errors(name, self._secret_set.all, self.error_context)

    def _call(self, name: str | None, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call a backend hook, translating its errors for the file *name*."""
        with self._guard(name):
            return func(*args, **kwargs)

    def _content_type(self, name: str, content: File | None) -> str | None:
        """Return the content type to store: the upload's own, else guessed from the name."""
        # A File wrapping an upload (1.x read ``content.file.content_type``) counts too.
        declared = getattr(content, "content_type", None) or getattr(
            getattr(content, "file", None), "content_type", None
        )
        return declared if isinstance(declared, str) else mimetypes.guess_type(name)[0]

    def _require(self, feature: Feature, what: str) -> None:
        if feature not in self.features:
            raise NotImplementedError(f"{type(self).__name__} does not support {what}")

    # -- streams (what RemoteFile talks to: storages.files.FileBackend) -----------------------
    def open_read_stream(self, name: str, offset: int = 0) -> ReadStream:
        """Return a byte stream of the file *name* from *offset* (errors already translated)."""
        stream = self._call(name, self._open_stream, self._key(name), offset)
        return GuardedStream(stream, lambda: self._guard(name))

    def open_write_stream(self, name: str, content: File | None = None) -> Writer:
        """Return a :class:`~storages.files.Writer` that replaces the file *name* on commit."""
        content_type = self._content_type(name, content)
        writer = self._call(name, self._open_writer, self._key(name), name, content_type)
        return GuardedWriter(writer, lambda: self._guard(name))

    # -- the public Storage API -------------------------------------------------------------
    def _open(self, name: str, mode: str = "rb") -> File:
        return self.file_class(self, name, mode)

    def _save(self, name: str, content: File) -> str:
        while True:
            try:
                self._write_content(name, content)
            except FileExistsError:
                # A backend that creates files exclusively (when not overwriting) refused: the
                # name was taken since get_available_name(). Pick another, as Django does.
                if self.overwrites_files:
                    raise
                name = self.get_available_name(name)
                continue
            return self._clean(name)

    def _write_content(self, name: str, content: File) -> None:
        """Stream *content* to the file *name*, chunk by chunk; the old content stays on error."""
        writer = self.open_write_stream(name, content)
        try:
            if hasattr(content, "seek") and getattr(content, "seekable", lambda: True)():
                content.seek(0)
            for chunk in content.chunks(self.chunk_size):
                writer.write(chunk.encode(self.text_encoding) if isinstance(chunk, str) else chunk)
        except BaseException:
            writer.abort()
            raise
        writer.commit()

    def delete(self, name: str) -> None:
        """Delete the file *name*; deleting a missing file is not an error."""
        if not name:
            raise ValueError("The name must be given to delete().")
        self._call(name, self._delete, self._key(name))

    def exists(self, name: str) -> bool:
        """Return whether a file (or, where the backend has them, a directory) exists."""
        if not self._clean(name):
            return True  # the root of a storage always exists (Django's collectstatic asks)
        return bool(self._call(name, self._exists, self._key(name)))

    def stat(self, name: str) -> Entry:
        """Return what the backend knows of the file *name* (size, times, digest, content type)
        from one request; raise :class:`FileNotFoundError` when it does not exist."""
        return self._found(name, self._call(name, self._stat, self._key(name)))

    def _found(self, name: str, entry: Entry | None) -> Entry:
        if entry is None:
            backend = self.error_context() or self.errors.backend
            raise StorageNotFoundError(errno.ENOENT, f"{backend}: no such file", name)
        return dataclasses.replace(entry, name=self._clean(name))

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        """Return ``(directories, files)`` directly under *path*."""
        self._require(Feature.LISTDIR, "listdir()")
        prefix = self._key(path)
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        dirs, files = self._call(path, self._listdir, prefix)
        return sorted(dirs), sorted(files)

    def size(self, name: str) -> int:
        """Return the size of *name* in bytes (the ``_size_stat`` hook: ``_stat`` or lighter)."""
        found = self._found(name, self._call(name, self._size_stat, self._key(name)))
        return self._file_entry(name, found).size

    def url(self, name: str | None, **kwargs: Any) -> str:
        """Return the URL of *name* (keyword arguments are backend specific)."""
        self._require(Feature.URL, "url()")
        clean = self._clean(name or "")
        return str(self._call(clean, self._object_url, self._normalize_name(clean), **kwargs))

    def get_modified_time(self, name: str) -> datetime:
        """Return the last modification time of *name* (aware if ``USE_TZ``)."""
        self._require(Feature.MODIFIED_TIME, "get_modified_time()")
        return self._time(name, self._file_stat(name).modified, "modification")

    def get_created_time(self, name: str) -> datetime:
        """Return the creation time of *name* (aware if ``USE_TZ``)."""
        self._require(Feature.CREATED_TIME, "get_created_time()")
        return self._time(name, self._file_stat(name).created, "creation")

    def get_accessed_time(self, name: str) -> datetime:
        """Return the last access time of *name* (aware if ``USE_TZ``)."""
        self._require(Feature.ACCESSED_TIME, "get_accessed_time()")
        return self._time(name, self._file_stat(name).accessed, "access")

    def _file_stat(self, name: str) -> Entry:
        return self._file_entry(name, self.stat(name))

    def _file_entry(self, name: str, entry: Entry) -> Entry:
        if entry.is_dir:
            raise IsADirectoryError(errno.EISDIR, "a directory has no size or times", name)
        return entry

    def _time(self, name: str, value: datetime | None, what: str) -> datetime:
        if value is None:
            raise NotImplementedError(f"{type(self).__name__} has no {what} time for {name!r}")
        return localize_time(value)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        """Return *name* itself when this storage overwrites, else a free variant of it."""
        return paths.available_name(self, name, max_length, overwrite=self.overwrites_files)

    # -- listing and synchronising ------------------------------------------------------------
    def listing(self, path: str = "") -> Iterator[Entry]:
        """Yield every file under *path* (recursively) with its size and digest."""
        prefix = self._key(path)
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        location = self.location_prefix
        with self._guard(path):
            for entry in self._iter_entries(prefix):
                yield dataclasses.replace(entry, name=paths.split_key(location, entry.name))

    def content_digest(self, chunks: Iterable[bytes]) -> tuple[str | None, int]:
        """Return the digest a listing would show for content made of *chunks*, and its size.

        The default (None) never matches, so synchronising uploads everything: backends whose
        listings carry a content digest override this.
        """
        return None, sum(len(chunk) for chunk in chunks)

    @contextmanager
    def synchronizing(
        self, path: str = "", *, list_in_background: bool = False
    ) -> Iterator[BaseStorage[O]]:
        """Yield a view of this storage that answers from one listing of *path*.

        The view (see :mod:`storages.sync`) skips saves of content already stored and defers
        deletes, carried out when the block ends without an error. This storage itself is
        untouched: other threads using it meanwhile see the backend as it is. With
        *list_in_background* the listing is read by a thread while the block starts.
        """
        index = SyncIndex(self.listing(path), background=list_in_background)
        view = synchronizing_view(self, index)
        yield view
        for name in index.take_pending_deletes():
            self.delete(name)
        keep_what_the_view_learned(view, self)

    # -- hooks ------------------------------------------------------------------------------
    def _stat(self, key: str) -> Entry | None:
        raise NotImplementedError

    def _exists(self, key: str) -> bool:
        return self._stat(key) is not None

    def _size_stat(self, key: str) -> Entry | None:
        return self._stat(key)

    def _open_stream(self, key: str, offset: int) -> ReadStream:
        raise NotImplementedError

    def _open_writer(self, key: str, name: str, content_type: str | None) -> Writer:
        def upload(fileobj: IO[bytes], size: int) -> None:
            self._upload(key, fileobj, size, content_type)

        return SpooledWriter(upload, self.spool_limit)

    def _upload(self, key: str, fileobj: IO[bytes], size: int, content_type: str | None) -> None:
        raise NotImplementedError

    def _delete(self, key: str) -> None:
        raise NotImplementedError

    def _listdir(self, prefix: str) -> tuple[list[str], list[str]]:
        raise NotImplementedError

    def _object_url(self, key: str, **kwargs: Any) -> str:
        raise NotImplementedError

    def _iter_entries(self, prefix: str) -> Iterable[Entry]:
        """Yield the :class:`Entry` (named by key) of every file under *prefix*, recursively.

        The default walks ``_listdir()`` and stats each file: override it with one listing.
        """
        dirs, files = self._listdir(prefix)
        for name in files:
            entry = self._stat(prefix + name)
            if entry is not None:
                yield dataclasses.replace(entry, name=prefix + name)
        for directory in dirs:
            yield from self._iter_entries(f"{prefix}{directory}/")
