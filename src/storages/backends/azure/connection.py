"""Building the Azure Blob service client: credentials, endpoint and its retry policy.

The retry policy is the SDK's, bounded for a web request, and without its leak. The SDK's
default ``ExponentialRetry`` waits about 18, 24 then 42 s between attempts: a call to a service
that is down takes some 85 s to fail, far longer than a web request can wait. By default
:class:`BoundedRetry` retries a refused connection twice, waiting 0.5 then 1 s (less, with
jitter): an outage fails in under 2 s. Any failure is retried at most 3 times (waiting up to 2 s
before the third), so that a burst of ``503 Server Busy`` answers, or one on top of a pooled
connection the server had closed, is still ridden out.

Given any of the SDK's own backoff keywords (``initial_backoff``, ``increment_base``,
``random_jitter_range``, as ``AZURE_CLIENT_OPTIONS`` of 1.x may hold), it backs off as the SDK
documents them instead.

It also closes each response it retries: ``StorageRetryPolicy.send`` drops it unclosed, which
for a streamed download (every read of this backend) leaves the connection of each retried
``503`` open until garbage collection finds it (a ``ResourceWarning``, and a socket held).
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from storages.backends.azure.options import AzureOptions
from storages.errors import MissingDependencyError

# The storage imports this module before any other that needs the SDK: it fails with a hint.
try:
    from azure.storage.blob import (
        BlobSasPermissions,
        BlobServiceClient,
        ExponentialRetry,
        generate_blob_sas,
    )
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingDependencyError("azure-storage-blob", "azure") from exc

__all__ = [
    "BoundedRetry",
    "account",
    "account_url",
    "connection_string_secrets",
    "create_client",
    "sas_token",
]

#: The emulator's documented development account (public: it is in Microsoft's documentation).
EMULATOR_ACCOUNT_NAME = "devstoreaccount1"
EMULATOR_ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
EMULATOR_HOST = "127.0.0.1:10000"

#: Bytes the transport reads from the socket at a time while streaming a download.
STREAM_BLOCK_SIZE = 64 * 1024

#: The SDK's backoff keywords: given one, the SDK's schedule applies.
SDK_BACKOFF = frozenset({"initial_backoff", "increment_base", "random_jitter_range"})


def _connection_string_parts(connection_string: str | None) -> dict[str, str]:
    """Return the ``Name=value`` parts of a connection string, by lowercase name."""
    parts = {}
    for part in (connection_string or "").split(";"):
        name, _, value = part.partition("=")
        if name.strip() and value.strip():
            parts[name.strip().lower()] = value.strip()
    return parts


def account(options: AzureOptions) -> tuple[str | None, str | None]:
    """Return the account name and key: the options', else those of the connection string (as
    django-storages 1.x exposed them), else the emulator's development account when emulated."""
    name, key = options.account_name, options.account_key
    parts = _connection_string_parts(options.connection_string)
    name = name or parts.get("accountname")
    key = key or parts.get("accountkey")
    if options.is_emulated:
        name = name or EMULATOR_ACCOUNT_NAME
        if name == EMULATOR_ACCOUNT_NAME:
            key = key or EMULATOR_ACCOUNT_KEY
    return name, key


def account_url(options: AzureOptions) -> str:
    """Return the endpoint of the account's Blob service."""
    name, _ = account(options)
    if options.is_emulated:
        return f"http://{EMULATOR_HOST}/{name}"
    if not name:
        raise ImproperlyConfigured(
            "AzureStorage needs AZURE_ACCOUNT_NAME (the 'account_name' option), or "
            "AZURE_CONNECTION_STRING (the 'connection_string' option)"
        )
    scheme = "https" if options.azure_ssl else "http"
    return f"{scheme}://{name}.blob.{options.endpoint_suffix}"


def connection_string_secrets(connection_string: str | None) -> list[str]:
    """Return the credentials inside a connection string: they also show up on their own (a
    SAS token in the query string of each request)."""
    parts = _connection_string_parts(connection_string)
    return [parts[name] for name in ("accountkey", "sharedaccesssignature") if name in parts]


def _client_kwargs(options: AzureOptions) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"connection_data_block_size": STREAM_BLOCK_SIZE}
    if options.timeout is not None:
        # Both waits: a server that accepts and then stalls fails as fast as one that never
        # answers (the SDK's own read timeout is a minute).
        kwargs["connection_timeout"] = options.timeout
        kwargs["read_timeout"] = options.timeout
    if options.api_version:
        kwargs["api_version"] = options.api_version
    kwargs.update(options.client_options)
    if "retry_policy" not in kwargs:
        kwargs["retry_policy"] = BoundedRetry(**kwargs)
    return kwargs


def create_client(options: AzureOptions, endpoint: Callable[[], str]) -> BlobServiceClient:
    """Return a Blob service client for the options' connection string, or else for their
    credentials at ``endpoint()`` (the storage's ``account_url()``, which subclasses change)."""
    kwargs = _client_kwargs(options)
    if options.connection_string:
        return BlobServiceClient.from_connection_string(options.connection_string, **kwargs)
    name, key = account(options)
    credential: Any = None
    if key:
        credential = {"account_name": name, "account_key": key}
    elif options.sas_token:
        credential = options.sas_token
    elif options.token_credential is not None:
        credential = options.token_credential
    return BlobServiceClient(endpoint(), credential=credential, **kwargs)


def sas_token(
    client: BlobServiceClient,
    container: str,
    key: str,
    *,
    expire: int,
    mode: str,
    parameters: dict[str, Any],
    delegated: bool,
) -> str:
    """Return a SAS token for the blob *key*: read-only (*mode* ``"r"``) or to upload
    (``"w"``), valid for *expire* seconds, with the SAS *parameters* (``content_disposition``,
    ...), signed with the account key or, when *delegated* (the storage has a token
    credential), with a user delegation key (one request)."""
    if mode not in ("r", "w"):
        raise ValueError(f"url() mode must be 'r' or 'w', not {mode!r}")
    read = mode == "r"
    permission = BlobSasPermissions(read=read, create=not read, write=not read)
    now = datetime.now(timezone.utc)
    expiry = now + timedelta(seconds=expire)
    account_key = getattr(client.credential, "account_key", None)
    delegation_key = None
    if not account_key:
        if not delegated:
            raise ImproperlyConfigured(
                "Signing Azure URLs needs AZURE_ACCOUNT_KEY (or a connection string with "
                "one) or AZURE_TOKEN_CREDENTIAL; set AZURE_URL_EXPIRATION_SECS = None for "
                "plain URLs of a public container"
            )
        delegation_key = client.get_user_delegation_key(now, expiry)
    token = generate_blob_sas(
        str(client.account_name),
        container,
        key,
        account_key=account_key,
        user_delegation_key=delegation_key,
        permission=permission,
        expiry=expiry,
        **parameters,
    )
    return str(token)


class BoundedRetry(ExponentialRetry):
    """A few retries with a short exponential backoff; closes each response it retries.

    Built from the client's keywords, as the SDK builds its own policy: ``retry_total`` caps
    the retries, ``retry_connect`` those after a connection that could not be made,
    ``retry_read`` and ``retry_status`` (3 each) those after a broken answer or a retryable
    status; the wait before retry *n* is ``retry_backoff_factor * 2 ** (n - 1)`` seconds, at
    most ``retry_backoff_max``, less up to half of it as jitter (the names of ``azure-core``'s
    ``RetryPolicy``).
    """

    def __init__(
        self,
        *,
        retry_total: int = 3,
        retry_connect: int = 2,
        retry_backoff_factor: float = 0.5,
        retry_backoff_max: float = 2.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(retry_total=retry_total, retry_connect=retry_connect, **kwargs)
        self.sdk_backoff = not SDK_BACKOFF.isdisjoint(kwargs)
        self.backoff_factor = retry_backoff_factor
        self.backoff_max = retry_backoff_max

    def get_backoff_time(self, settings: dict[str, Any]) -> float:
        if self.sdk_backoff:
            return float(super().get_backoff_time(settings))
        # The SDK counts the retry about to happen before it sleeps: the first wait sees 1.
        retries = int(settings["count"])
        wait = min(self.backoff_factor * 2.0 ** max(retries - 1, 0), self.backoff_max)
        return wait * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret

    def increment(
        self, settings: dict[str, Any], request: Any, response: Any = None, error: Any = None
    ) -> bool:
        retrying = bool(super().increment(settings, request, response=response, error=error))
        internal = getattr(response, "internal_response", None)
        if retrying and internal is not None:
            with contextlib.suppress(Exception):
                internal.close()
        return retrying
