"""The FTP storage: files on an FTP or FTPS server, through ftplib.

Each thread keeps its own small pool of logged-in connections (an FTP control connection
carries one transfer at a time, so an open file holds one). A pooled connection is reused as
is when it was used in the last ``idle_check`` seconds, checked with a ``NOOP`` otherwise, and
replaced when it broke; idempotent operations are retried once on a new connection. Reads and
writes stream through the data connection; a save to a name Django found free goes to that name,
other writes to a temporary name renamed over the target. Connections stay in binary mode.
Listings use MLSD where the server offers it and parse ``LIST`` (Unix or Windows format) where
not. Names are UTF-8 where the server announces it, Latin-1 (django-storages 1.x's) elsewhere.

What django-storages 1.x code uses keeps working: the positional constructor,
``FTPStorageFile``, ``_start_connection()`` with ``_connection``, ``disconnect()`` and
``allow_overwrite``. Its location being the URL, the storage has no key prefix: a name that
begins with ``/`` is read under the location (``listdir("/")``), as the base class does.
"""

from __future__ import annotations

import contextlib
import errno
import ftplib
import posixpath
import weakref
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File

from storages import paths
from storages.backends.ftp.connection import (
    FTPConnection,
    FTPPool,
    Location,
    parse_list_line,
    parse_location,
    parse_mdtm,
    parse_mlsd,
    parse_mlst,
)
from storages.backends.ftp.errors import ERRORS, reply_code
from storages.backends.ftp.options import FTPOptions
from storages.backends.ftp.streams import WRITE_BUFFER, FTPReadStream, FTPWriter, read_listing
from storages.base import BaseStorage
from storages.entries import Entry
from storages.errors import StorageError, StorageNameError, StorageNotFoundError
from storages.features import Feature
from storages.files import RemoteFile, Writer
from storages.paths import temporary_name
from storages.retry import RetryPolicy

__all__ = ["FTPStorage", "FTPStorageFile"]

T = TypeVar("T")

#: An operation whose control connection broke is tried once more on a new connection.
RECONNECT = RetryPolicy(attempts=2, first_wait=0.0)
#: A delete answered 550 while the file is still there is tried again: another writer may have
#: saved it since. Still there on the last attempt: the delete is refused.
DELETE_RETRY = RetryPolicy(attempts=3, first_wait=0.0)
#: True while ``save()`` writes a name that ``get_available_name()`` found free (the storage
#: does not overwrite): there is no old file to keep, so the STOR goes to the name itself.
_FREE_NAME: ContextVar[bool] = ContextVar("_FREE_NAME", default=False)
#: Why a name that the server's encoding can't write is not found.
_UNNAMEABLE = "FTP: no such file (the name can't be written in the server's encoding)"


def _broke(exc: BaseException) -> bool:
    """Return whether *exc* means the control connection is gone."""
    if isinstance(exc, ftplib.Error):
        return reply_code(exc) == "421"
    return isinstance(exc, (EOFError, OSError)) and not isinstance(exc, StorageError)


def _missing(exc: BaseException) -> bool:
    """Return whether *exc* is a 550 reply (no such file, or no access to it)."""
    return isinstance(exc, ftplib.error_perm) and reply_code(exc) == "550"


class FTPStorageFile(RemoteFile):
    """A file of an FTP storage, under django-storages 1.x's name: ``open()`` returns one, and
    ``FTPStorageFile(name, storage, mode)`` opens one as in 1.x."""


class FTPStorage(BaseStorage[FTPOptions]):
    """Files in a directory of an FTP (or FTPS) server.

    ``FTPStorage(location, base_url, encoding)``, the positional form of django-storages
    1.x before 1.10, is accepted; a None argument leaves the option to its setting.
    """

    options_class = FTPOptions
    file_class = FTPStorageFile
    features = (
        Feature.URL
        | Feature.MODIFIED_TIME
        | Feature.LISTDIR
        | Feature.DIRECTORIES
        | Feature.ATOMIC_WRITE
    )
    errors = ERRORS
    #: Saves read their content, and files buffer, 1 MiB at a time: one ``sendall`` a chunk.
    chunk_size = WRITE_BUFFER

    def __init__(
        self,
        location: str | None = None,
        base_url: str | None = None,
        encoding: str | None = None,
        **options: Any,
    ) -> None:
        given = {"location": location, "base_url": base_url, "encoding": encoding}
        super().__init__(**{k: v for k, v in given.items() if v is not None}, **options)

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_parsed_location", None)  # it holds the password: parsed again when used
        return state

    @property
    def _location(self) -> Location | None:
        """Return the location URL, parsed (again only when the option has changed)."""
        url = self.options.location
        if not url:
            return None
        parsed: tuple[str, Location] | None = self.__dict__.get("_parsed_location")
        if parsed is None or parsed[0] != url:
            parsed = (url, parse_location(url))
            self.__dict__["_parsed_location"] = parsed
        return parsed[1]

    def security_warnings(self) -> list[tuple[str, str]]:
        """Warn about plain FTP (password and files in clear text) to a host off this machine."""
        location = self._location
        if location is None or location.tls:
            return []
        if location.host in ("localhost", "127.0.0.1", "::1"):
            return []
        return [
            (
                "storages.W104",
                f"FTP to {location.host} without TLS sends the password and every file in clear "
                "text; use an ftps:// location",
            )
        ]

    @property
    def location_prefix(self) -> str:
        """Return ``''``: the location is the server's URL; its path is the root directory."""
        return ""

    def _secrets(self) -> Sequence[str]:
        found = list(super()._secrets())
        if self._location is not None and self._location.password:
            found.append(self._location.password)
        return found

    # -- connections ------------------------------------------------------------------------
    def _create_client(self) -> FTPPool:
        location = self._location
        if location is None:
            raise ImproperlyConfigured(
                "FTPStorage needs a location: set FTP_STORAGE_LOCATION or the 'location' option "
                "(ftp://user:password@host:port/path)"
            )
        first, storage = self.options, weakref.ref(self)  # the pool must not keep it alive

        def connect() -> FTPConnection:
            # The options as they are now: a subclass may define the location as a property.
            current = storage()
            options = current.options if current is not None else first
            return FTPConnection(
                (current._location if current is not None else None) or location,
                encoding=options.encoding,
                timeout=options.timeout,
                passive=options.passive,
                ca_file=options.tls_ca_file,
            )

        pool = FTPPool(connect, first.idle_check)
        # A storage dropped without close() (a pickled copy, a thread's pool) closes its sockets.
        weakref.finalize(self, pool.close, quick=True)
        return pool

    def _close_client(self, client: FTPPool) -> None:
        client.close()

    def _held(self, operation: Callable[[FTPPool, FTPConnection], T]) -> T:
        """Run *operation* on a connection it keeps (a transfer); retry once if it broke."""

        def attempt() -> T:
            pool: FTPPool = self.client
            location = self._location
            connection = pool.acquire(location.server if location is not None else None)
            try:
                return operation(pool, connection)
            except BaseException as exc:
                pool.release(connection, broken=_broke(exc))
                raise

        return RECONNECT.call(attempt, _broke)

    def _run(self, operation: Callable[[FTPConnection], T]) -> T:
        """Run an idempotent command sequence, once more on a new connection if it broke."""

        def run_and_release(pool: FTPPool, connection: FTPConnection) -> T:
            result = operation(connection)
            pool.release(connection)
            return result

        return self._held(run_and_release)

    @property
    def allow_overwrite(self) -> bool:
        """Return ``file_overwrite``, under django-storages 1.x's name (assignable too)."""
        return self.options.file_overwrite

    @allow_overwrite.setter
    def allow_overwrite(self, value: bool) -> None:
        self.file_overwrite = value

    # -- django-storages 1.x's connection -----------------------------------------------------
    def _start_connection(self) -> None:
        """Open this thread's own connection in the location's directory, as 1.x did, or keep
        the one open while it answers: ``self._connection`` is its ``ftplib.FTP``, for 1.x
        subclasses that send commands of their own. ``disconnect()`` or ``close()`` ends it."""
        pool: FTPPool = self.client
        self._call(None, pool.hold, lambda connection: connection.ftp.cwd(self._path("")))

    @property
    def _connection(self) -> ftplib.FTP | None:
        """Return the ``ftplib.FTP`` of :meth:`_start_connection` (None before, as in 1.x)."""
        held = self.client.held
        return held.ftp if held is not None else None

    def disconnect(self) -> None:
        """Close the connection of :meth:`_start_connection` (1.x's method)."""
        self.client.drop_held()

    # -- paths ------------------------------------------------------------------------------
    def _path(self, key: str) -> str:
        key = key.rstrip("/")
        location = self._location
        root = location.root if location is not None else ""
        if not root:
            return key
        return posixpath.join(root, key) if key else root

    # -- hooks ------------------------------------------------------------------------------
    def _open_stream(self, key: str, offset: int) -> FTPReadStream:
        path = self._path(key)

        def open_(pool: FTPPool, connection: FTPConnection) -> FTPReadStream:
            if not connection.can_name(path):
                raise StorageNotFoundError(errno.ENOENT, _UNNAMEABLE, key)
            sock, size = connection.ftp.ntransfercmd(f"RETR {path}", rest=offset or None)
            return FTPReadStream(pool, connection, sock, size if not offset else None)

        return self._held(open_)

    def _open_writer(self, key: str, name: str, content_type: str | None) -> Writer:
        path = self._path(key)

        def open_(pool: FTPPool, connection: FTPConnection) -> FTPWriter:
            if not connection.can_name(path):
                raise StorageNameError(
                    errno.EILSEQ,
                    f"FTP: the name can't be written in {connection.encoding}, the encoding of "
                    f"this server's names (FTP_STORAGE_ENCODING sets another)",
                    name,
                )
            paths.check_components(key, encoding=connection.encoding)
            stored = path if free else temporary_name(path)
            try:
                sock = connection.ftp.transfercmd(f"STOR {stored}")
            except ftplib.error_perm:  # the directory may be missing: made only now
                connection.makedirs(posixpath.dirname(path))
                sock = connection.ftp.transfercmd(f"STOR {stored}")
            return FTPWriter(pool, connection, sock, stored, path, self._replace)

        free = _FREE_NAME.get()
        return self._held(open_)

    def _save(self, name: str, content: File) -> str:
        # Not overwriting, Django's save() has just checked that the name is free: a failed
        # upload deleted leaves things as they were, with no temporary name and rename. Not so
        # under a subclass's own get_available_name() (1.x's way to overwrite: it may return a
        # taken name, whose file a failed upload must not destroy).
        own_rule = type(self).get_available_name is not BaseStorage.get_available_name
        token = _FREE_NAME.set(not self.overwrites_files and not own_rule)
        try:
            return super()._save(name, content)
        finally:
            _FREE_NAME.reset(token)

    @staticmethod
    def _replace(connection: FTPConnection, temp: str, path: str) -> None:
        try:
            connection.ftp.rename(temp, path)
        except ftplib.error_perm:
            # Some servers refuse to rename over an existing file: then replacing is not atomic.
            connection.ftp.delete(path)
            connection.ftp.rename(temp, path)

    def _delete(self, key: str) -> None:
        path = self._path(key)

        def delete(connection: FTPConnection) -> None:
            if not connection.can_name(path):
                return  # no file can have a name the server's encoding can't write
            # A 550 means missing or refused: the file still there says refused.
            try:
                connection.ftp.delete(path)
            except ftplib.error_perm as exc:
                if _missing(exc) and not self._exists_on(connection, path):
                    return  # missing: nothing to delete
                raise

        self._run(lambda connection: DELETE_RETRY.call(lambda: delete(connection), _missing))

    def _stat_on(
        self, connection: FTPConnection, key: str, path: str, *, times: bool = True
    ) -> Entry | None:
        """Return the entry of *path* from one MLST, or from SIZE (and MDTM if *times*); the
        modification time is parsed only if *times*."""
        if not connection.can_name(path):
            return None
        ftp = connection.ftp
        facts: dict[str, str] = {}
        try:
            if connection.has_mlst:
                facts = parse_mlst(ftp.sendcmd(f"MLST {path}" if path else "MLST"))
                if facts.get("type", "file").lower() in ("dir", "cdir", "pdir"):
                    return Entry(key, 0, modified=_modify(facts) if times else None, is_dir=True)
            size = facts.get("size") or ftp.size(path)
        except ftplib.error_perm:
            if not connection.has_mlst and connection.is_dir(path):
                return Entry(key, 0, is_dir=True)
            return None
        if size is None:
            raise OSError(f"The server gave no size for {path!r}")
        if not times:
            return Entry(key, int(size))
        modified = _modify(facts) or parse_mdtm(ftp.sendcmd(f"MDTM {path}"))
        return Entry(key, int(size), modified=modified)

    def _size_on(self, connection: FTPConnection, key: str, path: str) -> Entry | None:
        """Return the entry of *path* with its size: from SIZE where the server has it besides
        MLST (a lighter command: pyftpdlib answers it 20% sooner), from the stat when SIZE is
        refused (a directory, or no such file)."""
        if connection.has_mlst and "SIZE" in connection.features and connection.can_name(path):
            with contextlib.suppress(ftplib.error_perm):
                size = connection.ftp.size(path)
                if size is not None:
                    return Entry(key, size)
        return self._stat_on(connection, key, path, times=False)

    def _stat(self, key: str) -> Entry | None:
        path = self._path(key)
        return self._run(lambda connection: self._stat_on(connection, key, path))

    def _size_stat(self, key: str) -> Entry | None:
        # One command (stat() without MLST asks MDTM too).
        path = self._path(key)
        return self._run(lambda connection: self._size_on(connection, key, path))

    def _exists(self, key: str) -> bool:
        path = self._path(key)
        return bool(self._run(lambda connection: self._exists_on(connection, path)))

    def _exists_on(self, connection: FTPConnection, path: str) -> bool:
        """Return whether *path* exists from one MLST (a file or a directory: its facts are not
        needed), or from one SIZE without MLST (a CWD tells a directory when SIZE is refused)."""
        if not connection.can_name(path):
            return False
        try:
            connection.ftp.sendcmd(f"MLST {path}" if connection.has_mlst else f"SIZE {path}")
        except ftplib.error_perm:
            return not connection.has_mlst and connection.is_dir(path)
        return True

    def _listdir(self, prefix: str) -> tuple[list[str], list[str]]:
        path = self._path(prefix)

        def listdir(connection: FTPConnection) -> tuple[list[str], list[str]]:
            if not connection.can_name(path):
                raise StorageNotFoundError(errno.ENOENT, _UNNAMEABLE, prefix)
            if connection.has_mlst:
                try:
                    entries = parse_mlsd(
                        read_listing(connection, f"MLSD {path}" if path else "MLSD")
                    )
                except ftplib.error_perm:  # 550, or 501 on pyftpdlib
                    if path and not connection.is_dir(path):
                        raise FileNotFoundError(f"No such directory: {path!r}") from None
                    raise
            else:
                # Plain LIST hides dot files on vsftpd (and others): ask for all, ls-style.
                try:
                    lines = read_listing(connection, f"LIST -a {path}" if path else "LIST -a")
                except ftplib.error_perm:  # a server without ls options
                    lines = read_listing(connection, f"LIST {path}" if path else "LIST")
                entries = [e for e in map(parse_list_line, lines) if e is not None]
                # vsftpd lists a missing directory as empty.
                if not entries and path and not connection.is_dir(path):
                    raise FileNotFoundError(f"No such directory: {path!r}")
            dirs = [entry.name for entry in entries if entry.is_dir]
            return dirs, [entry.name for entry in entries if not entry.is_dir]

        return self._run(listdir)

    def _object_url(self, key: str, **kwargs: Any) -> str:
        base = self.options.base_url if self.options.base_url is not None else settings.MEDIA_URL
        if not base:
            raise ValueError("FTPStorage.url() needs FTP_STORAGE_BASE_URL (or MEDIA_URL) to be set")
        return f"{base.rstrip('/')}/{quote(key)}"


def _modify(facts: dict[str, str]) -> datetime | None:
    value = facts.get("modify")
    return parse_mdtm(value) if value else None
