"""The fault proxy forwards faithfully and injects exactly the fault it was armed with."""

from __future__ import annotations

import http.client
import http.server
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.harness.faultproxy import DOWN, UP, FaultProxy

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        self.wfile.write(PAYLOAD)

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:0] + str(len(body)).encode().ljust(len(body), b" "))

    def log_message(self, *args: object) -> None:
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the resets are the point of these tests, not news for stderr


@pytest.fixture(scope="module")
def http_server() -> Iterator[int]:
    server = _QuietServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy(http_server: int) -> Iterator[FaultProxy]:
    with FaultProxy(http_server) as proxy:
        yield proxy


def _get(proxy: FaultProxy, timeout: float = 5) -> bytes:
    connection = http.client.HTTPConnection(proxy.host, proxy.port, timeout=timeout)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        assert response.status == 200
        return response.read()
    finally:
        connection.close()


def test_forwards_both_ways(proxy: FaultProxy) -> None:
    assert _get(proxy) == PAYLOAD
    connection = http.client.HTTPConnection(proxy.host, proxy.port, timeout=5)
    connection.request("PUT", "/", body=PAYLOAD)
    assert connection.getresponse().read().strip() == str(len(PAYLOAD)).encode()
    connection.close()
    assert proxy.fired == 0


def test_reset_downstream_truncates_the_response(proxy: FaultProxy) -> None:
    proxy.reset_after(300_000, direction=DOWN)
    with pytest.raises((http.client.IncompleteRead, ConnectionError)):
        _get(proxy)
    assert proxy.fired == 1
    assert _get(proxy) == PAYLOAD  # one fault, then normal service


def test_reset_upstream_breaks_the_upload(proxy: FaultProxy) -> None:
    proxy.reset_after(300_000, direction=UP)
    connection = http.client.HTTPConnection(proxy.host, proxy.port, timeout=5)
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        connection.request("PUT", "/", body=PAYLOAD)
        connection.getresponse().read()
    connection.close()
    assert proxy.fired == 1


def test_stall_outlasts_the_client_timeout(proxy: FaultProxy) -> None:
    proxy.stall_after(100_000, 3.0, direction=DOWN)
    started = time.monotonic()
    with pytest.raises((TimeoutError, socket.timeout)):
        _get(proxy, timeout=0.5)
    assert time.monotonic() - started < 2.5


def test_canned_errors_then_service(proxy: FaultProxy) -> None:
    proxy.fail_requests(2, 503, {"Retry-After": "0"})
    for _ in range(2):
        connection = http.client.HTTPConnection(proxy.host, proxy.port, timeout=5)
        connection.request("PUT", "/", body=b"x" * 1000)
        response = connection.getresponse()
        assert (response.status, response.getheader("Retry-After")) == (503, "0")
        connection.close()
    assert _get(proxy) == PAYLOAD


def test_refuse_and_retarget(proxy: FaultProxy, http_server: int) -> None:
    proxy.refuse()
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        _get(proxy)
    proxy.refuse(False)
    proxy.retarget(http_server)
    assert _get(proxy) == PAYLOAD
