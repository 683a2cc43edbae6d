"""A client that breaks the rules is refused, and nothing it sent is kept.

The hostile client (``hostile.js``) runs in the real browser, with the site's cookies, against
the field ``strict`` (at most 4 MiB, PNG images or binary data). Where the storage enforces the
signature itself (Azurite: a SAS for one blob) its refusal is checked; moto and the Cloud
Storage emulator do not check POST policy conditions or declared sizes, so there the server's
own check at completion is what refuses, and deletes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import storages

from tests.browser.conftest import MiB, Sample, open_form

SIGNING = ["s3", "azure", "gcs"]
HOSTILE = (Path(__file__).parent / "hostile.js").read_text()


def _kept(alias: str) -> list[str]:
    """Return every file the test left in *alias*'s location."""
    return [entry.name for entry in storages[alias].listing("")]


def _attack(page: Any, tamper: str, **sizes: Any) -> dict[str, Any]:
    args = {"tamper": tamper, "declaredSize": MiB, "sentSize": MiB, "declaredType": "image/png"}
    return dict(page.evaluate(HOSTILE, {**args, **sizes}))


@pytest.fixture
def empty(site: Any) -> Iterator[None]:
    """Start and leave the storages' test locations empty."""

    def clear() -> None:
        for alias in SIGNING:
            for name in _kept(alias):
                storages[alias].delete(name)

    clear()
    yield
    clear()


@pytest.mark.parametrize("alias", SIGNING)
def test_a_larger_body_than_signed_is_refused(
    page: Any, site: Any, empty: None, alias: str
) -> None:
    open_form(page, site, alias, "strict")
    answer = _attack(page, "size", sentSize=5 * MiB)  # the field takes 4 MiB at most
    assert answer["stage"] == "complete"
    assert answer["status"] == 400, answer
    assert "nothing was kept" in answer["error"] or "larger" in answer["error"]
    assert _kept(alias) == []


@pytest.mark.parametrize("alias", SIGNING)
def test_a_type_outside_the_field_is_refused_before_signing(
    page: Any, site: Any, empty: None, alias: str
) -> None:
    open_form(page, site, alias, "strict")
    answer = _attack(page, "none", declaredType="text/html")
    assert answer == {"stage": "sign", "status": 400, "error": answer["error"]}
    assert "text/html" in answer["error"]
    assert _kept(alias) == []


@pytest.mark.parametrize("alias", ["s3", "azure"])
def test_a_type_changed_at_the_storage_is_refused(
    page: Any, site: Any, empty: None, alias: str
) -> None:
    # S3: the POST's Content-Type field; Azure: the client commits the blocks with its own type.
    # (Cloud Storage fixes the type when the server opens the session.)
    open_form(page, site, alias, "strict")
    answer = _attack(page, "type")
    assert answer["stored"] < 300  # neither moto nor the SAS refuses this
    assert answer["status"] == 400, answer
    assert "type" in answer["error"]
    assert _kept(alias) == []


def test_another_key_is_refused_by_the_storage(page: Any, site: Any, empty: None) -> None:
    # Azure's SAS is for the pending blob alone.
    open_form(page, site, "azure", "strict")
    answer = _attack(page, "key")
    assert answer["stored"] == 403
    assert _kept("azure") == []


@pytest.mark.parametrize("alias", SIGNING)
def test_a_forged_or_foreign_key_is_refused_by_the_form(
    page: Any, site: Any, empty: None, samples: dict[str, Sample], alias: str
) -> None:
    open_form(page, site, alias, "strict")
    with page.expect_response("**/direct/sign/") as signed:
        page.set_input_files("input[type=file]", str(samples["small.bin"].path))
    ticket = signed.value.json()["ticket"]
    page.wait_for_selector("[data-storages-direct][data-state=done]")
    value = page.input_value("[data-storages-direct-value]")
    pending = [name for name in _kept(alias) if name.startswith("direct-uploads/")]
    assert len(pending) == 1
    hidden = "[data-storages-direct-value]"
    for forged in (pending[0], value[:-2] + ("AA" if not value.endswith("AA") else "BB")):
        page.eval_on_selector(hidden, "(input, value) => { input.value = value; }", forged)
        page.click("button[type=submit]")
        page.wait_for_selector(".errorlist li")
        assert "choose the file again" in page.inner_text(".errorlist")
        assert not [name for name in _kept(alias) if name.startswith("uploaded/")]
    # Another browser (its own CSRF secret) cannot finish this upload to get a value of its own.
    page.context.clear_cookies()
    open_form(page, site, alias, "strict")
    answer = page.evaluate(
        """async ([url, ticket]) => {
            const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
            const answer = await fetch(url, {method: "POST", headers: {"X-CSRFToken": csrf,
                "Content-Type": "application/json"}, body: JSON.stringify({ticket})});
            return [answer.status, (await answer.json()).error];
        }""",
        [page.get_attribute("[data-storages-direct]", "data-complete-url"), ticket],
    )
    assert answer == [403, "This upload belongs to someone else."]
