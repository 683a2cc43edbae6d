"""The SFTP storage: files on a remote host reached over SSH, through paramiko.

One SSH connection per thread, opened on first use, checked before each operation and reopened
when the server dropped it (idempotent operations are retried once on a fresh connection);
``close()`` closes them all, as does interpreter exit. The server's host key must be in the
known-hosts file. Reads ask for what the caller reads, in pipelined requests, and resume on a
new connection when one breaks; saves stream pipelined writes into a temporary name in the
target's directory that is renamed over the target when complete.
"""

from __future__ import annotations

import atexit
import contextlib
import getpass
import posixpath
import stat
import weakref
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar
from urllib.parse import quote

import paramiko
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from storages import paths
from storages.backends.sftp.connection import SFTPConnection, connection_params, open_ssh
from storages.backends.sftp.errors import ERRORS
from storages.backends.sftp.options import SFTPOptions
from storages.backends.sftp.streams import SFTPReader, SFTPWriter
from storages.base import BaseStorage
from storages.entries import Entry
from storages.errors import StorageNameError
from storages.features import Feature
from storages.files import RemoteFile, Writer
from storages.ranged import RangedStream, Version
from storages.retry import RetryPolicy

__all__ = ["SFTPStorage", "SFTPStorageFile"]

T = TypeVar("T")

#: Keys of ``params`` whose values are redacted from error messages.
_PASSWORD_PARAMS = ("password", "passphrase")

#: An idempotent operation whose connection broke is tried once more on a new connection.
RECONNECT = RetryPolicy(attempts=2, first_wait=0.0)

_OPEN_STORAGES: weakref.WeakSet[SFTPStorage] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for storage in list(_OPEN_STORAGES):
        storage.close()


class SFTPStorageFile(RemoteFile):
    """A file of an SFTP storage, under django-storages 1.x's name: ``open()`` returns one, and
    ``SFTPStorageFile(name, storage, mode)`` opens one as in 1.x."""


class SFTPStorage(BaseStorage[SFTPOptions]):
    """Files in a directory of a remote host, over SFTP."""

    options_class = SFTPOptions
    file_class = SFTPStorageFile
    features = (
        Feature.URL
        | Feature.MODIFIED_TIME
        | Feature.ACCESSED_TIME
        | Feature.LISTDIR
        | Feature.DIRECTORIES
        | Feature.ATOMIC_WRITE
    )
    errors = ERRORS

    def _start(self) -> None:
        # Host keys accepted through accept_unknown_host_keys, and a password typed in
        # interactively: kept for reconnections, never pickled.
        self._accepted_host_keys = paramiko.HostKeys()
        self._typed_password: str | None = None
        super()._start()
        _OPEN_STORAGES.add(self)

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_accepted_host_keys", None)
        state.pop("_typed_password", None)
        return state

    def _secrets(self) -> Sequence[str]:
        # All of ``params`` stays out of reprs and migrations, but only its passwords are
        # redacted from messages: a user name or a key path there would garble every path.
        params = self.options.params
        return [str(params[key]) for key in _PASSWORD_PARAMS if params.get(key)]

    def _live_secrets(self) -> Sequence[str]:
        # A password typed in (``interactive``) appears only once the storage connects.
        return [self._typed_password] if self._typed_password else []

    # -- connections ------------------------------------------------------------------------
    def security_warnings(self) -> list[tuple[str, str]]:
        """Warn when unknown host keys are accepted (a man-in-the-middle can pose as the host)."""
        if self.options.accept_unknown_host_keys:
            return [
                (
                    "storages.W103",
                    "SFTP_ACCEPT_UNKNOWN_HOST_KEYS=True trusts any host key on first contact; "
                    "add the host to SFTP_KNOWN_HOST_FILE instead",
                )
            ]
        return []

    def _create_client(self) -> SFTPConnection:
        host = self.options.host
        if not host:
            raise ImproperlyConfigured(
                "SFTPStorage needs a host: set SFTP_STORAGE_HOST or the 'host' option"
            )
        params = connection_params(self.options.params)
        if self._typed_password is not None:
            params["password"] = self._typed_password
        try:
            ssh = self._login(host, params)
        except paramiko.AuthenticationException:
            if not self.options.interactive or "password" in params:
                raise
            params.setdefault("username", getpass.getuser())
            self._typed_password = getpass.getpass(f"Password for {params['username']}@{host}: ")
            params["password"] = self._typed_password
            ssh = self._login(host, params)
        return SFTPConnection.open(ssh, params.get("timeout"))

    def _login(self, host: str, params: dict[str, Any]) -> paramiko.SSHClient:
        accepted = self._accepted_host_keys if self.options.accept_unknown_host_keys else None
        return open_ssh(host, params, self.options.known_host_file, accepted)

    def _close_client(self, client: SFTPConnection) -> None:
        client.close()

    def _connection(self) -> SFTPConnection:
        """Return this thread's connection, reopened if the server dropped it."""
        connection: SFTPConnection = self.client
        if not connection.alive:
            self._drop(connection)
            connection = self.client
        return connection

    # -- what django-storages 1.x code reaches for -------------------------------------------
    @property
    def sftp(self) -> paramiko.SFTPClient:
        """Return this thread's paramiko ``SFTPClient``, connecting (again) if needed."""
        return self._call(None, self._connection).sftp

    @property
    def ssh(self) -> paramiko.SSHClient:
        """Return this thread's paramiko ``SSHClient``, connecting (again) if needed."""
        return self._call(None, self._connection).ssh

    def _connect(self) -> None:
        """Connect this thread now, if it is not connected (1.x's method)."""
        self._call(None, self._connection)

    def _remote_path(self, name: str) -> str:
        """Return the path on the server of the file *name* (1.x's method), under the root."""
        return self._path(self._key(name))

    def _drop(self, connection: SFTPConnection) -> None:
        self._clients.discard()
        with contextlib.suppress(Exception):  # it is broken already
            connection.close()

    def _retrying(self, operation: Callable[[paramiko.SFTPClient], T]) -> T:
        """Run an idempotent *operation*, once more on a new connection if this one broke."""
        return self._retrying_on(lambda connection: operation(connection.sftp))

    def _retrying_on(self, operation: Callable[[SFTPConnection], T]) -> T:
        """Like :meth:`_retrying`, for an operation that needs the connection itself."""
        broken = False

        def attempt() -> T:
            nonlocal broken
            connection = self._connection()
            try:
                return operation(connection)
            except Exception as exc:
                broken = connection.broken_by(exc)
                if broken:
                    self._drop(connection)
                raise

        return RECONNECT.call(attempt, lambda exc: broken)

    # -- paths and attributes ---------------------------------------------------------------
    def _path(self, key: str) -> str:
        key = key.rstrip("/")
        root = self.options.root_path
        if not root:
            return key or "."
        return posixpath.join(root, key) if key else root

    def _set_attributes(self, sftp: paramiko.SFTPClient, path: str, mode: int | None) -> None:
        options = self.options
        if mode is not None:
            sftp.chmod(path, mode)
        if options.uid is not None or options.gid is not None:
            uid, gid = options.uid, options.gid
            if uid is None or gid is None:
                current = sftp.stat(path)
                uid = current.st_uid if uid is None else uid
                gid = current.st_gid if gid is None else gid
            sftp.chown(path, uid, gid)

    def _makedirs(self, sftp: paramiko.SFTPClient, directory: str) -> None:
        if directory in ("", ".", "/"):
            return
        try:
            if stat.S_ISDIR(sftp.stat(directory).st_mode or 0):
                return
            raise NotADirectoryError(f"SFTP: {directory!r} exists and is not a directory")
        except FileNotFoundError:
            pass
        self._makedirs(sftp, posixpath.dirname(directory))
        try:
            sftp.mkdir(directory)
        except OSError:
            # Another client may have created it in the meantime.
            if not stat.S_ISDIR(sftp.stat(directory).st_mode or 0):
                raise
        else:
            self._set_attributes(sftp, directory, self.options.dir_mode)

    # -- hooks ------------------------------------------------------------------------------
    def _stat(self, key: str) -> Entry | None:
        try:
            paths.check_components(key)  # OpenSSH answers "bad message" for a name too long
        except StorageNameError:
            return None
        path = self._path(key)
        try:
            found = self._retrying(lambda sftp: sftp.stat(path))
        except FileNotFoundError:
            return None
        return Entry(
            key,
            int(found.st_size or 0),
            modified=datetime.fromtimestamp(found.st_mtime or 0, tz=timezone.utc),
            accessed=datetime.fromtimestamp(found.st_atime or 0, tz=timezone.utc),
            is_dir=stat.S_ISDIR(found.st_mode or 0),
        )

    def _open_stream(self, key: str, offset: int) -> RangedStream:
        path = self._path(key)
        version = Version(key)

        def open_from(start: int) -> SFTPReader:
            # On a new connection when the last one broke (a resumed read).
            return self._retrying_on(
                lambda connection: SFTPReader.open(
                    connection.sftp, path, start, version, connection.close_if_broken
                )
            )

        return RangedStream(open_from, offset)

    def _open_writer(self, key: str, name: str, content_type: str | None) -> Writer:
        paths.check_components(key)
        path = self._path(key)

        def open_(connection: SFTPConnection) -> SFTPWriter:
            sftp = connection.sftp
            return SFTPWriter(
                sftp,
                path,
                lambda temp: self._create(sftp, temp),
                self._finish_file,
                self._remove,
                connection.close_if_broken,
                self._renamed,
            )

        return self._retrying_on(open_)

    def _renamed(self, temp: str, path: str, size: int) -> bool:
        """Return whether *temp* was renamed to *path* (a file of *size* bytes), asked over a new
        connection after the rename's answer was lost."""

        def check(sftp: paramiko.SFTPClient) -> bool:
            try:
                sftp.stat(temp)
                return False  # still there: the rename never reached the server
            except FileNotFoundError:
                pass
            try:
                return bool(sftp.stat(path).st_size == size)
            except FileNotFoundError:
                return False

        try:
            return bool(self._retrying(check))
        except Exception:  # unreachable still: the save's own error stands
            return False

    def _create(self, sftp: paramiko.SFTPClient, path: str) -> paramiko.SFTPFile:
        """Open *path* for writing, creating its directories only when the server says they are
        missing: a save into an existing directory costs no request to look for it."""
        try:
            return sftp.open(path, "wb")
        except FileNotFoundError:
            self._makedirs(sftp, posixpath.dirname(path))
            return sftp.open(path, "wb")

    def _finish_file(self, sftp: paramiko.SFTPClient, path: str) -> None:
        self._set_attributes(sftp, path, self.options.file_mode)

    def _remove(self, path: str) -> None:
        """Remove *path* if it exists, reconnecting if the connection broke (a cut upload's
        temporary file would otherwise stay behind)."""

        def remove(sftp: paramiko.SFTPClient) -> None:
            with contextlib.suppress(FileNotFoundError):
                sftp.remove(path)

        self._retrying(remove)

    def _delete(self, key: str) -> None:
        self._remove(self._path(key))

    def _listdir(self, prefix: str) -> tuple[list[str], list[str]]:
        path = self._path(prefix)
        dirs: list[str] = []
        files: list[str] = []
        for entry in self._retrying(lambda sftp: sftp.listdir_attr(path)):
            (dirs if stat.S_ISDIR(entry.st_mode or 0) else files).append(entry.filename)
        return dirs, files

    def _object_url(self, key: str, **kwargs: Any) -> str:
        base = self.options.base_url if self.options.base_url is not None else settings.MEDIA_URL
        if not base:
            raise ValueError("SFTPStorage.url() needs SFTP_BASE_URL (or MEDIA_URL) to be set")
        return f"{base.rstrip('/')}/{quote(key)}"
