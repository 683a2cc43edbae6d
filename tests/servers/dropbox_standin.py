"""A stand-in for the Dropbox API v2, for tests that drive the official ``dropbox`` SDK.

Dropbox has no emulator. This server speaks the routes the storage backend uses, over HTTPS on
loopback, with the wire formats of the real API: route arguments as JSON (in the body for RPC
routes, in the ``Dropbox-API-Arg`` header for upload and download routes), results in the body
or the ``Dropbox-API-Result`` header, errors as 409 unions (``path/not_found``,
``path/conflict/file``, ``lookup_failed/incorrect_offset`` ...) and 401 ``AuthError`` unions.
It checks the bearer token and the ``content_hash`` the SDK sends with every upload call, pages
``list_folder`` in small pages, and serves ``get_temporary_link`` links over GET.

Paths are case-insensitive and case-preserving, as on Dropbox; uploads create missing parent
folders. File contents live on disk in the working directory, so large files cost no memory.

Run: ``python dropbox_standin.py --port 9443 --workdir DIR [--token T] [--page-size 3]``.
The CA certificate clients must trust is written to ``DIR/ca.pem`` (made with ``trustme``).

Test-only routes (not part of the Dropbox API): ``GET /_standin/health``, ``GET
/_standin/stats`` (requests per route and upload checks), ``POST /_standin/expire-tokens``
(make every token issued by ``oauth2/token`` expire), ``POST /_standin/fail?count=N&status=S``
(the next N API calls answer S with ``Retry-After: 0``, as Dropbox signals transient errors:
``503`` with a plain body, ``429`` with a ``too_many_requests`` union; ``GET
/_standin/fail`` says how many are left) and ``POST /_standin/reset``.
"""

from __future__ import annotations

import argparse
import base64
import collections
import contextlib
import hashlib
import itertools
import json
import os
import re
import secrets
import shutil
import ssl
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import parse_qs

BLOCK = 4 * 1024 * 1024
COPY_CHUNK = 256 * 1024
LINK_LIFETIME = 4 * 3600
TOKEN_LIFETIME = 4 * 3600


class ApiError(Exception):
    """A route error, sent as the route's 409 error union."""

    def __init__(self, error: Any, status: int = 409) -> None:
        super().__init__(error)
        self.error = error
        self.status = status


class AuthFailure(Exception):
    """An authentication error, sent as a 401 ``AuthError`` union."""

    def __init__(self, tag: str) -> None:
        super().__init__(tag)
        self.tag = tag


class BadRequest(Exception):
    """A 400 with a plain-text body, as the real API answers malformed calls."""


def summary_of(error: Any) -> str:
    """Return the ``error_summary`` of an error union, as the real API writes it."""
    parts: list[str] = []
    current = error
    while isinstance(current, dict) and ".tag" in current:
        label = current[".tag"]
        parts.append(label)
        current = current.get(label, current.get("reason"))
    return "/".join(parts) + "/..."


def tag(name: str, value: Any = None) -> dict[str, Any]:
    return {".tag": name} if value is None else {".tag": name, name: value}


def not_found(outer: str = "path") -> ApiError:
    return ApiError(tag(outer, tag("not_found")))


def conflict(kind: str) -> dict[str, Any]:
    return tag("conflict", tag(kind))


class DropboxHash:
    """Dropbox's content hash: SHA-256 over the SHA-256 of each 4 MiB block."""

    def __init__(self) -> None:
        self._overall = hashlib.sha256()
        self._block = hashlib.sha256()
        self._pos = 0

    def update(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self._pos == BLOCK:
                self._overall.update(self._block.digest())
                self._block = hashlib.sha256()
                self._pos = 0
            take = min(BLOCK - self._pos, len(view))
            self._block.update(view[:take])
            self._pos += take
            view = view[take:]

    def hexdigest(self) -> str:
        overall = self._overall.copy()
        if self._pos:
            overall.update(self._block.digest())
        return overall.hexdigest()


def now_text() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Entry:
    """One file or folder of the namespace."""

    kind: str  # "file" or "folder"
    path_display: str
    id: str
    rev: str = ""
    size: int = 0
    blob: Path | None = None
    content_hash: str = ""
    server_modified: str = field(default_factory=now_text)
    client_modified: str = ""

    @property
    def name(self) -> str:
        return self.path_display.rsplit("/", 1)[-1]

    def metadata(self, *, tagged: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {".tag": self.kind} if tagged else {}
        data.update(
            name=self.name,
            id=self.id,
            path_lower=self.path_display.lower(),
            path_display=self.path_display,
        )
        if self.kind == "file":
            data.update(
                client_modified=self.client_modified or self.server_modified,
                server_modified=self.server_modified,
                rev=self.rev,
                size=self.size,
                is_downloadable=True,
                content_hash=self.content_hash,
            )
        return data


@dataclass
class Session:
    blob: Path
    offset: int = 0
    closed: bool = False


class Dropbox:
    """The state of one account: namespace, sessions, cursors, links and tokens."""

    def __init__(self, workdir: Path, token: str, page_size: int, app: tuple[str, str, str]):
        self.blobs = workdir / "blobs"
        shutil.rmtree(self.blobs, ignore_errors=True)
        self.blobs.mkdir(parents=True)
        self.static_token = token
        self.app_key, self.app_secret, self.refresh_token = app
        self.page_size = page_size
        self.lock = threading.RLock()
        self.stats: collections.Counter[str] = collections.Counter()
        self.revs = itertools.count(0x100000000)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.entries: dict[str, Entry] = {}
            self.sessions: dict[str, Session] = {}
            self.cursors: dict[str, tuple[list[dict[str, Any]], int]] = {}
            self.links: dict[str, tuple[str, float]] = {}
            self.issued: dict[str, float] = {}
            self.failures: list[int] = []
            self.stats.clear()
            for blob in self.blobs.iterdir():
                blob.unlink()

    # -- auth -------------------------------------------------------------------------------
    def check_token(self, header: str | None, route: str) -> None:
        if not header:
            raise BadRequest(
                f'Error in call to API function "{route}": Must provide HTTP header '
                '"Authorization" or URL parameter "authorization".'
            )
        scheme, _, token = header.partition(" ")
        if scheme != "Bearer" or not token:
            raise AuthFailure("invalid_access_token")
        if token == self.static_token:
            return
        with self.lock:
            expires = self.issued.get(token)
        if expires is None:
            raise AuthFailure("invalid_access_token")
        if expires < time.time():
            raise AuthFailure("expired_access_token")

    def issue_token(self, form: dict[str, str]) -> dict[str, Any]:
        if form.get("grant_type") != "refresh_token":
            raise ApiError({"error": "unsupported_grant_type"}, 400)
        if form.get("client_id") != self.app_key or (
            "client_secret" in form and form["client_secret"] != self.app_secret
        ):
            # What Dropbox answers for a wrong app key or secret: the reason in "error" itself.
            raise ApiError({"error": "invalid_client: Invalid client_id or client_secret"}, 400)
        if not self.refresh_token or form.get("refresh_token") != self.refresh_token:
            raise ApiError(
                {"error": "invalid_grant", "error_description": "refresh token is malformed"}, 400
            )
        token = "sl." + secrets.token_urlsafe(24)
        with self.lock:
            self.issued[token] = time.time() + TOKEN_LIFETIME
        return {"access_token": token, "token_type": "bearer", "expires_in": TOKEN_LIFETIME}

    def expire_tokens(self) -> None:
        with self.lock:
            self.issued = dict.fromkeys(self.issued, 0.0)

    # -- namespace --------------------------------------------------------------------------
    @staticmethod
    def check_path(path: str, *, root_ok: bool = False) -> str:
        if path == "" and root_ok:
            return ""
        if not path.startswith("/") or path == "/" or path.endswith("/") or "//" in path:
            raise ApiError(tag("path", tag("malformed_path")))
        return path

    def lookup(self, path: str) -> Entry:
        entry = self.entries.get(path.lower())
        if entry is None:
            raise not_found()
        return entry

    def new_id(self) -> str:
        return "id:" + base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")[:22]

    def ensure_parents(self, path: str) -> None:
        parts = path.split("/")[1:-1]
        for depth in range(1, len(parts) + 1):
            parent = "/" + "/".join(parts[:depth])
            existing = self.entries.get(parent.lower())
            if existing is None:
                self.entries[parent.lower()] = Entry("folder", parent, self.new_id())
            elif existing.kind == "file":
                raise ApiError(tag("path", conflict("file_ancestor")))

    def commit(self, path: str, blob: Path, size: int, arg: dict[str, Any]) -> Entry:
        """Store *blob* as the file *path*, under the write mode of *arg*."""
        mode = arg.get("mode", "add")
        mode_tag = mode[".tag"] if isinstance(mode, dict) else mode
        digest = content_hash_of(blob)
        with self.lock:
            existing = self.entries.get(path.lower())
            if existing is not None and existing.kind == "folder":
                blob.unlink()
                raise ApiError(conflict("folder"))
            if existing is not None and mode_tag != "overwrite":
                same = existing.content_hash == digest and not arg.get("strict_conflict")
                wanted_rev = mode.get("update") if isinstance(mode, dict) else None
                if same:
                    blob.unlink()
                    return existing
                if mode_tag == "update" and wanted_rev == existing.rev:
                    pass
                elif arg.get("autorename"):
                    path = self.free_name(path)
                    existing = None
                else:
                    blob.unlink()
                    raise ApiError(conflict("file"))
            self.ensure_parents(path)
            if existing is not None and existing.blob is not None:
                existing.blob.unlink(missing_ok=True)
            entry = Entry(
                "file",
                path if existing is None else existing.path_display,
                existing.id if existing is not None else self.new_id(),
                rev=f"{next(self.revs):012x}",
                size=size,
                blob=blob,
                content_hash=digest,
                client_modified=arg.get("client_modified") or "",
            )
            self.entries[path.lower()] = entry
            return entry

    def free_name(self, path: str) -> str:
        stem, dot, ext = path.rpartition(".")
        if not dot or "/" in ext:
            stem, dot, ext = path, "", ""
        for number in itertools.count(1):
            candidate = f"{stem} ({number}){dot}{ext}"
            if candidate.lower() not in self.entries:
                return candidate
        raise AssertionError("unreachable")

    def children(self, path: str) -> list[Entry]:
        prefix = path.lower() + "/"
        return [
            entry
            for key, entry in sorted(self.entries.items())
            if key.startswith(prefix) and "/" not in key[len(prefix) :]
        ]

    def delete(self, path: str) -> Entry:
        with self.lock:
            entry = self.entries.get(path.lower())
            if entry is None:
                raise ApiError(tag("path_lookup", tag("not_found")))
            doomed = [
                k for k in self.entries if k == path.lower() or k.startswith(path.lower() + "/")
            ]
            for key in doomed:
                removed = self.entries.pop(key)
                if removed.blob is not None:
                    removed.blob.unlink(missing_ok=True)
            return entry

    def new_blob(self) -> Path:
        return self.blobs / uuid.uuid4().hex


def content_hash_of(blob: Path) -> str:
    digest = DropboxHash()
    with blob.open("rb") as handle:
        while chunk := handle.read(COPY_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: StandinServer
    # Headers and body are written separately: with Nagle's algorithm the body would wait for
    # the client's delayed ACK (about 40 ms an answer), a cost of this stand-in, not of Dropbox,
    # which hid every client's own time.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        # The TLS handshake runs here, in the connection's own thread: a client that stalls it
        # must not hold up the accept loop (and with it every other client).
        self.request.do_handshake()
        super().setup()

    @property
    def box(self) -> Dropbox:
        return self.server.box

    # -- plumbing ---------------------------------------------------------------------------
    def send(
        self,
        status: int,
        body: bytes = b"",
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Dropbox-Request-Id", uuid.uuid4().hex)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status: int, value: Any) -> None:
        self.send(status, json.dumps(value).encode())

    def body_length(self) -> int:
        return int(self.headers.get("Content-Length") or 0)

    def read_body(self) -> bytes:
        self._consumed = True
        return self.rfile.read(self.body_length())

    def receive_to(self, blob: Path, append: bool = False) -> tuple[int, str]:
        """Stream the request body to *blob*; return its length and content hash."""
        self._consumed = True
        remaining = self.body_length()
        digest = DropboxHash()
        with blob.open("ab" if append else "wb") as out:
            while remaining:
                chunk = self.rfile.read(min(COPY_CHUNK, remaining))
                if not chunk:
                    raise BadRequest("The request body ended early")
                digest.update(chunk)
                out.write(chunk)
                remaining -= len(chunk)
        return self.body_length(), digest.hexdigest()

    def header_arg(self) -> dict[str, Any]:
        raw = self.headers.get("Dropbox-API-Arg")
        if raw is None:
            raise BadRequest('Missing "Dropbox-API-Arg" header')
        return dict(json.loads(raw))

    def check_hash(self, arg: dict[str, Any], actual: str, error: dict[str, Any]) -> None:
        sent = arg.get("content_hash")
        if sent is None:
            self.box.stats["uploads without content_hash"] += 1
            return
        if sent != actual:
            self.box.stats["content_hash mismatches"] += 1
            raise ApiError(error)
        self.box.stats["content_hash verified"] += 1

    # -- dispatch ---------------------------------------------------------------------------
    def do_GET(self) -> None:
        if self.path == "/_standin/health":
            self.send_json(200, {"ok": True})
        elif self.path == "/_standin/stats":
            with self.box.lock:
                self.send_json(200, dict(self.box.stats))
        elif self.path == "/_standin/fail":
            with self.box.lock:
                self.send_json(200, {"pending": len(self.box.failures)})
        elif self.path.startswith("/cd/0/get/"):
            self.serve_link()
        else:
            self.send(404, b"Not Found", "text/plain")

    def do_POST(self) -> None:
        self._consumed = False
        path = self.path.split("?", 1)[0]
        try:
            if path.startswith("/_standin/"):
                self.admin(path)
            elif path == "/oauth2/token":
                self.box.stats["oauth2/token"] += 1
                form = {k: v[0] for k, v in parse_qs(self.read_body().decode()).items()}
                self.send_json(200, self.box.issue_token(form))
            elif path.startswith("/2/"):
                if not self.injected_failure():
                    self.route(path[3:])
            else:
                self.read_body()
                self.send(404, b"Unknown API function", "text/plain")
        except ApiError as exc:
            if exc.status == 409:
                value = {"error_summary": summary_of(exc.error), "error": exc.error}
                self.send_json(409, value)
            else:
                self.send_json(exc.status, exc.error)
        except AuthFailure as exc:
            with self.box.lock:
                self.box.stats[f"401 {exc.tag}"] += 1
            self.read_body_quietly()
            value = {"error_summary": f"{exc.tag}/...", "error": tag(exc.tag)}
            self.send_json(401, value)
        except BadRequest as exc:
            self.read_body_quietly()
            self.send(400, str(exc).encode(), "text/plain; charset=utf-8")

    def read_body_quietly(self) -> None:
        # The body may have been consumed already; a keep-alive connection needs it gone.
        if not self._consumed:
            self.read_body()

    def injected_failure(self) -> bool:
        """Answer this API call with the next armed failure, if any (``/_standin/fail``)."""
        with self.box.lock:
            status = self.box.failures.pop(0) if self.box.failures else None
            if status is not None:
                self.box.stats[f"injected {status}"] += 1
        if status is None:
            return False
        self.read_body()
        headers = {"Retry-After": "0"}
        if status == 429:
            error = {"reason": tag("too_many_requests"), "retry_after": 0}
            body = {"error_summary": "too_many_requests/...", "error": error}
            self.send(429, json.dumps(body).encode(), headers=headers)
        else:
            self.send(status, b"Service Unavailable", "text/plain", headers)
        return True

    def admin(self, path: str) -> None:
        self.read_body()
        if path == "/_standin/reset":
            self.box.reset()
        elif path == "/_standin/fail":
            query = parse_qs(self.path.partition("?")[2])
            count, status = int(query["count"][0]), int(query.get("status", ["503"])[0])
            with self.box.lock:
                self.box.failures = [status] * count
        elif path == "/_standin/expire-tokens":
            self.box.expire_tokens()
        else:
            raise BadRequest(f"unknown admin route {path}")
        self.send_json(200, {"ok": True})

    def route(self, name: str) -> None:
        handler = ROUTES.get(name)
        if handler is None:
            raise BadRequest(f"Unknown API function: {name!r}")
        style = STYLES.get(name, "rpc")
        self.box.check_token(self.headers.get("Authorization"), name)
        with self.box.lock:
            self.box.stats[name] += 1
        if style == "rpc":
            if self.headers.get("Content-Type", "").split(";")[0] != "application/json":
                raise BadRequest(
                    f'Error in call to API function "{name}": Bad HTTP "Content-Type" header'
                )
            arg = json.loads(self.read_body() or b"null")
            self.send_json(200, handler(self, arg))
        elif style == "upload":
            if self.headers.get("Content-Type") != "application/octet-stream":
                raise BadRequest(
                    f'Error in call to API function "{name}": Bad HTTP "Content-Type" header'
                )
            arg = self.header_arg()
            self.send_json(200, handler(self, arg))
        else:  # download
            self.read_body()
            handler(self, self.header_arg())

    # -- routes -----------------------------------------------------------------------------
    def get_current_account(self, arg: Any) -> dict[str, Any]:
        return {
            "account_id": "dbid:" + "A" * 35,
            "name": {
                "given_name": "Test",
                "surname": "Standin",
                "familiar_name": "Test",
                "display_name": "Test Standin",
                "abbreviated_name": "TS",
            },
            "email": "standin@example.com",
            "email_verified": True,
            "disabled": False,
            "locale": "en",
            "referral_link": "https://db.tt/standin",
            "is_paired": False,
            "account_type": tag("basic"),
            "root_info": {".tag": "user", "root_namespace_id": "1", "home_namespace_id": "1"},
            "country": "US",
        }

    def upload(self, arg: dict[str, Any]) -> dict[str, Any]:
        blob = self.box.new_blob()
        size, digest = self.receive_to(blob)
        try:
            self.check_hash(arg, digest, tag("content_hash_mismatch"))
            path = self.box.check_path(arg["path"])
        except ApiError:
            blob.unlink()
            raise
        try:
            entry = self.box.commit(path, blob, size, arg)
        except ApiError as exc:
            # A union member of struct type is sent inline: its fields sit beside ".tag".
            failed = {".tag": "path", "reason": exc.error, "upload_session_id": uuid.uuid4().hex}
            raise ApiError(failed) from None
        return entry.metadata(tagged=False)

    def session_start(self, arg: dict[str, Any]) -> dict[str, Any]:
        blob = self.box.new_blob()
        _, digest = self.receive_to(blob)
        try:
            self.check_hash(arg, digest, tag("content_hash_mismatch"))
        except ApiError:
            blob.unlink()
            raise
        session_id = "pid_upload_session:" + secrets.token_urlsafe(24)
        with self.box.lock:
            self.box.sessions[session_id] = Session(
                blob, blob.stat().st_size, bool(arg.get("close"))
            )
        return {"session_id": session_id}

    def session_for(self, cursor: dict[str, Any], wrap: str | None) -> Session:
        def fail(error: dict[str, Any]) -> ApiError:
            return ApiError(tag(wrap, error) if wrap else error)

        with self.box.lock:
            session = self.box.sessions.get(cursor["session_id"])
        if session is None:
            raise fail(tag("not_found"))
        if session.offset != cursor["offset"]:
            raise fail({".tag": "incorrect_offset", "correct_offset": session.offset})
        return session

    @contextlib.contextmanager
    def appending(self, session: Session, arg: dict[str, Any]) -> Iterator[tuple[int, int]]:
        """Append the request body to the session's blob and check its hash; yield the blob's
        size before and the size appended. An ``ApiError`` (a wrong hash, or one the block
        raises) cuts the blob back: a rejected append leaves the session as it was."""
        before = session.blob.stat().st_size
        size, digest = self.receive_to(session.blob, append=True)
        try:
            self.check_hash(arg, digest, tag("content_hash_mismatch"))
            yield before, size
        except ApiError:
            with session.blob.open("r+b") as handle:
                handle.truncate(before)
            raise

    def session_append(self, arg: dict[str, Any]) -> None:
        try:
            session = self.session_for(arg["cursor"], None)
            if session.closed:
                raise ApiError(tag("closed"))
        except ApiError:
            self.read_body()
            raise
        with self.appending(session, arg) as (_, size):
            session.offset += size
            session.closed = bool(arg.get("close"))

    def session_finish(self, arg: dict[str, Any]) -> dict[str, Any]:
        try:
            session = self.session_for(arg["cursor"], "lookup_failed")
        except ApiError:
            self.read_body()
            raise
        with self.appending(session, arg) as (before, size):
            path = self.box.check_path(arg["commit"]["path"])
        with self.box.lock:
            self.box.sessions.pop(arg["cursor"]["session_id"], None)
        try:
            entry = self.box.commit(path, session.blob, before + size, arg["commit"])
        except ApiError as exc:
            raise ApiError(tag("path", exc.error)) from None
        return entry.metadata(tagged=False)

    def download(self, arg: dict[str, Any]) -> None:
        path = self.box.check_path(arg["path"])
        with self.box.lock:
            entry = self.box.lookup(path)
            # Opened under the lock: a concurrent upload replaces (unlinks) the blob, and the
            # download must still send the revision it found, whole, as Dropbox does.
            handle = entry.blob.open("rb") if entry.kind == "file" and entry.blob else None
        if handle is None:
            raise ApiError(tag("path", tag("not_file")))
        with handle:
            self.send_revision(entry, handle)

    def send_revision(self, entry: Entry, handle: BinaryIO) -> None:
        start, end = 0, entry.size - 1
        status = 200
        headers = {"Dropbox-API-Result": json.dumps(entry.metadata(tagged=False))}
        wanted = self.headers.get("Range")
        if wanted:
            match = re.fullmatch(r"bytes=(\d+)-(\d*)", wanted.strip())
            if not match or int(match.group(1)) >= max(entry.size, 1):
                self.send(416, b"", "text/plain", {"Content-Range": f"bytes */{entry.size}"})
                return
            start = int(match.group(1))
            if match.group(2):
                end = min(end, int(match.group(2)))
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{entry.size}"
        self.stream_blob(handle, start, end, status, headers)

    def stream_blob(
        self, handle: BinaryIO, start: int, end: int, status: int, headers: dict[str, str]
    ) -> None:
        length = max(0, end - start + 1)
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(length))
        self.send_header("X-Dropbox-Request-Id", uuid.uuid4().hex)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        handle.seek(start)
        remaining = length
        while remaining:
            chunk = handle.read(min(COPY_CHUNK, remaining))
            if not chunk:
                break
            self.wfile.write(chunk)
            remaining -= len(chunk)

    def get_metadata(self, arg: dict[str, Any]) -> dict[str, Any]:
        path = self.box.check_path(arg["path"])
        with self.box.lock:
            return self.box.lookup(path).metadata()

    def list_folder(self, arg: dict[str, Any]) -> dict[str, Any]:
        path = self.box.check_path(arg["path"], root_ok=True)
        limit = int(arg.get("limit") or 2000)
        if not 1 <= limit <= 2000:
            raise BadRequest('Error in call to API function "files/list_folder": limit')
        with self.box.lock:
            if path:
                folder = self.box.lookup(path)
                if folder.kind != "folder":
                    raise ApiError(tag("path", tag("not_folder")))
            if arg.get("recursive"):
                prefix = path.lower() + "/"
                found = [e for k, e in sorted(self.box.entries.items()) if k.startswith(prefix)]
            else:
                found = self.box.children(path)
            entries = [entry.metadata() for entry in found]
            return self.page(entries, 0, limit)

    def page(self, entries: list[dict[str, Any]], start: int, limit: int) -> dict[str, Any]:
        size = min(limit, self.box.page_size)
        cursor = "AA" + secrets.token_urlsafe(32)
        self.box.cursors[cursor] = (entries, start + size)
        if len(self.box.cursors) > 10_000:
            self.box.cursors.pop(next(iter(self.box.cursors)))
        return {
            "entries": entries[start : start + size],
            "cursor": cursor,
            "has_more": start + size < len(entries),
        }

    def list_folder_continue(self, arg: dict[str, Any]) -> dict[str, Any]:
        with self.box.lock:
            state = self.box.cursors.get(arg["cursor"])
            if state is None:
                raise ApiError(tag("reset"))
            entries, start = state
            return self.page(entries, start, 2000)

    def delete_v2(self, arg: dict[str, Any]) -> dict[str, Any]:
        try:
            path = self.box.check_path(arg["path"])
        except ApiError:
            raise ApiError(tag("path_lookup", tag("malformed_path"))) from None
        return {"metadata": self.box.delete(path).metadata()}

    def create_folder_v2(self, arg: dict[str, Any]) -> dict[str, Any]:
        path = self.box.check_path(arg["path"])
        with self.box.lock:
            existing = self.box.entries.get(path.lower())
            if existing is not None:
                raise ApiError(tag("path", conflict(existing.kind)))
            try:
                self.box.ensure_parents(path)
            except ApiError:
                raise ApiError(tag("path", conflict("file_ancestor"))) from None
            entry = Entry("folder", path, self.box.new_id())
            self.box.entries[path.lower()] = entry
            return {"metadata": entry.metadata(tagged=False)}

    def get_temporary_link(self, arg: dict[str, Any]) -> dict[str, Any]:
        path = self.box.check_path(arg["path"])
        with self.box.lock:
            entry = self.box.lookup(path)
            if entry.kind != "file":
                raise ApiError(tag("path", tag("not_file")))
            token = secrets.token_urlsafe(32)
            self.box.links[token] = (entry.path_display.lower(), time.time() + LINK_LIFETIME)
        host, port = self.server.server_address[:2]
        return {
            "metadata": entry.metadata(tagged=False),
            "link": f"https://{host}:{port}/cd/0/get/{token}/file",
        }

    def serve_link(self) -> None:
        token = self.path[len("/cd/0/get/") :].split("/", 1)[0]
        with self.box.lock:
            self.box.stats["temporary link GET"] += 1
            target = self.box.links.get(token)
            entry = self.box.entries.get(target[0]) if target and target[1] > time.time() else None
            handle = entry.blob.open("rb") if entry is not None and entry.blob else None
        if entry is None or handle is None:
            self.send(410, b"This link has expired or the file no longer exists", "text/plain")
            return
        with handle:
            self.stream_blob(handle, 0, entry.size - 1, 200, {})


ROUTES: dict[str, Any] = {
    "users/get_current_account": Handler.get_current_account,
    "files/upload": Handler.upload,
    "files/upload_session/start": Handler.session_start,
    "files/upload_session/append_v2": Handler.session_append,
    "files/upload_session/finish": Handler.session_finish,
    "files/download": Handler.download,
    "files/get_metadata": Handler.get_metadata,
    "files/list_folder": Handler.list_folder,
    "files/list_folder/continue": Handler.list_folder_continue,
    "files/delete_v2": Handler.delete_v2,
    "files/create_folder_v2": Handler.create_folder_v2,
    "files/get_temporary_link": Handler.get_temporary_link,
}
STYLES = {
    "files/upload": "upload",
    "files/upload_session/start": "upload",
    "files/upload_session/append_v2": "upload",
    "files/upload_session/finish": "upload",
    "files/download": "download",
}


class StandinServer(ThreadingHTTPServer):
    daemon_threads = True
    box: Dropbox

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return  # a client that went away (a reset, a failed handshake): nothing to report
        super().handle_error(request, client_address)


def make_certificates(workdir: Path) -> ssl.SSLContext:
    """Write ``ca.pem`` for clients and return the server's TLS context (trustme certificates)."""
    import trustme

    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    ca.cert_pem.write_to_path(str(workdir / "ca.pem"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    leaf.configure_cert(context)
    return context


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=9443)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--token", default="test-token")
    parser.add_argument("--app-key", default="test-app-key")
    parser.add_argument("--app-secret", default="test-app-secret")
    parser.add_argument("--refresh-token", default="test-refresh-token")
    parser.add_argument("--page-size", type=int, default=3)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    context = make_certificates(args.workdir)
    server = StandinServer(("127.0.0.1", args.port), Handler)
    server.box = Dropbox(
        args.workdir,
        args.token,
        args.page_size,
        (args.app_key, args.app_secret, args.refresh_token),
    )
    server.socket = context.wrap_socket(
        server.socket, server_side=True, do_handshake_on_connect=False
    )
    print(f"Dropbox stand-in on https://127.0.0.1:{args.port} (pid {os.getpid()})", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
