"""URLs on a custom domain, and CloudFront signed URLs with the signer cached per key."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote, urlencode

from storages.backends.s3.options import S3Options

__all__ = ["custom_domain_url", "sign_url", "signer_from_pem"]


@functools.lru_cache(maxsize=8)
def _signer(key_id: str, pem: bytes) -> Any:
    from botocore.signers import CloudFrontSigner
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    private_key: Any = serialization.load_pem_private_key(pem, password=None)

    def rsa_signer(message: bytes) -> bytes:
        return bytes(private_key.sign(message, padding.PKCS1v15(), hashes.SHA1()))  # noqa: S303

    return CloudFrontSigner(key_id, rsa_signer)


def signer_from_pem(key_id: str, key: str | bytes) -> Any:
    """Return the (cached) ``CloudFrontSigner`` of a key pair ID and its PEM private key."""
    return _signer(key_id, key.encode() if isinstance(key, str) else key)


def sign_url(signer: Any, url: str, expires: datetime) -> str:
    """Return *url* signed by *signer* with a canned policy expiring at *expires*."""
    return str(signer.generate_presigned_url(url, date_less_than=expires))


def custom_domain_url(
    options: S3Options,
    key: str,
    parameters: dict[str, Any] | None,
    signer: Any,
    seconds: int,
) -> str:
    """Return the URL of *key* on ``options.custom_domain``, with *parameters* in its query
    string and, with a *signer*, signed for CloudFront for *seconds* (as 1.x did)."""
    protocol = "http:" if options.secure_urls is False else options.url_protocol
    url = f"{protocol}//{options.custom_domain}/{quote(key)}"
    if parameters:
        url += f"?{urlencode(parameters)}"
    if signer is None:
        return url
    return sign_url(signer, url, datetime.now(timezone.utc) + timedelta(seconds=seconds))
