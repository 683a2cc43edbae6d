"""What one direct upload may be, and the signed tokens that carry it between server and browser.

Three tokens, each signed with ``SECRET_KEY`` (:mod:`django.core.signing`), so the server keeps
no state between the requests of an upload:

- the **policy** a form field renders into its widget: the storage, size limits, content types
  and piece size of the uploads the field accepts;
- the **ticket** the sign view gives the browser for one upload: the pending name it may write,
  the size and content type it declared, the backend's upload id (S3 multipart, Cloud Storage
  session), and a digest of who asked (the user, or the browser's CSRF secret);
- the **confirmation** the complete view gives back once it has checked the stored object: the
  value the form submits (the pending name, signed), that the field turns into the file.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import posixpath
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.crypto import salted_hmac

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "Refused",
    "Ticket",
    "UploadPolicy",
    "confirm",
    "owner_of",
    "pending_name",
    "read_confirmation",
    "setting",
]

#: Piece size of the uploads in parts when ``STORAGES_DIRECT_CHUNK_SIZE`` is unset.
DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024

_DEFAULTS: dict[str, Any] = {
    # Where uploads wait until a form confirms them (a lifecycle rule can expire this prefix).
    "STORAGES_DIRECT_PENDING_PREFIX": "direct-uploads",
    # Seconds a signature given to the browser (POST policy, part URL, SAS) stays valid.
    "STORAGES_DIRECT_EXPIRE": 900,
    "STORAGES_DIRECT_CHUNK_SIZE": DEFAULT_CHUNK_SIZE,
    # Seconds an upload may wait for its form; older pending uploads are removed.
    "STORAGES_DIRECT_MAX_AGE": 24 * 3600,
    "STORAGES_DIRECT_MAX_SIZE": 5 * 1024**3,
}

_POLICY_SALT = "storages.direct.policy"
_TICKET_SALT = "storages.direct.ticket"
_CONFIRM_SALT = "storages.direct.confirm"
_OWNER_SALT = "storages.direct.owner"


def setting(name: str) -> Any:
    """Return the ``STORAGES_DIRECT_*`` setting *name*, or its default."""
    return getattr(settings, name, _DEFAULTS[name])


class Refused(Exception):
    """Raise when an upload breaks its policy, or a token is forged, expired or someone else's.

    ``status`` is the HTTP status the views answer with; the message is shown to the user.
    """

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class UploadPolicy:
    """The uploads a form field accepts (rendered, signed, into its widget)."""

    #: The ``STORAGES`` alias of the storage the files go to.
    storage: str = "default"
    #: Largest accepted file, in bytes (``STORAGES_DIRECT_MAX_SIZE``, 5 GiB).
    max_size: int = 0
    #: Smallest accepted file, in bytes (1: an empty file is refused, as Django's FileField does).
    min_size: int = 1
    #: Accepted content types: exact (``application/pdf``) or patterns (``image/*``); empty: any.
    content_types: tuple[str, ...] = ()
    #: Size of one piece of an upload in parts (``STORAGES_DIRECT_CHUNK_SIZE``, 16 MiB); S3
    #: takes files up to this size in one presigned POST.
    chunk_size: int = 0
    #: Seconds the browser's signatures stay valid (``STORAGES_DIRECT_EXPIRE``).
    expire: int = 0
    #: Where uploads wait for their form (``STORAGES_DIRECT_PENDING_PREFIX``).
    prefix: str = ""

    def __post_init__(self) -> None:
        defaults = {
            "max_size": setting("STORAGES_DIRECT_MAX_SIZE"),
            "chunk_size": setting("STORAGES_DIRECT_CHUNK_SIZE"),
            "expire": setting("STORAGES_DIRECT_EXPIRE"),
            "prefix": setting("STORAGES_DIRECT_PENDING_PREFIX"),
        }
        for name, value in defaults.items():
            if not getattr(self, name):
                object.__setattr__(self, name, value)
        object.__setattr__(self, "prefix", str(self.prefix).strip("/"))
        object.__setattr__(self, "content_types", tuple(t.lower() for t in self.content_types))
        if not self.prefix:
            raise ImproperlyConfigured("STORAGES_DIRECT_PENDING_PREFIX must not be empty")
        if self.min_size < 0 or self.max_size < self.min_size:
            raise ImproperlyConfigured(
                f"Direct upload size limits are inverted: {self.min_size}..{self.max_size}"
            )

    def dumps(self) -> str:
        """Return the policy as the signed token the widget carries."""
        return signing.dumps(dataclasses.asdict(self), salt=_POLICY_SALT, compress=True)

    @classmethod
    def loads(cls, token: str) -> UploadPolicy:
        """Return the policy of a token made by :meth:`dumps`; raise :class:`Refused`."""
        try:
            data = signing.loads(token, salt=_POLICY_SALT)
        except signing.BadSignature:
            raise Refused("This form's upload settings are not valid.", 403) from None
        data["content_types"] = tuple(data.get("content_types", ()))
        return cls(**data)

    def accepts_type(self, content_type: str) -> bool:
        """Return whether files of *content_type* are accepted."""
        if not self.content_types:
            return True
        bare = content_type.split(";", 1)[0].strip().lower()
        return any(fnmatch.fnmatchcase(bare, pattern) for pattern in self.content_types)

    def check(self, size: int, content_type: str | None) -> None:
        """Raise :class:`Refused` unless a file of *size* bytes and *content_type* fits."""
        if size < self.min_size:
            raise Refused("The file is empty." if size == 0 else "The file is too small.")
        if size > self.max_size:
            raise Refused(f"The file is larger than {self.max_size} bytes.")
        if content_type is not None and not self.accepts_type(content_type):
            raise Refused(f"Files of type {content_type or 'unknown'!r} are not accepted.")


def owner_of(request: HttpRequest) -> str:
    """Return a digest of who makes *request*: the user when signed in, else the browser (its
    CSRF secret, which the widget's requests must carry anyway)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        who = f"user:{user.pk}"
    else:
        get_token(request)  # makes sure the browser has a CSRF secret
        who = f"csrf:{request.META.get('CSRF_COOKIE', '')}"
    return salted_hmac(_OWNER_SALT, who, algorithm="sha256").hexdigest()[:32]


def pending_name(policy: UploadPolicy, filename: str) -> str:
    """Return a fresh name under the pending prefix for a file called *filename*: a random
    directory, so no upload can guess or take another's name."""
    return posixpath.join(policy.prefix, uuid.uuid4().hex, filename)


@dataclass(frozen=True)
class Ticket:
    """One upload in progress, as the sign view allowed it."""

    #: The pending name the browser may write (under the policy's prefix).
    name: str
    size: int
    content_type: str
    policy: UploadPolicy
    #: Digest of who asked (:func:`owner_of`).
    owner: str
    #: How the browser uploads (``form``, ``parts``, ``blocks``, ``resumable``, ``stream``).
    method: str = ""
    #: The backend's handle on the upload: S3's UploadId, Cloud Storage's session URI.
    upload: str = ""

    def dumps(self) -> str:
        """Return the ticket as the signed token the browser keeps."""
        data = dataclasses.asdict(self)
        data["policy"] = self.policy.dumps()
        return signing.dumps(data, salt=_TICKET_SALT, compress=True)

    @classmethod
    def loads(cls, token: str, owner: str) -> Ticket:
        """Return the ticket of *token* if it is valid, recent and *owner*'s; raise
        :class:`Refused`."""
        try:
            data = signing.loads(
                token, salt=_TICKET_SALT, max_age=setting("STORAGES_DIRECT_MAX_AGE")
            )
        except signing.SignatureExpired:
            raise Refused("This upload is too old; choose the file again.", 410) from None
        except signing.BadSignature:
            raise Refused("This upload ticket is not valid.", 403) from None
        data["policy"] = UploadPolicy.loads(data["policy"])
        ticket = cls(**data)
        if ticket.owner != owner:
            raise Refused("This upload belongs to someone else.", 403)
        return ticket

    def replace(self, **changes: Any) -> Ticket:
        """Return a copy with *changes*."""
        return dataclasses.replace(self, **changes)


def confirm(ticket: Ticket) -> str:
    """Return the value the form submits for the checked upload of *ticket*."""
    signer = signing.TimestampSigner(salt=_CONFIRM_SALT)
    return signer.sign_object({"s": ticket.policy.storage, "n": ticket.name})


def read_confirmation(value: str) -> tuple[str, str]:
    """Return ``(storage alias, pending name)`` of a value made by :func:`confirm`; raise
    :class:`Refused` when it is forged or older than ``STORAGES_DIRECT_MAX_AGE``."""
    signer = signing.TimestampSigner(salt=_CONFIRM_SALT)
    try:
        data = signer.unsign_object(value, max_age=setting("STORAGES_DIRECT_MAX_AGE"))
    except signing.SignatureExpired:
        raise Refused("The upload is too old; choose the file again.") from None
    except (signing.BadSignature, ValueError):
        raise Refused("The upload could not be verified; choose the file again.") from None
    return str(data["s"]), str(data["n"])
