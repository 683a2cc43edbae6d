"""Uploads through Django, for backends that cannot sign: the same widget, streamed.

SFTP, FTP, the Database backend, Django's own storages...: the browser PUTs the file to
``storages.direct.views.upload`` and the bytes go to the storage as they arrive, chunk by chunk
(the request body is never read whole, nor spooled by Django's upload handlers). The ticket's
size and content type are enforced on the request itself; a short or refused body leaves
nothing stored.
"""

from __future__ import annotations

import contextlib
import io
from typing import IO, Any, cast

from django.core.files.base import File
from django.core.files.storage import Storage
from django.http import HttpRequest
from django.urls import reverse

from storages.direct.policy import Refused, Ticket
from storages.direct.signing import Plan

__all__ = ["RequestBody", "StreamSigner"]


class RequestBody(io.RawIOBase):
    """The body of *request*: exactly *size* bytes, read as asked (never seekable)."""

    def __init__(self, request: HttpRequest, size: int) -> None:
        super().__init__()
        self._request = request
        self.size = size
        self._left = size

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        wanted = self._left if n is None or n < 0 else min(n, self._left)
        data = self._request.read(wanted)
        if not data:
            raise Refused("The upload was interrupted; nothing was kept.")
        self._left -= len(data)
        return data


class StreamSigner:
    """Route the uploads of a storage that cannot sign through the streaming view."""

    direct = False

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def start(self, ticket: Ticket, origin: str) -> tuple[Ticket, Plan]:
        """Point the browser at the streaming view."""
        ticket = ticket.replace(method="stream")
        return ticket, self.resume(ticket)

    def resume(self, ticket: Ticket) -> Plan:
        """Send the whole file again (one request: there are no pieces to keep)."""
        piece = {"start": 0, "end": ticket.size, "url": reverse("storages_direct:upload")}
        headers = {"Content-Type": ticket.content_type}
        return {"method": "pieces", "pieces": [piece], "headers": headers, "ticket": True}

    def receive(self, ticket: Ticket, request: HttpRequest) -> None:
        """Store the body of *request* as the pending file of *ticket*."""
        length = request.META.get("CONTENT_LENGTH") or ""
        if not length.isdigit() or int(length) != ticket.size:
            raise Refused(f"The request must carry exactly {ticket.size} bytes.")
        declared = (request.META.get("CONTENT_TYPE") or "").split(";", 1)[0].strip().lower()
        if declared != ticket.content_type:
            raise Refused(f"The request must be of type {ticket.content_type!r}.")
        self.storage.delete(ticket.name)  # a retried upload starts over
        content: Any = File(cast(IO[bytes], RequestBody(request, ticket.size)), name=ticket.name)
        content.content_type = ticket.content_type  # what the storage records, where it does
        try:
            saved = self.storage.save(ticket.name, content)
        except BaseException:
            with contextlib.suppress(Exception):
                self.storage.delete(ticket.name)  # Django's own storages keep partial files
            raise
        if saved != ticket.name:
            self.storage.delete(saved)
            raise Refused("The storage renamed the upload; nothing was kept.", 409)

    def finish(self, ticket: Ticket) -> None:
        """Nothing to assemble: the streaming view stored the file."""
        if not self.storage.exists(ticket.name):
            raise Refused("The upload is not complete yet.", 409)

    def discard(self, ticket: Ticket) -> None:
        """Delete the stored file."""
        self.storage.delete(ticket.name)
