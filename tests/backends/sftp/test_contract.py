"""The contract suite on SFTPStorage against a private OpenSSH sshd (internal-sftp)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.files.storage import Storage
from django.test import override_settings

from storages.backends.sftpstorage import SFTPStorage
from storages.testing import StorageContract
from tests.backends.sftp.servers import sftp_settings, sshd
from tests.harness.servers import RunningServer

__all__ = ["sshd"]  # the fixture this module uses


class TestSFTPStorageWithKey(StorageContract):
    """Configured through the documented settings, logging in with an Ed25519 key."""

    @pytest.fixture
    def storage(self, sshd: RunningServer) -> Iterator[Storage]:
        config = sftp_settings(sshd, key_filename=str(sshd.workdir / "client_ed25519"))
        with override_settings(**config):
            storage = SFTPStorage()
            yield storage
            storage.close()


class TestSFTPStorageWithPassword(StorageContract):
    """Configured through OPTIONS, logging in with a password, overwriting files."""

    @pytest.fixture
    def storage(self, sshd: RunningServer) -> Iterator[Storage]:
        config = sftp_settings(sshd, password=(sshd.workdir / "password").read_text())
        storage = SFTPStorage(
            host=config["SFTP_STORAGE_HOST"],
            root_path=config["SFTP_STORAGE_ROOT"],
            params=config["SFTP_STORAGE_PARAMS"],
            known_host_file=config["SFTP_KNOWN_HOST_FILE"],
            base_url=config["SFTP_BASE_URL"],
            file_overwrite=True,
        )
        yield storage
        storage.close()
