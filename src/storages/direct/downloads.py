"""Short-lived signed download URLs, for ``storages.views.serve`` to redirect to.

Only where the backend signs: a URL that would not expire (a public bucket, a custom domain
without CloudFront keys, an Azure storage without an account key or credential) is never handed
out, because the permission check of the view would mean nothing; the view streams the file
itself instead. Found by the storage's class (dotted path: no SDK is imported for a backend not
in use).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import Storage

from storages.direct.signing import for_class, unwrap

__all__ = ["SIGNED_URLS", "signed_url"]


def _s3(storage: Any, name: str, seconds: int) -> str | None:
    opts = storage.options
    if not opts.querystring_auth:
        return None
    if opts.custom_domain and not (opts.cloudfront_key_id and opts.cloudfront_key):
        return None
    return str(storage.url(name, expire=seconds))


def _azure(storage: Any, name: str, seconds: int) -> str | None:
    return str(storage.url(name, expire=seconds))


def _gcs(storage: Any, name: str, seconds: int) -> str | None:
    url = str(storage.url(name, parameters={"expiration": timedelta(seconds=seconds)}))
    return url if "Signature=" in url else None  # a public object: a plain, lasting URL


#: Storage class (dotted path) -> signer of a download URL; first match along the MRO wins.
SIGNED_URLS: dict[str, Callable[[Any, str, int], str | None]] = {
    "storages.backends.s3.storage.S3Storage": _s3,
    "storages.backends.azure.storage.AzureStorage": _azure,
    "storages.backends.gcs.storage.GoogleCloudStorage": _gcs,
}


def signed_url(storage: Storage, name: str, seconds: int) -> str | None:
    """Return a URL of *name* that expires after *seconds*, or None where the backend of
    *storage* cannot sign one."""
    sign = for_class(storage, SIGNED_URLS)
    if sign is None:
        return None
    try:
        return sign(unwrap(storage), name, seconds)
    except ImproperlyConfigured:
        return None  # no key to sign with: stream instead
