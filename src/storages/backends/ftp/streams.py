"""Streams of the FTP storage over one data connection each: reads from an offset (``REST`` +
``RETR``) straight into the caller's buffer, writes gathered into 1 MiB ``sendall`` calls until
the file is committed (``STOR`` to the name itself when there is no old file to keep, else to a
temporary name, then ``RNFR``/``RNTO``, checked over a new connection when the answer to the
rename is lost), and listings read in binary mode."""

from __future__ import annotations

import contextlib
import ftplib
import hashlib
import socket
import ssl
from collections.abc import Callable
from typing import Any, TypeVar

from storages.backends.ftp.connection import FTPConnection, FTPPool
from storages.backends.ftp.errors import reply_code
from storages.errors import StorageConnectionError, StorageError

T = TypeVar("T")

__all__ = ["WRITE_BUFFER", "Digest", "FTPReadStream", "FTPWriter", "read_listing"]

#: Seconds to wait for the server's reply after the client ends a transfer early.
ABORT_TIMEOUT = 3.0
#: Bytes gathered before one ``sendall``: few system calls per MiB whatever the caller's chunks.
WRITE_BUFFER = 1024 * 1024
#: Bytes asked of the socket per ``recv`` by ``read()`` to the end and by listings.
READ_BLOCK = 1024 * 1024


def _close_data(sock: socket.socket, *, complete: bool) -> None:
    if complete and isinstance(sock, ssl.SSLSocket):
        with contextlib.suppress(OSError, ValueError):
            sock.unwrap()  # a clean TLS close, as ftplib's own transfers end
    sock.close()


def _end_early(connection: FTPConnection) -> bool:
    """Read the reply to a transfer the client cut short; return whether the connection is
    still in step with the server."""
    ftp = connection.ftp
    if ftp.sock is None:
        return False
    timeout = ftp.sock.gettimeout()
    ftp.sock.settimeout(ABORT_TIMEOUT)
    try:
        ftp.voidresp()
    except ftplib.error_temp:
        pass  # 426/451: the transfer was aborted, as asked
    except (OSError, EOFError, ftplib.Error):
        return False
    finally:
        if ftp.sock is not None:
            ftp.sock.settimeout(timeout)
    return True


class _Transfer:
    """One data connection and the control connection it holds until the transfer ends."""

    def __init__(self, pool: FTPPool, connection: FTPConnection, sock: socket.socket) -> None:
        self._pool = pool
        self._connection: FTPConnection | None = connection
        self._sock = sock

    def _take(self) -> FTPConnection | None:
        """Return the control connection, once: the transfer is ending."""
        connection, self._connection = self._connection, None
        return connection

    def _complete(self, connection: FTPConnection) -> None:
        """End the transfer as complete: close the data connection, read the server's reply."""
        _close_data(self._sock, complete=True)
        connection.ftp.voidresp()

    def _cut(self, connection: FTPConnection) -> bool:
        """End the transfer early; return whether the control connection is still in step."""
        _close_data(self._sock, complete=False)
        return _end_early(connection)


class FTPReadStream(_Transfer):
    """The data connection of a ``RETR``, holding its control connection until closed."""

    def __init__(
        self, pool: FTPPool, connection: FTPConnection, sock: socket.socket, size: int | None
    ) -> None:
        super().__init__(pool, connection, sock)
        self.size = size

    def read(self, n: int = -1, /) -> bytes:
        if self._connection is None:
            return b""
        if n < 0:
            return b"".join(iter(lambda: self.read(READ_BLOCK), b""))
        return self._receive(self._sock.recv, n)

    def readinto(self, buffer: memoryview, /) -> int:
        """Fill *buffer* straight from the data connection: the one copy ``recv_into`` makes."""
        if self._connection is None:
            return 0
        return self._receive(self._sock.recv_into, buffer)

    def _receive(self, receive: Callable[[Any], T], argument: object) -> T:
        """Call *receive*; end the transfer at the end of the data, close it on an error."""
        try:
            result = receive(argument)
        except BaseException:
            self.close()
            raise
        if not result:
            self._finish()
        return result

    def _finish(self) -> None:
        connection = self._take()
        if connection is not None:
            try:
                self._complete(connection)
            except BaseException:
                self._pool.release(connection, broken=True)
                raise
            self._pool.release(connection)

    def close(self) -> None:
        connection = self._take()
        if connection is not None:
            self._pool.release(connection, broken=not self._cut(connection))


class FTPWriter(_Transfer):
    """A ``STOR``: every write appends; commit checks the stored size and, when the upload went
    to a temporary name (*stored* is not *path*), renames it over the target. Writes are sent
    in blocks of :data:`WRITE_BUFFER` bytes.

    If the connection breaks once the rename was sent, the answer is lost but the rename may
    have happened: a new connection checks, and the save succeeded if the temporary name is
    gone and the target has the size (and, where the server offers ``HASH``, the digest) of
    what was sent (issue 17). Otherwise the target was not touched and the error is raised.
    """

    def __init__(
        self,
        pool: FTPPool,
        connection: FTPConnection,
        sock: socket.socket,
        stored: str,
        path: str,
        replace: Callable[[FTPConnection, str, str], None],
    ) -> None:
        super().__init__(pool, connection, sock)
        self._stored = stored
        self._path = path
        self._replace = replace
        self._failed = False
        self._written = 0
        self._digest = Digest.offered(connection.features)
        #: Grown as needed (a small file never makes a MiB of it).
        self._buffer = bytearray()

    def write(self, data: bytes, /) -> None:
        size = len(data)
        if len(self._buffer) + size > WRITE_BUFFER:
            self._flush()
        if size >= WRITE_BUFFER:
            self._send(data)  # already a large block: no copy
        else:
            self._buffer += data
        self._written += size
        if self._digest is not None:
            self._digest.update(data)

    def _flush(self) -> None:
        if self._buffer:
            buffer, self._buffer = self._buffer, bytearray()
            self._send(buffer)

    def _send(self, data: bytes | bytearray) -> None:
        try:
            self._sock.sendall(data)
        except BaseException:
            self._failed = True
            self.abort()  # the transfer is lost: free its sockets now
            raise

    def commit(self) -> None:
        if self._failed:
            raise StorageConnectionError(f"The upload of {self._path!r} was interrupted")
        if self._connection is None:
            return
        self._flush()  # a broken connection aborts the upload and raises here
        connection = self._take()
        if connection is None:
            return
        broken = True
        renaming = False
        try:
            self._complete(connection)
            self._check_size(connection)
            if self._stored != self._path:
                renaming = True
                self._replace(connection, self._stored, self._path)
            broken = False
        except BaseException as exc:
            # After a timeout or a reset the control connection is out of step (or gone): its
            # next reply could be the late answer to this one. Only a reply leaves it usable.
            answered = isinstance(exc, (ftplib.Error, StorageError))
            if renaming and not answered and self._renamed():
                return
            broken = not self._discard(connection if answered else None)
            raise
        finally:
            self._pool.release(connection, broken=broken)

    def _check_size(self, connection: FTPConnection) -> None:
        # In stream mode the end of the data connection is the end of the file: a connection
        # cut (or reset) mid-upload looks complete to the server, which answers 226. Only the
        # stored size tells, before a truncated file replaces the target.
        try:
            stored = connection.ftp.size(self._stored)
        except ftplib.error_perm as exc:
            if reply_code(exc) in ("500", "502", "504"):
                return  # the server has no SIZE: nothing to check against
            raise
        if stored != self._written:
            raise StorageConnectionError(
                f"The upload of {self._path!r} was interrupted: the server stored {stored} of "
                f"{self._written} bytes"
            )

    def _renamed(self) -> bool:
        """Return whether the rename whose answer was lost happened, asking over a new
        connection (False when that cannot be known)."""
        try:
            fresh = self._pool.acquire(new=True)
        except (OSError, EOFError, ftplib.Error):
            return False
        broken = True
        try:
            renamed = _size(fresh, self._stored) is None and self._holds_upload(fresh)
            broken = False
        except (OSError, EOFError, ftplib.Error):
            renamed = False
        finally:
            self._pool.release(fresh, broken=broken)
        return renamed

    def _holds_upload(self, connection: FTPConnection) -> bool:
        """Return whether the target has the size (and digest, if offered) of the upload."""
        if _size(connection, self._path) != self._written:
            return False
        return self._digest is None or self._digest.matches(connection, self._path)

    def abort(self) -> None:
        connection = self._take()
        if connection is None:
            return
        in_step = self._cut(connection)
        usable = self._discard(connection if in_step else None)
        self._pool.release(connection, broken=not usable)

    def _discard(self, connection: FTPConnection | None) -> bool:
        """Delete the file uploaded to (temporary, or new) over *connection*, or over a new one
        if it is broken (None, or failing now): the partial upload must not stay behind. Return
        whether *connection* is still usable."""
        if connection is not None:
            try:
                connection.ftp.delete(self._stored)
                return True
            except ftplib.error_perm:
                return True  # refused (or already gone): the connection is fine
            except (OSError, EOFError, ftplib.Error):
                pass
        with contextlib.suppress(OSError, EOFError, ftplib.Error):
            fresh = self._pool.acquire(new=True)
            fresh_broken = True
            try:
                with contextlib.suppress(ftplib.error_perm):
                    fresh.ftp.delete(self._stored)
                fresh_broken = False
            finally:
                self._pool.release(fresh, broken=fresh_broken)
        return False


def read_listing(connection: FTPConnection, command: str) -> list[str]:
    """Return the lines of a listing (``MLSD``, ``LIST``) read in binary mode: the connection
    stays in ``TYPE I``, so no ``TYPE A`` before and ``TYPE I`` after, as ftplib would send.
    ``MLSD`` ignores the type (RFC 3659, 7.2); ``LIST`` lines may end in CRLF or LF."""
    ftp = connection.ftp
    sock = ftp.transfercmd(command)
    try:
        data = b"".join(iter(lambda: sock.recv(READ_BLOCK), b""))
    except BaseException:
        _close_data(sock, complete=False)
        raise
    _close_data(sock, complete=True)
    ftp.voidresp()
    text = data.decode(connection.encoding).replace("\r\n", "\n")
    return [line for line in text.split("\n") if line]


def _size(connection: FTPConnection, path: str) -> int | None:
    """Return the size of *path* (``SIZE``), None if the server answers 550 (no such file)."""
    try:
        return connection.ftp.size(path)
    except ftplib.error_perm as exc:
        if reply_code(exc) == "550":
            return None
        raise


class Digest:
    """The digest of an upload, computed as it is sent, in an algorithm the server's ``HASH``
    command offers (draft-bryan-ftpext-hash: ``FEAT`` lists ``HASH SHA-256;SHA-1*;MD5``)."""

    #: Preferred first; each is a name the draft uses and hashlib's name for it.
    ALGORITHMS = (("SHA-256", "sha256"), ("SHA-512", "sha512"), ("SHA-1", "sha1"), ("MD5", "md5"))

    def __init__(self, name: str, hashlib_name: str) -> None:
        self.name = name
        self._hash = hashlib.new(hashlib_name)

    @classmethod
    def offered(cls, features: dict[str, str]) -> Digest | None:
        """Return a digest in the best algorithm of the server's ``HASH`` feature, if any."""
        if "HASH" not in features:
            return None
        offered = {name.strip().rstrip("*").upper() for name in features["HASH"].split(";")}
        for name, hashlib_name in cls.ALGORITHMS:
            if name in offered:
                return cls(name, hashlib_name)
        return None

    def update(self, data: bytes) -> None:
        self._hash.update(data)

    def matches(self, connection: FTPConnection, path: str) -> bool:
        """Return whether the server's digest of *path* is this one (``213 <algorithm> <range>
        <digest> <name>``); a server that will not tell is taken at the size's word."""
        try:
            connection.ftp.sendcmd(f"OPTS HASH {self.name}")
            reply = connection.ftp.sendcmd(f"HASH {path}")
        except ftplib.error_perm:
            return True
        fields = reply.split(" ", 4)
        return len(fields) >= 4 and fields[3].lower() == self._hash.hexdigest()
