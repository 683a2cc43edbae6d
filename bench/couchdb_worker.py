"""One CouchDB benchmark measurement, run in a fresh process so peak RSS belongs to it alone.

Usage: python couchdb_worker.py IMPL OP SERVER DATABASE; prints one JSON object. IMPL is
``ours`` (``CouchDBStorage``) or ``raw`` (``requests`` against CouchDB's HTTP API, the same
document-with-attachment layout). django-storages 1.14.6 has no CouchDB backend, so there is no
third column. Requests are counted with ``requests``' response hooks.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from typing import Any, cast
from urllib.parse import quote

import requests
from s3_worker import CHUNK, Pattern, peak_rss

LARGE = {"read_1k_of_32m", "read_32m", "save_32m"}
#: pouchdb-server 4.2.0 keeps a whole attachment in memory: 128 MiB fails with "Invalid array
#: length" and 256 MiB crashes it (JavaScript heap out of memory), so the large file is 32 MiB.
BIG = 32 * 1024 * 1024
ATTACHMENT = "content"


def setup() -> None:
    import django
    from django.conf import settings

    settings.configure(USE_TZ=True, SECRET_KEY="bench")
    django.setup()


def run_raw(op: str, session: requests.Session, database: str) -> None:
    def url(name: str, attachment: bool = True) -> str:
        doc = f"{database}/{quote(name, safe='')}"
        return f"{doc}/{ATTACHMENT}" if attachment else doc

    def put(name: str, body: Any) -> None:
        # The revision to replace (pouchdb-server's HEAD gives no usable ETag).
        document = session.get(url(name, attachment=False), timeout=30)
        params = {"rev": document.json()["_rev"]} if document.status_code == 200 else None
        response = session.put(
            url(name),
            params=params,
            data=body,
            headers={"Content-Type": "application/octet-stream"},
            timeout=300,
        )
        response.raise_for_status()

    if op == "read_small":
        session.get(url("small.txt"), timeout=30).raise_for_status()
    elif op == "exists":
        assert session.head(url("small.txt", attachment=False), timeout=30).status_code == 200
    elif op == "size":
        document = session.get(url("small.txt", attachment=False), timeout=30).json()
        int(document["_attachments"][ATTACHMENT]["length"])
    elif op == "url":
        url("small.txt")
    elif op == "save_small":
        put("w-raw.txt", b"small")
    elif op == "read_1k_of_32m":
        with session.get(url("big.bin"), stream=True, timeout=300) as response:
            assert len(response.raw.read(1024)) == 1024
    elif op == "read_32m":
        with session.get(url("big.bin"), stream=True, timeout=300) as response:
            while response.raw.read(CHUNK):
                pass
    elif op == "save_32m":
        put("up-raw.bin", Pattern(BIG))
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
    elif op == "read_1k_of_32m":
        with storage.open("big.bin", "rb") as handle:
            assert len(handle.read(1024)) == 1024
    elif op == "read_32m":
        with storage.open("big.bin", "rb") as handle:
            while handle.read(CHUNK):
                pass
    elif op == "save_32m":
        storage.save("up-ours.bin", File(cast(Any, Pattern(BIG)), name="up.bin"))
    else:
        raise SystemExit(f"unknown op {op}")


def main() -> None:
    impl, op, server, database = sys.argv[1:5]
    setup()
    from storages.backends.couchdb import CouchDBStorage

    storage = CouchDBStorage(server=server, database=database, file_overwrite=True)
    session = storage.client if impl == "ours" else requests.Session()
    # Warm up: the connection open and the storage's client made.
    session.get(f"{server}/{database}", timeout=30).raise_for_status()
    counts = {"requests": 0}

    def count(response: Any, *args: Any, **kwargs: Any) -> None:
        counts["requests"] += 1

    session.hooks["response"].append(count)
    repeat = 3 if op in LARGE else 25
    baseline = peak_rss()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        if impl == "raw":
            run_raw(op, session, f"{server}/{database}")
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
