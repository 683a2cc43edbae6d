"""Backends that cannot sign get the same widget, posting to the streaming view: here the
Database backend, in the real browser."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.storage import storages

from tests.browser.conftest import Sample, body_size, open_form, stored_digest, upload_and_submit


@pytest.mark.django_db(transaction=True)
def test_the_database_backend_takes_the_same_widget(
    page: Any, site: Any, samples: dict[str, Sample]
) -> None:
    sample = samples["3mib.bin"]
    open_form(page, site, "db")
    saved = upload_and_submit(page, sample)

    storage = storages["db"]
    assert saved == f"uploaded/{sample.path.name}"
    assert stored_digest(storage, saved) == sample.sha256
    assert list(storage.listing("direct-uploads")) == []
    # Here the bytes do go through Django: one PUT to the streaming view, streamed to the table.
    streamed = [r for r in page.log.sent_to(site.url) if r.url.endswith("/direct/upload/")]
    assert [(r.method, body_size(r)) for r in streamed] == [("PUT", sample.size)]
    assert page.log.console_errors == []


@pytest.mark.django_db(transaction=True)
def test_the_streaming_view_refuses_a_body_other_than_declared(
    page: Any, site: Any, samples: dict[str, Sample]
) -> None:
    open_form(page, site, "db", "strict")
    answer = page.evaluate(
        """async () => {
            const root = document.querySelector("[data-storages-direct]");
            const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
            const headers = {"Content-Type": "application/json", "X-CSRFToken": csrf};
            const signed = await (await fetch(root.dataset.signUrl, {method: "POST", headers,
                body: JSON.stringify({policy: root.dataset.policy, name: "a.bin", size: 10,
                                      type: "application/octet-stream"})})).json();
            const put = await fetch(signed.plan.pieces[0].url, {method: "PUT", body:
                new Blob([new Uint8Array(5 * 1024 * 1024)]), headers: {"X-CSRFToken": csrf,
                "X-Upload-Ticket": signed.ticket, "Content-Type": "application/octet-stream"}});
            return [put.status, (await put.json()).error];
        }"""
    )
    assert answer == [400, "The request must carry exactly 10 bytes."]
    assert list(storages["db"].listing("")) == []
