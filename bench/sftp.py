"""Benchmark the SFTP backend against django-storages 1.14.6 and raw paramiko (``make bench-sftp``).

On a private OpenSSH sshd, whose data directory the files to read are written into; everyone
logs in with the same key and checks the same known-hosts file (the harness sets the user's
machine-wide test password, which unlocks the account). Requests are SFTP requests
(open, read, write, stat, ...) counted at paramiko's ``SFTPClient._async_request``, through
which every request goes. ``vs paramiko`` is the raw client's time (``putfo``/``getfo``) divided
by ours. How the benchmarks run, and ``BENCH_QUICK=1`` for a smoke run: ``bench/common.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository, not bench/
from bench import common  # noqa: E402

USER = "storages-sftp"  # tests.harness.specs.sshd.USER


def setup(server: Any) -> tuple[list[str], dict[str, str]]:
    common.write_files(Path((server.workdir / "data_dir").read_text()))
    return [str(server.port), str(server.workdir)], {}


def login(port: str, workdir: str) -> dict[str, Any]:
    return {
        "port": int(port),
        "username": USER,
        "key_filename": str(Path(workdir) / "client_ed25519"),
        "look_for_keys": False,
        "allow_agent": False,
    }


def storage(impl: str, port: str, workdir: str) -> Any:
    common.django_setup(MEDIA_URL="/media/")
    if impl == "anchor":
        from storages.backends.sftpstorage import SFTPStorage
    else:
        from storages.backends.sftp import SFTPStorage
    return SFTPStorage(
        host="127.0.0.1",
        root_path=(Path(workdir) / "data_dir").read_text(),
        params=login(port, workdir),
        known_host_file=str(Path(workdir) / "known_hosts"),
    )


def client(port: str, workdir: str) -> Any:
    import paramiko

    ssh = paramiko.SSHClient()
    ssh.load_host_keys(str(Path(workdir) / "known_hosts"))
    ssh.set_missing_host_key_policy(paramiko.RejectPolicy())
    ssh.connect("127.0.0.1", **login(port, workdir))
    sftp = ssh.open_sftp()
    sftp.chdir((Path(workdir) / "data_dir").read_text())
    return sftp


def count(impl: str, target: Any) -> dict[str, int]:
    import paramiko
    from paramiko.sftp import CMD_EXTENDED, CMD_NAMES

    def name(_sftp: Any, fileobj: Any, t: int, *args: Any) -> str:
        return str(args[0]) if t == CMD_EXTENDED and args else CMD_NAMES.get(t, str(t))

    return common.count_calls(paramiko.SFTPClient, "_async_request", name)


class Sink:
    """A writable file that keeps nothing."""

    def write(self, data: bytes) -> int:
        return len(data)


def read(sftp: Any, name: str, size: int = -1) -> bytes:
    with sftp.open(name, "rb") as handle:
        return bytes(handle.read(size))


def write(sftp: Any, name: str, data: bytes) -> None:
    with sftp.open(name, "wb") as handle:
        handle.write(data)


RAW = {
    "read_small": lambda sftp, tag: read(sftp, "small.txt"),
    "exists": lambda sftp, tag: sftp.stat("small.txt"),
    "size": lambda sftp, tag: sftp.stat("small.txt").st_size,
    "listdir": lambda sftp, tag: sftp.listdir_attr(),
    "save_small": lambda sftp, tag: write(sftp, f"w-{tag}.txt", b"small"),
    "read_1k": lambda sftp, tag: read(sftp, "big.bin", 1024),
    "read_big": lambda sftp, tag: sftp.getfo("big.bin", Sink()),
    "save_big": lambda sftp, tag: sftp.putfo(common.Pattern(common.BIG), f"up-{tag}.bin"),
}

if __name__ == "__main__":
    common.main(
        sys.modules[__name__], server="sshd", raw="paramiko", extra_ops=["listdir"], time="ms"
    )
