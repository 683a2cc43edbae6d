"""Google Cloud Storage through gcp-storage-emulator: media and public static files.

Google's client library finds the emulator through ``STORAGE_EMULATOR_HOST`` (and then needs
no credentials), so the site gets that variable. Static files are ``publicRead``: their URLs
are plain ones the browser fetches from the emulator. The emulator keeps a bucket's CORS
configuration but does not apply it, so the site talks to it through the tests' CORS gate
(``tests/servers/gcs_cors_gate.py``), which answers as Cloud Storage does: the browser's
direct uploads (``/direct/``) need it.
"""

from __future__ import annotations

from pathlib import Path

from demo_backends import LOCAL, DemoBackend
from tests.backends.gcs.conftest import ensure_bucket
from tests.harness.catalog import CATALOG
from tests.harness.servers import start
from tests.servers.gcs_cors_gate import CorsGate

PROJECT = "demo-project"


def setup(workdir: Path) -> DemoBackend:
    server = start(CATALOG["gcs"], workdir)
    try:
        for bucket in ("demo-media", "demo-static"):
            ensure_bucket(server, bucket)
    except BaseException:
        server.stop()
        raise
    gate = CorsGate(server.host, server.port).__enter__()

    def stop() -> None:
        gate.__exit__(None, None, None)
        server.stop()

    static = {
        "BACKEND": "storages.backends.gcloud.GoogleCloudStorage",
        "OPTIONS": {
            "bucket_name": "demo-static",
            "project_id": PROJECT,
            "default_acl": "publicRead",
        },
    }
    return DemoBackend(
        backend="storages.backends.gcloud.GoogleCloudStorage",
        options={"bucket_name": "demo-media", "project_id": PROJECT, "location": "media"},
        stop=stop,
        static=static,
        where=(
            f"gcp-storage-emulator at {server.url}: media in the bucket demo-media (under "
            f"media/), static files in the public bucket demo-static (a local Google Cloud "
            f"Storage emulator, {LOCAL})"
        ),
        env={"STORAGE_EMULATOR_HOST": gate.url},
    )
