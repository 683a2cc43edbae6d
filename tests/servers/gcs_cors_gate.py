"""Cloud Storage's CORS layer, in front of gcp-storage-emulator (which stores a bucket's ``cors``
but answers no preflight and sends no CORS header).

A threaded HTTP proxy on a free loopback port: ``OPTIONS`` is answered from the bucket's stored
CORS configuration as Cloud Storage answers it (the origin, the method and every requested
header must be allowed by one entry; else ``403`` without CORS headers), every other request is
forwarded to the emulator with its ``Host`` kept (so the session URIs the emulator makes point
at the gate), and its answer gets ``Access-Control-Allow-Origin`` and the entry's
``responseHeader`` list as ``Access-Control-Expose-Headers`` when an entry allows the origin.
Only CORS is added; storage semantics stay the emulator's.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["CorsGate"]

_BUCKET = re.compile(r"^/(?:(?:upload/|download/)?storage/v1/)?b/([-.\w]+)|^/([-.\w]+)/")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}
_BLOCK = 1024 * 1024


class CorsGate:
    """Serve Cloud Storage's CORS in front of the emulator at *upstream* (``host:port``)."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        gate = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_OPTIONS(self) -> None:
                rule = gate.rule_for(self.path, self.headers.get("Origin"))
                method = self.headers.get("Access-Control-Request-Method", "")
                asked = self.headers.get("Access-Control-Request-Headers", "")
                wanted = {h.strip().lower() for h in asked.split(",") if h.strip()}
                allowed = {h.lower() for h in (rule or {}).get("responseHeader", [])}
                if rule is None or method not in rule.get("method", []) or wanted - allowed:
                    self.send_response(403)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Access-Control-Allow-Origin", self.headers["Origin"])
                self.send_header("Access-Control-Allow-Methods", method)
                if asked:
                    self.send_header("Access-Control-Allow-Headers", asked)
                self.send_header("Access-Control-Max-Age", str(rule.get("maxAgeSeconds", 0)))
                self.send_header("Vary", "Origin")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                upstream = http.client.HTTPConnection(gate.upstream_host, gate.upstream_port)
                upstream.putrequest(self.command, self.path, skip_host=True)
                for name, value in self.headers.items():
                    if name.lower() not in _HOP_BY_HOP:
                        upstream.putheader(name, value)
                upstream.endheaders()
                while length > 0:
                    block = self.rfile.read(min(_BLOCK, length))
                    if not block:
                        break
                    upstream.send(block)
                    length -= len(block)
                answer = upstream.getresponse()
                body = answer.read()
                upstream.close()
                self.send_response(answer.status, answer.reason)
                for name, value in answer.getheaders():
                    if name.lower() not in _HOP_BY_HOP | {"content-length"}:
                        self.send_header(name, value)
                rule = gate.rule_for(self.path, self.headers.get("Origin"))
                if rule is not None and self.command in rule.get("method", []):
                    self.send_header("Access-Control-Allow-Origin", self.headers["Origin"])
                    exposed = ", ".join(rule.get("responseHeader", []))
                    self.send_header("Access-Control-Expose-Headers", exposed)
                    self.send_header("Vary", "Origin")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            # http.server dispatches on these names.
            do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_PATCH = _forward  # noqa: N815

        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def rule_for(self, path: str, origin: str | None) -> dict[str, Any] | None:
        """Return the bucket's CORS entry that allows *origin*, or None."""
        found = _BUCKET.match(path)
        if origin is None or found is None:
            return None
        bucket = found.group(1) or found.group(2)
        url = f"http://{self.upstream_host}:{self.upstream_port}/storage/v1/b/{bucket}"
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                entries = json.load(answer).get("cors", [])
        except OSError:
            return None
        for entry in entries:
            if origin in entry.get("origin", []) or "*" in entry.get("origin", []):
                return dict(entry)
        return None

    def __enter__(self) -> CorsGate:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
