"""Direct uploads to Google Cloud Storage: a resumable session the server opens.

The server starts a resumable upload session for the pending object with the content type and
the exact size it allowed (``X-Upload-Content-Length``) and the page's origin (Cloud Storage
answers the browser's requests with that origin's CORS headers), and gives the browser the
session URI. The URI is the signature: it can write that one object, with that type and size,
and nothing else; Cloud Storage expires it after a week, and the server cancels it when the
upload is discarded. The browser PUTs the file in order with ``Content-Range``; after a dropped
connection the server asks the session how much it holds and the browser goes on from there.
"""

from __future__ import annotations

import re
from typing import Any

from storages.direct.policy import Refused, Ticket
from storages.direct.signing import Plan

__all__ = ["CHUNK_MULTIPLE", "GCSSigner"]

#: Every chunk but the last must be a multiple of this (Cloud Storage's rule).
CHUNK_MULTIPLE = 256 * 1024

_RANGE = re.compile(r"bytes=0-(\d+)")


class GCSSigner:
    """Sign direct uploads to a :class:`~storages.backends.gcs.GoogleCloudStorage`."""

    direct = True

    def __init__(self, storage: Any) -> None:
        self.storage = storage

    @staticmethod
    def chunk(ticket: Ticket) -> int:
        """Return the chunk size of *ticket*'s session (a multiple of 256 KiB)."""
        return max(CHUNK_MULTIPLE, ticket.policy.chunk_size // CHUNK_MULTIPLE * CHUNK_MULTIPLE)

    def _plan(self, ticket: Ticket, offset: int) -> Plan:
        return {
            "method": "resumable",
            "url": ticket.upload,
            "offset": offset,
            "chunk": self.chunk(ticket),
            "done": offset,
        }

    def _received(self, ticket: Ticket) -> int | None:
        """Return how many bytes the session holds (the size once the object exists), or None
        when the session is gone."""
        answer = self.storage.client._http.put(
            ticket.upload,
            data=b"",
            headers={"Content-Range": f"bytes */{ticket.size}"},
            timeout=self.storage.options.timeout,
        )
        if answer.status_code in (200, 201):
            return ticket.size
        if answer.status_code == 308:
            found = _RANGE.fullmatch(answer.headers.get("Range", ""))
            return int(found.group(1)) + 1 if found else 0
        return None

    def start(self, ticket: Ticket, origin: str) -> tuple[Ticket, Plan]:
        """Open the session for the pending object."""
        blob = self.storage.bucket.blob(self.storage._key(ticket.name))
        session = blob.create_resumable_upload_session(
            content_type=ticket.content_type,
            size=ticket.size,
            origin=origin or None,
            timeout=self.storage.options.timeout,
        )
        ticket = ticket.replace(method="resumable", upload=str(session))
        return ticket, self._plan(ticket, 0)

    def resume(self, ticket: Ticket) -> Plan:
        """Return the plan from the first byte the session does not hold."""
        received = self._received(ticket)
        if received is None:
            raise Refused("This upload has expired; choose the file again.", 410)
        return self._plan(ticket, received)

    def finish(self, ticket: Ticket) -> None:
        """Nothing to assemble: the last chunk created the object."""
        if not self.storage.exists(ticket.name):
            raise Refused("The upload is not complete yet.", 409)

    def discard(self, ticket: Ticket) -> None:
        """Cancel the session and delete the object."""
        if ticket.upload:
            self.storage.client._http.delete(ticket.upload, timeout=self.storage.options.timeout)
        self.storage.delete(ticket.name)
