"""A client of the MogileFS tracker protocol, with failover across trackers.

One request is one line ``command k1=v1&k2=v2\\r\\n`` (URL-encoded); the tracker answers
``OK k=v&...\\r\\n`` or ``ERR code message\\r\\n``. The connection is kept for further requests;
when a tracker cannot be reached (or drops the connection) the next one of the list is tried.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from urllib.parse import parse_qsl, unquote_plus, urlencode

from storages.backends.mogilefs.errors import MogileFSError, TrackerUnavailable

__all__ = ["Tracker"]


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

    def request(self, command: str, **args: str | int) -> dict[str, str]:
        """Send one request and return the answer's values; raise :class:`MogileFSError`."""
        line = f"{command} {urlencode({k: str(v) for k, v in args.items()})}\r\n".encode()
        for attempt in range(2):
            if self._socket is None:
                self._socket = self._connect()
            try:
                self._socket.sendall(line)
                answer = self._readline(self._socket).decode()
                break
            except OSError:
                self.close()
                # A kept connection may have gone stale: retry once on a new one (the next
                # tracker if this one is gone).
                if attempt:
                    raise
                self._current = (self._current + 1) % len(self.hosts)
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
