"""The FTP servers the FTP tests share (pyftpdlib plain and TLS, vsftpd), and locations on them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from urllib.parse import quote

import pytest

from tests.harness.servers import RunningServer
from tests.harness.specs.ftp import USER

__all__ = ["ftp_location", "pyftpdlib", "pyftpdlib_tls", "vsftpd"]


def ftp_location(server: RunningServer, *, scheme: str = "ftp", root: str | None = None) -> str:
    """Return the location URL of a fresh directory on *server*."""
    password = quote((server.workdir / "password").read_text(), safe="")
    root = uuid.uuid4().hex if root is None else root
    return f"{scheme}://{USER}:{password}@{server.host}:{server.port}/{root}"


@pytest.fixture(scope="session")
def pyftpdlib(test_server: Callable[[str], RunningServer]) -> RunningServer:
    return test_server("pyftpdlib")


@pytest.fixture(scope="session")
def pyftpdlib_tls(test_server: Callable[[str], RunningServer]) -> RunningServer:
    return test_server("pyftpdlib-tls")


@pytest.fixture(scope="session")
def vsftpd(test_server: Callable[[str], RunningServer]) -> RunningServer:
    return test_server("vsftpd")
