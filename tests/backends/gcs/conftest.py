"""gcp-storage-emulator fixtures of the Google Cloud Storage backend's tests."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.api_core.exceptions import Conflict
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage as gcs
from google.oauth2 import service_account

from tests.harness.servers import RunningServer

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


@pytest.fixture
def emulator(gcs_server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> RunningServer:
    """Point Google's client library at the emulator (its documented environment variable)."""
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_server.url)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    return gcs_server


def service_account_info() -> dict[str, Any]:
    """Return a throw-away service account key (a fresh RSA key; it signs nothing real)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return {
        "type": "service_account",
        "project_id": PROJECT,
        "private_key_id": "throwaway",
        "private_key": pem,
        "client_email": "storages-tests@test-project.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": "https://oauth2.invalid/token",
    }


@pytest.fixture(scope="session")
def sa_credentials() -> service_account.Credentials:
    """Service-account credentials that sign locally and never ask for a token."""
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
