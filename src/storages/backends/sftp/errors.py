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

__all__ = ["CONNECTION_ERRORS", "ERRORS", "HostKeyError", "InsecureHostKeyWarning"]

#: Errors after which a connection must not be reused. An SFTP status (a missing file, a refused
#: permission, a failure) is an OSError that leaves the connection usable; a timeout leaves it
#: open but out of step with the server (the answer may still come).
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    EOFError,
    paramiko.SSHException,
    TimeoutError,
    ConnectionError,
)


class HostKeyError(StorageConnectionError):
    """Raise when the server's host key is unknown or differs from the known one."""


class InsecureHostKeyWarning(UserWarning):
    """Warn that an unknown host key was accepted (``accept_unknown_host_keys``)."""


ERRORS = ErrorTranslator(
    [
        by_type(paramiko.AuthenticationException, to=StoragePermissionError),
        by_type(paramiko.SSHException, EOFError, to=StorageConnectionError),
    ],
    backend="SFTP",
)
