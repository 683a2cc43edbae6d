"""Amazon S3 through moto's S3 server: media on S3Storage, static files on the manifest storage."""

from __future__ import annotations

from pathlib import Path

from demo_backends import LOCAL, DemoBackend, s3_port
from tests.harness.catalog import CATALOG
from tests.harness.servers import start


def setup(workdir: Path) -> DemoBackend:
    server = start(CATALOG["moto"], workdir, port=s3_port())
    options = {
        "endpoint_url": server.url,
        "access_key": "demo",
        "secret_key": "demo-secret-not-a-real-key",
        "region_name": "us-east-1",
        "auto_create_bucket": True,
    }
    static = {
        "BACKEND": "storages.backends.s3.S3ManifestStaticStorage",
        # Static files are public: browsers fetch them straight from the S3 server.
        "OPTIONS": {
            **options,
            "bucket_name": "demo-static",
            "default_acl": "public-read",
            "bucket_acl": "public-read",
        },
    }
    return DemoBackend(
        backend="storages.backends.s3.S3Storage",
        options={**options, "bucket_name": "demo-media", "location": "media"},
        stop=server.stop,
        where=(
            f"moto's S3 server at {server.url}: media in the bucket demo-media (under media/), "
            f"static files in the public bucket demo-static (a local S3 emulator, {LOCAL})"
        ),
        static=static,
    )
