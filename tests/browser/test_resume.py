"""An upload whose connection drops goes on from what the storage holds: S3 multipart parts,
Azure staged blocks, a Cloud Storage resumable session. No piece crosses the network twice."""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import storages

from tests.browser.conftest import (
    Backends,
    Sample,
    open_form,
    stored_digest,
    upload_and_submit,
)

SIGNING = ["s3", "azure", "gcs"]


def _piece(url: str, headers: dict[str, str]) -> str:
    """Name the piece a request carries: S3's part number, Azure's block ID, the byte range."""
    query = parse_qs(urlsplit(url).query)
    for key in ("partNumber", "blockid"):
        if key in query:
            return query[key][0]
    return headers.get("content-range", url)


class Outage:
    """Let the first piece through, then drop every request to the storage until lifted."""

    def __init__(self) -> None:
        self.state = "first"  # then "down", then "up" (lifted)
        self.dropped = 0

    def lift(self) -> None:
        self.state = "up"

    def __call__(self, route: Any, request: Any) -> None:
        if request.method == "PUT" and self.state == "down":
            self.dropped += 1
            route.abort("connectionreset")
            return
        if request.method == "PUT" and self.state == "first":
            self.state = "down"
        route.continue_()


def _pieces_stored(page: Any, origin: str) -> Counter[str]:
    return Counter(
        _piece(request.url, request.headers)
        for request in page.log.sent_to(origin)
        if request.method == "PUT"
    )


@pytest.mark.parametrize("alias", SIGNING)
def test_an_interrupted_upload_resumes(
    page: Any, site: Any, backends: Backends, samples: dict[str, Sample], alias: str
) -> None:
    sample = samples["12mib.bin"]  # three pieces of 5, 5 and 2 MiB
    origin = backends.origins[alias]
    outage = Outage()
    page.route(lambda url: url.startswith(origin + "/"), outage)
    open_form(page, site, alias, "pieces")
    page.set_input_files("input[type=file]", str(sample.path))
    page.wait_for_selector("[data-storages-direct][data-state=retrying]")
    outage.lift()  # the connection is back
    saved = upload_and_submit_after(page)

    assert outage.dropped >= 1
    assert _pieces_stored(page, origin) == dict.fromkeys(_pieces_stored(page, origin), 1)
    assert len(_pieces_stored(page, origin)) == 3
    assert stored_digest(storages[alias], saved) == sample.sha256
    storages[alias].delete(saved)


def test_an_upload_resumes_after_a_reload(
    page: Any, site: Any, backends: Backends, samples: dict[str, Sample]
) -> None:
    # The ticket waits in localStorage: choosing the same file on a new page resumes.
    sample = samples["12mib.bin"]
    origin = backends.origins["azure"]
    outage = Outage()
    page.route(lambda url: url.startswith(origin + "/"), outage)
    open_form(page, site, "azure", "pieces")
    page.set_input_files("input[type=file]", str(sample.path))
    page.wait_for_selector("[data-storages-direct][data-state=retrying]")
    stored_before = set(_pieces_stored(page, origin))
    open_form(page, site, "azure", "pieces")  # the user leaves, comes back later
    outage.lift()
    assert page.evaluate("() => localStorage.length") == 1
    saved = upload_and_submit(page, sample)

    assert stored_before and len(stored_before) < 3
    pieces = _pieces_stored(page, origin)
    assert pieces == dict.fromkeys(pieces, 1) and len(pieces) == 3
    assert page.evaluate("() => localStorage.length") == 0  # done: forgotten
    assert stored_digest(storages["azure"], saved) == sample.sha256
    storages["azure"].delete(saved)


def upload_and_submit_after(page: Any) -> str:
    """Press the submit button while the upload runs, and return the name the site saved."""
    page.click("button[type=submit]")
    page.wait_for_selector("#saved", timeout=120_000)
    return str(page.inner_text("#saved"))
