"""The one base class of every remote backend.

It keeps Django's split between public and private methods: the public Storage API lives here
once (name cleaning, the overwrite policy, error translation, time zones, pickling, lazy clients)
and a backend fills narrow private hooks that receive a clean *key* (the name joined under the
backend's location):

==========================  =====================================================
hook                        contract
==========================  =====================================================
``_create_client()``        return a new SDK client (called lazily, per thread)
``_open_stream(key, off)``  return a :class:`~storages.files.ReadStream` at ``off``
``_open_writer(key, ...)``  return a :class:`~storages.files.Writer` (default: spool
                            then ``_upload``)
``_upload(key, f, size,     store the whole content of ``f`` under ``key``
content_type)``
``_delete(key)``            delete; a missing key is not an error
``_exists(key)``            whether a file (or directory) exists
``_size(key)``              size in bytes
``_listdir(prefix)``        ``(dirs, files)`` directly under ``prefix``
``_url(key, **kwargs)``     URL of the file
``_modified_time(key)``     aware datetime (likewise created/accessed)
==========================  =====================================================
"""

from __future__ import annotations

import contextlib
import dataclasses
import mimetypes
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from types import FunctionType
from typing import IO, Any, ClassVar, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.utils import timezone as dj_timezone

from storages import paths
from storages.errors import LOG_REDACTION, ErrorTranslator
from storages.features import Feature
from storages.files import DEFAULT_CHUNK_SIZE, RemoteFile, SpooledWriter, Writer
from storages.options import BaseOptions, resolve, secret_keywords
from storages.sync import Entry, SyncIndex

__all__ = ["BaseStorage", "ClientCache", "available_name", "localize_time"]

O = TypeVar("O", bound=BaseOptions)  # noqa: E741
C = TypeVar("C")


def localize_time(value: datetime) -> datetime:
    """Return *value* as Django expects it: aware UTC with ``USE_TZ``, else naive local time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    if settings.USE_TZ:
        return value.astimezone(timezone.utc)
    return dj_timezone.make_naive(value, dj_timezone.get_default_timezone())


def available_name(storage: Storage, name: str, max_length: int | None, *, overwrite: bool) -> str:
    """Return a name for a new file: the policy shared by every backend of this package.

    With *overwrite* the (cleaned) name itself is returned, truncated like Django truncates
    alternatives when it is longer than *max_length*; otherwise Django's own rule applies
    (a random suffix until the name is free).
    """
    name = paths.clean_name(name)
    if not overwrite:
        return Storage.get_available_name(storage, name, max_length)
    if max_length is None or len(name) <= max_length:
        return name
    directory, _, filename = name.rpartition("/")
    stem, dot, extension = filename.rpartition(".")
    if not dot or not stem:
        stem, extension = filename, ""
    suffix = f".{extension}" if extension else ""
    keep = max_length - len(name) + len(stem)
    if keep <= 0:
        raise SuspiciousFileOperation(
            f'Storage can not find an available filename for "{name}". Please make sure '
            'that the corresponding file field allows sufficient "max_length".'
        )
    return f"{directory}/{stem[:keep]}{suffix}" if directory else f"{stem[:keep]}{suffix}"


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


class BaseStorage(Storage, Generic[O]):
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
    #: from their records (see :class:`storages.errors.SecretLogFilter`).
    secret_loggers: ClassVar[tuple[str, ...]] = ("urllib3.connectionpool",)
    #: Bytes per read from the backend and per buffered write.
    chunk_size: int = DEFAULT_CHUNK_SIZE
    #: Encoding of text-mode files and of ``str`` content.
    text_encoding: str = "utf-8"
    #: The listing answering calls while :meth:`synchronizing`, else None.
    _sync: SyncIndex | None = None

    options: O

    def __init__(self, **options: Any) -> None:
        self._constructor_args: tuple[tuple[Any, ...], dict[str, Any]] = ((), dict(options))
        self.options = resolve(  # type: ignore[assignment]
            self.options_class, type(self), options, stop=BaseStorage
        )
        self._mirror_options(vars(self.options))
        self._clients: ClientCache[Any] = ClientCache(
            self._checked_client, per_thread=self.client_per_thread, closer=self._close_client
        )
        LOG_REDACTION.watch(self, self.secret_loggers)

    def _mirror_options(self, values: dict[str, Any]) -> None:
        # Mirror each option as an attribute, as django-storages 1.x storages had them.
        for name, value in values.items():
            if not isinstance(getattr(type(self), name, None), (property, FunctionType)):
                setattr(self, name, value)

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

    def _secret_values(self) -> Sequence[str]:
        # Computed once: every call into the backend passes them to the error translator.
        cached: tuple[str, ...] | None = self.__dict__.get("_secret_cache")
        if cached is None:
            cached = tuple(secret for secret in self._secrets() if secret and len(secret) >= 3)
            self.__dict__["_secret_cache"] = cached
        return cached

    # -- clients ----------------------------------------------------------------------------
    def _checked_client(self) -> Any:
        # Required options are checked on first use, not in __init__: migrations rebuild
        # storages without their settings' secrets.
        self.options.check_required(type(self).__name__)
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

    # -- pickling and migrations ------------------------------------------------------------
    def explicit_secrets(self) -> list[str]:
        """Return the constructor keywords (``OPTIONS`` keys) that gave this storage a secret."""
        keywords = set().union(*secret_keywords(self.options_class).values())
        return sorted(keywords.intersection(self._constructor_args[1]))

    def _configured_secrets(self) -> list[str]:
        """Return the secret options not given to the constructor (settings, env, class)."""
        given = set(self._constructor_args[1])
        return [
            name
            for name, keywords in secret_keywords(self.options_class).items()
            if not keywords & given
        ]

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_clients", None)
        state.pop("_sync", None)
        state.pop("_secret_cache", None)
        # A secret from a setting or the environment is read again where the copy is loaded,
        # never copied into the pickle (one given to the constructor is in its arguments).
        configured = self._configured_secrets()
        if configured:
            state["options"] = dataclasses.replace(self.options, **dict.fromkeys(configured))
            for name in configured:
                if state.get(name) is getattr(self.options, name):
                    del state[name]
            state["_configured_secrets"] = configured
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        configured = state.pop("_configured_secrets", ())
        self.__dict__.update(state)
        if configured:
            fresh = resolve(
                self.options_class, type(self), self._constructor_args[1], stop=BaseStorage
            )
            values = {name: getattr(fresh, name) for name in configured}
            self.options = dataclasses.replace(self.options, **values)
            self._mirror_options(values)
        self._clients = ClientCache(
            self._checked_client, per_thread=self.client_per_thread, closer=self._close_client
        )
        LOG_REDACTION.watch(self, self.secret_loggers)

    def deconstruct(self) -> tuple[str, Sequence[Any], dict[str, Any]]:
        """Return what migrations record of this storage, never its secrets."""
        args, kwargs = self._constructor_args
        path = f"{type(self).__module__}.{type(self).__qualname__}"
        secret = set(self.explicit_secrets())
        return path, args, {k: v for k, v in kwargs.items() if k not in secret}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.options!r}>"

    # -- plumbing ---------------------------------------------------------------------------
    def _key(self, name: str) -> str:
        """Return the backend key of a storage *name* (cleaned, under the location)."""
        return paths.safe_join(self.location_prefix, name)

    def _call(self, name: str | None, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call a backend hook, translating its errors for the file *name*."""
        with self.errors(name, self._secret_values(), self.error_context()):
            return func(*args, **kwargs)

    def _backend_url(self, key: str, **kwargs: Any) -> str:
        # Django's HashedFilesMixin has a private _url() of its own: in a storage that mixes it
        # in (the manifest static storages) the backend's hook is found past it in the MRO.
        for klass in type(self).__mro__:
            if issubclass(klass, BaseStorage) and "_url" in vars(klass):
                return str(vars(klass)["_url"](self, key, **kwargs))
        raise NotImplementedError  # pragma: no cover - BaseStorage defines _url

    def _content_type(self, name: str, content: File | None) -> str | None:
        """Return the content type to store: the upload's own, else guessed from the name."""
        declared = getattr(content, "content_type", None)
        return declared if isinstance(declared, str) else mimetypes.guess_type(name)[0]

    def _require(self, feature: Feature, what: str) -> None:
        if feature not in self.features:
            raise NotImplementedError(f"{type(self).__name__} does not support {what}")

    # -- the public Storage API -------------------------------------------------------------
    def _open(self, name: str, mode: str = "rb") -> File:
        if self._sync is not None and mode in ("r", "rb"):
            local = self._sync.local_source(paths.clean_name(name))
            if isinstance(local, bytes):
                return ContentFile(local if "b" in mode else local.decode(), name=name)
            if local is not None:
                return File(open(local, mode), name=name)
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
            return paths.clean_name(name)

    def _write_content(self, name: str, content: File) -> None:
        if self._sync is not None:
            self._sync_content(paths.clean_name(name), content)
            return
        self._upload_content(name, content)

    def _sync_content(self, name: str, content: File) -> None:
        """Upload *content* unless the listing shows it is stored already."""
        assert self._sync is not None
        digest, size = self._local_digest(content)
        if not self._sync.unchanged_content(name, size, digest):
            self._upload_content(name, content)
            self._sync.record_upload(name, size, digest)
        self._sync.remember_source(name, content, size)

    def _local_digest(self, content: File) -> tuple[str | None, int]:
        content.seek(0)
        chunks = (
            chunk.encode(self.text_encoding) if isinstance(chunk, str) else chunk
            for chunk in content.chunks(self.chunk_size)
        )
        digest, size = self.content_digest(chunks)
        content.seek(0)
        return digest, size

    def _upload_content(self, name: str, content: File) -> None:
        key = self._key(name)
        content_type = self._content_type(name, content)
        writer = self._call(name, self._open_writer, key, name, content_type)
        try:
            if hasattr(content, "seek") and getattr(content, "seekable", lambda: True)():
                content.seek(0)
            for chunk in content.chunks(self.chunk_size):
                data = chunk.encode(self.text_encoding) if isinstance(chunk, str) else chunk
                self._call(name, writer.write, data)
        except BaseException:
            writer.abort()
            raise
        self._call(name, writer.commit)

    def delete(self, name: str) -> None:
        """Delete the file *name*; deleting a missing file is not an error."""
        if not name:
            raise ValueError("The name must be given to delete().")
        if self._sync is not None and self._sync.defer_delete(paths.clean_name(name)):
            return
        self._call(name, self._delete, self._key(name))

    def exists(self, name: str) -> bool:
        """Return whether a file (or, where the backend has them, a directory) exists."""
        clean = paths.clean_name(name)
        if not clean:
            return True  # the root of a storage always exists (Django's collectstatic asks)
        if self._sync is not None:
            return self._sync.exists(clean)
        return bool(self._call(name, self._exists, self._key(name)))

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        """Return ``(directories, files)`` directly under *path*."""
        self._require(Feature.LISTDIR, "listdir()")
        if self._sync is not None:
            return self._sync.listdir(paths.clean_name(path))
        prefix = self._key(path)
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        dirs, files = self._call(path, self._listdir, prefix)
        return sorted(dirs), sorted(files)

    def size(self, name: str) -> int:
        """Return the size of *name* in bytes."""
        entry = self._sync.get(paths.clean_name(name)) if self._sync is not None else None
        if entry is not None:
            return entry.size
        return int(self._call(name, self._size, self._key(name)))

    def url(self, name: str | None, **kwargs: Any) -> str:
        """Return the URL of *name* (keyword arguments are backend specific)."""
        self._require(Feature.URL, "url()")
        clean = paths.clean_name(name or "")
        return str(self._call(clean, self._backend_url, self._key(clean), **kwargs))

    def get_modified_time(self, name: str) -> datetime:
        """Return the last modification time of *name* (aware if ``USE_TZ``)."""
        self._require(Feature.MODIFIED_TIME, "get_modified_time()")
        entry = self._sync.get(paths.clean_name(name)) if self._sync is not None else None
        if entry is not None and entry.modified is not None:
            return localize_time(entry.modified)
        return localize_time(self._call(name, self._modified_time, self._key(name)))

    def get_created_time(self, name: str) -> datetime:
        """Return the creation time of *name* (aware if ``USE_TZ``)."""
        self._require(Feature.CREATED_TIME, "get_created_time()")
        return localize_time(self._call(name, self._created_time, self._key(name)))

    def get_accessed_time(self, name: str) -> datetime:
        """Return the last access time of *name* (aware if ``USE_TZ``)."""
        self._require(Feature.ACCESSED_TIME, "get_accessed_time()")
        return localize_time(self._call(name, self._accessed_time, self._key(name)))

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        """Return *name* itself when this storage overwrites, else a free variant of it."""
        return available_name(self, name, max_length, overwrite=self.overwrites_files)

    # -- listing and synchronising ------------------------------------------------------------
    def listing(self, path: str = "") -> Iterator[Entry]:
        """Yield every file under *path* (recursively) with its size and digest."""
        prefix = self._key(path)
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        location = self.location_prefix
        with self.errors(path, self._secret_values(), self.error_context()):
            for key, size, digest, modified in self._iter_entries(prefix):
                yield Entry(paths.split_key(location, key), size, digest, modified)

    def content_digest(self, chunks: Iterable[bytes]) -> tuple[str | None, int]:
        """Return the digest a listing would show for content made of *chunks*, and its size.

        The default (None) never matches, so synchronising uploads everything: backends whose
        listings carry a content digest override this.
        """
        return None, sum(len(chunk) for chunk in chunks)

    @contextmanager
    def synchronizing(self, path: str = "") -> Iterator[SyncIndex]:
        """Answer from one listing of *path* inside the block (see :mod:`storages.sync`).

        Deletes are carried out when the block ends without an error.
        """
        self._sync = SyncIndex(self.listing(path))
        try:
            yield self._sync
        except BaseException:
            self._sync = None
            raise
        index, self._sync = self._sync, None
        for name in index.take_pending_deletes():
            self.delete(name)

    # -- hooks ------------------------------------------------------------------------------
    def _open_stream(self, key: str, offset: int) -> Any:
        raise NotImplementedError

    def _open_writer(self, key: str, name: str, content_type: str | None) -> Writer:
        def upload(fileobj: IO[bytes], size: int) -> None:
            self._upload(key, fileobj, size, content_type)

        return SpooledWriter(upload, self.spool_limit)

    def _upload(self, key: str, fileobj: IO[bytes], size: int, content_type: str | None) -> None:
        raise NotImplementedError

    def _delete(self, key: str) -> None:
        raise NotImplementedError

    def _exists(self, key: str) -> bool:
        raise NotImplementedError

    def _size(self, key: str) -> int:
        raise NotImplementedError

    def _listdir(self, prefix: str) -> tuple[list[str], list[str]]:
        raise NotImplementedError

    def _url(self, key: str, **kwargs: Any) -> str:
        raise NotImplementedError

    def _modified_time(self, key: str) -> datetime:
        raise NotImplementedError

    def _created_time(self, key: str) -> datetime:
        raise NotImplementedError

    def _accessed_time(self, key: str) -> datetime:
        raise NotImplementedError

    def _iter_entries(self, prefix: str) -> Iterable[tuple[str, int, str | None, datetime | None]]:
        """Yield ``(key, size, digest, modified)`` of every file under *prefix*, recursively.

        The default walks ``_listdir()`` and asks each file's size: override it with one listing.
        """
        dirs, files = self._listdir(prefix)
        for name in files:
            yield prefix + name, self._size(prefix + name), None, None
        for directory in dirs:
            yield from self._iter_entries(f"{prefix}{directory}/")
