"""One S3 benchmark measurement, run in a fresh process so peak RSS belongs to it alone.

Usage: python s3_worker.py IMPL OP ENDPOINT BUCKET; prints one JSON object. IMPL is ``ours``
(this package), ``anchor`` (django-storages 1.14.6, from its own virtualenv) or ``boto3`` (the raw
SDK). Only the standard library, Django, boto3 and the storage package under test are imported.
"""

from __future__ import annotations

import io
import json
import mimetypes
import resource
import statistics
import sys
import time
from typing import Any

CHUNK = 1024 * 1024
BIG = 256 * 1024 * 1024
LARGE = {"read_1k_of_256m", "read_256m", "save_256m"}


class Pattern(io.RawIOBase):
    """A readable stream of *size* deterministic bytes, generated as it is read."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.pos = 0
        self.block = bytes(range(256)) * 4096

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = {0: 0, 1: self.pos, 2: self.size}[whence] + offset
        return self.pos

    def tell(self) -> int:
        return self.pos

    def readinto(self, buffer: Any) -> int:
        # Fill the whole buffer (s3transfer expects full reads to size its parts).
        n = min(len(buffer), self.size - self.pos)
        done = 0
        while done < n:
            piece = min(n - done, len(self.block))
            buffer[done : done + piece] = self.block[:piece]
            done += piece
        self.pos += n
        return n


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def make_storage(impl: str, endpoint: str, bucket: str) -> Any:
    import django
    from django.conf import settings

    settings.configure(USE_TZ=True, SECRET_KEY="bench")
    django.setup()
    from storages.backends.s3 import S3Storage

    return S3Storage(
        bucket_name=bucket,
        endpoint_url=endpoint,
        access_key="bench",
        secret_key="bench-secret",
        region_name="us-east-1",
        file_overwrite=True,
    )


def main() -> None:
    impl, op, endpoint, bucket = sys.argv[1:5]
    import boto3

    counts: dict[str, int] = {}

    def count(**kwargs: Any) -> None:
        name = kwargs["event_name"].rsplit(".", 1)[-1]
        counts[name] = counts.get(name, 0) + 1

    if impl == "boto3":
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench-secret",
        )
        storage = None
    else:
        storage = make_storage(impl, endpoint, bucket)
        client = storage.connection.meta.client if impl == "anchor" else storage.client
    # Warm up: SDK models loaded, connection open, the mimetypes table read.
    mimetypes.guess_type("x.txt")
    client.head_bucket(Bucket=bucket)
    if storage is not None:
        storage.exists("warm-up")
    client.meta.events.register("before-send.s3", count)
    repeat = 1 if op in LARGE else 25
    baseline = peak_rss()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run(op, impl, storage, client, bucket)
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


def run(op: str, impl: str, storage: Any, client: Any, bucket: str) -> None:
    if op == "read_small":
        if storage is None:
            client.get_object(Bucket=bucket, Key="small.txt")["Body"].read()
        else:
            with storage.open("small.txt", "rb") as handle:
                handle.read()
    elif op == "exists":
        if storage is None:
            client.head_object(Bucket=bucket, Key="small.txt")
        else:
            storage.exists("small.txt")
    elif op == "size":
        if storage is None:
            client.head_object(Bucket=bucket, Key="small.txt")["ContentLength"]
        else:
            storage.size("small.txt")
    elif op == "url":
        if storage is None:
            client.generate_presigned_url(
                "get_object", Params={"Bucket": bucket, "Key": "small.txt"}
            )
        else:
            storage.url("small.txt")
    elif op == "save_small":
        if storage is None:
            client.put_object(Bucket=bucket, Key=f"w-{impl}.txt", Body=b"small")
        else:
            from django.core.files.base import ContentFile

            storage.save(f"w-{impl}.txt", ContentFile(b"small"))
    elif op == "read_1k_of_256m":
        if storage is None:
            client.get_object(Bucket=bucket, Key="big.bin", Range="bytes=0-1023")["Body"].read()
        else:
            with storage.open("big.bin", "rb") as handle:
                handle.read(1024)
    elif op == "read_256m":
        if storage is None:
            body = client.get_object(Bucket=bucket, Key="big.bin")["Body"]
            while body.read(CHUNK):
                pass
        else:
            with storage.open("big.bin", "rb") as handle:
                while handle.read(CHUNK):
                    pass
    elif op == "save_256m":
        if storage is None:
            client.upload_fileobj(Pattern(BIG), bucket, f"up-{impl}.bin")
        else:
            from django.core.files.base import File

            storage.save(f"up-{impl}.bin", File(Pattern(BIG), name="up.bin"))
    else:
        raise SystemExit(f"unknown op {op}")


if __name__ == "__main__":
    main()
