"""One Azure benchmark measurement, run in a fresh process so peak RSS belongs to it alone.

Usage: python azure_worker.py IMPL OP CONNECTION_STRING CONTAINER; prints one JSON object. IMPL
is ``ours`` (this package), ``anchor`` (django-storages 1.14.6, from its own virtualenv) or
``sdk`` (azure-storage-blob used directly). Requests are counted at the ``requests`` adapter,
under every implementation alike.
"""

from __future__ import annotations

import json
import mimetypes
import statistics
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any, cast

HERE = Path(__file__).resolve().parent
# This directory's azure.py would shadow the azure package: import from the repository root.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from bench.s3_worker import BIG, CHUNK, LARGE, Pattern, peak_rss  # noqa: E402


def count_requests() -> dict[str, int]:
    """Count every HTTP request by method, whichever thread sends it."""
    import requests.adapters

    counts: dict[str, int] = {}
    lock = threading.Lock()
    send = requests.adapters.HTTPAdapter.send

    def counting_send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            counts[request.method] = counts.get(request.method, 0) + 1
        return send(self, request, *args, **kwargs)

    requests.adapters.HTTPAdapter.send = counting_send  # type: ignore[method-assign]
    return counts


def make_storage(impl: str, conn: str, container: str) -> Any:
    import django
    from django.conf import settings

    settings.configure(USE_TZ=True, SECRET_KEY="bench")
    django.setup()
    from storages.backends.azure_storage import AzureStorage

    overwrite = "file_overwrite" if impl == "ours" else "overwrite_files"
    return AzureStorage(
        connection_string=conn,
        azure_container=container,
        expiration_secs=3600,
        **{overwrite: True},
    )


def main() -> None:
    impl, op, conn, container = sys.argv[1:5]
    from azure.storage.blob import BlobServiceClient

    storage = None
    if impl == "sdk":
        service = BlobServiceClient.from_connection_string(conn)
        service.get_container_client(container).get_container_properties()  # warm-up
    else:
        storage = make_storage(impl, conn, container)
        storage.exists("warm-up")
        service = None
    mimetypes.guess_type("x.txt")
    counts = count_requests()
    repeat = 1 if op in LARGE else 25
    baseline = peak_rss()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run(op, impl, storage, service, container)
        timings.append(time.perf_counter() - started)
    print(
        json.dumps(
            {
                "impl": impl,
                "op": op,
                "seconds": statistics.median(timings),
                "rss_delta": max(0, peak_rss() - baseline),
                "requests": sum(counts.values()) / repeat,
                "by_method": counts,
            }
        )
    )


def run(op: str, impl: str, storage: Any, service: Any, container: str) -> None:
    if storage is not None:
        run_storage(op, impl, storage)
        return
    from azure.storage.blob import BlobSasPermissions, generate_blob_sas

    blob = service.get_blob_client(container, "small.txt")
    big = service.get_blob_client(container, "big.bin")
    if op == "read_small":
        blob.download_blob().readall()
    elif op == "exists":
        blob.exists()
    elif op == "size":
        _ = blob.get_blob_properties().size
    elif op == "url":
        sas = generate_blob_sas(
            service.account_name,
            container,
            "small.txt",
            account_key=service.credential.account_key,
            permission=BlobSasPermissions(read=True),
            expiry=datetime.now(timezone.utc) + timedelta(seconds=3600),
        )
        _ = f"{blob.url}?{sas}"
    elif op == "save_small":
        service.get_blob_client(container, f"w-{impl}.txt").upload_blob(b"small", overwrite=True)
    elif op == "read_1k_of_256m":
        big.download_blob(offset=0, length=1024).readall()
    elif op == "read_256m":
        for _chunk in big.download_blob().chunks():
            pass
    elif op == "save_256m":
        service.get_blob_client(container, f"up-{impl}.bin").upload_blob(
            Pattern(BIG), overwrite=True, max_concurrency=2
        )
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
    elif op == "url":
        storage.url("small.txt")
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
        storage.save(f"up-{impl}.bin", File(cast(IO[bytes], Pattern(BIG)), name="up.bin"))
    else:
        raise SystemExit(f"unknown op {op}")


if __name__ == "__main__":
    main()
