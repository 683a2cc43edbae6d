"""The contract suite on SFTPStorage against a private OpenSSH sshd (internal-sftp)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import Storage
from django.test import override_settings

from storages.backends.sftpstorage import SFTPStorage
from storages.testing import StorageContract
from tests.harness.servers import RunningServer


def sftp_settings(server: RunningServer, **params: Any) -> dict[str, Any]:
    """Return the documented settings that reach *server*, under a fresh root directory."""
    workdir = Path(server.workdir)
    root = f"{(workdir / 'data_dir').read_text()}/{uuid.uuid4().hex}/"
    return {
        "SFTP_STORAGE_HOST": server.host,
        "SFTP_STORAGE_ROOT": root,
        "SFTP_STORAGE_PARAMS": {
            "port": server.port,
            "username": "sftptest",
            "look_for_keys": False,
            "allow_agent": False,
            **params,
        },
        "SFTP_KNOWN_HOST_FILE": str(workdir / "known_hosts"),
        "SFTP_BASE_URL": "https://files.example/media/",
    }


@pytest.fixture(scope="session")
def sshd(test_server: Callable[[str], RunningServer]) -> RunningServer:
    return test_server("sshd")


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
