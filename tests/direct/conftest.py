"""Fixtures of the direct-upload tests that need no browser: a site answering the upload views,
and a client that plays the browser's part (sign, send to the storage, complete)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.test import Client, override_settings

from tests.backends.s3.fixtures import storage_options
from tests.harness.servers import RunningServer

MIDDLEWARE = ["django.middleware.csrf.CsrfViewMiddleware"]


@pytest.fixture
def s3_default(moto: RunningServer) -> Iterator[dict[str, Any]]:
    """STORAGES with the default storage on moto (under a location of its own)."""
    options = storage_options(moto)
    storages_setting = {
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
    }
    with override_settings(
        STORAGES=storages_setting, ROOT_URLCONF="tests.direct.urls", MIDDLEWARE=MIDDLEWARE
    ):
        yield options


class Uploader:
    """Do in Python what the widget's script does in the browser."""

    def __init__(self) -> None:
        self.client = Client()

    def post(self, url: str, data: dict[str, Any]) -> Any:
        return self.client.post(url, data, content_type="application/json")

    def upload(self, policy: str, name: str, data: bytes, content_type: str) -> str:
        """Upload *data* through a presigned POST; return the value the form submits."""
        sign = {"policy": policy, "name": name, "size": len(data), "type": content_type}
        signed = self.post("/direct/sign/", sign).json()
        plan = signed["plan"]
        assert plan["method"] == "form", plan
        files = {"file": (name, data, content_type)}
        sent = requests.post(plan["url"], data=plan["fields"], files=files, timeout=30)
        assert sent.status_code < 300, sent.text
        done = self.post("/direct/complete/", {"ticket": signed["ticket"]})
        assert done.status_code == 200, done.json()
        return str(done.json()["value"])


@pytest.fixture
def uploader() -> Uploader:
    return Uploader()
