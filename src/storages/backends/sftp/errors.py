"""How paramiko's errors become :mod:`storages.errors` classes."""

from __future__ import annotations

from storages.errors import (
    ErrorTranslator,
    MissingDependencyError,
    StorageConnectionError,
    StoragePermissionError,
    by_type,
)

try:
    import paramiko
except ImportError:  # pragma: no cover - depends on the installed extras
    raise MissingDependencyError("paramiko", "sftp") from None

__all__ = ["SFTP_ERRORS", "HostKeyError", "InsecureHostKeyWarning"]


class HostKeyError(StorageConnectionError):
    """Raise when the server's host key is unknown or differs from the known one."""


class InsecureHostKeyWarning(UserWarning):
    """Warn that an unknown host key was accepted (``accept_unknown_host_keys``)."""


SFTP_ERRORS = ErrorTranslator(
    [
        by_type(paramiko.AuthenticationException, to=StoragePermissionError),
        by_type(paramiko.SSHException, EOFError, to=StorageConnectionError),
    ],
    backend="SFTP",
)
