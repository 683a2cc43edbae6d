"""Direct uploads to S3: a presigned POST with conditions, or presigned multipart parts.

Files up to the policy's ``chunk_size`` go in one presigned POST whose policy document binds the
exact key, the size range of the field and the content type: S3 refuses any other request.
Larger files are a multipart upload the server creates (so the key and content type are its
own) and completes, from its own listing of the stored parts, once every part is there with the
size it must have; the browser only PUTs the parts, each to a URL signed for that part number.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

from storages.direct.policy import Refused, Ticket
from storages.direct.signing import Plan, piece_bounds

__all__ = ["MIN_PART_SIZE", "S3Signer"]

#: S3's smallest part (except the last one).
MIN_PART_SIZE = 5 * 1024 * 1024
#: S3's largest number of parts in one upload.
MAX_PARTS = 10_000

# put_object parameters a POST policy can carry, and the form field of each.
_POST_FIELDS = {
    "ACL": "acl",
    "CacheControl": "Cache-Control",
    "ContentDisposition": "Content-Disposition",
    "ContentLanguage": "Content-Language",
    "ServerSideEncryption": "x-amz-server-side-encryption",
    "SSEKMSKeyId": "x-amz-server-side-encryption-aws-kms-key-id",
    "StorageClass": "x-amz-storage-class",
}
# ... and those create_multipart_upload takes.
_MULTIPART_PARAMETERS = {*_POST_FIELDS, "ContentEncoding", "Metadata", "Tagging"}


class S3Signer:
    """Sign direct uploads to an :class:`~storages.backends.s3.S3Storage`."""

    direct = True

    def __init__(self, storage: Any) -> None:
        self.storage = storage

    # -- helpers --------------------------------------------------------------------------------
    def _where(self, ticket: Ticket) -> dict[str, str]:
        return {"Bucket": self.storage.bucket_name, "Key": self.storage._key(ticket.name)}

    def _parameters(self, ticket: Ticket) -> dict[str, Any]:
        return dict(self.storage.get_object_parameters(ticket.name))

    @staticmethod
    def part_size(ticket: Ticket) -> int:
        """Return the part size of *ticket*'s multipart upload (whole MiB, 10,000 parts at most)."""
        wanted = max(ticket.policy.chunk_size, MIN_PART_SIZE, math.ceil(ticket.size / MAX_PARTS))
        return math.ceil(wanted / 1024**2) * 1024**2

    def _stored_parts(self, ticket: Ticket) -> dict[int, dict[str, Any]]:
        client = self.storage.client
        paginator = client.get_paginator("list_parts")
        found: dict[int, dict[str, Any]] = {}
        try:
            for page in paginator.paginate(UploadId=ticket.upload, **self._where(ticket)):
                for part in page.get("Parts", ()):
                    found[int(part["PartNumber"])] = part
        except client.exceptions.NoSuchUpload:
            raise Refused("This upload has expired; choose the file again.", 410) from None
        return found

    # -- the signer -----------------------------------------------------------------------------
    def start(self, ticket: Ticket, origin: str) -> tuple[Ticket, Plan]:
        """Sign a POST for a small file; create a multipart upload for a large one."""
        if ticket.size <= ticket.policy.chunk_size:
            ticket = ticket.replace(method="form")
            return ticket, self._form(ticket)
        params = {k: v for k, v in self._parameters(ticket).items() if k in _MULTIPART_PARAMETERS}
        params["ContentType"] = ticket.content_type
        created = self.storage.client.create_multipart_upload(**self._where(ticket), **params)
        ticket = ticket.replace(method="parts", upload=str(created["UploadId"]))
        return ticket, self.resume(ticket)

    def _form(self, ticket: Ticket) -> Plan:
        where = self._where(ticket)
        fields: dict[str, str] = {"Content-Type": ticket.content_type}
        for param, value in self._parameters(ticket).items():
            if param in _POST_FIELDS:
                fields[_POST_FIELDS[param]] = str(value)
        policy = ticket.policy
        conditions: list[Any] = [
            ["starts-with", "$key", where["Key"].rsplit("/", 1)[0] + "/"],
            ["content-length-range", policy.min_size, policy.max_size],
            *({name: value} for name, value in fields.items()),
        ]
        post = self.storage.client.generate_presigned_post(
            where["Bucket"], where["Key"], fields, conditions, policy.expire
        )
        return {"method": "form", "url": post["url"], "fields": post["fields"]}

    def resume(self, ticket: Ticket) -> Plan:
        """Return a fresh POST (small files start over), or URLs of the parts not yet stored."""
        if ticket.method == "form":
            return self._form(ticket)
        stored = self._stored_parts(ticket)
        pieces = []
        done = 0
        client = self.storage.client
        for number, (start, end) in enumerate(piece_bounds(ticket.size, self.part_size(ticket)), 1):
            part = stored.get(number)
            if part is not None and int(part["Size"]) == end - start:
                done += end - start
                continue
            params = {**self._where(ticket), "UploadId": ticket.upload, "PartNumber": number}
            url = client.generate_presigned_url(
                "upload_part", Params=params, ExpiresIn=ticket.policy.expire
            )
            pieces.append({"start": start, "end": end, "url": url})
        return {"method": "pieces", "pieces": pieces, "done": done}

    def finish(self, ticket: Ticket) -> None:
        """Complete the multipart upload from the server's listing of its parts."""
        if ticket.method != "parts":
            return
        stored = self._stored_parts(ticket)
        bounds = piece_bounds(ticket.size, self.part_size(ticket))
        if set(stored) - set(range(1, len(bounds) + 1)) or any(
            int(stored[n]["Size"]) != end - start
            for n, (start, end) in enumerate(bounds, 1)
            if n in stored
        ):
            self.discard(ticket)
            raise Refused("The uploaded parts do not match the file; nothing was kept.")
        if len(stored) < len(bounds):
            raise Refused("The upload is not complete yet.", 409)
        parts = [{"ETag": stored[n]["ETag"], "PartNumber": n} for n in sorted(stored)]
        self.storage.client.complete_multipart_upload(
            **self._where(ticket), UploadId=ticket.upload, MultipartUpload={"Parts": parts}
        )

    def discard(self, ticket: Ticket) -> None:
        """Abort the multipart upload (its parts go too) and delete the object."""
        client = self.storage.client
        if ticket.method == "parts" and ticket.upload:
            # Completed, aborted or expired already: nothing to abort.
            with contextlib.suppress(client.exceptions.NoSuchUpload):
                client.abort_multipart_upload(**self._where(ticket), UploadId=ticket.upload)
        self.storage.delete(ticket.name)
