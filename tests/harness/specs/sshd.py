"""A private OpenSSH sshd serving SFTP (installed by scripts/test-servers/sshd.sh).

The server gets its own config, host keys and authorized_keys; nothing of the machine's own ssh
setup is used. It logs in one unprivileged user, ``storages-sftp`` (its password is the machine-wide
one of :mod:`tests.harness.unix_users`), and forces ``internal-sftp``. The working directory of
the running server holds what the tests need:

- ``client_ed25519`` / ``client_rsa``: private keys the server accepts;
- ``password``: the user's password for this session;
- ``known_hosts``: the server's real host keys; ``wrong_known_hosts``: another key for its address;
- ``data_dir``: the absolute path of the directory the SFTP session starts in.
"""

from __future__ import annotations

import os
import pwd
import subprocess
from pathlib import Path

from tests.harness.servers import RunningServer, ServerSpec
from tests.harness.specs import greets, prepared, user_directory
from tests.harness.unix_users import password_for

__all__ = ["SPECS", "USER", "known_hosts_for"]

SSHD = "/usr/sbin/sshd"
USER = "storages-sftp"


def _keygen(path: Path, kind: str) -> None:
    if not path.exists():
        args = ["-t", kind] + (["-b", "3072", "-m", "PEM"] if kind == "rsa" else [])
        subprocess.run(["ssh-keygen", "-q", *args, "-N", "", "-f", str(path)], check=True)


def _known_line(address: str, public_key: Path) -> str:
    kind, key = public_key.read_text().split()[:2]
    return f"{address} {kind} {key}\n"


def _known_lines(port: int, workdir: Path) -> str:
    """Return known-hosts lines giving ``127.0.0.1:port`` the server's real host keys."""
    names = ("host_ed25519", "host_rsa")
    return "".join(_known_line(f"[127.0.0.1]:{port}", workdir / f"{name}.pub") for name in names)


def known_hosts_for(server: RunningServer, port: int) -> Path:
    """Write and return a known-hosts file that gives another port of 127.0.0.1 (a proxy in
    front of *server*) the server's real host keys, so host-key checking stays on."""
    path = server.workdir / f"known_hosts_{port}"
    path.write_text(_known_lines(port, server.workdir))
    return path


def _prepare(port: int, workdir: Path) -> list[str]:
    if not os.path.exists(SSHD):
        raise FileNotFoundError(f"{SSHD} is not installed")
    user = pwd.getpwnam(USER)
    for name, kind in [("host_ed25519", "ed25519"), ("host_rsa", "rsa")]:
        _keygen(workdir / name, kind)
    for name, kind in [("client_ed25519", "ed25519"), ("client_rsa", "rsa"), ("other", "ed25519")]:
        _keygen(workdir / name, kind)

    # The user must reach its files and authorized_keys.
    shared = user_directory("storages-sshd-", USER)
    data = shared / "data"
    data.mkdir()
    authorized = shared / "authorized_keys"
    authorized.write_text(
        (workdir / "client_ed25519.pub").read_text() + (workdir / "client_rsa.pub").read_text()
    )
    for path in (data, authorized):
        os.chown(path, user.pw_uid, user.pw_gid)
    (workdir / "data_dir").write_text(str(data))

    password = password_for(USER)
    (workdir / "password").write_text(password)

    (workdir / "known_hosts").write_text(_known_lines(port, workdir))
    (workdir / "wrong_known_hosts").write_text(
        _known_line(f"[127.0.0.1]:{port}", workdir / "other.pub")
    )

    config = workdir / "sshd_config"
    config.write_text(
        f"""Port {port}
ListenAddress 127.0.0.1
HostKey {workdir / "host_ed25519"}
HostKey {workdir / "host_rsa"}
PidFile {workdir / "sshd.pid"}
AuthorizedKeysFile {authorized}
StrictModes no
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin no
AllowUsers {USER}
AllowTcpForwarding no
X11Forwarding no
Subsystem sftp internal-sftp
ForceCommand internal-sftp -d {data}
"""
    )
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    return [SSHD, "-D", "-e", "-f", str(config)]


SPECS: dict[str, ServerSpec] = {
    "sshd": ServerSpec(
        name="sshd",
        command=prepared("sshd", _prepare),
        ready=greets(b"SSH-"),
        install_hint=f"run scripts/test-servers/sshd.sh as root (openssh-server and user {USER})",
    ),
}
