"""pouchdb-server: CouchDB's HTTP API (installed from npm by scripts/test-servers/pouchdb.sh).

It runs in "admin party" mode (no admin): creating a database after an admin exists crashes
pouchdb-server 4.2.0 (pouchdb-server#374). It writes its config and log to its working directory.
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

from tests.harness.servers import RunningServer, ServerSpec

__all__ = ["SPECS"]

_ROOT = Path(__file__).resolve().parents[3]


def _binary() -> Path:
    servers_dir = Path(os.environ.get("SERVERS_DIR") or _ROOT / ".test-servers")
    return servers_dir / "node_modules" / ".bin" / "pouchdb-server"


def _ready(server: RunningServer) -> bool:
    with urllib.request.urlopen(f"{server.url}/", timeout=1) as response:
        return "express-pouchdb" in json.loads(response.read())


SPECS: dict[str, ServerSpec] = {
    "pouchdb": ServerSpec(
        name="pouchdb",
        command=lambda port, workdir: [
            str(_binary()),
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
