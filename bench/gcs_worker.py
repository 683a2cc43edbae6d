"""One Google Cloud Storage benchmark measurement, in a fresh process (peak RSS is its own).

Usage: python gcs_worker.py IMPL OP KEY_FILE BUCKET, with ``STORAGE_EMULATOR_HOST`` set; prints
one JSON object. IMPL is ``ours`` (this package), ``anchor`` (django-storages 1.14.6, from its
own virtualenv) or ``sdk`` (google-cloud-storage used directly). KEY_FILE is a throw-away
service-account key, so every implementation signs URLs the same way. Requests are counted at
the ``requests`` adapter, under every implementation alike.
"""

from __future__ import annotations

import datetime
import json
import mimetypes
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from bench.azure_worker import count_requests  # noqa: E402
from bench.s3_worker import BIG, CHUNK, LARGE, Pattern, peak_rss  # noqa: E402

PROJECT = "bench-project"
EXPIRATION = datetime.timedelta(seconds=86400)


def credentials(key_file: str) -> Any:
    """Service-account credentials that sign locally and never ask Google for a token."""
    from google.cloud import storage as gcs
    from google.oauth2 import service_account

    info = json.loads(Path(key_file).read_text())
    creds = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
        info, scopes=gcs.Client.SCOPE
    )
    creds.token = "emulator-ignores-tokens"
    creds.expiry = datetime.datetime.now(datetime.timezone.utc).replace(
        tzinfo=None
    ) + datetime.timedelta(days=1)
    return creds


def make_storage(creds: Any, bucket: str) -> Any:
    import django
    from django.conf import settings

    settings.configure(USE_TZ=True, SECRET_KEY="bench")
    django.setup()
    from storages.backends.gcloud import GoogleCloudStorage

    return GoogleCloudStorage(
        bucket_name=bucket, project_id=PROJECT, credentials=creds, file_overwrite=True
    )


def main() -> None:
    impl, op, key_file, bucket_name = sys.argv[1:5]
    from google.cloud import storage as gcs

    creds = credentials(key_file)
    storage = None
    bucket = None
    if impl == "sdk":
        client = gcs.Client(project=PROJECT, credentials=creds)
        bucket = client.bucket(bucket_name)
        bucket.blob("warm-up").exists()
    else:
        storage = make_storage(creds, bucket_name)
        storage.exists("warm-up")
    mimetypes.guess_type("x.txt")
    counts = count_requests()
    repeat = 1 if op in LARGE else 25
    baseline = peak_rss()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run(op, impl, storage, bucket)
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


def run(op: str, impl: str, storage: Any, bucket: Any) -> None:
    if storage is not None:
        from bench.azure_worker import run_storage

        run_storage(op, impl, storage)
        return
    blob = bucket.blob("small.txt")
    big = bucket.blob("big.bin")
    if op == "read_small":
        blob.download_as_bytes()
    elif op == "exists":
        blob.exists()
    elif op == "size":
        _ = bucket.get_blob("small.txt").size
    elif op == "url":
        blob.generate_signed_url(version="v4", expiration=EXPIRATION)
    elif op == "save_small":
        bucket.blob(f"w-{impl}.txt").upload_from_string(b"small")
    elif op == "read_1k_of_256m":
        big.download_as_bytes(start=0, end=1023)
    elif op == "read_256m":
        with big.open("rb") as handle:
            while handle.read(CHUNK):
                pass
    elif op == "save_256m":
        bucket.blob(f"up-{impl}.bin").upload_from_file(Pattern(BIG), size=BIG)
    else:
        raise SystemExit(f"unknown op {op}")


if __name__ == "__main__":
    main()
