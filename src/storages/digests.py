"""Content digests as storage services compute them, to compare local content with a listing.

A synchronisation skips a file whose local digest equals the one the listing shows, so the
digest must be computed exactly as the service does: the hex MD5 for a single upload (S3's
ETag, Azure's and Cloud Storage's ``Content-MD5``, CouchDB's attachment digest), and S3's
multipart ETag for content uploaded in parts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

__all__ = ["md5_etag"]


def md5_etag(chunks: Iterable[bytes], part_size: int | None = None) -> tuple[str, int]:
    """Return the hex MD5 of the content made of *chunks*, and its size.

    With *part_size*, content of more than one part gets the ETag of an S3 multipart upload cut
    at that size: the MD5 of the parts' MD5s, then ``-<parts>``.
    """
    parts: list[bytes] = []
    current = hashlib.md5(usedforsecurity=False)
    filled = size = 0
    for chunk in chunks:
        view = memoryview(chunk)
        while view:
            take = view[: part_size - filled] if part_size else view
            current.update(take)
            filled += len(take)
            size += len(take)
            view = view[len(take) :]
            if filled == part_size:
                parts.append(current.digest())
                current, filled = hashlib.md5(usedforsecurity=False), 0
    if not parts:  # under one part: a single PUT
        return current.hexdigest(), size
    if filled:
        parts.append(current.digest())
    combined = hashlib.md5(b"".join(parts), usedforsecurity=False).hexdigest()
    return f"{combined}-{len(parts)}", size
