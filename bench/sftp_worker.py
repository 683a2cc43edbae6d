"""One SFTP benchmark measurement, run in a fresh process so peak RSS belongs to it alone.

Usage: python sftp_worker.py IMPL OP PORT WORKDIR; prints one JSON object. IMPL is ``ours``
(this package), ``anchor`` (django-storages 1.14.6, from its own virtualenv) or ``paramiko`` (the
raw client: ``putfo``/``getfo``). WORKDIR is the harness's sshd working directory (client key,
``known_hosts``, ``data_dir``). SFTP requests are counted by type at paramiko's
``SFTPClient._async_request``, through which every request goes.
"""

from __future__ import annotations

import json
import posixpath
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from s3_worker import BIG, CHUNK, LARGE, Pattern, peak_rss

USER = "sftptest"


class Sink:
    """A writable file that keeps nothing."""

    def write(self, data: bytes) -> int:
        return len(data)


def count_requests(counts: dict[str, int]) -> None:
    import paramiko
    from paramiko.sftp import CMD_EXTENDED, CMD_NAMES

    original = paramiko.SFTPClient._async_request

    def counted(self: Any, fileobj: Any, t: int, *args: Any) -> Any:
        name = str(args[0]) if t == CMD_EXTENDED and args else CMD_NAMES.get(t, str(t))
        counts[name] = counts.get(name, 0) + 1
        return original(self, fileobj, t, *args)

    paramiko.SFTPClient._async_request = counted


def make_storage(impl: str, port: int, workdir: Path, root: str) -> Any:
    import django
    from django.conf import settings

    settings.configure(USE_TZ=True, SECRET_KEY="bench", MEDIA_URL="/media/")
    django.setup()
    options = {
        "host": "127.0.0.1",
        "root_path": root,
        "params": {
            "port": port,
            "username": USER,
            "key_filename": str(workdir / "client_ed25519"),
            "look_for_keys": False,
            "allow_agent": False,
        },
        "known_host_file": str(workdir / "known_hosts"),
    }
    if impl == "anchor":
        from storages.backends.sftpstorage import SFTPStorage
    else:
        from storages.backends.sftp import SFTPStorage
    return SFTPStorage(**options)


def raw_client(port: int, workdir: Path) -> Any:
    import paramiko

    ssh = paramiko.SSHClient()
    ssh.load_host_keys(str(workdir / "known_hosts"))
    ssh.set_missing_host_key_policy(paramiko.RejectPolicy())
    ssh.connect(
        "127.0.0.1",
        port=port,
        username=USER,
        key_filename=str(workdir / "client_ed25519"),
        look_for_keys=False,
        allow_agent=False,
    )
    return ssh.open_sftp()


def main() -> None:
    impl, op, port, workdir_arg = sys.argv[1:5]
    workdir = Path(workdir_arg)
    root = (workdir / "data_dir").read_text()
    counts: dict[str, int] = {}
    if impl == "paramiko":
        storage = None
        sftp = raw_client(int(port), workdir)
        sftp.stat(root)  # warm up
    else:
        storage = make_storage(impl, int(port), workdir, root)
        sftp = None
        storage.exists("warm-up")  # connects
    count_requests(counts)
    repeat = 1 if op in LARGE else 25
    baseline = peak_rss()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run(op, impl, storage, sftp, root)
        timings.append(time.perf_counter() - started)
    print(
        json.dumps(
            {
                "impl": impl,
                "op": op,
                "seconds": statistics.median(timings),
                "rss_delta": max(0, peak_rss() - baseline),
                "requests": sum(counts.values()) / repeat,
                "by_operation": counts,
            }
        )
    )


def run(op: str, impl: str, storage: Any, sftp: Any, root: str) -> None:
    def path(name: str) -> str:
        return posixpath.join(root, name)

    if op == "read_small":
        if storage is None:
            with sftp.open(path("small.txt"), "rb") as handle:
                handle.read()
        else:
            with storage.open("small.txt", "rb") as handle:
                handle.read()
    elif op == "exists":
        if storage is None:
            sftp.stat(path("small.txt"))
        else:
            storage.exists("small.txt")
    elif op == "size":
        if storage is None:
            sftp.stat(path("small.txt"))  # the size is in the attributes
        else:
            storage.size("small.txt")
    elif op == "listdir":
        if storage is None:
            sftp.listdir_attr(root)
        else:
            storage.listdir("")
    elif op == "save_small":
        if storage is None:
            with sftp.open(path(f"w-{impl}.txt"), "wb") as handle:
                handle.write(b"small")
        else:
            from django.core.files.base import ContentFile

            storage.save(f"w-{impl}.txt", ContentFile(b"small"))
    elif op == "read_1k_of_256m":
        if storage is None:
            with sftp.open(path("big.bin"), "rb") as handle:
                handle.read(1024)
        else:
            with storage.open("big.bin", "rb") as handle:
                handle.read(1024)
    elif op == "read_256m":
        if storage is None:
            sftp.getfo(path("big.bin"), Sink())
        else:
            with storage.open("big.bin", "rb") as handle:
                while handle.read(CHUNK):
                    pass
    elif op == "save_256m":
        if storage is None:
            sftp.putfo(Pattern(BIG), path(f"up-{impl}.bin"))
        else:
            from django.core.files.base import File

            source: Any = Pattern(BIG)  # a binary stream; the stubs want text
            storage.save(f"up-{impl}.bin", File(source, name="up.bin"))
    else:
        raise SystemExit(f"unknown op {op}")


if __name__ == "__main__":
    main()
