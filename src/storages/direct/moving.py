"""Move a confirmed upload from its pending name to its final name, inside the storage.

S3 copies server-side (multipart copy for large objects), Azure copies blob to blob, Cloud
Storage rewrites; a storage with local paths renames. Between two different storages, or on a
backend without a server-side copy (their uploads came through Django already), the file is
streamed from one to the other. The movers are found by the storage's class (dotted path, so no
SDK is imported for a backend not in use).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from typing import Any

from django.core.files.storage import Storage

from storages.direct.signing import for_class, unwrap
from storages.features import Feature, features_of

__all__ = ["MOVERS", "move"]

#: Seconds an Azure copy may take before the move fails.
AZURE_COPY_TIMEOUT = 600.0


def _same_place(source: Storage, target: Storage) -> bool:
    if source is target:
        return True
    if type(source) is not type(target):
        return False
    with contextlib.suppress(Exception):
        return bool(source.deconstruct() == target.deconstruct())  # type: ignore[attr-defined]
    return False


def _move_s3(storage: Any, name: str, new_name: str, content_type: str | None) -> None:
    from s3transfer.manager import TransferManager  # type: ignore[import-untyped]

    bucket = storage.bucket_name
    params = {
        key: value
        for key, value in storage.get_object_parameters(new_name).items()
        if key in TransferManager.ALLOWED_COPY_ARGS
    }
    if content_type:
        params["ContentType"] = content_type
    params["MetadataDirective"] = "REPLACE"  # the parameters above, not the pending object's
    source = {"Bucket": bucket, "Key": storage._key(name)}
    storage.client.copy(source, bucket, storage._key(new_name), ExtraArgs=params)
    storage.delete(name)


def _move_azure(storage: Any, name: str, new_name: str, content_type: str | None) -> None:
    source = storage.url(name, expire=int(AZURE_COPY_TIMEOUT))  # a read SAS of the source
    target = storage.client.get_blob_client(storage._key(new_name))
    target.start_copy_from_url(source)
    deadline = time.monotonic() + AZURE_COPY_TIMEOUT
    while (status := target.get_blob_properties().copy.status) == "pending":
        if time.monotonic() > deadline:
            target.abort_copy(target.get_blob_properties().copy.id)
            raise TimeoutError(f"Azure did not copy {name!r} within {AZURE_COPY_TIMEOUT:.0f} s")
        time.sleep(0.2)
    if status != "success":
        raise OSError(f"Azure could not copy {name!r} to {new_name!r}: {status}")
    storage.delete(name)


def _move_gcs(storage: Any, name: str, new_name: str, content_type: str | None) -> None:
    bucket = storage.bucket
    source = bucket.blob(storage._key(name))
    target = bucket.blob(storage._key(new_name))
    token, _, _ = target.rewrite(source)
    while token is not None:  # large objects take several calls
        token, _, _ = target.rewrite(source, token=token)
    storage.delete(name)


#: Storage class (dotted path) -> server-side move; first match along the MRO wins.
MOVERS: dict[str, Callable[[Any, str, str, str | None], None]] = {
    "storages.backends.s3.storage.S3Storage": _move_s3,
    "storages.backends.azure.storage.AzureStorage": _move_azure,
    "storages.backends.gcs.storage.GoogleCloudStorage": _move_gcs,
}


def move(
    source: Storage,
    name: str,
    target: Storage,
    new_name: str,
    content_type: str | None = None,
) -> str:
    """Move the file *name* of *source* to *new_name* of *target*; return the name stored.

    *new_name* should come from ``target.get_available_name()``.
    """
    source, target = unwrap(source), unwrap(target)
    if _same_place(source, target):
        mover = for_class(source, MOVERS)
        if mover is not None:
            mover(source, name, new_name, content_type)
            return new_name
        if Feature.PATH in features_of(source):
            destination = source.path(new_name)
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            os.replace(source.path(name), destination)
            return new_name
    with source.open(name, "rb") as handle:
        saved = target.save(new_name, handle)
    source.delete(name)
    return saved
