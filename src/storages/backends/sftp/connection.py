"""SSH connections of the SFTP storage: the handshake, host-key checking, and the connection.

The server's host key must be in the known-hosts file; one missing from it is refused unless
``accept_unknown_host_keys`` is on (then it is remembered for the life of the process, never
written to the file), and one that differs from the known key is always refused.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from typing import Any

from storages.backends.sftp.errors import CONNECTION_ERRORS, HostKeyError, InsecureHostKeyWarning
from storages.errors import MissingDependencyError, StorageConnectionError
from storages.retry import RetryPolicy

try:
    import paramiko
except ImportError:  # pragma: no cover - depends on the installed extras
    raise MissingDependencyError("paramiko", "sftp") from None

__all__ = ["DEFAULT_TIMEOUT", "HANDSHAKE_RETRY", "SFTPConnection", "connection_params", "open_ssh"]

#: Seconds to wait for the TCP connection and for each answer, unless ``params`` says otherwise.
DEFAULT_TIMEOUT = 30.0
#: paramiko's waits that ``params["timeout"]`` also bounds unless ``params`` sets them, with
#: paramiko's own defaults (opening a channel would otherwise wait up to an hour).
_DERIVED_TIMEOUTS = {"banner_timeout": 15.0, "auth_timeout": 30.0, "channel_timeout": 3600.0}

#: An SSH connection the server hung up on before its banner is tried again: OpenSSH does that
#: on purpose to connections beyond ``MaxStartups`` (by default 10 at once still logging in), as
#: when many threads of one storage connect together. Nothing was sent yet, so it is safe.
HANDSHAKE_RETRY = RetryPolicy(attempts=4, first_wait=0.25, max_wait=1.0)


def _hung_up_before_banner(exc: BaseException) -> bool:
    # A banner that timed out is not retried: the server is there but too slow.
    return (
        isinstance(exc, paramiko.SSHException)
        and isinstance(exc.__context__, (EOFError, ConnectionError))
        and "banner" in str(exc)
    )


def connection_params(params: dict[str, Any]) -> dict[str, Any]:
    """Return the keywords of ``SSHClient.connect()``: *params* with the default timeouts."""
    found = {"timeout": DEFAULT_TIMEOUT, **params}
    if found["timeout"] is not None:
        for name, default in _DERIVED_TIMEOUTS.items():
            found.setdefault(name, min(default, found["timeout"]))
    return found


def _fingerprint(key: paramiko.PKey) -> str:
    return str(key.fingerprint)


class SFTPConnection:
    """One SSH connection and its SFTP session."""

    def __init__(self, ssh: paramiko.SSHClient, sftp: paramiko.SFTPClient) -> None:
        self.ssh = ssh
        self.sftp = sftp

    @classmethod
    def open(cls, ssh: paramiko.SSHClient, timeout: float | None) -> SFTPConnection:
        """Open the SFTP session of the connected *ssh* (closing *ssh* if that fails)."""
        try:
            sftp = ssh.open_sftp()
            sftp.get_channel().settimeout(timeout)
        except BaseException:
            ssh.close()
            raise
        return cls(ssh, sftp)

    @property
    def alive(self) -> bool:
        """Return whether the SSH transport and the SFTP channel still run (a local check: no
        request is sent)."""
        transport = self.ssh.get_transport()
        channel = self.sftp.get_channel()
        return (
            transport is not None
            and transport.is_active()
            and not (channel is not None and channel.closed)
        )

    def broken_by(self, exc: BaseException) -> bool:
        """Return whether *exc* left this connection unusable.

        The transport may not have noticed a reset yet, and a connection that timed out is
        still open but out of step with the server (its answer may come later): both are broken.
        """
        return isinstance(exc, CONNECTION_ERRORS) or not self.alive

    def close_if_broken(self, exc: BaseException) -> bool:
        """Close this connection if *exc* broke it: the next operation opens a new one. Return
        whether it did."""
        broken = self.broken_by(exc)
        if broken:
            with contextlib.suppress(Exception):  # it is broken already
                self.close()
        return broken

    def close(self) -> None:
        """Close the SFTP session and the SSH connection. One the server or the network dropped
        meanwhile (a stalled read resumed over a new session leaves its old one behind) closes
        without an error: paramiko's goodbye to a reset socket raises ``EOFError``."""
        try:
            with contextlib.suppress(EOFError, OSError, paramiko.SSHException):
                self.sftp.close()
        finally:
            self.ssh.close()


class _HostKeyPolicy(paramiko.MissingHostKeyPolicy):  # type: ignore[misc]
    """Refuse a host key missing from the known-hosts file, unless explicitly told to accept."""

    def __init__(
        self, host: str, port: int, known_hosts: str, accepted: paramiko.HostKeys | None
    ) -> None:
        self.host = host
        self.port = port
        self.known_hosts = known_hosts
        self.accepted = accepted

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: Any) -> None:
        described = f"{key.get_name()} key {_fingerprint(key)}"
        if self.accepted is None:
            port = "" if self.port == 22 else f"-p {self.port} "
            raise HostKeyError(
                f"SFTP: the host key of {hostname} ({described}) is not in the known-hosts file "
                f"{self.known_hosts}; refusing to connect. To trust this server, check that "
                f"fingerprint with its administrator, then add the key to that file, e.g. "
                f"`ssh-keyscan {port}{self.host} >> {self.known_hosts}`, or point "
                f"SFTP_KNOWN_HOST_FILE at a file that has it."
            )
        warnings.warn(
            f"SFTP: accepted the unknown host key of {hostname} ({described}) because "
            f"accept_unknown_host_keys is on. Anyone between you and the server can pose as it; "
            f"add the key to {self.known_hosts} instead.",
            InsecureHostKeyWarning,
            stacklevel=2,
        )
        self.accepted.add(hostname, key.get_name(), key)


def open_ssh(
    host: str,
    params: dict[str, Any],
    known_host_file: str | None,
    accepted: paramiko.HostKeys | None,
) -> paramiko.SSHClient:
    """Return an SSH client connected and logged in to *host* with *params*.

    Host keys are checked against *known_host_file* (default ``~/.ssh/known_hosts``) and the
    keys in *accepted*; a key missing from both is added to *accepted* with a warning, or
    refused when *accepted* is None.
    """
    known_hosts = known_host_file or os.path.expanduser("~/.ssh/known_hosts")
    ssh = paramiko.SSHClient()
    if os.path.exists(known_hosts):
        ssh.load_system_host_keys(known_hosts)
    for hostname, keys in (accepted or {}).items():
        for key_type, key in keys.items():
            ssh.get_host_keys().add(hostname, key_type, key)
    port = int(params.get("port", 22))
    ssh.set_missing_host_key_policy(_HostKeyPolicy(host, port, known_hosts, accepted))
    try:
        HANDSHAKE_RETRY.call(
            lambda: ssh.connect(host, **params),
            _hung_up_before_banner,
            before_retry=lambda exc: ssh.close(),
        )
    except paramiko.ssh_exception.NoValidConnectionsError as exc:
        # An OSError without an errno ("[Errno None] Unable to connect..."): say why.
        ssh.close()
        reasons = sorted({str(error.strerror or error) for error in exc.errors.values()})
        raise StorageConnectionError(
            f"SFTP: cannot connect to {host} port {port}: {'; '.join(reasons)}"
        ) from exc
    except paramiko.BadHostKeyException as exc:
        ssh.close()
        raise HostKeyError(
            f"SFTP: the host key of {host} ({exc.key.get_name()} key "
            f"{_fingerprint(exc.key)}) differs from the one in {known_hosts} "
            f"({_fingerprint(exc.expected_key)}); refusing to connect: someone may be posing "
            f"as the server. If its key really changed, replace the old line of that file."
        ) from None
    except BaseException:
        ssh.close()
        raise
    return ssh
