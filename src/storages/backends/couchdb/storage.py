"""CouchDBStorage: each file a CouchDB document with its content as the attachment ``content``."""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Iterable, Iterator
from typing import IO, Any
from urllib.parse import quote

from django.core.exceptions import ImproperlyConfigured

from storages import http, paths
from storages.backends.couchdb.connection import new_session, split_server
from storages.backends.couchdb.errors import ERRORS, check
from storages.backends.couchdb.options import CouchDBOptions
from storages.base import BaseStorage
from storages.digests import md5_etag
from storages.entries import Entry
from storages.errors import MissingDependencyError, StorageExistsError
from storages.features import Feature
from storages.http import ResponseStream, SizedBody
from storages.retry import RetryPolicy

try:
    import requests
except ImportError:  # pragma: no cover - the extra is missing
    requests = None  # type: ignore[assignment]

__all__ = ["CouchDBStorage"]

#: The attachment that holds a file's content (the name 1.x used).
ATTACHMENT = "content"
_PAGE = 1000
#: A save whose document changed between reading its revision and writing it (another writer's
#: save, or pouchdb-server's re-creation of a deleted id) reads the revision again.
CONFLICT_RETRY = RetryPolicy(attempts=5, first_wait=0.005, max_wait=0.05)
#: How many documents' revisions a storage remembers (the oldest is forgotten first).
REVISIONS_KEPT = 1024


class _Conflict(StorageExistsError):
    """The document changed while the file was saved (tried again by :data:`CONFLICT_RETRY`)."""


class Revisions:
    """The last revision this storage saw of each document, so that a save or a delete of a
    file it just looked at or wrote needs no lookup first.

    Only a guess: a revision another writer made stale is refused (``409``), and the caller
    then reads the document again.
    """

    def __init__(self, kept: int = REVISIONS_KEPT) -> None:
        self._kept = kept
        self._revisions: dict[str, str] = {}
        # Threads share the storage: dropping the oldest iterates the dict, which another
        # thread's insert must not change meanwhile.
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        return self._revisions.get(key)

    def remember(self, key: str, revision: str | None) -> None:
        if not revision:
            self.forget(key)
            return
        with self._lock:
            if len(self._revisions) >= self._kept:  # insertion order: drop the oldest
                self._revisions.pop(next(iter(self._revisions), ""), None)
            self._revisions[key] = revision

    def forget(self, key: str) -> None:
        self._revisions.pop(key, None)


def doc_id(key: str) -> str:
    """Return the document id of *key*; CouchDB reserves ids starting with ``_``."""
    return "%" + key if key[:1] in ("_", "%") else key


def key_of(document_id: str) -> str:
    """Return the key of a document id (the inverse of :func:`doc_id`)."""
    return document_id[1:] if document_id.startswith("%") else document_id


def _hex_md5(digest: str | None) -> str | None:
    """Return an attachment's ``md5-<base64>`` digest as the hex MD5 ``content_digest()`` gives."""
    if not digest or not digest.startswith("md5-"):
        return None
    try:
        return base64.b64decode(digest[4:], validate=True).hex()
    except (binascii.Error, ValueError):
        return None


def _entry(key: str, document: dict[str, Any] | None) -> Entry | None:
    """Return the file that *document* holds (None for none: one being recreated is empty)."""
    attachment = (document or {}).get("_attachments", {}).get(ATTACHMENT)
    if attachment is None:
        return None
    return Entry(
        key,
        int(attachment["length"]),
        digest=_hex_md5(attachment.get("digest")),
        content_type=attachment.get("content_type") or None,
    )


class CouchDBStorage(BaseStorage[CouchDBOptions]):
    """Keep files in a CouchDB database, one document per file."""

    options_class = CouchDBOptions
    errors = ERRORS
    features = Feature.URL | Feature.LISTDIR | Feature.CONTENT_TYPE | Feature.ATOMIC_WRITE

    def __init__(self, **options: Any) -> None:
        if requests is None:
            raise MissingDependencyError("requests", "couchdb")
        super().__init__(**options)
        self._configure(options)

    def _start(self) -> None:
        super()._start()
        self._revisions = Revisions()  # of this database: new when an option changes

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_auth", None)  # the password: derived again from the options
        state.pop("_revisions", None)  # run-time state, made again by _start()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._configure(self._constructor_args[1])

    def _configure(self, options: dict[str, Any]) -> None:
        """Derive the server URL, credentials and database from the options (*options* given)."""
        legacy = self.options.storage_options
        server = self.options.server
        if "server" not in options and legacy.get("server"):
            server = legacy["server"]
        database = self.options.database
        if "database" not in options and legacy.get("database"):
            database = legacy["database"]
        self.server_url, self._auth = split_server(
            server, self.options.username, self.options.password
        )
        self.database_name = database

    def _secrets(self) -> list[str]:
        # Not every value of COUCHDB_STORAGE_OPTIONS: its database name stays readable.
        options = self.options
        secrets = [options.server, options.storage_options.get("server", "")]
        secrets.append(options.password or "")
        if self._auth is not None and self._auth[1]:
            secrets += [self._auth[1], quote(self._auth[1], safe="")]
        return secrets

    @property
    def database_url(self) -> str:
        """Return the URL of the database (without credentials)."""
        if not self.database_name:
            raise ImproperlyConfigured(
                "Set COUCHDB_STORAGE_OPTIONS['database'] (or the 'database' option)"
            )
        return f"{self.server_url}/{quote(self.database_name, safe='')}"

    def _create_client(self) -> Any:
        return new_session(self.server_url, self._auth)

    def _doc_url(self, key: str) -> str:
        return f"{self.database_url}/{quote(doc_id(key), safe='')}"

    def _request(self, method: str, url: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.options.timeout)
        # 429/502/503/504 answers are retried (Retry-After honoured), and reads after a broken
        # or stalled connection too: a failover or an overloaded node is no error to callers.
        return http.request(self.client, method, url, **kwargs)

    def _document(self, key: str) -> dict[str, Any] | None:
        """Return the document of *key* (with its revision and attachment stub), or None."""
        response = self._request("GET", self._doc_url(key))
        if response.status_code == 404:
            self._revisions.forget(key)
            return None
        document: dict[str, Any] = check(response).json()
        self._revisions.remember(key, document.get("_rev"))
        return document

    def _rows(self, prefix: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Yield the ``_all_docs`` rows of the documents under *prefix*, a page at a time."""
        start = doc_id(prefix) if prefix else ""
        query: dict[str, Any] = {"startkey": json.dumps(start), "limit": _PAGE, **params}
        while True:
            response = self._request("GET", f"{self.database_url}/_all_docs", params=query)
            rows = check(response).json()["rows"]
            for row in rows:
                # Ids under a prefix are contiguous in any code-unit order: stop at the first
                # one past it.
                if not row["id"].startswith(start):
                    return
                if not row["id"].startswith("_") and key_of(row["id"]).startswith(prefix):
                    yield row
            if len(rows) < _PAGE:
                return
            query = {**query, "startkey": json.dumps(rows[-1]["id"]), "skip": 1}

    # -- hooks ------------------------------------------------------------------------------
    def _stat(self, key: str) -> Entry | None:
        return _entry(key, self._document(key))

    def _exists(self, key: str) -> bool:
        # A HEAD of the document: no body to read. A document without the attachment (only
        # pouchdb-server's re-creation of a deleted id, for an instant) counts as the file
        # being created, which is how Django's choice of a free name should see it.
        response = self._request("HEAD", self._doc_url(key))
        if response.status_code == 404:
            return False
        check(response)
        return True

    def _open_stream(self, key: str, offset: int) -> ResponseStream:
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        response = self._request(
            "GET", f"{self._doc_url(key)}/{ATTACHMENT}", headers=headers, stream=True
        )
        if response.status_code == 416:  # at or past the end
            response.close()
            response = self._request("GET", f"{self._doc_url(key)}/{ATTACHMENT}", stream=True)
        try:
            check(response)
        except BaseException:
            response.close()
            raise
        return ResponseStream(response, offset)

    def _upload(self, key: str, fileobj: IO[bytes], size: int, content_type: str | None) -> None:
        url = f"{self._doc_url(key)}/{ATTACHMENT}"
        headers = {"Content-Type": content_type or "application/octet-stream"}

        def put(revision: str | None) -> Any:
            fileobj.seek(0)
            body: Any = SizedBody(fileobj, size) if size else b""
            params = {"rev": revision} if revision else None
            return self._request("PUT", url, params=params, data=body, headers=headers)

        # The first attempt goes without a lookup where the revision is known (or there is none
        # to know: a file created under a free name); a retry always looks the document up.
        guesses = [self._revision_guess(key)]
        CONFLICT_RETRY.call(
            lambda: self._save_attachment(key, put, guesses.pop() if guesses else None),
            lambda exc: isinstance(exc, _Conflict),
        )

    def _revision_guess(self, key: str) -> str | None:
        """Return the revision a save may replace without a lookup ("" to create the document),
        or None when the document must be looked up first."""
        if not self.overwrites_files:
            return ""  # Django just found the name free: create the document
        return self._revisions.get(key)

    def _save_attachment(self, key: str, put: Any, guess: str | None) -> None:
        """Send the attachment once: with the *guess* of the revision, else (or when the guess
        was wrong) with the revision of the document as it is looked up now."""
        if guess is not None:
            response = put(guess)
            if response.status_code == 404 and not guess:
                self._recreate(key)  # pouchdb-server keeps a deleted document's id
            if response.status_code not in (404, 409):
                self._revisions.remember(key, check(response).json().get("rev"))
                return
            response.close()  # another writer changed the document since: look it up
        document = self._document(key)
        if _entry(key, document) is not None and not self.overwrites_files:
            raise StorageExistsError(f"CouchDB: {key!r} was created by another writer")
        response = put(document["_rev"] if document is not None else None)
        if response.status_code == 404 and document is None:
            self._recreate(key)
        if response.status_code in (404, 409) and self.overwrites_files and document:
            # Another writer saved or deleted the file since it was read (pouchdb-server
            # answers 404 for a deleted one): this save counts as made just before that
            # change, which replaced it. Retrying instead starves writers of a busy file.
            # (Without a document the change may be another writer's empty re-creation,
            # not a whole file: then try again.)
            self._revisions.forget(key)
            return
        if response.status_code == 409 and self.overwrites_files:
            raise _Conflict(f"CouchDB: {key!r} kept changing while it was saved")
        self._revisions.remember(key, check(response).json().get("rev"))

    def _recreate(self, key: str) -> None:
        """Create the empty document of a deleted id, then have the save tried again.

        pouchdb-server keeps a deleted document's id: it takes no attachment without a
        revision until the document is created again (empty, for an instant).
        """
        created = self._request("PUT", self._doc_url(key), json={})
        if created.status_code != 409:  # 409: another writer recreated it first
            check(created)  # a missing database fails here
        raise _Conflict(f"CouchDB: {key!r} kept changing while it was saved")

    def _delete(self, key: str) -> None:
        revision = self._revisions.get(key)
        if revision is not None:
            response = self._request("DELETE", self._doc_url(key), params={"rev": revision})
            if response.status_code != 409:  # 409: changed since this storage saw it
                self._revisions.forget(key)
                if response.status_code != 404:  # 404: already deleted
                    check(response)
                return
        document = self._document(key)
        if document is None:
            return
        response = self._request("DELETE", self._doc_url(key), params={"rev": document["_rev"]})
        self._revisions.forget(key)
        if response.status_code in (404, 409):
            # Another writer deleted or saved the file since it was read: this delete counts as
            # made just before that change. Retrying instead starves deletes of a busy file.
            return
        check(response)

    def _listdir(self, prefix: str) -> tuple[list[str], list[str]]:
        return paths.split_level(prefix, (key_of(row["id"]) for row in self._rows(prefix)))

    def _iter_entries(self, prefix: str) -> Iterator[Entry]:
        # One listing with the documents' attachment stubs: sizes and digests, no request each.
        for row in self._rows(prefix, include_docs="true"):
            entry = _entry(key_of(row["id"]), row.get("doc"))
            if entry is not None:
                yield entry

    def _object_url(self, key: str, **kwargs: Any) -> str:
        if self.options.base_url is not None:
            name = key[len(self.location_prefix) + 1 :] if self.location_prefix else key
            return self.options.base_url + quote(name)
        return f"{self._doc_url(key)}/{ATTACHMENT}"

    def content_digest(self, chunks: Iterable[bytes]) -> tuple[str | None, int]:
        """Return the MD5 of the content, as listings show an attachment's digest."""
        return md5_etag(chunks)

    def content_type(self, name: str) -> str | None:
        """Return the stored content type of *name*."""
        return self.stat(name).content_type
