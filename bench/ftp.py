"""Benchmark the FTP backend against django-storages 1.14.6 and raw ftplib (``make bench-ftp``).

On pyftpdlib (plain FTP, its own user: no system account is touched), whose directory the files
to read are written into. Requests are FTP commands on the control connection (``USER``,
``PASV``, ``RETR``, ...) counted at ``ftplib.FTP.putcmd``. ``vs ftplib`` is the raw client's
time (``storbinary``/``retrbinary``) divided by ours. How the benchmarks run, and
``BENCH_QUICK=1`` for a smoke run: ``bench/common.py``.
"""

from __future__ import annotations

import contextlib
import ftplib
import io
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository, not bench/
from bench import common  # noqa: E402

USER = "storages-ftp"  # tests.harness.specs.ftp.USER


def setup(server: Any) -> tuple[list[str], dict[str, str]]:
    common.write_files(Path((server.workdir / "data_dir").read_text()))
    return [str(server.port), (server.workdir / "password").read_text()], {}


def storage(impl: str, port: str, password: str) -> Any:
    common.django_setup(MEDIA_URL="/media/")
    from storages.backends.ftp import FTPStorage

    if impl == "anchor":
        return FTPStorage(location=f"ftp://{USER}:{password}@127.0.0.1:{port}/")
    return FTPStorage(location=f"ftp://{USER}:{quote(password, safe='')}@127.0.0.1:{port}")


def client(port: str, password: str) -> ftplib.FTP:
    ftp = ftplib.FTP()  # the local benchmark server speaks plain FTP
    ftp.connect("127.0.0.1", int(port))
    ftp.login(USER, password)
    ftp.voidcmd("TYPE I")
    return ftp


def count(impl: str, target: Any) -> dict[str, int]:
    def command(ftp: ftplib.FTP, line: str) -> str:
        return line.split(" ", 1)[0].upper()

    return common.count_calls(ftplib.FTP, "putcmd", command)


def listdir(ftp: ftplib.FTP) -> None:
    list(ftp.mlsd("", facts=["type"]))
    ftp.voidcmd("TYPE I")


def read_1k(ftp: ftplib.FTP) -> None:
    with ftp.transfercmd("RETR big.bin") as data:
        data.recv(1024)
    with contextlib.suppress(ftplib.error_temp):  # 426: cut short, as asked
        ftp.voidresp()


RAW = {
    "read_small": lambda ftp, tag: ftp.retrbinary("RETR small.txt", [].append),
    "exists": lambda ftp, tag: ftp.size("small.txt"),
    "size": lambda ftp, tag: ftp.size("small.txt"),
    "listdir": lambda ftp, tag: listdir(ftp),
    "save_small": lambda ftp, tag: ftp.storbinary(f"STOR w-{tag}.txt", io.BytesIO(b"small")),
    "read_1k": lambda ftp, tag: read_1k(ftp),
    "read_big": lambda ftp, tag: ftp.retrbinary("RETR big.bin", len, blocksize=common.CHUNK),
    "save_big": lambda ftp, tag: ftp.storbinary(
        f"STOR up-{tag}.bin", common.Pattern(common.BIG), blocksize=common.CHUNK
    ),
}

if __name__ == "__main__":
    common.main(
        sys.modules[__name__],
        server="pyftpdlib",
        raw="ftplib",
        extra_ops=["listdir"],
        time="ms",
        # Each save a name Django finds free, as an upload usually is: MLST, PASV, STOR, SIZE.
        # (The same name again would add a second MLST, for the alternative name.)
        fresh_names=True,
    )
