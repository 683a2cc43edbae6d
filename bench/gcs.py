"""Benchmark the Google Cloud Storage backend against django-storages 1.14.6 and the raw client.

On gcp-storage-emulator (``make bench-gcs``), found through ``STORAGE_EMULATOR_HOST``; every
implementation signs URLs with the same throw-away service-account key. Requests are counted at
the ``requests`` adapter. How the benchmarks run, and ``BENCH_QUICK=1`` for a smoke run:
``bench/common.py``.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository, not bench/
from bench import common  # noqa: E402

BUCKET = "bench-bucket"
PROJECT = "bench-project"
EXPIRATION = datetime.timedelta(seconds=86400)


def setup(server: Any) -> tuple[list[str], dict[str, str]]:
    from tests.backends.gcs.conftest import ensure_bucket, service_account_info

    ensure_bucket(server, BUCKET)
    key_file = server.workdir / "throwaway-key.json"
    key_file.write_text(json.dumps(service_account_info()))
    os.chmod(key_file, 0o600)
    return [str(key_file)], {"STORAGE_EMULATOR_HOST": server.url}


def credentials(key_file: str) -> Any:
    """Service-account credentials that sign locally and never ask Google for a token."""
    from google.cloud import storage as gcs
    from google.oauth2 import service_account

    info = json.loads(Path(key_file).read_text())
    creds = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
        info, scopes=gcs.Client.SCOPE
    )
    creds.token = "emulator-ignores-tokens"
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    creds.expiry = now + datetime.timedelta(days=1)
    return creds


def client(key_file: str) -> Any:
    from google.cloud import storage as gcs

    return gcs.Client(project=PROJECT, credentials=credentials(key_file)).bucket(BUCKET)


def prepare(key_file: str) -> None:
    bucket = client(key_file)
    bucket.blob("small.txt").upload_from_string(b"small content")
    # 32 MiB chunks: the emulator rewrites the whole partial object on every chunk.
    big = bucket.blob("big.bin", chunk_size=32 * common.MIB)
    big.upload_from_file(common.Pattern(common.BIG), size=common.BIG)


def storage(impl: str, key_file: str) -> Any:
    common.django_setup()
    from storages.backends.gcloud import GoogleCloudStorage

    return GoogleCloudStorage(
        bucket_name=BUCKET,
        project_id=PROJECT,
        credentials=credentials(key_file),
        file_overwrite=True,
    )


RAW = {
    "read_small": lambda b, tag: b.blob("small.txt").download_as_bytes(),
    "exists": lambda b, tag: b.blob("small.txt").exists(),
    "size": lambda b, tag: b.get_blob("small.txt").size,
    "url": lambda b, tag: b.blob("small.txt").generate_signed_url(
        version="v4", expiration=EXPIRATION
    ),
    "save_small": lambda b, tag: b.blob(f"w-{tag}.txt").upload_from_string(b"small"),
    "read_1k": lambda b, tag: b.blob("big.bin").download_as_bytes(start=0, end=1023),
    "read_big": lambda b, tag: common.drain(b.blob("big.bin").open("rb")),
    "save_big": lambda b, tag: b.blob(f"up-{tag}.bin").upload_from_file(
        common.Pattern(common.BIG), size=common.BIG
    ),
}

count = common.count_requests

if __name__ == "__main__":
    common.main(sys.modules[__name__], server="gcs", raw="client")
