"""The connection of a MogileFSStorage: a tracker-protocol client, and HTTP to storage nodes.

One tracker request is one line ``command k1=v1&k2=v2\\r\\n`` (URL-encoded); the tracker answers
``OK k=v&...\\r\\n`` or ``ERR code message\\r\\n``. The connection is kept for further requests;
when a tracker cannot be reached (or drops the connection) the next one of the list is tried.
"""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode

from storages.backends.mogilefs.errors import MogileFSError, TrackerUnavailable
from storages.retry import RetryPolicy

__all__ = ["STALE_CONNECTION_RETRY", "Connection", "Tracker", "connect"]

#: A kept tracker connection may have gone stale: a request that fails on it is sent once more,
#: at once, on a new connection (to the next tracker if that one is gone).
STALE_CONNECTION_RETRY = RetryPolicy(attempts=2, first_wait=0.0, max_wait=0.0)


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
        line = f"{command} {urlencode({k: str(v) for k, v in args.items()})}\r\n".encode()
        answer = STALE_CONNECTION_RETRY.call(
            lambda: self._exchange(line), _stale, before_retry=self._next_tracker
        )
        status, _, rest = answer.partition(" ")
        if status == "OK":
            return dict(parse_qsl(rest.strip(), keep_blank_values=True))
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


def connect(trackers: Sequence[str], timeout: float) -> Connection:
    """Return a new :class:`Connection` to *trackers* (connected on its first request)."""
    import requests

    return Connection(Tracker(trackers, timeout), requests.Session())
