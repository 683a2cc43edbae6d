"""Benchmark the MogileFS backend against a hand-written tracker client (``make bench-mogilefs``).

On the project's MogileFS stand-in (tracker + storage node). 1.14.6 has no MogileFS backend (it
was removed in 2017), so the comparison is with the raw client only: the tracker protocol on a
socket plus ``requests`` to the storage node. Requests are tracker commands plus storage-node
HTTP requests. How the benchmarks run, and ``BENCH_QUICK=1`` for a smoke run:
``bench/common.py``.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository, not bench/
from bench import common  # noqa: E402

BIG = common.BIG
NOTE = (
    "MogileFSStorage on the project's stand-in tracker + storage node vs a hand-written tracker "
    "client (socket) + `requests`. django-storages 1.14.6 has no MogileFS backend, so it has no "
    "column. Requests are tracker commands plus storage-node HTTP requests."
)


def setup(server: Any) -> tuple[list[str], dict[str, str]]:
    from tests.backends.mogilefs.servers import DOMAIN, prepare, trackers

    return [trackers(prepare(server))[0], DOMAIN], {}


class RawTracker:
    """The smallest client: one kept tracker connection, one line per command, and ``requests``
    to the storage node."""

    def __init__(self, address: str, domain: str) -> None:
        import requests

        host, _, port = address.rpartition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        self.reader = self.sock.makefile("rb")
        self.domain = domain
        self.http = requests.Session()

    def request(self, command: str, **args: Any) -> dict[str, str]:
        query = urlencode({"domain": self.domain, **args})
        self.sock.sendall(f"{command} {query}\r\n".encode())
        status, _, rest = self.reader.readline().decode().strip().partition(" ")
        if status != "OK":
            raise RuntimeError(f"{command}: {rest}")
        return dict(parse_qsl(rest, keep_blank_values=True))

    def put(self, key: str, body: Any, size: int) -> None:
        opened = self.request("create_open", key=key, fid=0)
        self.http.put(opened["path"], data=body, timeout=300).raise_for_status()
        closing = {name: opened[name] for name in ("fid", "devid", "path")}
        self.request("create_close", key=key, size=size, **closing)

    def get(self, key: str, **kwargs: Any) -> Any:
        path = self.request("get_paths", key=key, noverify=1)["path1"]
        response = self.http.get(path, timeout=300, **kwargs)
        response.raise_for_status()
        return response

    def read_all(self, key: str) -> int:
        with self.get(key, stream=True) as response:
            return common.drain(response.raw)


def prepare(address: str, domain: str) -> None:
    tracker = RawTracker(address, domain)
    tracker.put("small.txt", b"small content", 13)
    tracker.put("big.bin", common.Pattern(BIG), BIG)


def storage(impl: str, address: str, domain: str) -> Any:
    common.django_setup()
    from storages.backends.mogilefs import MogileFSStorage

    return MogileFSStorage(
        domain=domain, trackers=[address], media_url="/mogilefs/", file_overwrite=True
    )


def count(impl: str, target: Any) -> dict[str, int]:
    """Count storage-node requests at the ``requests`` adapter, and tracker commands as the
    lines sent on a socket: a lowercase command and its arguments (HTTP's request lines start
    with an uppercase method; the bodies here have no such line)."""

    def command(_socket: Any, data: Any, *args: Any) -> str | None:
        head = bytes(data[:32])
        if head[:1].islower() and bytes(data[-2:]) == b"\r\n":
            return head.split(b" ", 1)[0].decode()
        return None

    return common.count_calls(socket.socket, "sendall", command, common.count_http())


RAW = {
    "read_small": lambda raw, tag: raw.get("small.txt").content,
    "exists": lambda raw, tag: raw.request("file_info", key="small.txt"),
    "size": lambda raw, tag: int(raw.request("file_info", key="small.txt")["length"]),
    "url": lambda raw, tag: "/mogilefs/" + quote("small.txt"),
    "save_small": lambda raw, tag: raw.put(f"w-{tag}.txt", b"small", 5),
    "read_1k": lambda raw, tag: raw.get("big.bin", headers={"Range": "bytes=0-1023"}).content,
    "read_big": lambda raw, tag: raw.read_all("big.bin"),
    "save_big": lambda raw, tag: raw.put(f"up-{tag}.bin", common.Pattern(BIG), BIG),
}

client = RawTracker

if __name__ == "__main__":
    common.main(sys.modules[__name__], server="mogilefs", note=NOTE, **common.RAW_ONLY)
