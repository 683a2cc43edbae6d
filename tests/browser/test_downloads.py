"""``storages.views.serve`` in the real browser: the permission hook, then a redirect to a
short-lived signed URL (S3) or the file streamed by Django (the Database backend)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from tests.browser.conftest import Backends

CONTENT = bytes(range(256)) * 4096  # 1 MiB


def _allow(page: Any, site: Any) -> None:
    host = urlsplit(site.url).hostname
    page.context.add_cookies([{"name": "may-read", "value": "yes", "domain": host, "path": "/"}])


def test_a_signing_backend_redirects_to_a_signed_url(
    page: Any, site: Any, backends: Backends
) -> None:
    storage = storages["s3"]
    name = storage.save("reports/q3.bin", ContentFile(CONTENT))
    url = f"{site.url}/files/s3/{name}"
    page.context.clear_cookies()
    assert page.request.get(url, max_redirects=0).status == 403  # the hook says no
    _allow(page, site)
    first = page.request.get(url, max_redirects=0)
    assert first.status == 302
    assert first.headers["location"].startswith(backends.origins["s3"] + "/")
    assert "X-Amz-Expires=60" in first.headers["location"]
    with page.expect_download() as download:
        page.evaluate("url => { location.href = url; }", url)
    assert download.value.path().read_bytes() == CONTENT
    storage.delete(name)


@pytest.mark.django_db(transaction=True)
def test_a_backend_that_cannot_sign_is_streamed_with_ranges(page: Any, site: Any) -> None:
    storage = storages["db"]
    name = storage.save("reports/q3.bin", ContentFile(CONTENT))
    url = f"{site.url}/files/db/{name}"
    page.context.clear_cookies()
    assert page.request.get(url).status == 403
    _allow(page, site)
    whole = page.request.get(url)
    assert whole.status == 200 and whole.body() == CONTENT
    etag = whole.headers["etag"]
    part = page.request.get(url, headers={"Range": "bytes=1000-1999"})
    assert part.status == 206 and part.body() == CONTENT[1000:2000]
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(CONTENT)}"
    assert page.request.get(url, headers={"If-None-Match": etag}).status == 304
    with page.expect_download() as download:
        page.evaluate("url => { location.href = url; }", url)
    assert download.value.path().read_bytes() == CONTENT
    storage.delete(name)
