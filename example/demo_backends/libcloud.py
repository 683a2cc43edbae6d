"""Apache Libcloud's S3 driver against moto's S3 server (the driver the tests use on moto)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from demo_backends import LOCAL, DemoBackend, s3_port
from tests.harness.catalog import CATALOG
from tests.harness.servers import RunningServer, start

BUCKET = "demo-media"


def provider(server: RunningServer) -> dict[str, Any]:
    """Return the LIBCLOUD_PROVIDERS entry of the demo bucket (as the Libcloud tests build it)."""
    return {
        "type": "libcloud.storage.types.Provider.S3",
        "user": "demo",
        "key": "demo-secret-not-a-real-key",
        "bucket": BUCKET,
        "region": "us-east-1",
        "host": server.host,
        "port": server.port,
        "secure": False,
    }


def setup(workdir: Path) -> DemoBackend:
    from storages.backends.libcloud.connection import driver_spec

    server = start(CATALOG["moto"], workdir, port=s3_port())
    entry = provider(server)
    try:
        driver_class, args, kwargs = driver_spec(entry)
        driver_class(*args, **kwargs).create_container(BUCKET)
    except BaseException:
        server.stop()
        raise
    return DemoBackend(
        backend="storages.backends.apache_libcloud.LibCloudStorage",
        options={"provider_name": "demo", "providers": {"demo": entry}, "location": "media"},
        stop=server.stop,
        where=(
            f"moto's S3 server at {server.url} through Libcloud's S3 driver: bucket {BUCKET}, "
            f"under media/ (a local S3 emulator, {LOCAL})"
        ),
    )
