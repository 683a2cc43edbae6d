"""The OpenSSH sshd the SFTP tests share, and the documented settings that reach it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.harness.servers import RunningServer
from tests.harness.specs.sshd import USER

__all__ = ["sftp_settings", "sshd"]


@pytest.fixture(scope="session")
def sshd(test_server: Callable[[str], RunningServer]) -> RunningServer:
    return test_server("sshd")


def sftp_settings(server: RunningServer, **params: Any) -> dict[str, Any]:
    """Return the documented settings that reach *server*, under a fresh root directory."""
    workdir = Path(server.workdir)
    root = f"{(workdir / 'data_dir').read_text()}/{uuid.uuid4().hex}/"
    return {
        "SFTP_STORAGE_HOST": server.host,
        "SFTP_STORAGE_ROOT": root,
        "SFTP_STORAGE_PARAMS": {
            "port": server.port,
            "username": USER,
            "look_for_keys": False,
            "allow_agent": False,
            **params,
        },
        "SFTP_KNOWN_HOST_FILE": str(workdir / "known_hosts"),
        "SFTP_BASE_URL": "https://files.example/media/",
    }
