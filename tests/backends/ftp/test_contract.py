"""The contract suite on FTPStorage against real FTP servers (pyftpdlib plain and TLS)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import pytest
from django.core.files.storage import Storage
from django.test import override_settings

from storages.backends.ftp import FTPStorage
from storages.testing import StorageContract
from tests.backends.ftp.servers import ftp_location, pyftpdlib, pyftpdlib_tls, vsftpd
from tests.harness.servers import RunningServer

__all__ = ["pyftpdlib", "pyftpdlib_tls", "vsftpd"]  # the fixtures this module uses


class TestFTPStorage(StorageContract):
    """pyftpdlib (MLSD), configured through the documented settings."""

    @pytest.fixture
    def storage(self, pyftpdlib: RunningServer) -> Iterator[Storage]:
        config = {
            "FTP_STORAGE_LOCATION": ftp_location(pyftpdlib),
            "FTP_STORAGE_BASE_URL": "https://files.example/media/",
        }
        with override_settings(**config):
            storage = FTPStorage()
            yield storage
            storage.close()


class TestFTPStorageActiveOverwriting(StorageContract):
    """pyftpdlib in active mode, overwriting files (FTP_ALLOW_OVERWRITE)."""

    # pyftpdlib 2.2's active data connections stall when several transfers start at once (its
    # log: "Active data channel timed out"); passive mode, above, runs the 8 threads.
    threads: ClassVar[int] = 1

    @pytest.fixture
    def storage(self, pyftpdlib: RunningServer) -> Iterator[Storage]:
        with override_settings(FTP_ALLOW_OVERWRITE=True, MEDIA_URL="/media/"):
            storage = FTPStorage(location=ftp_location(pyftpdlib), passive=False)
            yield storage
            storage.close()


class TestFTPSStorage(StorageContract):
    """pyftpdlib with explicit TLS on the control and data connections."""

    @pytest.fixture
    def storage(self, pyftpdlib_tls: RunningServer) -> Iterator[Storage]:
        storage = FTPStorage(
            location=ftp_location(pyftpdlib_tls, scheme="ftps"),
            tls_ca_file=str(pyftpdlib_tls.workdir / "ca.pem"),
            base_url="https://files.example/",
        )
        yield storage
        storage.close()


class TestFTPStorageOnVsftpd(StorageContract):
    """vsftpd: no MLSD, so listings parse LIST and existence falls back to SIZE and CWD. It does
    not announce UTF-8 (names would be Latin-1): FTP_STORAGE_ENCODING says they are UTF-8."""

    @pytest.fixture
    def storage(self, vsftpd: RunningServer) -> Iterator[Storage]:
        config = {"FTP_STORAGE_LOCATION": ftp_location(vsftpd), "FTP_STORAGE_ENCODING": "utf-8"}
        with override_settings(**config, MEDIA_URL="/media/"):
            storage = FTPStorage()
            yield storage
            storage.close()
