"""One module per test server; each defines ``SPECS: dict[str, ServerSpec]``.

The helpers below are what several of them share: where npm installed a server, how the
project's own stand-ins are started, the setup of a daemon that logs in a system user, a
database server's entry in ``DATABASES``.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from tests.harness.servers import RunningServer, ServerStartError

__all__ = [
    "database_entry",
    "greets",
    "node_binary",
    "prepared",
    "standin_command",
    "user_directory",
]

_ROOT = Path(__file__).resolve().parents[3]

Command = Callable[[int, Path], list[str]]


def node_binary(name: str) -> Path:
    """Return the executable *name* that scripts/test-servers installed from npm."""
    servers_dir = Path(os.environ.get("SERVERS_DIR") or _ROOT / ".test-servers")
    return servers_dir / "node_modules" / ".bin" / name


def standin_command(script: str, *extra: str) -> Command:
    """Return the command line of the project's stand-in ``tests/servers/<script>``."""
    path = _ROOT / "tests" / "servers" / script

    def command(port: int, workdir: Path) -> list[str]:
        return [sys.executable, str(path), "--port", str(port), "--workdir", str(workdir), *extra]

    return command


def prepared(name: str, prepare: Command) -> Command:
    """Return *prepare* as a command whose failure to set the server up (a missing daemon,
    user or tool) is a :class:`ServerStartError` saying so."""

    def command(port: int, workdir: Path) -> list[str]:
        try:
            return prepare(port, workdir)
        except (OSError, KeyError, subprocess.CalledProcessError) as exc:
            raise ServerStartError(f"{name}: cannot prepare the server: {exc}") from exc

    return command


def user_directory(prefix: str, user: str) -> Path:
    """Make a directory that the system *user* owns, removed when the session ends.

    pytest's temporary root is private to root, so what a daemon's user must reach lives
    outside it.
    """
    if os.geteuid() != 0:
        raise PermissionError(f"needs root (it logs in the Unix user {user})")
    entry = pwd.getpwnam(user)
    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, True)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    return path


def database_entry(server: RunningServer, engine: str, **entry: object) -> dict[str, object]:
    """Return a ``DATABASES`` entry for the database server *server* (Django's *engine*)."""
    return {"ENGINE": engine, "HOST": server.host, "PORT": str(server.port), **entry}


def greets(prefix: bytes) -> Callable[[RunningServer], bool]:
    """Return a readiness check: the server's first bytes on a new connection are *prefix*."""

    def ready(server: RunningServer) -> bool:
        with socket.create_connection((server.host, server.port), timeout=1) as sock:
            return sock.recv(len(prefix)).startswith(prefix)

    return ready
