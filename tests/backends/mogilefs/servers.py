"""The MogileFS stand-in the tests share: a domain with the documented classes, fresh keys."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from tests.harness.servers import RunningServer
from tests.harness.specs.mogilefs import tracker_call

DOMAIN = "testdomain"
CLASSES = ("avatar", "thumb")


def prepare(server: RunningServer) -> RunningServer:
    """Create the test domain and the classes of the 1.x documentation's example (idempotently)."""
    answer = tracker_call(server, f"create_domain domain={DOMAIN}")
    assert answer.startswith(("OK", "ERR domain_exists")), answer
    for name in CLASSES:
        answer = tracker_call(server, f"create_class domain={DOMAIN}&class={name}&mindevcount=1")
        assert answer.startswith("OK"), answer
    return server


@pytest.fixture(scope="session")
def mogilefs(test_server: Callable[[str], RunningServer]) -> RunningServer:
    """Start the stand-in once, with the test domain."""
    return prepare(test_server("mogilefs"))


def trackers(server: RunningServer) -> list[str]:
    return [f"{server.host}:{server.port}"]


def unique_location() -> str:
    """Return a fresh key prefix: an empty storage per test on a shared domain."""
    return f"t{uuid.uuid4().hex[:12]}"
