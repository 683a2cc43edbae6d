"""Remove direct uploads that no form confirmed.

An upload waits under the pending prefix until its form is submitted; one that never is (the
user left the page) is removed once older than ``STORAGES_DIRECT_MAX_AGE`` (a day), when a
confirmation would be refused anyway. ``manage.py storages_clean_uploads`` runs this; a bucket
lifecycle rule on the prefix does the same without it (see the documentation). Besides the
files, S3 multipart uploads never completed are aborted and Azure blobs with only staged blocks
are dropped (neither shows in a listing, both are billed); Cloud Storage expires its sessions
itself.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from django.core.files.storage import Storage

from storages.direct.signing import for_class, unwrap

__all__ = ["EXTRA_CLEANERS", "clean_pending", "stale_files"]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def _walk(storage: Storage, prefix: str) -> Iterator[tuple[str, datetime | None]]:
    listing = getattr(storage, "listing", None)
    if listing is not None:
        for entry in listing(prefix):
            yield entry.name, entry.modified
        return
    if not storage.exists(prefix):
        return
    dirs, files = storage.listdir(prefix)
    for name in files:
        path = posixpath.join(prefix, name)
        try:
            yield path, storage.get_modified_time(path)
        except NotImplementedError:
            yield path, None
    for directory in dirs:
        yield from _walk(storage, posixpath.join(prefix, directory))


def stale_files(storage: Storage, prefix: str, cutoff: datetime) -> Iterator[str]:
    """Yield the names of the files under *prefix* last modified before *cutoff* (files whose
    time the storage cannot tell are left alone)."""
    for name, modified in _walk(storage, prefix):
        if modified is not None and _aware(modified) < cutoff:
            yield name


def _s3_uploads(storage: Any, prefix: str, cutoff: datetime, dry_run: bool) -> list[str]:
    client = storage.client
    bucket = storage.bucket_name
    paginator = client.get_paginator("list_multipart_uploads")
    found = []
    for page in paginator.paginate(Bucket=bucket, Prefix=storage._key(prefix) + "/"):
        for upload in page.get("Uploads", ()):
            if _aware(upload["Initiated"]) < cutoff:
                found.append(f"{upload['Key']} (multipart upload)")
                if not dry_run:
                    client.abort_multipart_upload(
                        Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                    )
    return found


def _azure_blocks(storage: Any, prefix: str, cutoff: datetime, dry_run: bool) -> list[str]:
    container = storage.client
    found = []
    listing = container.list_blobs(
        name_starts_with=storage._key(prefix) + "/", include=["uncommittedblobs"]
    )
    for blob in listing:
        modified = blob.last_modified
        if blob.size == 0 and modified is not None and _aware(modified) < cutoff:
            client = container.get_blob_client(blob.name)
            _, staged = client.get_block_list("uncommitted")
            if staged:
                found.append(f"{blob.name} (staged blocks)")
                if not dry_run:
                    client.commit_block_list([])  # drops the staged blocks
                    client.delete_blob()
    return found


#: Storage class (dotted path) -> what else to remove besides stale files.
EXTRA_CLEANERS: dict[str, Callable[[Any, str, datetime, bool], list[str]]] = {
    "storages.backends.s3.storage.S3Storage": _s3_uploads,
    "storages.backends.azure.storage.AzureStorage": _azure_blocks,
}


def clean_pending(
    storage: Storage, prefix: str, max_age: timedelta, *, dry_run: bool = False
) -> list[str]:
    """Remove what direct uploads left under *prefix* for longer than *max_age*; return what
    was (or, with *dry_run*, would be) removed."""
    storage = unwrap(storage)
    cutoff = datetime.now(timezone.utc) - max_age
    removed = []
    for name in list(stale_files(storage, prefix, cutoff)):
        removed.append(name)
        if not dry_run:
            storage.delete(name)
    extra = for_class(storage, EXTRA_CLEANERS)
    if extra is not None:
        removed += extra(storage, prefix, cutoff, dry_run)
    return removed
