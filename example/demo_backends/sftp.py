"""SFTP through a private OpenSSH sshd: media on SFTPStorage, logging in with a key.

Host keys are verified: the storage trusts only the ``known_hosts`` file the harness writes from
the server's own host keys (``[127.0.0.1]:<port> ssh-ed25519 ...``), as a deployment would with
``ssh-keyscan``. Unknown keys are refused, never accepted.
"""

from __future__ import annotations

from pathlib import Path

from demo_backends import LOCAL, DemoBackend
from tests.harness.catalog import CATALOG
from tests.harness.servers import start
from tests.harness.specs.sshd import USER

INSTALL = ("sshd.sh",)


def setup(workdir: Path) -> DemoBackend:
    # The harness sets the user's machine-wide password (tests/harness/unix_users.py), which
    # concurrent test sessions share; the demo logs in with a key and leaves it as it is.
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
        backend="storages.backends.sftpstorage.SFTPStorage",
        options=options,
        stop=server.stop,
        where=(
            f"a private OpenSSH sshd at sftp://{USER}@{server.host}:{server.port}, directory "
            f"{options['root_path']} (this machine's sshd binary on its own port, {LOCAL})"
        ),
    )
