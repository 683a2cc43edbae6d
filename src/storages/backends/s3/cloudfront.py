"""CloudFront signed URLs, with the signer cached per key."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

__all__ = ["sign_url"]


@functools.lru_cache(maxsize=8)
def _signer(key_id: str, pem: bytes) -> Any:
    from botocore.signers import CloudFrontSigner
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    private_key: Any = serialization.load_pem_private_key(pem, password=None)

    def rsa_signer(message: bytes) -> bytes:
        return bytes(private_key.sign(message, padding.PKCS1v15(), hashes.SHA1()))  # noqa: S303

    return CloudFrontSigner(key_id, rsa_signer)


def sign_url(url: str, key_id: str, key: str | bytes, expires: datetime) -> str:
    """Return *url* signed for CloudFront with a canned policy expiring at *expires*."""
    pem = key.encode() if isinstance(key, str) else key
    return str(_signer(key_id, pem).generate_presigned_url(url, date_less_than=expires))
