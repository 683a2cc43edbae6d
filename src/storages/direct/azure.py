"""Direct uploads to Azure Blob Storage: blocks PUT with a SAS, committed by the server.

The browser gets one SAS URL for the pending blob only, with the *create* and *write*
permissions, valid for the policy's ``expire`` seconds, and PUTs each piece of the file as a
block (Put Block). Azure cannot bind a size or a content type to a SAS, so the server commits
the block list itself (with the content type it allowed) only when every block is staged with
the size it must have; an upload that breaks the policy is discarded, its staged blocks with it.
"""

from __future__ import annotations

import base64
import contextlib
import math
from typing import Any
from urllib.parse import quote

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import BlobBlock, ContentSettings

from storages.direct.policy import Refused, Ticket
from storages.direct.signing import Plan, piece_bounds

__all__ = ["AzureSigner", "block_id"]

#: Azure's largest number of blocks in one blob.
MAX_BLOCKS = 50_000


def block_id(index: int) -> str:
    """Return the ID of block *index* (all IDs of a blob must have the same length)."""
    return f"{index:08d}"


class AzureSigner:
    """Sign direct uploads to an :class:`~storages.backends.azure.AzureStorage`."""

    direct = True

    def __init__(self, storage: Any) -> None:
        self.storage = storage

    def _blob(self, ticket: Ticket) -> Any:
        return self.storage.client.get_blob_client(self.storage._key(ticket.name))

    @staticmethod
    def _bounds(ticket: Ticket) -> list[tuple[int, int]]:
        if ticket.size == 0:
            return []
        size = max(ticket.policy.chunk_size, math.ceil(ticket.size / MAX_BLOCKS))
        return piece_bounds(ticket.size, size)

    def _block_lists(self, ticket: Ticket) -> tuple[dict[str, int], dict[str, int]]:
        """Return the committed and the staged blocks of the pending blob: ID -> size."""
        try:
            committed, staged = self._blob(ticket).get_block_list("all")
        except ResourceNotFoundError:
            return {}, {}
        return (
            {block.id: int(block.size) for block in committed},
            {block.id: int(block.size) for block in staged},
        )

    def start(self, ticket: Ticket, origin: str) -> tuple[Ticket, Plan]:
        """Give the browser the blocks to stage (nothing is created until they are)."""
        ticket = ticket.replace(method="blocks")
        return ticket, self.resume(ticket)

    def resume(self, ticket: Ticket) -> Plan:
        """Return a fresh SAS URL per block not yet staged with its full size."""
        sas_url = self.storage.url(ticket.name, expire=ticket.policy.expire, mode="w")
        _, staged = self._block_lists(ticket)
        pieces = []
        done = 0
        for index, (start, end) in enumerate(self._bounds(ticket)):
            if staged.get(block_id(index)) == end - start:
                done += end - start
                continue
            encoded = base64.b64encode(block_id(index).encode()).decode()
            url = f"{sas_url}&comp=block&blockid={quote(encoded, safe='')}"
            pieces.append({"start": start, "end": end, "url": url})
        return {"method": "pieces", "pieces": pieces, "done": done}

    def finish(self, ticket: Ticket) -> None:
        """Commit the staged blocks in order, with the allowed content type."""
        committed, staged = self._block_lists(ticket)
        if committed and not staged:
            return  # the browser committed a list itself: the stored object is checked next
        bounds = self._bounds(ticket)
        wanted = {block_id(index): end - start for index, (start, end) in enumerate(bounds)}
        if any(staged[block] != size for block, size in wanted.items() if block in staged) or (
            set(staged) - set(wanted)
        ):
            self.discard(ticket)
            raise Refused("The uploaded blocks do not match the file; nothing was kept.")
        if set(wanted) - set(staged):
            raise Refused("The upload is not complete yet.", 409)
        settings = ContentSettings(
            content_type=ticket.content_type, cache_control=self.storage.options.cache_control
        )
        blocks = [BlobBlock(block_id=block_id(index)) for index in range(len(bounds))]
        self._blob(ticket).commit_block_list(blocks, content_settings=settings)

    def discard(self, ticket: Ticket) -> None:
        """Delete the blob and its staged blocks (an empty commit drops staged blocks)."""
        blob = self._blob(ticket)
        _, staged = self._block_lists(ticket)
        if staged:
            blob.commit_block_list([])
        with contextlib.suppress(ResourceNotFoundError):
            blob.delete_blob()
