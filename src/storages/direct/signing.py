"""Which signer serves a storage, and what every signer does.

A signer turns a :class:`~storages.direct.policy.Ticket` into a *plan*: the requests the
browser sends, straight to the storage where the backend can sign them. Signers are found by
the storage's class (its MRO, so subclasses and the 1.x aliases match), by dotted path, so
that no SDK is imported for a backend that is not in use. A backend that cannot sign gets the
:class:`~storages.direct.stream.StreamSigner`: the same widget, the bytes streamed through
Django.

A plan is JSON for the ES module (``storages/direct.js``), one of:

- ``{"method": "form", "url": ..., "fields": {...}}``: one ``multipart/form-data`` POST, the file
  last (S3 presigned POST);
- ``{"method": "pieces", "pieces": [{"start", "end", "url"}], "headers": {...}}``: one PUT
  per piece of the file (``File.slice``), a few at a time, each retried on its own (S3
  multipart parts, Azure blocks, the streaming view);
- ``{"method": "resumable", "url": ..., "offset": n, "chunk": size}``: PUTs in order with
  ``Content-Range``, from *offset* (a Cloud Storage resumable session).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from django.core.files.storage import Storage
from django.utils.functional import LazyObject, empty

from storages.direct.policy import Ticket

__all__ = ["SIGNERS", "Plan", "Signer", "for_class", "piece_bounds", "signer_for", "unwrap"]

T = TypeVar("T")

#: A plan: what the browser sends (see the module documentation).
Plan = dict[str, Any]

#: Storage class (dotted path) -> signer class (dotted path). First match along the MRO wins.
SIGNERS: dict[str, str] = {
    "storages.backends.s3.storage.S3Storage": "storages.direct.s3.S3Signer",
    "storages.backends.azure.storage.AzureStorage": "storages.direct.azure.AzureSigner",
    "storages.backends.gcs.storage.GoogleCloudStorage": "storages.direct.gcs.GCSSigner",
}
_STREAM = "storages.direct.stream.StreamSigner"


class Signer(Protocol):
    """What the views ask of a backend's signer."""

    #: Whether the browser sends the bytes to the storage itself (False: through Django).
    direct: bool

    def start(self, ticket: Ticket, origin: str) -> tuple[Ticket, Plan]:
        """Begin the upload of *ticket* for a page of *origin*; return the ticket completed
        with the backend's upload handle, and the plan."""

    def resume(self, ticket: Ticket) -> Plan:
        """Return the plan of what is still to send (fresh signatures, stored pieces left out)."""

    def finish(self, ticket: Ticket) -> None:
        """Make the stored pieces the object (complete a multipart upload, commit blocks);
        raise :class:`~storages.direct.policy.Refused` (status 409) when pieces are missing."""

    def discard(self, ticket: Ticket) -> None:
        """Remove whatever the upload left: the object, pieces not yet assembled."""


def _import(dotted: str) -> Any:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def unwrap(storage: Storage) -> Storage:
    """Return the storage behind a lazy wrapper (``default_storage``), or *storage* itself."""
    if isinstance(storage, LazyObject):
        if storage._wrapped is empty:
            storage._setup()
        return storage._wrapped  # type: ignore[no-any-return]
    return storage


def for_class(storage: Storage, table: Mapping[str, T]) -> T | None:
    """Return the entry of *table* (keyed by dotted class path) for the class of *storage*, or
    of its nearest base class that has one; None when none has."""
    for cls in type(unwrap(storage)).__mro__:
        found = table.get(f"{cls.__module__}.{cls.__qualname__}")
        if found is not None:
            return found
    return None


def signer_for(storage: Storage) -> Signer:
    """Return the signer of *storage* (the streaming one when its backend cannot sign)."""
    path = for_class(storage, SIGNERS) or _STREAM
    return _import(path)(unwrap(storage))  # type: ignore[no-any-return]


def piece_bounds(size: int, piece: int) -> list[tuple[int, int]]:
    """Return the ``(start, end)`` byte ranges (end exclusive) of *size* bytes in *piece*-sized
    pieces; one empty piece for an empty file."""
    if size == 0:
        return [(0, 0)]
    return [(start, min(start + piece, size)) for start in range(0, size, piece)]
