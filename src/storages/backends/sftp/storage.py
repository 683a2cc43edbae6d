"""The SFTP storage: files on a remote host reached over SSH, through paramiko.

One SSH connection per thread, opened on first use, checked before each operation and reopened
when the server dropped it (idempotent operations are retried once on a fresh connection);
``close()`` closes them all, as does interpreter exit. The server's host key must be in the
known-hosts file. Reads stream in bounded windows of pipelined requests; saves stream into a
temporary name in the target's directory that is renamed over the target when complete.
"""

from __future__ import annotations

import atexit
import contextlib
import getpass
import os
import posixpath
import random
import stat
import time
import warnings
import weakref
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar
from urllib.parse import quote

import paramiko
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from storages import paths
from storages.backends.sftp.errors import (
    CONNECTION_ERRORS,
    SFTP_ERRORS,
    HostKeyError,
    InsecureHostKeyWarning,
)
from storages.backends.sftp.files import SFTPReadStream, SFTPWriter
from storages.backends.sftp.options import SFTPOptions
from storages.base import BaseStorage
from storages.errors import StorageConnectionError, StorageNameError
from storages.features import Feature
from storages.files import Writer

__all__ = ["SFTPConnection", "SFTPStorage"]

T = TypeVar("T")

#: Seconds to wait for the TCP connection and for each answer, unless ``params`` says otherwise.
DEFAULT_TIMEOUT = 30.0
#: paramiko's waits that ``params["timeout"]`` also bounds unless ``params`` sets them, with
#: paramiko's own defaults (opening a channel would otherwise wait up to an hour).
_DERIVED_TIMEOUTS = {"banner_timeout": 15.0, "auth_timeout": 30.0, "channel_timeout": 3600.0}

#: Tries of an SSH connection the server hung up on before its banner (see _handshake).
_HANDSHAKE_ATTEMPTS = 4

#: Keys of ``params`` whose values are redacted from error messages.
_PASSWORD_PARAMS = ("password", "passphrase")

_OPEN_STORAGES: weakref.WeakSet[SFTPStorage] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for storage in list(_OPEN_STORAGES):
        storage.close()


def _handshake(ssh: paramiko.SSHClient, host: str, params: dict[str, Any]) -> None:
    """Connect *ssh*; again after a short pause if the server hung up before its banner.

    OpenSSH does that on purpose to connections beyond ``MaxStartups`` (by default 10 at once
    still logging in), as when many threads of one storage connect together. Nothing was sent
    yet, so trying again is safe; a banner that times out is not retried.
    """
    for attempt in range(1, _HANDSHAKE_ATTEMPTS + 1):
        try:
            ssh.connect(host, **params)
            return
        except paramiko.SSHException as exc:
            hung_up = isinstance(exc.__context__, (EOFError, ConnectionError))
            if attempt == _HANDSHAKE_ATTEMPTS or not hung_up or "banner" not in str(exc):
                raise
        ssh.close()
        time.sleep(random.uniform(0.05, 0.25) * attempt)  # noqa: S311 - jitter


def _fingerprint(key: paramiko.PKey) -> str:
    return str(key.fingerprint)


class SFTPConnection:
    """One SSH connection and its SFTP session."""

    def __init__(self, ssh: paramiko.SSHClient, sftp: paramiko.SFTPClient) -> None:
        self.ssh = ssh
        self.sftp = sftp

    @property
    def alive(self) -> bool:
        """Return whether the SSH transport and the SFTP channel still run (a local check: no
        request is sent)."""
        transport = self.ssh.get_transport()
        channel = self.sftp.get_channel()
        return (
            transport is not None
            and transport.is_active()
            and not (channel is not None and channel.closed)
        )

    def broken_by(self, exc: BaseException) -> bool:
        """Return whether *exc* left this connection unusable.

        The transport may not have noticed a reset yet, and a connection that timed out is
        still open but out of step with the server (its answer may come later): both are broken.
        """
        return isinstance(exc, CONNECTION_ERRORS) or not self.alive

    def close_if_broken(self, exc: BaseException) -> None:
        """Close this connection if *exc* broke it: the next operation opens a new one."""
        if self.broken_by(exc):
            with contextlib.suppress(Exception):  # it is broken already
                self.close()

    def close(self) -> None:
        """Close the SFTP session and the SSH connection."""
        try:
            self.sftp.close()
        finally:
            self.ssh.close()


class _HostKeyPolicy(paramiko.MissingHostKeyPolicy):  # type: ignore[misc]
    """Refuse a host key missing from the known-hosts file, unless explicitly told to accept."""

    def __init__(self, storage: SFTPStorage, known_hosts: str, port: int) -> None:
        self.storage = storage
        self.known_hosts = known_hosts
        self.port = port

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: Any) -> None:
        described = f"{key.get_name()} key {_fingerprint(key)}"
        if not self.storage.options.accept_unknown_host_keys:
            host = self.storage.options.host
            port = "" if self.port == 22 else f"-p {self.port} "
            raise HostKeyError(
                f"SFTP: the host key of {hostname} ({described}) is not in the known-hosts file "
                f"{self.known_hosts}; refusing to connect. To trust this server, check that "
                f"fingerprint with its administrator, then add the key to that file, e.g. "
                f"`ssh-keyscan {port}{host} >> {self.known_hosts}`, or point "
                f"SFTP_KNOWN_HOST_FILE at a file that has it."
            )
        warnings.warn(
            f"SFTP: accepted the unknown host key of {hostname} ({described}) because "
            f"accept_unknown_host_keys is on. Anyone between you and the server can pose as it; "
            f"add the key to {self.known_hosts} instead.",
            InsecureHostKeyWarning,
            stacklevel=2,
        )
        self.storage._accepted_host_keys.add(hostname, key.get_name(), key)


class SFTPStorage(BaseStorage[SFTPOptions]):
    """Files in a directory of a remote host, over SFTP."""

    options_class = SFTPOptions
    features = (
        Feature.URL
        | Feature.MODIFIED_TIME
        | Feature.ACCESSED_TIME
        | Feature.LISTDIR
        | Feature.DIRECTORIES
        | Feature.ATOMIC_WRITE
    )
    errors = SFTP_ERRORS

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._init_session_state()

    def _init_session_state(self) -> None:
        # Host keys accepted through accept_unknown_host_keys, and a password typed in
        # interactively: kept for reconnections, never pickled.
        self._accepted_host_keys = paramiko.HostKeys()
        self._typed_password: str | None = None
        _OPEN_STORAGES.add(self)

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_accepted_host_keys", None)
        state.pop("_typed_password", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._init_session_state()

    def _secrets(self) -> Sequence[str]:
        # All of ``params`` stays out of reprs and migrations, but only its passwords are
        # redacted from messages: a user name or a key path there would garble every path.
        params = self.options.params
        found = [str(params[key]) for key in _PASSWORD_PARAMS if params.get(key)]
        if self._typed_password:
            found.append(self._typed_password)
        return found

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
        params = {"timeout": DEFAULT_TIMEOUT, **self.options.params}
        if params["timeout"] is not None:
            for name, default in _DERIVED_TIMEOUTS.items():
                params.setdefault(name, min(default, params["timeout"]))
        if self._typed_password is not None:
            params["password"] = self._typed_password
        try:
            ssh = self._connect(host, params)
        except paramiko.AuthenticationException:
            if not self.options.interactive or "password" in params:
                raise
            params.setdefault("username", getpass.getuser())
            self._typed_password = getpass.getpass(f"Password for {params['username']}@{host}: ")
            params["password"] = self._typed_password
            ssh = self._connect(host, params)
        try:
            sftp = ssh.open_sftp()
            sftp.get_channel().settimeout(params.get("timeout"))
        except BaseException:
            ssh.close()
            raise
        return SFTPConnection(ssh, sftp)

    def _connect(self, host: str, params: dict[str, Any]) -> paramiko.SSHClient:
        known_hosts = self.options.known_host_file or os.path.expanduser("~/.ssh/known_hosts")
        ssh = paramiko.SSHClient()
        if os.path.exists(known_hosts):
            ssh.load_system_host_keys(known_hosts)
        for hostname, keys in self._accepted_host_keys.items():
            for key_type, key in keys.items():
                ssh.get_host_keys().add(hostname, key_type, key)
        ssh.set_missing_host_key_policy(
            _HostKeyPolicy(self, known_hosts, int(params.get("port", 22)))
        )
        try:
            _handshake(ssh, host, params)
        except paramiko.ssh_exception.NoValidConnectionsError as exc:
            # An OSError without an errno ("[Errno None] Unable to connect..."): say why.
            ssh.close()
            reasons = sorted({str(error.strerror or error) for error in exc.errors.values()})
            raise StorageConnectionError(
                f"SFTP: cannot connect to {host} port {params.get('port', 22)}: "
                f"{'; '.join(reasons)}"
            ) from exc
        except paramiko.BadHostKeyException as exc:
            ssh.close()
            raise HostKeyError(
                f"SFTP: the host key of {host} ({exc.key.get_name()} key "
                f"{_fingerprint(exc.key)}) differs from the one in {known_hosts} "
                f"({_fingerprint(exc.expected_key)}); refusing to connect: someone may be posing "
                f"as the server. If its key really changed, replace the old line of that file."
            ) from None
        except BaseException:
            ssh.close()
            raise
        return ssh

    def _close_client(self, client: SFTPConnection) -> None:
        client.close()

    def _connection(self) -> SFTPConnection:
        """Return this thread's connection, reopened if the server dropped it."""
        connection: SFTPConnection = self.client
        if not connection.alive:
            self._drop(connection)
            connection = self.client
        return connection

    def _drop(self, connection: SFTPConnection) -> None:
        self._clients.discard()
        with contextlib.suppress(Exception):  # it is broken already
            connection.close()

    def _retrying(self, operation: Callable[[paramiko.SFTPClient], T]) -> T:
        """Run an idempotent *operation*, once more on a new connection if this one broke."""
        return self._retrying_on(lambda connection: operation(connection.sftp))

    def _retrying_on(self, operation: Callable[[SFTPConnection], T]) -> T:
        """Like :meth:`_retrying`, for an operation that needs the connection itself."""
        connection = self._connection()
        try:
            return operation(connection)
        except Exception as exc:
            if not connection.broken_by(exc):
                raise
        self._drop(connection)
        connection = self._connection()
        try:
            return operation(connection)
        except Exception as exc:
            connection.close_if_broken(exc)
            raise

    # -- paths and attributes ---------------------------------------------------------------
    def _path(self, key: str) -> str:
        key = key.rstrip("/")
        root = self.options.root_path
        if not root:
            return key or "."
        return posixpath.join(root, key) if key else root

    def _stat(self, key: str) -> paramiko.SFTPAttributes:
        path = self._path(key)
        return self._retrying(lambda sftp: sftp.stat(path))

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
    def _open_stream(self, key: str, offset: int) -> SFTPReadStream:
        path = self._path(key)

        def open_(connection: SFTPConnection) -> SFTPReadStream:
            handle = connection.sftp.open(path, "rb")
            try:
                size = handle.stat().st_size or 0
            except BaseException:
                handle.close()
                raise
            return SFTPReadStream(handle, offset, size, connection.close_if_broken)

        return self._retrying_on(open_)

    def _open_writer(self, key: str, name: str, content_type: str | None) -> Writer:
        paths.check_components(key)
        path = self._path(key)

        def open_(connection: SFTPConnection) -> SFTPWriter:
            self._makedirs(connection.sftp, posixpath.dirname(path))
            return SFTPWriter(
                connection.sftp,
                path,
                self._finish_file,
                self._discard_temporary,
                connection.close_if_broken,
            )

        return self._retrying_on(open_)

    def _finish_file(self, sftp: paramiko.SFTPClient, path: str) -> None:
        self._set_attributes(sftp, path, self.options.file_mode)

    def _discard_temporary(self, path: str) -> None:
        """Remove the temporary file of a failed save, reconnecting if the failure broke the
        connection (a cut upload would otherwise leave a partial file behind)."""

        def remove(sftp: paramiko.SFTPClient) -> None:
            with contextlib.suppress(FileNotFoundError):
                sftp.remove(path)

        self._retrying(remove)

    def _delete(self, key: str) -> None:
        path = self._path(key)

        def remove(sftp: paramiko.SFTPClient) -> None:
            with contextlib.suppress(FileNotFoundError):
                sftp.remove(path)

        self._retrying(remove)

    def _exists(self, key: str) -> bool:
        try:
            paths.check_components(key)  # OpenSSH answers "bad message" for a name too long
            self._stat(key)
        except (FileNotFoundError, StorageNameError):
            return False
        return True

    def _size(self, key: str) -> int:
        return int(self._stat(key).st_size or 0)

    def _listdir(self, prefix: str) -> tuple[list[str], list[str]]:
        path = self._path(prefix)
        dirs: list[str] = []
        files: list[str] = []
        for entry in self._retrying(lambda sftp: sftp.listdir_attr(path)):
            (dirs if stat.S_ISDIR(entry.st_mode or 0) else files).append(entry.filename)
        return dirs, files

    def _url(self, key: str, **kwargs: Any) -> str:
        base = self.options.base_url if self.options.base_url is not None else settings.MEDIA_URL
        if not base:
            raise ValueError("SFTPStorage.url() needs SFTP_BASE_URL (or MEDIA_URL) to be set")
        return f"{base.rstrip('/')}/{quote(key)}"

    def _modified_time(self, key: str) -> datetime:
        return datetime.fromtimestamp(self._stat(key).st_mtime or 0, tz=timezone.utc)

    def _accessed_time(self, key: str) -> datetime:
        return datetime.fromtimestamp(self._stat(key).st_atime or 0, tz=timezone.utc)
