"""Benchmark the Libcloud backend against django-storages 1.14.6 and Libcloud used by hand.

All three through Libcloud's S3 driver, on moto's S3 server (``make bench-libcloud``). 1.14.6
cannot pass a host or port to the driver, so its driver is replaced by the same class built with
them. Requests are counted at the ``requests`` adapter, which Libcloud's connections go through.
How the benchmarks run, and ``BENCH_QUICK=1`` for a smoke run: ``bench/common.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

# The repository, not bench/, whose libcloud.py (this file) would shadow the libcloud package.
sys.path[0] = str(Path(__file__).resolve().parent.parent)
from bench import common  # noqa: E402

BUCKET = "bench-bucket"
USER, KEY = "bench", "bench-secret"


def setup(server: Any) -> tuple[list[str], dict[str, str]]:
    return [str(server.port)], {}


def driver_keywords(port: str) -> dict[str, Any]:
    return {"region": "us-east-1", "host": "127.0.0.1", "port": int(port), "secure": False}


def client(port: str) -> Any:
    """Return Libcloud's S3 driver for moto on 127.0.0.1:*port*."""
    from libcloud.storage.drivers.s3 import S3StorageDriver

    driver_class: Any = S3StorageDriver
    return driver_class(USER, KEY, **driver_keywords(port))


def prepare(port: str) -> None:
    driver = client(port)
    container = driver.create_container(BUCKET)
    driver.upload_object_via_stream(iter([b"small content"]), container, "small.txt")
    for folder in ("many", "other"):
        for i in range(20):
            driver.upload_object_via_stream(iter([b"x"]), container, f"{folder}/f-{i:02}.txt")
    driver.upload_object_via_stream(common.chunks(common.Pattern(common.BIG)), container, "big.bin")


def storage(impl: str, port: str) -> Any:
    entry = {"type": "libcloud.storage.types.Provider.S3", "user": USER, "key": KEY}
    entry.update(bucket=BUCKET, region="us-east-1")
    if impl == "ours":
        entry.update(driver_keywords(port))
    common.django_setup(LIBCLOUD_PROVIDERS={"bench": entry})
    from storages.backends.apache_libcloud import LibCloudStorage

    libcloud: Any = LibCloudStorage("bench")
    if impl == "anchor":
        libcloud.driver = type(libcloud.driver)(USER, KEY, **driver_keywords(port))
    return libcloud


def read(driver: Any, name: str, *window: int) -> int:
    """Return the size of *name* downloaded whole, or its (start, end) *window*."""
    obj = driver.get_object(BUCKET, name)
    if window:
        return sum(map(len, driver.download_object_range_as_stream(obj, *window)))
    return sum(map(len, driver.download_object_as_stream(obj, chunk_size=common.CHUNK)))


def upload(driver: Any, pieces: Any, name: str) -> None:
    driver.upload_object_via_stream(pieces, driver.get_container(BUCKET), name)


def listdir(driver: Any) -> int:
    objects = driver.iterate_container_objects(driver.get_container(BUCKET), prefix="many/")
    return len(list(objects))


RAW = {
    "read_small": lambda driver, tag: read(driver, "small.txt"),
    "exists": lambda driver, tag: driver.get_object(BUCKET, "small.txt"),
    "size": lambda driver, tag: int(driver.get_object(BUCKET, "small.txt").size),
    "url": lambda driver, tag: driver.get_object_cdn_url(driver.get_object(BUCKET, "small.txt")),
    "listdir_20": lambda driver, tag: listdir(driver),
    "save_small": lambda driver, tag: upload(driver, iter([b"small"]), f"w-{tag}.txt"),
    "read_1k": lambda driver, tag: read(driver, "big.bin", 0, 1024),
    "read_big": lambda driver, tag: read(driver, "big.bin"),
    "save_big": lambda driver, tag: upload(
        driver, common.chunks(common.Pattern(common.BIG)), f"up-{tag}.bin"
    ),
}


count = common.count_requests

if __name__ == "__main__":
    common.main(
        sys.modules[__name__],
        server="moto",
        raw="Libcloud",
        extra_ops=["url", "listdir_20"],
        repeat=(10, 1),
        result_column=True,
        # A new name each time: 1.14.6 cannot overwrite, so every save checks the name.
        fresh_names=True,
    )
