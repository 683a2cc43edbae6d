"""A stand-in for MogileFS: a tracker (its text protocol on TCP) and one HTTP storage node.

MogileFS (mogilefsd + mogstored, Perl) cannot be installed today. This process speaks what
the storage backend uses, with the wire format of the real tracker: one request line
``command k1=v1&k2=v2\\r\\n`` (URL-encoded), answered by ``OK k=v&...\\r\\n`` or
``ERR code message\\r\\n``; several requests per connection.

Commands: ``noop``, ``create_domain``, ``create_class``, ``get_domains``, ``create_open``
(``fid``, ``devid``, ``path`` or with ``multi_dest=1`` ``dev_count``, ``path_N``, ``devid_N``),
``create_close`` (checks that the node holds ``size`` bytes at ``path``), ``get_paths``,
``file_info``, ``delete``, ``rename``, ``list_keys`` (``key_count``, ``next_after``, ``key_N``;
``ERR none_match`` when nothing matches). Error codes: ``unknown_key``, ``key_exists``,
``domain_not_found``, ``domain_exists``, ``unreg_class``, ``no_temp_file``, ``size_mismatch``,
``none_match``, ``unknown_command``, ``no_domain``, ``no_key``.

The storage node answers ``PUT``, ``GET`` (with ``Range``), ``HEAD`` and ``DELETE`` under
``/dev1/``; its contents live on disk in the working directory. ``--copies 2`` makes
``get_paths`` return a second path that is dead (nothing listens), so clients must fall back.

Run: ``python mogilefs_standin.py --port 7001 --workdir DIR [--copies 2]``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import itertools
import os
import re
import shutil
import socket
import socketserver
import tempfile
import threading
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import parse_qsl, urlencode

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class TrackerError(Exception):
    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.message = message or code.replace("_", " ")


class State:
    """Domains, classes, keys and files; one lock for all of it."""

    def __init__(self, root: Path, node_url: str, copies: int, dead_url: str) -> None:
        self.root = root
        self.node_url = node_url
        self.copies = copies
        self.dead_url = dead_url
        self.lock = threading.Lock()
        self.domains: dict[str, dict[str, Any]] = {}
        self.fids = itertools.count(1)
        self.temp: dict[int, tuple[str, str, str, str]] = {}

    def _domain(self, args: dict[str, str]) -> dict[str, Any]:
        name = args.get("domain", "")
        if not name:
            raise TrackerError("no_domain")
        if name not in self.domains:
            raise TrackerError("domain_not_found")
        return self.domains[name]

    def _key(self, args: dict[str, str], field: str = "key") -> str:
        key = args.get(field, "")
        if not key:
            raise TrackerError("no_key")
        return key

    def _node_file(self, path: str) -> Path:
        return self.root / path.removeprefix(self.node_url + "/").replace("/", "_")

    def _paths(self, record: dict[str, Any]) -> list[str]:
        paths = [record["path"]]
        if self.copies > 1:
            paths.insert(0, self.dead_url + "/dev2/" + record["path"].rsplit("/", 1)[1])
        return paths

    def handle(self, command: str, args: dict[str, str]) -> dict[str, str]:
        with self.lock:
            if command == "noop":
                return {}
            if command == "create_domain":
                name = args.get("domain", "")
                if name in self.domains:
                    raise TrackerError("domain_exists")
                self.domains[name] = {"classes": {"default"}, "keys": {}}
                return {"domain": name}
            if command == "create_class":
                domain = self._domain(args)
                domain["classes"].add(args.get("class", ""))
                return {"domain": args["domain"], "class": args.get("class", "")}
            if command == "get_domains":
                reply = {"domains": str(len(self.domains))}
                for index, name in enumerate(sorted(self.domains), 1):
                    reply[f"domain{index}"] = name
                return reply
            if command == "create_open":
                domain = self._domain(args)
                key = self._key(args)
                klass = args.get("class") or "default"
                if klass not in domain["classes"]:
                    raise TrackerError("unreg_class")
                fid = next(self.fids)
                path = f"{self.node_url}/dev1/0/000/000/{fid:010d}.fid"
                self.temp[fid] = (args["domain"], key, klass, path)
                if args.get("multi_dest") == "1":
                    return {"fid": str(fid), "dev_count": "1", "devid_1": "1", "path_1": path}
                return {"fid": str(fid), "devid": "1", "path": path}
            if command == "create_close":
                domain = self._domain(args)
                fid = int(args.get("fid", "0"))
                if fid not in self.temp or self.temp[fid][3] != args.get("path"):
                    raise TrackerError("no_temp_file")
                _, key, klass, path = self.temp.pop(fid)
                stored = self._node_file(path)
                size = stored.stat().st_size if stored.exists() else -1
                if size != int(args.get("size", "-1")):
                    raise TrackerError("size_mismatch", f"expected {args.get('size')}, got {size}")
                old = domain["keys"].get(key)
                domain["keys"][key] = {"fid": fid, "path": path, "class": klass, "length": size}
                if old is not None:
                    self._node_file(old["path"]).unlink(missing_ok=True)
                return {}
            if command == "get_paths":
                record = self._domain(args)["keys"].get(self._key(args))
                if record is None:
                    raise TrackerError("unknown_key")
                paths = self._paths(record)
                reply = {"paths": str(len(paths))}
                for index, path in enumerate(paths, 1):
                    reply[f"path{index}"] = path
                return reply
            if command == "file_info":
                key = self._key(args)
                record = self._domain(args)["keys"].get(key)
                if record is None:
                    raise TrackerError("unknown_key")
                return {
                    "fid": str(record["fid"]),
                    "devcount": str(self.copies),
                    "length": str(record["length"]),
                    "class": record["class"],
                    "domain": args["domain"],
                    "key": key,
                }
            if command == "delete":
                record = self._domain(args)["keys"].pop(self._key(args), None)
                if record is None:
                    raise TrackerError("unknown_key")
                self._node_file(record["path"]).unlink(missing_ok=True)
                return {}
            if command == "rename":
                keys = self._domain(args)["keys"]
                source, target = self._key(args, "from_key"), self._key(args, "to_key")
                if source not in keys:
                    raise TrackerError("unknown_key")
                if target in keys:
                    raise TrackerError("key_exists")
                keys[target] = keys.pop(source)
                return {}
            if command == "list_keys":
                keys = self._domain(args)["keys"]
                prefix, after = args.get("prefix", ""), args.get("after", "")
                limit = min(int(args.get("limit") or 1000), 1000)
                found = sorted(k for k in keys if k.startswith(prefix) and (not after or k > after))
                found = found[:limit]
                if not found:
                    raise TrackerError("none_match")
                reply = {"key_count": str(len(found)), "next_after": found[-1]}
                for index, key in enumerate(found, 1):
                    reply[f"key_{index}"] = key
                return reply
        raise TrackerError("unknown_command")


class TrackerHandler(socketserver.StreamRequestHandler):
    state: State

    def handle(self) -> None:
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            command, _, query = line.partition(" ")
            args = dict(parse_qsl(query, keep_blank_values=True))
            try:
                reply = "OK " + urlencode(self.state.handle(command.lower(), args))
            except TrackerError as error:
                reply = f"ERR {error.code} {urlencode({'m': error.message})[2:]}"
            self.wfile.write(reply.encode() + b"\r\n")
            self.wfile.flush()


class NodeHandler(http.server.BaseHTTPRequestHandler):
    state: State
    protocol_version = "HTTP/1.1"
    # This handler writes a response's headers and its body separately: with Nagle's algorithm
    # a small body then waits for the client's delayed ACK (40 ms a response), a cost of how
    # the stand-in writes, not of the protocol, which hid every client's own time on reads.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _file(self) -> Path:
        return self.state._node_file(self.state.node_url + self.path)

    def _empty(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_PUT(self) -> None:
        length = int(self.headers.get("Content-Length", "-1"))
        if length < 0:
            self._empty(411)
            return
        target = self._file()
        fd, temp = tempfile.mkstemp(dir=self.state.root, prefix=".put-")
        with os.fdopen(fd, "wb") as out:
            remaining = length
            while remaining:
                block = self.rfile.read(min(remaining, 256 * 1024))
                if not block:
                    break
                out.write(block)
                remaining -= len(block)
        if remaining:
            os.unlink(temp)
            self._empty(400)
            return
        os.replace(temp, target)
        self._empty(201)

    def do_GET(self, head: bool = False) -> None:
        # Open first, then measure: a file replaced or deleted in between (a concurrent save
        # or delete) is then served whole from the open handle, as mogstored does.
        try:
            handle = self._file().open("rb")
        except (FileNotFoundError, IsADirectoryError):
            self._empty(404)
            return
        with handle:
            self._send(handle, head)

    def _send(self, handle: BinaryIO, head: bool) -> None:
        size = os.fstat(handle.fileno()).st_size
        start, end, status = 0, size - 1, 200
        match = _RANGE.match(self.headers.get("Range", ""))
        if match and (match.group(1) or match.group(2)):
            first, last = match.groups()
            start = int(first) if first else max(size - int(last), 0)
            end = min(int(last), size - 1) if first and last else size - 1
            if start >= size:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(max(end - start + 1, 0)))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if head:
            return
        handle.seek(start)
        remaining = end - start + 1
        while remaining > 0:
            block = handle.read(min(remaining, 256 * 1024))
            if not block:
                break
            self.wfile.write(block)
            remaining -= len(block)

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def do_DELETE(self) -> None:
        target = self._file()
        existed = target.is_file()
        target.unlink(missing_ok=True)
        self._empty(204 if existed else 404)


class _Threaded(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--copies", type=int, default=1)
    options = parser.parse_args()
    root = options.workdir / "node"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)

    node = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NodeHandler)
    node.daemon_threads = True
    state = State(root, f"http://127.0.0.1:{node.server_address[1]}", options.copies, _dead_url())
    NodeHandler.state = state
    TrackerHandler.state = state
    tracker = _Threaded(("127.0.0.1", options.port), TrackerHandler)
    threading.Thread(target=node.serve_forever, daemon=True).start()
    print(f"tracker on {options.port}, storage node on {state.node_url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        tracker.serve_forever()


if __name__ == "__main__":
    main()
