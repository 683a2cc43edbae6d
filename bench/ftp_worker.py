"""One FTP benchmark measurement, run in a fresh process so peak RSS belongs to it alone.

Usage: python ftp_worker.py IMPL OP PORT PASSWORD; prints one JSON object. IMPL is ``ours``
(this package), ``anchor`` (django-storages 1.14.6, from its own virtualenv) or ``ftplib`` (the
raw client: ``storbinary``/``retrbinary``). Commands are counted at ``ftplib.FTP.putcmd``,
through which every command of the control connection goes.
"""

from __future__ import annotations

import contextlib
import ftplib
import io
import json
import statistics
import sys
import time
from typing import Any
from urllib.parse import quote

from s3_worker import BIG, CHUNK, LARGE, Pattern, peak_rss

USER = "ftpuser"


def count_commands(counts: dict[str, int]) -> None:
    original = ftplib.FTP.putcmd

    def counted(self: ftplib.FTP, line: str) -> None:
        name = line.split(" ", 1)[0].upper()
        counts[name] = counts.get(name, 0) + 1
        original(self, line)

    ftplib.FTP.putcmd = counted  # type: ignore[method-assign]


def make_storage(impl: str, port: str, password: str) -> Any:
    import django
    from django.conf import settings

    settings.configure(USE_TZ=True, SECRET_KEY="bench", MEDIA_URL="/media/")
    django.setup()
    if impl == "anchor":
        from storages.backends.ftp import FTPStorage

        return FTPStorage(location=f"ftp://{USER}:{password}@127.0.0.1:{port}/")
    from storages.backends.ftp import FTPStorage

    return FTPStorage(location=f"ftp://{USER}:{quote(password, safe='')}@127.0.0.1:{port}")


def raw_client(port: str, password: str) -> ftplib.FTP:
    ftp = ftplib.FTP()  # the local benchmark server speaks plain FTP
    ftp.connect("127.0.0.1", int(port))
    ftp.login(USER, password)
    ftp.voidcmd("TYPE I")
    return ftp


def main() -> None:
    impl, op, port, password = sys.argv[1:5]
    counts: dict[str, int] = {}
    storage: Any = None
    ftp: ftplib.FTP | None = None
    if impl == "ftplib":
        ftp = raw_client(port, password)
    else:
        storage = make_storage(impl, port, password)
        storage.exists("warm-up")  # connects
    count_commands(counts)
    repeat = 1 if op in LARGE else 25
    baseline = peak_rss()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        if ftp is not None:
            run_raw(op, ftp)
        else:
            run_storage(op, impl, storage)
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


def run_raw(op: str, ftp: ftplib.FTP) -> None:
    if op == "read_small":
        parts: list[bytes] = []
        ftp.retrbinary("RETR small.txt", parts.append)
    elif op in ("exists", "size"):
        ftp.size("small.txt")
    elif op == "listdir":
        list(ftp.mlsd("", facts=["type"]))
        ftp.voidcmd("TYPE I")
    elif op == "save_small":
        ftp.storbinary("STOR w-ftplib.txt", io.BytesIO(b"small"))
    elif op == "read_1k_of_256m":
        with ftp.transfercmd("RETR big.bin") as data:
            data.recv(1024)
        with contextlib.suppress(ftplib.error_temp):  # 426: cut short, as asked
            ftp.voidresp()
    elif op == "read_256m":
        ftp.retrbinary("RETR big.bin", lambda chunk: None, blocksize=CHUNK)
    elif op == "save_256m":
        ftp.storbinary("STOR up-ftplib.bin", Pattern(BIG), blocksize=CHUNK)
    else:
        raise SystemExit(f"unknown op {op}")


def run_storage(op: str, impl: str, storage: Any) -> None:
    from django.core.files.base import ContentFile, File

    if op == "read_small":
        with storage.open("small.txt", "rb") as handle:
            handle.read()
    elif op == "exists":
        storage.exists("small.txt")
    elif op == "size":
        storage.size("small.txt")
    elif op == "listdir":
        storage.listdir("")
    elif op == "save_small":
        storage.save(f"w-{impl}.txt", ContentFile(b"small"))
    elif op == "read_1k_of_256m":
        with storage.open("big.bin", "rb") as handle:
            handle.read(1024)
    elif op == "read_256m":
        with storage.open("big.bin", "rb") as handle:
            while handle.read(CHUNK):
                pass
    elif op == "save_256m":
        source: Any = Pattern(BIG)  # a binary stream; the stubs want text
        storage.save(f"up-{impl}.bin", File(source, name="up.bin"))
    else:
        raise SystemExit(f"unknown op {op}")


if __name__ == "__main__":
    main()
