"""Point the official Dropbox SDK at the project's stand-in server (see docs/testing.md).

The SDK reads its API hosts when ``dropbox`` is imported and copies them into every new client;
the refresh route binds its host as a default argument. While the context is active, every
client created (in any thread) talks to the stand-in and trusts its certificate authority.
This machine exports ``REQUESTS_CA_BUNDLE``, which requests prefers over a session's own
``verify``; pointing that variable at the stand-in's CA is what makes the TLS check pass.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator

import pytest
from dropbox import dropbox_client

from tests.harness.servers import RunningServer
from tests.harness.specs.dropbox import ca_path

__all__ = ["dropbox_server", "dropbox_standin", "sdk_pointed_at", "unique_root"]


@contextlib.contextmanager
def sdk_pointed_at(server: RunningServer) -> Iterator[None]:
    """Send every Dropbox SDK request of the block to *server*."""
    host = f"127.0.0.1:{server.port}"
    with pytest.MonkeyPatch.context() as patch:
        for name in ("API_HOST", "API_CONTENT_HOST", "API_NOTIFICATION_HOST"):
            patch.setattr(dropbox_client, name, host)
        refresh = dropbox_client._DropboxTransport.refresh_access_token
        patch.setattr(refresh, "__defaults__", (host, None))
        patch.setenv("REQUESTS_CA_BUNDLE", str(ca_path(server)))
        yield


def unique_root() -> str:
    """Return a fresh root path, so each test starts with an empty storage."""
    return f"/tests/{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def dropbox_standin(test_server: Callable[[str], RunningServer]) -> RunningServer:
    """Start the stand-in (once), leaving the SDK where it points."""
    return test_server("dropbox")


@pytest.fixture
def dropbox_server(test_server: Callable[[str], RunningServer]) -> Iterator[RunningServer]:
    """Start the stand-in (once) and point the SDK at it for the test."""
    server = test_server("dropbox")
    with sdk_pointed_at(server):
        yield server
