"""One Libcloud benchmark measurement, run in a fresh process so peak RSS belongs to it alone.

Usage: python libcloud_worker.py IMPL OP PORT BUCKET; prints one JSON object. IMPL is ``ours``
(this package), ``anchor`` (django-storages 1.14.6, from its own virtualenv) or ``libcloud``
(Libcloud's S3 driver by hand, through its documented object API). All three use Libcloud's
S3 driver against moto on 127.0.0.1:PORT. 1.14.6 cannot pass a host or port to the driver, so
its driver is replaced by the same class built with them. Requests are counted at
``requests.Session.send``, which Libcloud's connections go through.
"""

from __future__ import annotations

import json
import mimetypes
import os
import statistics
import sys
import time
from typing import Any, cast

# Run as a script, this folder is sys.path[0], where bench/libcloud.py would shadow
# the libcloud package: the repository root takes its place (for bench.s3_worker).
sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from bench.s3_worker import BIG, CHUNK, Pattern, peak_rss  # noqa: E402

LARGE = {"read_1k_of_256m", "read_256m", "save_256m"}
USER, KEY = "bench", "bench-secret"


def driver_keywords(port: str) -> dict[str, Any]:
    return {"region": "us-east-1", "host": "127.0.0.1", "port": int(port), "secure": False}


def s3_driver(port: str) -> Any:
    """Return Libcloud's S3 driver for moto on 127.0.0.1:*port*."""
    from libcloud.storage.drivers.s3 import S3StorageDriver

    driver_class: Any = S3StorageDriver
    return driver_class(USER, KEY, **driver_keywords(port))


def make_storage(impl: str, port: str, bucket: str) -> Any:
    import django
    from django.conf import settings

    entry = {"type": "libcloud.storage.types.Provider.S3", "user": USER, "key": KEY}
    entry.update(bucket=bucket, region="us-east-1")
    if impl == "ours":
        entry.update(driver_keywords(port))
    settings.configure(USE_TZ=True, SECRET_KEY="bench", LIBCLOUD_PROVIDERS={"bench": entry})
    django.setup()
    from storages.backends.apache_libcloud import LibCloudStorage

    storage: Any = LibCloudStorage("bench")
    if impl == "anchor":
        storage.driver = type(storage.driver)(USER, KEY, **driver_keywords(port))
    return storage


def prepare(port: str, bucket: str) -> None:
    """Create and fill the bucket the operations use (run once, before the measurements)."""
    driver = s3_driver(port)
    container = driver.create_container(bucket)
    driver.upload_object_via_stream(iter([b"small content"]), container, "small.txt")
    for folder in ("many", "other"):
        for i in range(20):
            driver.upload_object_via_stream(iter([b"x"]), container, f"{folder}/f-{i:02}.txt")
    stream = Pattern(BIG)
    chunks = iter(lambda: stream.read(CHUNK), b"")
    driver.upload_object_via_stream(chunks, container, "big.bin")


def main() -> None:
    impl, op, port, bucket = sys.argv[1:5]
    if op == "prepare":
        prepare(port, bucket)
        print("{}")
        return
    import requests

    counts: dict[str, int] = {}
    send = requests.Session.send

    def counting_send(self: Any, request: Any, **kwargs: Any) -> Any:
        counts[request.method] = counts.get(request.method, 0) + 1
        return send(self, request, **kwargs)

    if impl == "libcloud":
        driver = s3_driver(port)
        storage = None
    else:
        storage = make_storage(impl, port, bucket)
        driver = storage.driver
    # Warm up: the driver built, a connection open, the mimetypes table read.
    mimetypes.guess_type("x.txt")
    driver.get_object(bucket, "small.txt")
    if storage is not None:
        storage.exists("warm-up")
    requests.Session.send = counting_send  # type: ignore[method-assign]
    repeat = 1 if op in LARGE else 10
    baseline = peak_rss()
    timings = []
    result = None
    for i in range(repeat):
        started = time.perf_counter()
        result = run(op, f"{impl}-{i}", storage, driver, bucket)
        timings.append(time.perf_counter() - started)
    print(
        json.dumps(
            {
                "impl": impl,
                "op": op,
                "seconds": statistics.median(timings),
                "rss_delta": max(0, peak_rss() - baseline),
                "requests": sum(counts.values()) / repeat,
                "result": result,
                "by_method": counts,
            }
        )
    )


def drain(read: Any) -> int:
    """Read to the end with *read* (``read(n)``), returning the number of bytes."""
    total = 0
    while data := read(CHUNK):
        total += len(data)
    return total


def run(op: str, tag: str, storage: Any, driver: Any, bucket: str) -> int | None:
    """Run *op*; return what it gave back: bytes read, or entries listed."""
    if op == "read_small":
        if storage is None:
            obj = driver.get_object(bucket, "small.txt")
            return len(b"".join(driver.download_object_as_stream(obj)))
        with storage.open("small.txt", "rb") as handle:
            return len(handle.read())
    if op == "exists":
        if storage is None:
            driver.get_object(bucket, "small.txt")
        else:
            storage.exists("small.txt")
    elif op == "size":
        if storage is None:
            return int(driver.get_object(bucket, "small.txt").size)
        return int(storage.size("small.txt"))
    elif op == "url":
        if storage is None:
            driver.get_object_cdn_url(driver.get_object(bucket, "small.txt"))
        else:
            storage.url("small.txt")
    elif op == "listdir_20":
        if storage is None:
            container = driver.get_container(bucket)
            return len(list(driver.iterate_container_objects(container, prefix="many/")))
        dirs, files = storage.listdir("many")
        return len(dirs) + len(files)
    elif op == "save_small":
        # A new name each time: 1.14.6 cannot overwrite, so every save checks the name.
        if storage is None:
            container = driver.get_container(bucket)
            driver.upload_object_via_stream(iter([b"small"]), container, f"w-{tag}.txt")
        else:
            from django.core.files.base import ContentFile

            storage.save(f"w-{tag}.txt", ContentFile(b"small"))
    elif op == "read_1k_of_256m":
        if storage is None:
            obj = driver.get_object(bucket, "big.bin")
            return len(b"".join(driver.download_object_range_as_stream(obj, 0, 1024)))
        with storage.open("big.bin", "rb") as handle:
            return len(handle.read(1024))
    elif op == "read_256m":
        if storage is None:
            obj = driver.get_object(bucket, "big.bin")
            chunks = driver.download_object_as_stream(obj, chunk_size=CHUNK)
            return sum(len(chunk) for chunk in chunks)
        with storage.open("big.bin", "rb") as handle:
            return drain(handle.read)
    elif op == "save_256m":
        if storage is None:
            stream = Pattern(BIG)
            chunks = iter(lambda: stream.read(CHUNK), b"")
            container = driver.get_container(bucket)
            driver.upload_object_via_stream(chunks, container, f"up-{tag}.bin")
        else:
            from django.core.files.base import File

            storage.save(f"up-{tag}.bin", File(cast(Any, Pattern(BIG)), name="up.bin"))
    else:
        raise SystemExit(f"unknown op {op}")
    return None


if __name__ == "__main__":
    main()
