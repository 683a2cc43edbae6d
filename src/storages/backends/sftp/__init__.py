"""SFTP storage (``storages.backends.sftpstorage.SFTPStorage``), built on paramiko."""

from storages.backends.sftp.connection import SFTPConnection
from storages.backends.sftp.errors import HostKeyError, InsecureHostKeyWarning
from storages.backends.sftp.options import SFTPOptions
from storages.backends.sftp.storage import SFTPStorage, SFTPStorageFile

__all__ = [
    "HostKeyError",
    "InsecureHostKeyWarning",
    "SFTPConnection",
    "SFTPOptions",
    "SFTPStorage",
    "SFTPStorageFile",
]
