"""FTPS through pyftpdlib with explicit TLS: media on FTPStorage, the certificate verified.

The server requires TLS on the control and the data connections; the storage checks its
certificate (issued for 127.0.0.1) against the test CA the harness wrote.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from demo_backends import LOCAL, DemoBackend
from tests.harness.catalog import CATALOG
from tests.harness.servers import start
from tests.harness.specs.ftp import USER


def setup(workdir: Path) -> DemoBackend:
    server = start(CATALOG["pyftpdlib-tls"], workdir)
    password = quote((workdir / "password").read_text(), safe="")
    options = {
        "location": f"ftps://{USER}:{password}@{server.host}:{server.port}/media",
        "tls_ca_file": str(workdir / "ca.pem"),
        "base_url": "/files/",
    }
    return DemoBackend(
        backend="storages.backends.ftp.FTPStorage",
        options=options,
        stop=server.stop,
        where=(
            f"pyftpdlib's FTP server with TLS at ftps://{USER}@{server.host}:{server.port}, "
            f"directory /media (a local FTPS server, {LOCAL})"
        ),
    )
