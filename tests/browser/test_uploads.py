"""Direct uploads in a real browser, on moto (S3), Azurite (Azure) and the Cloud Storage
emulator: the bytes go from the browser to the storage, never through Django."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.storage import storages

from tests.browser.conftest import (
    Backends,
    MiB,
    Sample,
    body_size,
    open_form,
    stored_digest,
    upload_and_submit,
)

SIGNING = ["s3", "azure", "gcs"]
#: The largest request body the site may see during a direct upload (its own JSON and form).
SMALL_BODY = 64 * 1024


def _pending(alias: str) -> list[str]:
    storage = storages[alias]
    return [entry.name for entry in storage.listing("direct-uploads")]


@pytest.mark.parametrize("alias", SIGNING)
@pytest.mark.parametrize("sample_name", ["3mib.bin", "100mib.bin"])
def test_bytes_go_straight_to_the_storage(
    page: Any,
    site: Any,
    backends: Backends,
    samples: dict[str, Sample],
    alias: str,
    sample_name: str,
) -> None:
    sample = samples[sample_name]
    open_form(page, site, alias)
    saved = upload_and_submit(page, sample)

    assert saved == f"uploaded/{sample.path.name}"
    storage = storages[alias]
    entry = storage.stat(saved)
    assert (entry.size, entry.content_type) == (sample.size, "application/octet-stream")
    assert stored_digest(storage, saved) == sample.sha256
    assert _pending(alias) == []  # moved out of the pending prefix
    # The browser's network log: every request to the site is small; the storage got the file.
    to_site = [body_size(request) for request in page.log.sent_to(site.url)]
    assert to_site and max(to_site) < SMALL_BODY
    to_storage = [body_size(request) for request in page.log.sent_to(backends.origins[alias])]
    assert sum(to_storage) >= sample.size
    assert page.log.console_errors == []  # no CSP violation, no script error
    # Memory stays bounded: the page never read the file, and its JS heap stayed small.
    assert page.evaluate("window.__largeReads") == []
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    assert metrics["JSHeapTotalSize"] < 32 * MiB
    storage.delete(saved)
