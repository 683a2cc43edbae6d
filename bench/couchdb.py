"""Benchmark the CouchDB backend against plain ``requests`` on CouchDB's HTTP API.

On pouchdb-server (``make bench-couchdb``). 1.14.6 has no CouchDB backend (it was removed in
2017), so the comparison is with the raw client only: ``requests`` on the same
document-with-attachment layout. Requests are counted at the ``requests`` adapter. How the
benchmarks run, and ``BENCH_QUICK=1`` for a smoke run: ``bench/common.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository, not bench/
from bench import common  # noqa: E402

DATABASE = "bench"
ATTACHMENT = "content"
#: pouchdb-server 4.2.0 keeps a whole attachment in memory: 128 MiB fails with "Invalid array
#: length" and 256 MiB crashes it (JavaScript heap out of memory), so the large file is 32 MiB.
BIG = common.scaled(32 * common.MIB)
NOTE = (
    "CouchDBStorage on pouchdb-server 4.2.0 vs plain `requests` on the same documents. "
    "django-storages 1.14.6 has no CouchDB backend, so it has no column. The large file is "
    "32 MiB: pouchdb-server keeps attachments in memory and fails from 128 MiB (256 MiB crashes "
    "it with a JavaScript heap out-of-memory error)."
)


def setup(server: Any) -> tuple[list[str], dict[str, str]]:
    return [server.url], {}


class Couch:
    """The raw client: a ``requests`` session on the database's URL."""

    def __init__(self, server: str) -> None:
        import requests

        self.session = requests.Session()
        # As the storage asks: pouchdb-server would otherwise gzip attachments, and a read of
        # the raw stream would count compressed bytes.
        self.session.headers["Accept-Encoding"] = "identity"
        self.database = f"{server}/{DATABASE}"

    def url(self, name: str, attachment: bool = True) -> str:
        document = f"{self.database}/{quote(name, safe='')}"
        return f"{document}/{ATTACHMENT}" if attachment else document

    def get(self, name: str, attachment: bool = True, **kwargs: Any) -> Any:
        response = self.session.get(self.url(name, attachment), timeout=300, **kwargs)
        response.raise_for_status()
        return response

    def put(self, name: str, body: Any) -> None:
        # The revision to replace (pouchdb-server's HEAD gives no usable ETag).
        document = self.session.get(self.url(name, attachment=False), timeout=30)
        self.session.put(
            self.url(name),
            params={"rev": document.json()["_rev"]} if document.status_code == 200 else None,
            data=body,
            headers={"Content-Type": "application/octet-stream"},
            timeout=300,
        ).raise_for_status()

    def size(self, name: str) -> int:
        return int(self.get(name, attachment=False).json()["_attachments"][ATTACHMENT]["length"])

    def read(self, name: str, size: int = -1) -> int:
        with self.get(name, stream=True) as response:
            return len(response.raw.read(size)) if size >= 0 else common.drain(response.raw)


def prepare(server: str) -> None:
    couch = Couch(server)
    couch.session.put(couch.database, timeout=30).raise_for_status()
    couch.put("small.txt", b"small content")
    couch.put("big.bin", common.Pattern(BIG))


def storage(impl: str, server: str) -> Any:
    common.django_setup()
    from storages.backends.couchdb import CouchDBStorage

    return CouchDBStorage(server=server, database=DATABASE, file_overwrite=True)


RAW = {
    "read_small": lambda couch, tag: couch.get("small.txt").content,
    "exists": lambda couch, tag: couch.session.head(couch.url("small.txt", False), timeout=30),
    "size": lambda couch, tag: couch.size("small.txt"),
    "url": lambda couch, tag: couch.url("small.txt"),
    "save_small": lambda couch, tag: couch.put(f"w-{tag}.txt", b"small"),
    "read_1k": lambda couch, tag: couch.read("big.bin", 1024),
    "read_big": lambda couch, tag: couch.read("big.bin"),
    "save_big": lambda couch, tag: couch.put(f"up-{tag}.bin", common.Pattern(BIG)),
}


client = Couch
count = common.count_requests

if __name__ == "__main__":
    common.main(
        sys.modules[__name__],
        server="pouchdb",
        big=BIG,
        counted="HTTP requests",
        note=NOTE,
        **common.RAW_ONLY,
    )
