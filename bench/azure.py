"""Benchmark the Azure backend against django-storages 1.14.6 and raw azure-storage-blob.

On Azurite (``make bench-azure``); requests are counted at the ``requests`` adapter. How the
benchmarks run, and ``BENCH_QUICK=1`` for a smoke run: ``bench/common.py``.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

# The repository, not bench/, whose azure.py (this file) would shadow the azure package.
sys.path[0] = str(Path(__file__).resolve().parent.parent)
from bench import common  # noqa: E402

CONTAINER = "bench-container"


def setup(server: Any) -> tuple[list[str], dict[str, str]]:
    from tests.harness.specs.azurite import connection_string

    return [connection_string(server)], {}


def client(conn: str) -> Any:
    from azure.storage.blob import BlobServiceClient

    return BlobServiceClient.from_connection_string(conn).get_container_client(CONTAINER)


def prepare(conn: str) -> None:
    container = client(conn)
    container.create_container()
    container.upload_blob("small.txt", b"small content")
    container.upload_blob("big.bin", common.Pattern(common.BIG), max_concurrency=2)


def storage(impl: str, conn: str) -> Any:
    common.django_setup()
    from storages.backends.azure_storage import AzureStorage

    overwrite = "file_overwrite" if impl == "ours" else "overwrite_files"
    return AzureStorage(
        connection_string=conn,
        azure_container=CONTAINER,
        expiration_secs=3600,
        **{overwrite: True},
    )


def signed_url(container: Any) -> str:
    from azure.storage.blob import BlobSasPermissions, generate_blob_sas

    sas = generate_blob_sas(
        container.account_name,
        CONTAINER,
        "small.txt",
        account_key=container.credential.account_key,
        permission=BlobSasPermissions(read=True),
        expiry=datetime.now(timezone.utc) + timedelta(seconds=3600),
    )
    return f"{container.get_blob_client('small.txt').url}?{sas}"


def blob(container: Any, name: str = "small.txt") -> Any:
    return container.get_blob_client(name)


RAW = {
    "read_small": lambda c, tag: blob(c).download_blob().readall(),
    "exists": lambda c, tag: blob(c).exists(),
    "size": lambda c, tag: blob(c).get_blob_properties().size,
    "url": lambda c, tag: signed_url(c),
    "save_small": lambda c, tag: blob(c, f"w-{tag}.txt").upload_blob(b"small", overwrite=True),
    "read_1k": lambda c, tag: blob(c, "big.bin").download_blob(offset=0, length=1024).readall(),
    "read_big": lambda c, tag: sum(len(x) for x in blob(c, "big.bin").download_blob().chunks()),
    "save_big": lambda c, tag: blob(c, f"up-{tag}.bin").upload_blob(
        common.Pattern(common.BIG), overwrite=True, max_concurrency=2
    ),
}

count = common.count_requests

if __name__ == "__main__":
    common.main(sys.modules[__name__], server="azurite", raw="SDK")
