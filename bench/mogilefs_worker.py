"""One MogileFS benchmark measurement, run in a fresh process so peak RSS belongs to it alone.

Usage: python mogilefs_worker.py IMPL OP TRACKER DOMAIN; prints one JSON object. IMPL is
``ours`` (``MogileFSStorage``) or ``raw`` (the tracker protocol written by hand on a socket, plus
``requests`` to the storage node). django-storages 1.14.6 has no MogileFS backend, so there is no
third column. Requests are tracker commands plus HTTP requests to the storage node.
"""

from __future__ import annotations

import json
import socket
import statistics
import sys
import time
from typing import Any, cast
from urllib.parse import parse_qsl, quote, urlencode

import requests
from s3_worker import BIG, CHUNK, Pattern, peak_rss

LARGE = {"read_1k_of_256m", "read_256m", "save_256m"}


class RawTracker:
    """The smallest tracker client: one kept connection, one line per request."""

    def __init__(self, address: str, domain: str, counts: dict[str, int]) -> None:
        host, _, port = address.rpartition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        self.reader = self.sock.makefile("rb")
        self.domain = domain
        self.counts = counts

    def __call__(self, command: str, **args: Any) -> dict[str, str]:
        self.counts["requests"] += 1
        query = urlencode({"domain": self.domain, **args})
        self.sock.sendall(f"{command} {query}\r\n".encode())
        status, _, rest = self.reader.readline().decode().strip().partition(" ")
        if status != "OK":
            raise RuntimeError(f"{command}: {rest}")
        return dict(parse_qsl(rest, keep_blank_values=True))


def setup() -> None:
    import django
    from django.conf import settings

    settings.configure(USE_TZ=True, SECRET_KEY="bench")
    django.setup()


def run_raw(op: str, tracker: RawTracker, http: requests.Session) -> None:
    def put(key: str, body: Any, size: int) -> None:
        opened = tracker("create_open", key=key, fid=0)
        http.put(opened["path"], data=body, timeout=300).raise_for_status()
        tracker(
            "create_close",
            fid=opened["fid"],
            devid=opened["devid"],
            key=key,
            path=opened["path"],
            size=size,
        )

    if op == "read_small":
        path = tracker("get_paths", key="small.txt", noverify=1)["path1"]
        http.get(path, timeout=30).raise_for_status()
    elif op in ("exists", "size"):
        int(tracker("file_info", key="small.txt")["length"])
    elif op == "url":
        "/mogilefs/" + quote("small.txt")
    elif op == "save_small":
        put("w-raw.txt", b"small", 5)
    elif op == "read_1k_of_256m":
        path = tracker("get_paths", key="big.bin", noverify=1)["path1"]
        headers = {"Range": "bytes=0-1023"}
        assert len(http.get(path, headers=headers, timeout=30).content) == 1024
    elif op == "read_256m":
        path = tracker("get_paths", key="big.bin", noverify=1)["path1"]
        with http.get(path, stream=True, timeout=300) as response:
            while response.raw.read(CHUNK):
                pass
    elif op == "save_256m":
        put("up-raw.bin", Pattern(BIG), BIG)
    else:
        raise SystemExit(f"unknown op {op}")


def run_ours(op: str, storage: Any) -> None:
    from django.core.files.base import ContentFile, File

    if op == "read_small":
        with storage.open("small.txt", "rb") as handle:
            handle.read()
    elif op == "exists":
        assert storage.exists("small.txt")
    elif op == "size":
        storage.size("small.txt")
    elif op == "url":
        storage.url("small.txt")
    elif op == "save_small":
        storage.save("w-ours.txt", ContentFile(b"small"))
    elif op == "read_1k_of_256m":
        with storage.open("big.bin", "rb") as handle:
            assert len(handle.read(1024)) == 1024
    elif op == "read_256m":
        with storage.open("big.bin", "rb") as handle:
            while handle.read(CHUNK):
                pass
    elif op == "save_256m":
        storage.save("up-ours.bin", File(cast(Any, Pattern(BIG)), name="up.bin"))
    else:
        raise SystemExit(f"unknown op {op}")


def main() -> None:
    impl, op, address, domain = sys.argv[1:5]
    setup()
    from storages.backends.mogilefs import MogileFSStorage, tracker

    counts = {"requests": 0}

    def count(response: Any, *args: Any, **kwargs: Any) -> None:
        counts["requests"] += 1

    storage = MogileFSStorage(
        domain=domain, trackers=[address], media_url="/mogilefs/", file_overwrite=True
    )
    if impl == "ours":
        # Warm up: the tracker connection open and the storage's client made.
        storage.exists("warm-up")
        http = storage.client.http
        plain = tracker.Tracker.request

        def counting(self: Any, command: str, **args: Any) -> dict[str, str]:
            counts["requests"] += 1
            return plain(self, command, **args)

        tracker.Tracker.request = counting  # type: ignore[method-assign]
    else:
        http = requests.Session()
        raw = RawTracker(address, domain, counts)
        raw("noop")
        counts["requests"] = 0
    http.hooks["response"].append(count)
    repeat = 3 if op in LARGE else 25
    baseline = peak_rss()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        if impl == "raw":
            run_raw(op, raw, http)
        else:
            run_ours(op, storage)
        timings.append(time.perf_counter() - started)
    print(
        json.dumps(
            {
                "impl": impl,
                "op": op,
                "seconds": statistics.median(timings),
                "rss_delta": max(0, peak_rss() - baseline),
                "requests": counts["requests"] / repeat,
            }
        )
    )


if __name__ == "__main__":
    main()
