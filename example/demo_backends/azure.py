"""Azure Blob Storage through Azurite: private media with SAS URLs, public static files.

The 1.x documentation's setup: media in a private container (``url()`` gives expiring SAS
URLs), static files in a container with public read access (plain URLs the browser fetches
from Azurite).
"""

from __future__ import annotations

from pathlib import Path

from azure.storage.blob import BlobServiceClient

from demo_backends import LOCAL, DemoBackend
from tests.harness.catalog import CATALOG
from tests.harness.servers import start
from tests.harness.specs.azurite import ACCOUNT_NAME, connection_string

INSTALL = ("azurite.sh",)


def setup(workdir: Path) -> DemoBackend:
    server = start(CATALOG["azurite"], workdir)
    try:
        conn = connection_string(server)
        with BlobServiceClient.from_connection_string(conn) as service:
            service.create_container("demo-media")
            service.create_container("demo-static", public_access="blob")
    except BaseException:
        server.stop()
        raise
    static = {
        "BACKEND": "storages.backends.azure_storage.AzureStorage",
        "OPTIONS": {
            "connection_string": conn,
            "azure_container": "demo-static",
            "expiration_secs": None,  # a public container: plain URLs
            "file_overwrite": True,
        },
    }
    return DemoBackend(
        backend="storages.backends.azure_storage.AzureStorage",
        options={
            "connection_string": conn,
            "azure_container": "demo-media",
            "location": "media",
            "expiration_secs": 3600,  # a private container: SAS URLs valid for an hour
        },
        stop=server.stop,
        where=(
            f"Azurite's Blob service at {server.url}/{ACCOUNT_NAME}: media in the private "
            f"container demo-media (under media/, SAS links), static files in the public "
            f"container demo-static (a local Azure emulator, {LOCAL})"
        ),
        static=static,
    )
