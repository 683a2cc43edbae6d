"""The HTTP side of direct uploads: sign, complete, and the streaming upload view.

Mount them once (``path("uploads/", include("storages.direct.urls"))``). Each is CSRF-protected
and answers JSON; the ES module of the widget is their only client:

- ``sign`` (POST ``{policy, name, size, type}``, or ``{policy, ticket}`` to resume): checks the
  file against the field's policy and answers ``{ticket, plan}``, the requests to send;
- ``complete`` (POST ``{ticket}``): has the backend assemble the pieces, checks the stored object
  (deleting it when it breaks the policy) and answers ``{value, name, size}``, ``value`` being
  what the form submits;
- ``upload`` (PUT, the file as body, the ticket in ``X-Upload-Ticket``): the streaming view of
  backends that cannot sign.

``STORAGES_DIRECT_PERMISSION`` (a callable or its dotted path, ``(request, policy) -> bool``)
decides who may upload at all; by default anyone who can load the form.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import posixpath
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from storages.direct.policy import Refused, Ticket, UploadPolicy, confirm, owner_of, pending_name
from storages.direct.signing import signer_for
from storages.direct.uploads import check_stored

__all__ = ["complete", "sign", "upload"]

logger = logging.getLogger("storages.direct")

_CONTENT_TYPE = re.compile(r"^[\w.+-]+/[\w.+-]+$")
#: The longest file name kept (the extension survives the cut).
MAX_NAME = 100


def _answer(view: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Turn a refusal into a JSON error the widget shows, and a storage failure into a 502."""

    def wrapper(request: HttpRequest) -> HttpResponse:
        try:
            return view(request)
        except Refused as exc:
            return JsonResponse({"error": str(exc)}, status=exc.status)
        except (ValueError, KeyError, TypeError):
            return JsonResponse({"error": "The request is not valid."}, status=400)
        except Exception:
            logger.exception("Direct upload: the storage failed")
            return JsonResponse({"error": "The storage could not be reached."}, status=502)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return csrf_protect(wrapper)


def _data(request: HttpRequest) -> dict[str, Any]:
    data = json.loads(request.body or b"{}")
    if not isinstance(data, dict):
        raise ValueError("a JSON object is expected")
    return data


def _allowed(request: HttpRequest, policy: UploadPolicy) -> None:
    check: Any = getattr(settings, "STORAGES_DIRECT_PERMISSION", None)
    if isinstance(check, str):
        check = import_string(check)
    if check is not None and not check(request, policy):
        raise Refused("You may not upload files here.", 403)


def _file_name(storage: Any, given: str) -> str:
    base = posixpath.basename(given.replace("\\", "/"))
    name = storage.get_valid_name(base) if base else ""
    if not name.strip("."):
        raise Refused("The file has no usable name.")
    stem, ext = posixpath.splitext(name)
    return stem[: MAX_NAME - len(ext)] + ext if len(name) > MAX_NAME else name


def _content_type(given: Any, name: str) -> str:
    declared = str(given or "").split(";", 1)[0].strip().lower()
    declared = declared or mimetypes.guess_type(name)[0] or "application/octet-stream"
    if not _CONTENT_TYPE.match(declared):
        raise Refused(f"{declared!r} is not a content type.")
    return declared


def _origin(request: HttpRequest) -> str:
    return request.headers.get("Origin") or f"{request.scheme}://{request.get_host()}"


@require_POST
@_answer
def sign(request: HttpRequest) -> HttpResponse:
    """Answer the ticket and plan of a new upload, or the plan of what is left of one."""
    data = _data(request)
    policy = UploadPolicy.loads(str(data["policy"]))
    _allowed(request, policy)
    storage = storages[policy.storage]
    signer = signer_for(storage)
    owner = owner_of(request)
    if data.get("ticket"):
        ticket = Ticket.loads(str(data["ticket"]), owner)
        if ticket.policy != policy:
            raise Refused("This upload was started by another form.", 403)
        plan = signer.resume(ticket)
    else:
        filename = _file_name(storage, str(data["name"]))
        size = int(data["size"])
        content_type = _content_type(data.get("type"), filename)
        policy.check(size, content_type)
        ticket = Ticket(pending_name(policy, filename), size, content_type, policy, owner)
        ticket, plan = signer.start(ticket, _origin(request))
    return JsonResponse({"ticket": ticket.dumps(), "plan": plan, "direct": signer.direct})


@require_POST
@_answer
def complete(request: HttpRequest) -> HttpResponse:
    """Assemble and check the upload; answer the value the form submits."""
    ticket = Ticket.loads(str(_data(request)["ticket"]), owner_of(request))
    storage = storages[ticket.policy.storage]
    signer = signer_for(storage)
    signer.finish(ticket)
    try:
        check_stored(
            storage,
            ticket.name,
            ticket.policy,
            size=ticket.size,
            content_type=ticket.content_type,
        )
    except Refused as exc:
        if exc.status != 409:
            signer.discard(ticket)
        raise
    name = posixpath.basename(ticket.name)
    return JsonResponse({"value": confirm(ticket), "name": name, "size": ticket.size})


@require_http_methods(["PUT"])
@_answer
def upload(request: HttpRequest) -> HttpResponse:
    """Stream the request body into the pending file (backends that cannot sign)."""
    ticket = Ticket.loads(request.headers.get("X-Upload-Ticket", ""), owner_of(request))
    signer = signer_for(storages[ticket.policy.storage])
    receive = getattr(signer, "receive", None)
    if receive is None:
        raise Refused("This storage takes uploads directly, not through this site.")
    receive(ticket, request)
    return HttpResponse(status=204)
