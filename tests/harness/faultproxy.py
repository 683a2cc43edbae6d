"""A fault-injecting TCP proxy for the reliability tests (loopback only).

Put a :class:`FaultProxy` between a storage and its server, point the storage at the proxy's
port, and arm one fault at a time::

    with FaultProxy(server.port) as proxy:
        storage = S3Storage(endpoint_url=proxy.url, ...)
        proxy.reset_after(512 * 1024, direction=UP)  # the upload dies half-way
        ...

Faults:

- :meth:`~FaultProxy.reset_after` - once *n* bytes have crossed in a direction since arming, the
  connection carrying byte *n* is cut with a TCP reset (both sides);
- :meth:`~FaultProxy.stall_after` - the same connection stops forwarding for *seconds*, then is
  reset (a server that hangs past the client's timeout);
- :meth:`~FaultProxy.fail_requests` - the next *count* connections get a canned HTTP response
  (503 by default) and are closed, as a load balancer in trouble would answer; open connections
  are dropped first so that pooled clients do open new ones;
- :meth:`~FaultProxy.refuse` - every new connection is reset at once (the server is down);
- :meth:`~FaultProxy.retarget` - send new connections to another port (a restarted server).

With ``ftp=True`` the proxy rewrites the port of ``227``/``229`` passive-mode replies on the
control connection and proxies each data connection too, so faults reach FTP transfers.
"""

from __future__ import annotations

import contextlib
import re
import select
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["DOWN", "UP", "FaultProxy"]

#: Client to server (uploads, requests).
UP = "up"
#: Server to client (downloads, responses).
DOWN = "down"

_PASV = re.compile(rb"^227 [^(]*\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)", re.MULTILINE)
_EPSV = re.compile(rb"^229 [^(]*\(\|\|\|(\d+)\|\)", re.MULTILINE)
_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


@dataclass
class _Fault:
    direction: str
    after: int
    stall: float | None  # None: reset at once


def _reset(sock: socket.socket) -> None:
    """Close *sock* with a TCP RST instead of a FIN."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class _Pair:
    """One proxied connection: a client socket, its upstream socket and two pumps."""

    def __init__(
        self, proxy: FaultProxy, client: socket.socket, server: socket.socket, *, control: bool
    ) -> None:
        self.proxy = proxy
        self.client = client
        self.server = server
        self.control = control
        self.closed = threading.Event()
        self._eofs = 0
        self._lock = threading.Lock()

    def start(self) -> None:
        routes = ((self.client, self.server, UP), (self.server, self.client, DOWN))
        for src, dst, direction in routes:
            name = f"proxy-{direction}"
            threading.Thread(
                target=self._pump, args=(src, dst, direction), name=name, daemon=True
            ).start()

    def abort(self) -> None:
        """Reset both sides (idempotent)."""
        if not self.closed.is_set():
            self.closed.set()
            _reset(self.client)
            _reset(self.server)
            self.proxy._forget(self)

    def _half_closed(self, dst: socket.socket) -> bool:
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)
        with self._lock:
            self._eofs += 1
            return self._eofs == 2

    def _pump(self, src: socket.socket, dst: socket.socket, direction: str) -> None:
        try:
            while not self.closed.is_set():
                readable, _, _ = select.select([src], [], [], 0.2)
                if not readable:
                    continue
                data = src.recv(65536)
                if not data:
                    if self._half_closed(dst):
                        self.closed.set()
                        src.close()
                        dst.close()
                        self.proxy._forget(self)
                    return
                if self.control and direction == DOWN:
                    data = self.proxy._rewrite_passive(data)
                forward, fault = self.proxy._account(direction, data)
                if forward:
                    dst.sendall(forward)
                if fault is not None:
                    if fault.stall:
                        self.proxy._stopping.wait(fault.stall)
                    self.abort()
                    return
        except (OSError, ValueError):
            self.abort()


class FaultProxy:
    """A TCP proxy on a free loopback port in front of ``upstream_host:upstream_port``."""

    def __init__(
        self, upstream_port: int, upstream_host: str = "127.0.0.1", *, ftp: bool = False
    ) -> None:
        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self.ftp = ftp
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._pairs: set[_Pair] = set()
        self._fault: _Fault | None = None
        self._counted = {UP: 0, DOWN: 0}
        self._canned: list[bytes] = []
        self._refusing = False
        self._stopping = threading.Event()
        #: Connections accepted so far (data connections of FTP included).
        self.accepted = 0
        #: Faults that fired so far.
        self.fired = 0
        self._thread = threading.Thread(target=self._serve, daemon=True, name="fault-proxy")

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        self.drop_connections()
        self._thread.join(timeout=5)

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._pairs)

    # -- faults ------------------------------------------------------------------------------

    def reset_after(self, nbytes: int, *, direction: str = DOWN) -> None:
        """Reset the connection that carries byte *nbytes* (counted from now) in *direction*."""
        self._arm(_Fault(direction, nbytes, None))

    def stall_after(self, nbytes: int, seconds: float, *, direction: str = DOWN) -> None:
        """Stop forwarding after *nbytes* in *direction* for *seconds*, then reset."""
        self._arm(_Fault(direction, nbytes, seconds))

    def fail_requests(
        self, count: int, status: int = 503, headers: dict[str, str] | None = None
    ) -> None:
        """Answer the next *count* connections with an HTTP *status* and close them."""
        lines = [
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}",
            "Content-Length: 0",
            "Connection: close",
            *(f"{k}: {v}" for k, v in (headers or {}).items()),
        ]
        response = ("\r\n".join(lines) + "\r\n\r\n").encode()
        with self._lock:
            self._canned = [response] * count
        self.drop_connections()

    def refuse(self, refusing: bool = True) -> None:
        """Reset every new connection while *refusing* (and the open ones now)."""
        with self._lock:
            self._refusing = refusing
        if refusing:
            self.drop_connections()

    def retarget(self, port: int) -> None:
        """Send new connections to *port* on the same host."""
        with self._lock:
            self.upstream_port = port

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._fault = None
            self._canned = []
            self._refusing = False

    def drop_connections(self) -> None:
        """Reset every open connection (pooled clients must reconnect)."""
        with self._lock:
            pairs = list(self._pairs)
        for pair in pairs:
            pair.abort()

    @property
    def pending(self) -> bool:
        """Whether an armed fault has not fired yet."""
        with self._lock:
            return self._fault is not None or bool(self._canned)

    # -- internals -----------------------------------------------------------------------------

    def _arm(self, fault: _Fault) -> None:
        with self._lock:
            self._fault = fault
            self._counted = {UP: 0, DOWN: 0}

    def _account(self, direction: str, data: bytes) -> tuple[bytes, _Fault | None]:
        """Count *data*; return what to forward and the fault to apply now, if any."""
        with self._lock:
            fault = self._fault
            before = self._counted[direction]
            self._counted[direction] = before + len(data)
            if fault is None or fault.direction != direction or before + len(data) < fault.after:
                return data, None
            self._fault = None
            self.fired += 1
        return data[: max(fault.after - before, 0)], fault

    def _forget(self, pair: _Pair) -> None:
        with self._lock:
            self._pairs.discard(pair)

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                readable, _, _ = select.select([self._listener], [], [], 0.2)
                if readable:
                    client, _ = self._listener.accept()
                else:
                    continue
            except (OSError, ValueError):
                return
            self._handle(client, self.upstream_port, control=self.ftp)

    def _handle(self, client: socket.socket, port: int, *, control: bool) -> None:
        with self._lock:
            self.accepted += 1
            refusing = self._refusing
            canned = self._canned.pop(0) if self._canned and not refusing else None
        if refusing:
            _reset(client)
            return
        if canned is not None:
            threading.Thread(target=self._answer, args=(client, canned), daemon=True).start()
            return
        try:
            server = socket.create_connection((self.upstream_host, port), timeout=5)
        except OSError:
            _reset(client)  # the server is down: the client sees a reset
            return
        server.settimeout(None)
        pair = _Pair(self, client, server, control=control)
        with self._lock:
            self._pairs.add(pair)
        pair.start()

    @staticmethod
    def _answer(client: socket.socket, response: bytes) -> None:
        """Read one request's head (and a small body) and answer it with *response*."""
        client.settimeout(2)
        received = b""
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in received and len(received) < 65536:
                chunk = client.recv(65536)
                if not chunk:
                    break
                received += chunk
            head, _, body = received.partition(b"\r\n\r\n")
            length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            expects = re.search(rb"(?im)^expect:\s*100-continue", head)
            remaining = int(length.group(1)) - len(body) if length and not expects else 0
            while 0 < remaining <= 8 * 1024 * 1024:
                chunk = client.recv(min(remaining, 65536))
                if not chunk:
                    break
                remaining -= len(chunk)
            client.sendall(response)
        with contextlib.suppress(OSError):
            client.shutdown(socket.SHUT_RDWR)
        client.close()

    def _rewrite_passive(self, data: bytes) -> bytes:
        """Route the data connection of a passive-mode reply through a proxy port of its own."""

        def pasv(match: re.Match[bytes]) -> bytes:
            port = self._data_listener(int(match[5]) * 256 + int(match[6]))
            return b"227 Entering Passive Mode (127,0,0,1,%d,%d)" % divmod(port, 256)

        def epsv(match: re.Match[bytes]) -> bytes:
            return b"229 Entering Extended Passive Mode (|||%d|)" % self._data_listener(
                int(match[1])
            )

        return _EPSV.sub(epsv, _PASV.sub(pasv, data))

    def _data_listener(self, upstream_port: int) -> int:
        listener = socket.create_server(("127.0.0.1", 0))
        listener.settimeout(30)

        def accept_one(handle: Callable[..., None] = self._handle) -> None:
            with listener:
                try:
                    client, _ = listener.accept()
                except OSError:
                    return
            client.settimeout(None)
            handle(client, upstream_port, control=False)

        threading.Thread(target=accept_one, daemon=True, name="proxy-ftp-data").start()
        return int(listener.getsockname()[1])
