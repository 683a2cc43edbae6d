"""pouchdb-server: CouchDB's HTTP API (installed from npm by scripts/test-servers/pouchdb.sh).

It runs in "admin party" mode (no admin): creating a database after an admin exists crashes
pouchdb-server 4.2.0 (pouchdb-server#374). It writes its config and log to its working directory.
"""

from __future__ import annotations

import json
import urllib.request

from tests.harness.servers import RunningServer, ServerSpec
from tests.harness.specs import node_binary

__all__ = ["SPECS"]


def _ready(server: RunningServer) -> bool:
    with urllib.request.urlopen(f"{server.url}/", timeout=1) as response:
        return "express-pouchdb" in json.loads(response.read())


SPECS: dict[str, ServerSpec] = {
    "pouchdb": ServerSpec(
        name="pouchdb",
        command=lambda port, workdir: [
            str(node_binary("pouchdb-server")),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(workdir),
            "--config",
            str(workdir / "config.json"),
        ],
        ready=_ready,
        install_hint="npm install pouchdb-server@4.2.0 (scripts/test-servers/pouchdb.sh does it)",
    ),
}
