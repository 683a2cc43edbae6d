"""Dropbox through the project's stand-in Dropbox API server (tests/servers/dropbox_standin.py).

The site runs in its own process, so it cannot be patched the way the tests point the SDK at
the stand-in (tests/backends/dropbox/standin.py): the SDK reads its API hosts from
``DROPBOX_API_HOST``/``DROPBOX_API_CONTENT_HOST``/``DROPBOX_API_NOTIFY_HOST`` when it is
imported, and requests trusts the stand-in's certificate authority through
``REQUESTS_CA_BUNDLE``. Both travel to the site in ``DemoBackend.env``.
"""

from __future__ import annotations

from pathlib import Path

from demo_backends import LOCAL, DemoBackend
from tests.harness.catalog import CATALOG
from tests.harness.servers import start
from tests.harness.specs.dropbox import TOKEN, ca_path


def setup(workdir: Path) -> DemoBackend:
    server = start(CATALOG["dropbox"], workdir)
    host = f"127.0.0.1:{server.port}"
    return DemoBackend(
        backend="storages.backends.dropbox.DropboxStorage",
        options={"oauth2_access_token": TOKEN, "root_path": "/demo/media", "write_mode": "add"},
        stop=server.stop,
        where=(
            f"the project's stand-in Dropbox API at https://{host}, folder /demo/media "
            f"(not Dropbox: a local imitation of its API, {LOCAL})"
        ),
        env={
            "DROPBOX_API_HOST": host,
            "DROPBOX_API_CONTENT_HOST": host,
            "DROPBOX_API_NOTIFY_HOST": host,
            "REQUESTS_CA_BUNDLE": str(ca_path(server)),
        },
    )
