"""Options of the SFTP storage, with the settings of the django-storages documentation."""

from __future__ import annotations

import dataclasses
from typing import Any

from storages.options import BaseOptions, option

__all__ = ["SFTPOptions"]


@dataclasses.dataclass(frozen=True, repr=False, kw_only=True)
class SFTPOptions(BaseOptions):
    """How to reach the SSH server, how to trust it and where the files go."""

    host: str | None = option(
        None, setting="SFTP_STORAGE_HOST", env="SFTP_STORAGE_HOST", required=True
    )
    """Host name of the SSH server (required)."""
    root_path: str = option("", setting="SFTP_STORAGE_ROOT", aliases="root")
    """Directory on the remote host that holds the files (absolute, or relative to the login
    directory). Names are stored under it; it is created when a file is first saved."""
    params: dict[str, Any] = option(factory=dict, setting="SFTP_STORAGE_PARAMS", secret=True)
    """Keyword arguments of paramiko's ``SSHClient.connect()`` (``port``, ``username``,
    ``password``, ``key_filename``, ``pkey``, ``timeout``, ...), without the host name. Secret:
    its values never appear in reprs, errors or migrations. ``timeout`` (default 30 seconds)
    bounds the TCP connection and each answer of the SFTP session, and also caps
    ``banner_timeout``, ``auth_timeout`` and ``channel_timeout`` unless they are given
    (paramiko's own defaults: 15 s, 30 s and an hour); ``"timeout": None`` waits forever."""
    interactive: bool = option(False, setting="SFTP_STORAGE_INTERACTIVE")
    """Ask for a password on the terminal when key authentication fails and ``params`` has
    none (for ``manage.py collectstatic``). Never for a storage that receives uploads."""
    file_mode: int | None = option(None, setting="SFTP_STORAGE_FILE_MODE")
    """Permission bits of new files, as for ``os.chmod`` (write them in octal: ``0o644``)."""
    dir_mode: int | None = option(None, setting="SFTP_STORAGE_DIR_MODE")
    """Permission bits of new directories, as for ``os.chmod`` (``0o755``)."""
    uid: int | None = option(None, setting="SFTP_STORAGE_UID")
    """Owner (UID) given to new files and directories; setting it may require root."""
    gid: int | None = option(None, setting="SFTP_STORAGE_GID")
    """Group (GID) given to new files and directories; you must be a member of it."""
    known_host_file: str | None = option(None, setting="SFTP_KNOWN_HOST_FILE")
    """The known-hosts file the server's host key is checked against; default
    ``~/.ssh/known_hosts``. A server whose key is not in it is refused."""
    accept_unknown_host_keys: bool = option(False, setting="SFTP_ACCEPT_UNKNOWN_HOST_KEYS")
    """Accept (and remember for the life of the process) a host key missing from the
    known-hosts file, with an ``InsecureHostKeyWarning``. This opens the door to a
    man-in-the-middle; prefer adding the key to the known-hosts file. A key that *differs* from
    the known one is always refused."""
    base_url: str | None = option(None, setting="SFTP_BASE_URL")
    """Prefix of the URLs ``url()`` returns; default ``MEDIA_URL``."""
    file_overwrite: bool = option(False, setting="SFTP_STORAGE_FILE_OVERWRITE")
    """Replace a file saved under an existing name (default: pick a free name, as Django does)."""
