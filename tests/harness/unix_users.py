"""Passwords of the Unix users the SSH and FTP test servers log in (root only).

Each user's password is made once per machine and kept in a root-only file, then set again on
every start: concurrent test sessions (a CI run beside a developer's, a demo beside the tests)
share it instead of each resetting it under the others' feet.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import subprocess
from pathlib import Path

__all__ = ["password_for"]

STATE = Path("/var/lib/storages-test-servers")


def password_for(user: str) -> str:
    """Return the password of the test user *user*, setting it on the system."""
    STATE.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = STATE / f"{user}.password"
    with (STATE / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(16))
        password = path.read_text().strip()
        subprocess.run(["chpasswd"], input=f"{user}:{password}\n".encode(), check=True)
    return password
