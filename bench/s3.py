"""Benchmark the S3 backend against django-storages 1.14.6 and raw boto3 (``make bench-s3``).

On moto's S3 server; requests are counted with botocore's event hooks. How the benchmarks run,
and ``BENCH_QUICK=1`` for a smoke run: ``bench/common.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository, not bench/
from bench import common  # noqa: E402

BUCKET = "bench-bucket"
KEYS = {"access_key": "bench", "secret_key": "bench-secret", "region_name": "us-east-1"}


def setup(server: Any) -> tuple[list[str], dict[str, str]]:
    return [server.url], {}


def client(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=KEYS["region_name"],
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
        # As the storage signs (its signature_version): left to botocore, a us-east-1 client
        # presigns URLs with the deprecated SigV2, which costs less and is not the same URL.
        config=Config(signature_version="s3v4"),
    )


def prepare(endpoint: str) -> None:
    s3 = client(endpoint)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="small.txt", Body=b"small content")
    s3.upload_fileobj(common.Pattern(common.BIG), BUCKET, "big.bin")


def storage(impl: str, endpoint: str) -> Any:
    common.django_setup()
    from storages.backends.s3 import S3Storage

    return S3Storage(bucket_name=BUCKET, endpoint_url=endpoint, file_overwrite=True, **KEYS)


def count(impl: str, target: Any) -> dict[str, int]:
    if impl != "raw":  # the storage's own boto3 client
        target = target.client if impl == "ours" else target.connection.meta.client
    return common.count_botocore(target)


def get(s3: Any, key: str, **kwargs: Any) -> Any:
    return s3.get_object(Bucket=BUCKET, Key=key, **kwargs)["Body"]


NOTE = (
    "On moto (on this machine: its server shares the CPUs with the client, so a request's time "
    "is mostly moto's). boto3 signs as the storage does (SigV4, `signature_version`); "
    "`url` is a signed URL, as both build it by default."
)

RAW = {
    "read_small": lambda s3, tag: get(s3, "small.txt").read(),
    "exists": lambda s3, tag: s3.head_object(Bucket=BUCKET, Key="small.txt"),
    "size": lambda s3, tag: s3.head_object(Bucket=BUCKET, Key="small.txt")["ContentLength"],
    "url": lambda s3, tag: s3.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "small.txt"}
    ),
    "save_small": lambda s3, tag: s3.put_object(Bucket=BUCKET, Key=f"w-{tag}.txt", Body=b"small"),
    "read_1k": lambda s3, tag: get(s3, "big.bin", Range="bytes=0-1023").read(),
    "read_big": lambda s3, tag: common.drain(get(s3, "big.bin")),
    "save_big": lambda s3, tag: s3.upload_fileobj(
        common.Pattern(common.BIG), BUCKET, f"up-{tag}.bin"
    ),
}


if __name__ == "__main__":
    common.main(sys.modules[__name__], server="moto", raw="boto3", note=NOTE)
