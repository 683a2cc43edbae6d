"""The connection of a MogileFSStorage: a tracker-protocol client, and HTTP to storage nodes.

One tracker request is one line ``command k1=v1&k2=v2\\r\\n`` (URL-encoded); the tracker answers
``OK k=v&...\\r\\n`` or ``ERR code message\\r\\n``. The connection is kept for further requests;
when a tracker cannot be reached (or drops the connection) the next one of the list is tried.
"""

from __future__ import annotations

import dataclasses
import re
import socket
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from storages.backends.mogilefs.errors import MogileFSError, TrackerUnavailable
from storages.retry import RetryPolicy

try:
    from requests import Session
    from requests.adapters import HTTPAdapter
    from urllib3.poolmanager import PoolKey
except ImportError:  # pragma: no cover - the extra is missing (the storage says so)
    HTTPAdapter = object  # type: ignore[assignment,misc]

__all__ = [
    "STALE_CONNECTION_RETRY",
    "UPLOAD_BLOCK",
    "Connection",
    "Tracker",
    "connect",
    "decode_answer",
    "encode_request",
]

#: Bytes handed to the socket at a time when a file is sent to a storage node: urllib3's
#: default of 16 KiB costs a round of Python calls per block (16,384 for 256 MiB).
UPLOAD_BLOCK = 1024 * 1024

#: A kept tracker connection may have gone stale: a request that fails on it is sent once more,
#: at once, on a new connection (to the next tracker if that one is gone).
STALE_CONNECTION_RETRY = RetryPolicy(attempts=2, first_wait=0.0, max_wait=0.0)


#: What ``urlencode`` leaves as it is: most keys, domains and numbers go out untouched.
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*")


def _encode(value: str) -> str:
    return value if _PLAIN.fullmatch(value) else quote_plus(value, safe="")


def _decode(text: str) -> str:
    return unquote_plus(text) if "%" in text or "+" in text else text


def encode_request(command: str, args: dict[str, str | int]) -> bytes:
    """Return the request line of *command* (what ``urlencode`` gives, without its cost for
    values that need no escaping: a tracker request is mostly such values)."""
    query = "&".join(f"{_encode(name)}={_encode(str(value))}" for name, value in args.items())
    return f"{command} {query}\r\n".encode()


def decode_answer(text: str) -> dict[str, str]:
    """Return the values of an answer's ``k=v&...`` part (as ``parse_qsl`` keeping blanks)."""
    values = {}
    for pair in text.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            values[_decode(name)] = _decode(value)
    return values


def _stale(exc: BaseException) -> bool:
    # No tracker answering at all (TrackerUnavailable) is not a stale connection.
    return isinstance(exc, OSError) and not isinstance(exc, TrackerUnavailable)


class Tracker:
    """Talk to the first reachable tracker of *hosts* (``"host:port"`` strings)."""

    def __init__(self, hosts: Sequence[str], timeout: float) -> None:
        self._socket: socket.socket | None = None  # first: __del__ needs it
        if not hosts:
            raise TrackerUnavailable("No MogileFS trackers configured (MOGILEFS_TRACKERS)")
        self.hosts = list(hosts)
        self.timeout = timeout
        self._current = 0
        self._buffer = b""

    def _connect(self) -> socket.socket:
        # Failover, not a retry: each tracker of the list is tried once, from the current one.
        errors = []
        for attempt in range(len(self.hosts)):
            index = (self._current + attempt) % len(self.hosts)
            host, _, port = self.hosts[index].rpartition(":")
            try:
                sock = socket.create_connection((host.strip("[]"), int(port)), self.timeout)
            except OSError as exc:
                errors.append(f"{self.hosts[index]}: {exc}")
                continue
            self._current = index
            self._buffer = b""
            return sock
        raise TrackerUnavailable("No MogileFS tracker answered: " + "; ".join(errors))

    def _readline(self, sock: socket.socket) -> bytes:
        while b"\r\n" not in self._buffer:
            block = sock.recv(65536)
            if not block:
                raise ConnectionError("the tracker closed the connection")
            self._buffer += block
        line, _, self._buffer = self._buffer.partition(b"\r\n")
        return line

    def _exchange(self, line: bytes) -> str:
        """Send one request line and return the answer line (closing the connection on error)."""
        if self._socket is None:
            self._socket = self._connect()
        try:
            self._socket.sendall(line)
            return self._readline(self._socket).decode()
        except OSError:
            self.close()
            raise

    def _next_tracker(self, exc: BaseException) -> None:
        self._current = (self._current + 1) % len(self.hosts)

    def request(self, command: str, **args: str | int) -> dict[str, str]:
        """Send one request and return the answer's values; raise :class:`MogileFSError`."""
        line = encode_request(command, args)
        answer = STALE_CONNECTION_RETRY.call(
            lambda: self._exchange(line), _stale, before_retry=self._next_tracker
        )
        status, _, rest = answer.partition(" ")
        if status == "OK":
            return decode_answer(rest.strip())
        if status == "ERR":
            code, _, message = rest.partition(" ")
            raise MogileFSError(code, unquote_plus(message))
        raise MogileFSError("bad_answer", answer[:200])

    def __del__(self) -> None:
        # A storage copy (pickled, or a thread's client) may be dropped without close().
        self.close()

    def close(self) -> None:
        """Close the connection (a later request opens a new one)."""
        if self._socket is not None:
            sock, self._socket = self._socket, None
            sock.close()


@dataclasses.dataclass
class Connection:
    """What a storage talks through: a tracker client and an HTTP session to storage nodes."""

    tracker: Tracker
    http: Any

    def close(self) -> None:
        """Close the tracker connection and the HTTP session."""
        self.tracker.close()
        self.http.close()


class LargeBlockAdapter(HTTPAdapter):
    """Send request bodies in blocks of :data:`UPLOAD_BLOCK` (urllib3 2 takes the size)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        if "key_blocksize" in PoolKey._fields:  # urllib3 1.x has no such pool setting
            kwargs.setdefault("blocksize", UPLOAD_BLOCK)
        super().init_poolmanager(*args, **kwargs)


def connect(trackers: Sequence[str], timeout: float) -> Connection:
    """Return a new :class:`Connection` to *trackers* (connected on its first request)."""
    session = Session()
    session.mount("http://", LargeBlockAdapter())
    session.mount("https://", LargeBlockAdapter())
    return Connection(Tracker(trackers, timeout), session)
