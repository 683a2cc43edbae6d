"""The FTP servers the FTP tests share (pyftpdlib plain and TLS, vsftpd), and locations on them."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

import pytest
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import ThreadedFTPServer

from tests.harness.servers import RunningServer
from tests.harness.specs.ftp import USER

__all__ = [
    "AWKWARD_PASSWORD",
    "HashingHandler",
    "LocalFTPServer",
    "ftp_location",
    "hashing_ftpd",
    "pyftpdlib",
    "pyftpdlib_tls",
    "vsftpd",
]


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


#: A password with every character a URL gives a meaning to.
AWKWARD_PASSWORD = "pa/ss#w?rd@%41:x"


class HashingHandler(FTPHandler):  # type: ignore[misc]
    """pyftpdlib with the ``HASH`` command of draft-bryan-ftpext-hash, which some servers offer
    (``FEAT`` lists ``HASH SHA-256*;SHA-1;MD5``; ``OPTS HASH <algorithm>`` selects one;
    ``HASH <file>`` answers ``213 <algorithm> 0-<last byte> <hex digest> <file>``)."""

    proto_cmds = {
        **FTPHandler.proto_cmds,
        "HASH": {"perm": "r", "auth": True, "arg": True, "help": "Syntax: HASH <SP> file-name."},
    }
    _ALGORITHMS: ClassVar[dict[str, str]] = {"SHA-256": "sha256", "SHA-1": "sha1", "MD5": "md5"}
    #: Every HASH command received, and whether the digests it gives are wrong on purpose.
    hashed: ClassVar[list[str]] = []
    lying = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._extra_feats.append("HASH SHA-256*;SHA-1;MD5")
        self._algorithm = "SHA-256"

    def ftp_OPTS(self, line: str) -> None:
        command, _, algorithm = line.partition(" ")
        if command.upper() != "HASH":
            super().ftp_OPTS(line)
        elif algorithm.upper() in self._ALGORITHMS:
            self._algorithm = algorithm.upper()
            self.respond(f"200 {self._algorithm}")
        else:
            self.respond("501 Unknown algorithm.")

    def ftp_HASH(self, path: str) -> None:
        type(self).hashed.append(self.fs.fs2ftp(path))
        try:
            data = Path(path).read_bytes()
        except OSError:
            self.respond("550 No such file.")
            return
        digest = hashlib.new(self._ALGORITHMS[self._algorithm], data).hexdigest()
        if self.lying:
            digest = digest[::-1]
        self.respond(f"213 {self._algorithm} 0-{len(data) - 1} {digest} {self.fs.fs2ftp(path)}")


@dataclasses.dataclass(frozen=True)
class LocalFTPServer:
    """A pyftpdlib server run in this process (see :class:`HashingHandler`)."""

    port: int
    password: str
    data_dir: Path
    handler: type[HashingHandler]

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def location(self, root: str, *, port: int | None = None) -> str:
        """Return a location in the percent-encoded form (RFC 1738)."""
        password = quote(self.password, safe="")
        return f"ftp://{USER}:{password}@{self.host}:{port or self.port}/{root}"


@pytest.fixture(scope="session")
def hashing_ftpd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalFTPServer]:
    """A pyftpdlib server offering HASH, with a password full of URL delimiters."""
    data = tmp_path_factory.mktemp("hashing-ftpd")
    authorizer = DummyAuthorizer()
    authorizer.add_user(USER, AWKWARD_PASSWORD, str(data), perm="elradfmwMT")
    handler = type("Handler", (HashingHandler,), {"authorizer": authorizer, "hashed": []})
    server = ThreadedFTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"timeout": 0.2, "handle_exit": False}, daemon=True
    )
    thread.start()
    try:
        yield LocalFTPServer(server.address[1], AWKWARD_PASSWORD, data, handler)
    finally:
        server.close_all()
        thread.join(timeout=5)
