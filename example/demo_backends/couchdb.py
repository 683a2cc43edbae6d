"""CouchDB's HTTP API through pouchdb-server: each file a document with an attachment."""

from __future__ import annotations

from pathlib import Path

import requests

from demo_backends import LOCAL, DemoBackend
from tests.backends.couchdb.servers import DATABASE
from tests.harness.catalog import CATALOG
from tests.harness.servers import start

INSTALL = ("pouchdb.sh",)


def setup(workdir: Path) -> DemoBackend:
    server = start(CATALOG["pouchdb"], workdir)
    try:
        response = requests.put(f"{server.url}/{DATABASE}", timeout=10)
        if response.status_code not in (201, 412):  # 412: it exists already
            raise RuntimeError(f"cannot create the CouchDB database: {response.text}")
    except BaseException:
        server.stop()
        raise
    return DemoBackend(
        backend="storages.backends.couchdb.CouchDBStorage",
        options={"server": server.url, "database": DATABASE, "location": "media"},
        stop=server.stop,
        where=(
            f"pouchdb-server (CouchDB's HTTP API) at {server.url}, database {DATABASE}, one "
            f"document per file under media/ (a local stand-in for CouchDB, {LOCAL})"
        ),
    )
