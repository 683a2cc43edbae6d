"""gcp-storage-emulator fixtures of the Google Cloud Storage backend's tests."""

from __future__ import annotations

import contextlib
import datetime
import functools
from collections.abc import Callable
from typing import Any

import pytest
from google.api_core.exceptions import Conflict
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage as gcs
from google.oauth2 import service_account

from tests.harness.servers import RunningServer
from tests.keys import rsa_private_key_pem

BUCKET = "storages-tests"
PROJECT = "test-project"


def ensure_bucket(server: RunningServer, name: str) -> None:
    client = gcs.Client(
        project=PROJECT,
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        client_options={"api_endpoint": server.url},
    )
    with contextlib.suppress(Conflict):
        client.create_bucket(name)
    client.close()


@pytest.fixture(scope="session")
def gcs_server(test_server: Callable[[str], RunningServer]) -> RunningServer:
    server = test_server("gcs")
    ensure_bucket(server, BUCKET)
    return server


def point_client_at(server: RunningServer, patch: pytest.MonkeyPatch) -> None:
    """Point Google's client library at *server* (its documented environment variable)."""
    patch.setenv("STORAGE_EMULATOR_HOST", server.url)
    patch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)


@pytest.fixture
def emulator(gcs_server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> RunningServer:
    """Point Google's client library at the emulator for the test."""
    point_client_at(gcs_server, monkeypatch)
    return gcs_server


def service_account_info() -> dict[str, Any]:
    """Return a throw-away service account key (a fresh RSA key; it signs nothing real)."""
    return {
        "type": "service_account",
        "project_id": PROJECT,
        "private_key_id": "throwaway",
        "private_key": rsa_private_key_pem(),
        "client_email": "storages-tests@test-project.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": "https://oauth2.invalid/token",
    }


@functools.cache
def local_credentials() -> service_account.Credentials:
    """Return service-account credentials that sign locally and never ask for a token."""
    # Scoped up front (so the client keeps this object) and holding a valid token, so the
    # transport never asks Google's token endpoint for one: the tests run without network.
    credentials: service_account.Credentials = (
        service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            service_account_info(), scopes=gcs.Client.SCOPE
        )
    )
    credentials.token = "emulator-ignores-tokens"
    credentials.expiry = datetime.datetime.now(datetime.timezone.utc).replace(
        tzinfo=None
    ) + datetime.timedelta(days=1)
    return credentials


@pytest.fixture(scope="session")
def sa_credentials() -> service_account.Credentials:
    """Service-account credentials that sign locally and never ask for a token."""
    return local_credentials()
