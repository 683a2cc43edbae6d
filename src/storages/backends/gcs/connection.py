"""Building the Cloud Storage client of a storage, and how its requests are retried."""

from __future__ import annotations

import contextlib
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from storages.backends.gcs.options import GCSOptions, json_acl
from storages.errors import MissingDependencyError

# The storage imports this module before any other that needs the SDK: it fails with a hint.
try:
    from google.api_core import exceptions as api_exceptions
    from google.auth.exceptions import DefaultCredentialsError
    from google.cloud import storage as gcs
    from google.cloud.storage.retry import DEFAULT_RETRY
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingDependencyError("google-cloud-storage", "google") from exc

__all__ = ["RETRY_FIRST_WAIT", "RETRY_MAX_WAIT", "create_client", "ensure_bucket", "retry_policy"]

#: Longest wait before the first retry of a request (seconds); it doubles at each retry...
RETRY_FIRST_WAIT = 0.25
#: ... up to this.
RETRY_MAX_WAIT = 1.0


def retry_policy(options: GCSOptions) -> Any:
    """Return how every request is retried: on what the library retries its own calls for
    (a 408/429/5xx answer, a refused, broken or timed-out connection), for at most
    ``retry_deadline`` seconds, so that an unreachable service fails fast."""
    return DEFAULT_RETRY.with_delay(initial=RETRY_FIRST_WAIT, maximum=RETRY_MAX_WAIT).with_timeout(
        options.retry_deadline
    )


def create_client(options: GCSOptions) -> gcs.Client:
    """Return a client with the options' credentials and project."""
    try:
        # Only an explicit project: passing None would mean "no project", not "infer it".
        kwargs: dict[str, Any] = {"credentials": options.credentials}
        if options.project_id:
            kwargs["project"] = options.project_id
        client = gcs.Client(**kwargs)
    except DefaultCredentialsError as exc:
        raise ImproperlyConfigured(
            "No Google Cloud credentials: set GS_CREDENTIALS or the environment variable "
            f"GOOGLE_APPLICATION_CREDENTIALS ({exc})"
        ) from exc
    # google-cloud-storage 3.x fetches bucket metadata in a background thread on first use,
    # only to label OpenTelemetry spans: an unasked-for request (and retries) per client.
    if getattr(client, "_bucket_metadata_cache", None) is not None:
        client._bucket_metadata_cache = None
    return client


def ensure_bucket(client: gcs.Client, options: GCSOptions) -> None:
    """Create the options' bucket (with ``auto_create_acl``) unless it exists."""
    bucket = client.bucket(options.bucket_name)
    retry = retry_policy(options)
    if not bucket.exists(timeout=options.timeout, retry=retry):
        with contextlib.suppress(api_exceptions.Conflict):
            client.create_bucket(
                bucket,
                predefined_acl=json_acl(options.auto_create_acl),
                timeout=options.timeout,
                retry=retry,
            )
