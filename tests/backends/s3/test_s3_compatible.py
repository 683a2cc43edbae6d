"""The settings block of each S3-compatible service's page (docs/backends/s3-compatible/),
as written there, against moto.

Only what a local server cannot be is replaced: the endpoint, the bucket, the credentials, a
location of the test's own and a per-bucket host name (``addressing_style="virtual"`` needs DNS
for each bucket). Every other option of the block is used as the page gives it.
"""

from __future__ import annotations

import re
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils.module_loading import import_string

from storages.backends.s3 import S3Storage
from tests.backends.s3.fixtures import BUCKET, CREDENTIALS
from tests.harness.servers import RunningServer

PAGES = Path(__file__).resolve().parents[3] / "docs" / "backends" / "s3-compatible"
SERVICES = sorted(page.stem for page in PAGES.glob("*.md") if page.stem != "index")
_BLOCK = re.compile(r"## Settings\s+```python\n(?P<code>.*?)```", re.DOTALL)


def settings_of(service: str) -> dict[str, Any]:
    """Run the settings block of the page of *service* and return the settings it defines."""
    match = _BLOCK.search((PAGES / f"{service}.md").read_text())
    assert match, f"{service}.md has no '## Settings' block"
    namespace: dict[str, Any] = {}
    exec(compile(match["code"], f"{service}.md", "exec"), namespace)
    return {name: value for name, value in namespace.items() if name.isupper()}


def test_every_service_users_name_has_a_page() -> None:
    assert SERVICES == [
        "backblaze-b2",
        "cloudflare-r2",
        "digitalocean-spaces",
        "minio",
        "oracle-cloud",
        "scaleway",
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_the_settings_block_works(service: str, moto: RunningServer) -> None:
    entries = settings_of(service)["STORAGES"]
    assert entries, service
    for alias, entry in entries.items():
        backend = import_string(entry["BACKEND"])
        assert issubclass(backend, S3Storage), (service, alias)
        options = {
            **entry["OPTIONS"],
            "endpoint_url": moto.url,
            "bucket_name": BUCKET,
            "location": f"{service}-{uuid.uuid4().hex[:8]}",
            **CREDENTIALS,
        }
        if options.get("addressing_style") == "virtual":
            options["addressing_style"] = "path"
        with backend(**options) as storage:
            name = storage.save("hello.txt", ContentFile(b"hello from " + service.encode()))
            with storage.open(name) as handle:
                assert handle.read() == b"hello from " + service.encode()
            url = storage.url(name)
            custom_domain = entry["OPTIONS"].get("custom_domain")
            if custom_domain:
                assert url.startswith(f"https://{custom_domain}/"), (service, alias)
            else:
                with urllib.request.urlopen(url, timeout=10) as response:
                    assert response.read() == b"hello from " + service.encode()
            storage.delete(name)
            assert not storage.exists(name)
