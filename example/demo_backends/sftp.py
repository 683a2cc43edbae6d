"""SFTP through a private OpenSSH sshd: media on SFTPStorage, logging in with a key.

Host keys are verified: the storage trusts only the ``known_hosts`` file the harness writes from
the server's own host keys (``[127.0.0.1]:<port> ssh-ed25519 ...``), as a deployment would with
``ssh-keyscan``. Unknown keys are refused, never accepted.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

from demo_backends import DemoBackend
from tests.harness.catalog import CATALOG
from tests.harness.servers import start
from tests.harness.specs.sshd import USER


@contextlib.contextmanager
def password_kept(user: str) -> Iterator[None]:
    """Give *user* back its password: the harness sets a fresh one, which a test session
    running at the same time relies on. The demo logs in with a key."""
    lines = Path("/etc/shadow").read_text().splitlines()
    hashes = dict(line.split(":", 2)[:2] for line in lines if line.count(":") >= 2)
    try:
        yield
    finally:
        if hashes.get(user):
            entry = f"{user}:{hashes[user]}\n".encode()
            subprocess.run(["chpasswd", "-e"], input=entry, check=True)


def setup(workdir: Path) -> DemoBackend:
    with password_kept(USER):
        server = start(CATALOG["sshd"], workdir)
    options = {
        "host": server.host,
        "root_path": f"{(workdir / 'data_dir').read_text()}/media",
        "params": {
            "port": server.port,
            "username": USER,
            "key_filename": str(workdir / "client_ed25519"),
            "look_for_keys": False,
            "allow_agent": False,
        },
        "known_host_file": str(workdir / "known_hosts"),
        "base_url": "/files/",
    }
    return DemoBackend(
        backend="storages.backends.sftpstorage.SFTPStorage", options=options, stop=server.stop
    )
