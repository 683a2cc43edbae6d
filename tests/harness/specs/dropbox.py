"""The project's Dropbox API stand-in (tests/servers/dropbox_standin.py): HTTPS on loopback.

Its working directory holds ``ca.pem``, the certificate authority a client must trust.
"""

from __future__ import annotations

import json
import ssl
import urllib.request
from pathlib import Path
from typing import Any

from tests.harness.servers import RunningServer, ServerSpec
from tests.harness.specs import standin_command

__all__ = ["SPECS", "ca_path", "standin_call"]

#: Credentials the stand-in accepts (test values, not secrets).
TOKEN = "test-token"
APP_KEY = "test-app-key"
APP_SECRET = "test-app-secret"
REFRESH_TOKEN = "test-refresh-token"
#: Entries per list_folder page: small, so every listing of a few files pages.
PAGE_SIZE = 3

#: The stand-in's credentials and page size, as its command-line options.
_OPTIONS = [
    "--token", TOKEN, "--app-key", APP_KEY, "--app-secret", APP_SECRET,
    "--refresh-token", REFRESH_TOKEN, "--page-size", str(PAGE_SIZE),
]  # fmt: skip


def ca_path(server: RunningServer) -> Path:
    """Return the CA certificate that signs the stand-in's TLS certificate."""
    return server.workdir / "ca.pem"


def standin_call(server: RunningServer, route: str, method: str = "GET") -> Any:
    """Call one of the stand-in's own ``/_standin/`` routes (not Dropbox API routes)."""
    context = ssl.create_default_context(cafile=str(ca_path(server)))
    request = urllib.request.Request(
        f"https://127.0.0.1:{server.port}/_standin/{route}",
        data=b"" if method == "POST" else None,
        method=method,
    )
    with urllib.request.urlopen(request, timeout=5, context=context) as response:
        return json.loads(response.read())


def _ready(server: RunningServer) -> bool:
    return bool(ca_path(server).exists() and standin_call(server, "health")["ok"])


def _reset(server: RunningServer) -> None:
    standin_call(server, "reset", "POST")


SPECS: dict[str, ServerSpec] = {
    "dropbox": ServerSpec(
        name="dropbox",
        command=standin_command("dropbox_standin.py", *_OPTIONS),
        ready=_ready,
        reset=_reset,
        install_hint="pip install trustme (the dev extra has it)",
    ),
}
