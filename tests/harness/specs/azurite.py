"""Azurite's Blob service (installed from npm by scripts/test-servers/azurite.sh)."""

from __future__ import annotations

import urllib.error
import urllib.request

from tests.harness.servers import RunningServer, ServerSpec
from tests.harness.specs import node_binary

__all__ = ["ACCOUNT_KEY", "ACCOUNT_NAME", "SPECS", "connection_string"]

#: Azurite's well-known development account (public, documented by Microsoft).
ACCOUNT_NAME = "devstoreaccount1"
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


def connection_string(server: RunningServer) -> str:
    """Return the connection string of the development account on *server*."""
    return (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT_NAME};AccountKey={ACCOUNT_KEY};"
        f"BlobEndpoint={server.url}/{ACCOUNT_NAME};"
    )


def _ready(server: RunningServer) -> bool:
    # Azurite answers 400 to a bare GET: any HTTP answer means it is listening.
    try:
        with urllib.request.urlopen(f"{server.url}/", timeout=1):
            return True
    except urllib.error.HTTPError:
        return True


SPECS: dict[str, ServerSpec] = {
    "azurite": ServerSpec(
        name="azurite",
        # The SDK speaks a newer x-ms-version than Azurite 3.37 knows; the API version check is
        # the only thing --skipApiVersionCheck relaxes (signatures are still verified).
        command=lambda port, workdir: [
            str(node_binary("azurite-blob")),
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            str(port),
            "--location",
            str(workdir / "data"),
            "--loose",
            "--skipApiVersionCheck",
            "--disableTelemetry",
        ],
        ready=_ready,
        install_hint="bash scripts/test-servers/azurite.sh (npm install of azurite@3.37.0)",
        startup_timeout=60.0,
    ),
}
