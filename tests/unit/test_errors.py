"""Vendor errors become one OSError-based tree, with secrets kept out of messages."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation

from storages.errors import (
    ErrorTranslator,
    MissingDependencyError,
    StorageConnectionError,
    StorageError,
    StorageNotFoundError,
    StoragePermissionError,
    StorageTimeoutError,
    by_type,
)
from storages.secrets import redact


class VendorMissing(Exception):
    pass


class VendorDenied(Exception):
    pass


class VendorCoded(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(f"error code {code}")
        self.code = code


def coded(exc: BaseException) -> type[StorageError] | None:
    if isinstance(exc, VendorCoded) and exc.code == "NoSuchKey":
        return StorageNotFoundError
    return None


translator = ErrorTranslator(
    [
        by_type(VendorMissing, to=StorageNotFoundError),
        by_type(VendorDenied, to=StoragePermissionError),
        coded,
    ],
    backend="Vendor",
)


@pytest.mark.parametrize(
    ("raised", "expected", "builtin"),
    [
        (VendorMissing("gone"), StorageNotFoundError, FileNotFoundError),
        (VendorDenied("no"), StoragePermissionError, PermissionError),
        (VendorCoded("NoSuchKey"), StorageNotFoundError, FileNotFoundError),
        (VendorCoded("Other"), StorageError, OSError),
        (RuntimeError("boom"), StorageError, OSError),
        (TimeoutError("slow"), StorageTimeoutError, TimeoutError),
        (ConnectionResetError("reset"), StorageConnectionError, ConnectionError),
    ],
)
def test_translation_table(raised: Exception, expected: type, builtin: type) -> None:
    with pytest.raises(expected) as info, translator("dir/file.txt"):
        raise raised
    assert isinstance(info.value, builtin)
    assert info.value.filename == "dir/file.txt"
    assert info.value.__cause__ is raised
    assert str(info.value).startswith("[Errno")
    assert "Vendor" in str(info.value)


@pytest.mark.parametrize(
    "raised",
    [
        SuspiciousFileOperation("no"),
        ImproperlyConfigured("bad"),
        ValueError("v"),
        StorageError("s"),
    ],
)
def test_our_errors_pass_through(raised: Exception) -> None:
    with pytest.raises(type(raised)) as info, translator("x"):
        raise raised
    assert info.value is raised


def test_secrets_are_redacted_and_the_cause_dropped() -> None:
    secret = "s3cr3t-password"
    with pytest.raises(StorageConnectionError) as info, translator("x", secrets=[secret]):
        try:
            raise KeyError(f"login with {secret} failed")
        except KeyError as inner:
            raise ConnectionRefusedError(f"ftp://user:{secret}@host refused") from inner
    assert secret not in str(info.value)
    assert "***" in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__ is True


def test_secret_only_in_the_cause_is_still_caught() -> None:
    secret = "token-123456"
    with pytest.raises(StorageError) as info, translator(None, secrets=[secret]):
        try:
            raise RuntimeError(secret)
        except RuntimeError as inner:
            raise ValueError("wrapped") from inner
    assert info.value.__cause__ is None
    assert secret not in str(info.value)


def test_redact_ignores_tiny_secrets() -> None:
    assert redact("a b", ["a", ""]) == "a b"
    assert redact("key=abcdef", ["abcdef"]) == "key=***"


def test_missing_dependency_hint() -> None:
    error = MissingDependencyError("boto3", "s3")
    assert isinstance(error, ImproperlyConfigured)
    assert isinstance(error, ImportError)
    assert "pip install 'django-storages[s3]'" in str(error)


def test_certificate_errors_are_connection_errors() -> None:
    import ssl

    raised = ssl.SSLCertVerificationError("certificate verify failed")
    with pytest.raises(StorageConnectionError) as info, translator("x"):
        raise raised
    assert info.value.__cause__ is raised
