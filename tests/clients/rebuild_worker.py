"""Rebuild storages from ``deconstruct()`` in a fresh process, as a task queue's worker does.

Run by ``tests/clients/test_rebuild.py`` as ``python -m tests.clients.rebuild_worker`` with
``DJANGO_SETTINGS_MODULE=tests.clients.rebuild_settings``. Reads one JSON object from stdin:

* ``configured``: ``[path, args, kwargs]`` of a storage the test made from a ``STORAGES``
  alias; rebuilt with ``import_string(path)(*args, **kwargs)``, it reads and deletes the file
  ``parent_file`` the test saved, and saves, reads and deletes a file of its own;
* ``given_secrets``: the same for a storage that was given its secrets in code (or null);
  rebuilt, its first use must fail;
* ``dropbox``: the stand-in's ``port`` and ``workdir``, to point the Dropbox SDK at it (or null).

Prints one JSON object: what each step saw.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import django


def rebuild(deconstructed: list[Any]) -> Any:
    from django.utils.module_loading import import_string

    path, args, kwargs = deconstructed
    return import_string(path)(*args, **kwargs)


def use_configured(deconstructed: list[Any], parent_file: str) -> dict[str, Any]:
    from django.core.files.base import ContentFile

    storage = rebuild(deconstructed)
    seen: dict[str, Any] = {"parent_content": storage.open(parent_file).read().decode()}
    storage.delete(parent_file)
    name = storage.save("worker/own.txt", ContentFile(b"from the worker"))
    with storage.open(name) as handle:
        seen["own_content"] = handle.read().decode()
    storage.delete(name)
    seen["own_exists_after_delete"] = storage.exists(name)
    return seen


def use_given_secrets(deconstructed: list[Any]) -> dict[str, Any]:
    storage = rebuild(deconstructed)
    try:
        storage.exists("anything.txt")
    except Exception as exc:  # what matters is which error, reported to the test
        return {"error": f"{type(exc).__module__}.{type(exc).__name__}", "message": str(exc)}
    return {"error": None, "message": "the rebuilt storage worked without its secrets"}


def main() -> dict[str, Any]:
    payload = json.load(sys.stdin)
    context: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    if payload.get("dropbox"):
        from tests.backends.dropbox.standin import sdk_pointed_at

        where = payload["dropbox"]
        server = SimpleNamespace(port=where["port"], workdir=Path(where["workdir"]))
        context = sdk_pointed_at(server)  # type: ignore[arg-type]
    with context:
        result = {"configured": use_configured(payload["configured"], payload["parent_file"])}
        if payload.get("given_secrets"):
            result["given_secrets"] = use_given_secrets(payload["given_secrets"])
    return result


if __name__ == "__main__":
    django.setup()
    print(json.dumps(main()))
