"""Throw-away private keys for the tests that sign locally (they sign nothing real)."""

from __future__ import annotations

__all__ = ["rsa_private_key_pem"]


def rsa_private_key_pem(bits: int = 2048) -> str:
    """Return a fresh RSA private key in PEM (PKCS#1, unencrypted)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
