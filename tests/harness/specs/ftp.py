"""FTP servers: pyftpdlib, plain and with explicit TLS (pip, through the dev extra), and vsftpd
(scripts/test-servers/vsftpd.sh), a real daemon without MLSD.

The working directory of a running server holds ``password`` (user ``storages-ftp``; for vsftpd the
machine-wide one of :mod:`tests.harness.unix_users`, for pyftpdlib a fresh one), ``data_dir``
(the directory the server shares) and, for the TLS server, ``ca.pem`` (the CA that signed its
certificate for 127.0.0.1)."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from tests.harness.servers import ServerSpec
from tests.harness.specs import greets, prepared, user_directory
from tests.harness.unix_users import password_for

__all__ = ["SPECS", "USER"]

USER = "storages-ftp"


def _common(port: int, workdir: Path) -> list[str]:
    data = workdir / "data"
    data.mkdir(exist_ok=True)
    (workdir / "data_dir").write_text(str(data))
    password = secrets.token_urlsafe(16)
    (workdir / "password").write_text(password)
    return [
        sys.executable, "-m", "pyftpdlib", "-i", "127.0.0.1", "-p", str(port), "-w",
        "-u", USER, f"--password={password}", "-d", str(data),
    ]  # fmt: skip


def _tls(port: int, workdir: Path) -> list[str]:
    import trustme

    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(workdir / "ca.pem"))
    server = ca.issue_cert("127.0.0.1", "localhost")
    server.private_key_pem.write_to_path(str(workdir / "key.pem"))
    server.cert_chain_pems[0].write_to_path(str(workdir / "cert.pem"))
    return [
        *_common(port, workdir),
        "--tls", "--keyfile", str(workdir / "key.pem"), "--certfile", str(workdir / "cert.pem"),
        "--tls-control-required", "--tls-data-required",
    ]  # fmt: skip


VSFTPD = "/usr/sbin/vsftpd"
#: The PAM service scripts/test-servers/vsftpd.sh installs (no /etc/shells check).
PAM_SERVICE = "storages-test-vsftpd"


def _prepare_vsftpd(port: int, workdir: Path) -> list[str]:
    for needed in (VSFTPD, f"/etc/pam.d/{PAM_SERVICE}"):
        if not os.path.exists(needed):
            raise FileNotFoundError(f"{needed} is missing")
    data = user_directory("storages-vsftpd-", USER)
    (workdir / "data_dir").write_text(str(data))
    password = password_for(USER)
    (workdir / "password").write_text(password)
    Path("/var/run/vsftpd/empty").mkdir(parents=True, exist_ok=True)
    config = workdir / "vsftpd.conf"
    config.write_text(
        f"""listen=YES
listen_ipv6=NO
background=NO
listen_address=127.0.0.1
listen_port={port}
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
local_root={data}
userlist_enable=NO
chroot_local_user=YES
allow_writeable_chroot=YES
pasv_enable=YES
pasv_address=127.0.0.1
port_enable=YES
connect_from_port_20=NO
seccomp_sandbox=NO
secure_chroot_dir=/var/run/vsftpd/empty
pam_service_name={PAM_SERVICE}
max_per_ip=0
max_clients=0
xferlog_enable=NO
vsftpd_log_file={workdir / "vsftpd-transfers.log"}
"""
    )
    return [VSFTPD, str(config)]


_ready = greets(b"220")


SPECS: dict[str, ServerSpec] = {
    "pyftpdlib": ServerSpec(
        name="pyftpdlib",
        command=_common,
        ready=_ready,
        install_hint="pip install pyftpdlib (make test does it)",
    ),
    "pyftpdlib-tls": ServerSpec(
        name="pyftpdlib-tls",
        command=_tls,
        ready=_ready,
        install_hint="pip install pyftpdlib pyopenssl trustme (make test does it)",
    ),
    "vsftpd": ServerSpec(
        name="vsftpd",
        command=prepared("vsftpd", _prepare_vsftpd),
        ready=_ready,
        install_hint=f"run scripts/test-servers/vsftpd.sh as root (vsftpd and user {USER})",
    ),
}
