"""What is specific to CouchDBStorage: settings, credentials, names, revisions, URLs."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.test import override_settings

from storages.backends.couchdb import CouchDBStorage
from storages.errors import StorageError
from tests.backends.couchdb.servers import DATABASE, couchdb, unique_location
from tests.harness.servers import RunningServer

__all__ = ["couchdb"]  # the fixture this module uses

SECRET = "s3cret-Pa55word"


def _make(couch: RunningServer, **options: Any) -> CouchDBStorage:
    options.setdefault("server", couch.url)
    options.setdefault("database", DATABASE)
    options.setdefault("location", unique_location())
    return CouchDBStorage(**options)


def _doc(server: RunningServer, doc_id: str) -> dict[str, Any]:
    response = requests.get(
        f"{server.url}/{DATABASE}/{requests.utils.quote(doc_id, safe='')}", timeout=10
    )
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


# -- settings ------------------------------------------------------------------------------
def test_1x_settings(couchdb: RunningServer) -> None:
    with override_settings(
        COUCHDB_DEFAULT_SERVER="http://other.invalid:5984",
        COUCHDB_STORAGE_OPTIONS={"server": couchdb.url, "database": DATABASE},
    ):
        storage = CouchDBStorage(location=unique_location())
        assert storage.server_url == couchdb.url
        assert storage.database_name == DATABASE
        name = storage.save("settings.txt", ContentFile(b"via settings"))
        assert storage.open(name).read() == b"via settings"


def test_default_server_setting() -> None:
    with override_settings(COUCHDB_DEFAULT_SERVER="http://couch.example:5984"):
        storage = CouchDBStorage(database="media")
    assert storage.url("a b.txt") == "http://couch.example:5984/media/a%20b.txt/content"
    assert CouchDBStorage(database="m").server_url == "http://couchdb.local:5984"


def test_constructor_beats_settings() -> None:
    with override_settings(
        COUCHDB_STORAGE_OPTIONS={"server": "http://settings.example:5984", "database": "s"}
    ):
        storage = CouchDBStorage(server="http://given.example:5984", database="given")
    assert storage.server_url == "http://given.example:5984"
    assert storage.database_name == "given"


def test_bad_settings() -> None:
    with pytest.raises(ImproperlyConfigured, match="unknown key"):
        CouchDBStorage(storage_options={"server": "http://x", "db": "y"})
    with pytest.raises(ImproperlyConfigured, match="did you mean 'database'"):
        CouchDBStorage(databse="x")
    with pytest.raises(ImproperlyConfigured, match="http"):
        CouchDBStorage(server="couch.example:5984", database="x")
    with pytest.raises(ImproperlyConfigured, match="database"):
        CouchDBStorage(server="http://couch.example").exists("a")


# -- credentials ---------------------------------------------------------------------------
def test_credentials_in_the_url_never_show(couchdb: RunningServer) -> None:
    url = couchdb.url.replace("http://", f"http://admin:{SECRET}@")
    storage = _make(couchdb, server=url, database="no-such-database")
    assert storage._auth == ("admin", SECRET)
    assert SECRET not in repr(storage)
    assert SECRET not in storage.url("a.txt")
    assert SECRET not in str(storage.deconstruct())
    with pytest.raises(StorageError) as caught:
        storage.save("a.txt", ContentFile(b"x"))
    assert SECRET not in str(caught.value)
    assert SECRET not in repr(caught.value.__cause__)


def test_separate_credentials(couchdb: RunningServer) -> None:
    storage = _make(couchdb, username="admin", password=SECRET)
    assert storage._auth == ("admin", SECRET)
    assert SECRET not in repr(storage)
    assert "password" not in storage.deconstruct()[2]


# -- names and revisions -------------------------------------------------------------------
def test_names_kept_intact(couchdb: RunningServer) -> None:
    storage = _make(couchdb, location="")
    prefix = unique_location()
    names = [f"{prefix}/a/b.txt", f"{prefix}/a-b.txt", f"{prefix}/a b+c%2F.txt"]
    for name in names:
        storage.save(name, ContentFile(name.encode()))
    for name in names:
        assert storage.open(name).read() == name.encode()
        assert _doc(couchdb, name)["_id"] == name
    assert storage.listdir(prefix) == (["a"], ["a b+c%2F.txt", "a-b.txt"])


def test_reserved_document_ids(couchdb: RunningServer) -> None:
    storage = _make(couchdb, location="")
    for name in ["_underscore.txt", "%percent.txt"]:
        storage.save(name, ContentFile(name.encode()))
        assert storage.open(name).read() == name.encode()
        assert name in storage.listdir("")[1]
        storage.delete(name)
        assert not storage.exists(name)


def test_overwriting_makes_a_new_revision(couchdb: RunningServer) -> None:
    storage = _make(couchdb, file_overwrite=True)
    storage.save("rev.txt", ContentFile(b"one"))
    storage.save("rev.txt", ContentFile(b"two"))
    document = _doc(couchdb, f"{storage.location_prefix}/rev.txt")
    assert document["_rev"].startswith("2-")
    assert storage.open("rev.txt").read() == b"two"


def test_content_type_is_stored(couchdb: RunningServer) -> None:
    storage = _make(couchdb)
    storage.save("page.html", ContentFile(b"<p>"))
    assert storage.content_type("page.html") == "text/html"
    response = requests.get(storage.url("page.html"), timeout=10)
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.content == b"<p>"


def test_missing_files(couchdb: RunningServer) -> None:
    storage = _make(couchdb)
    with pytest.raises(FileNotFoundError):
        storage.size("missing.txt")
    with pytest.raises(FileNotFoundError):
        storage.open("missing.txt")
    storage.delete("missing.txt")


def test_listdir_pages(couchdb: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from storages.backends.couchdb import storage as module

    monkeypatch.setattr(module, "_PAGE", 3)
    storage = _make(couchdb)
    for index in range(8):
        storage.save(f"many/{index}.txt", ContentFile(b"x"))
    storage.save("manyother.txt", ContentFile(b"x"))
    assert storage.listdir("many")[1] == [f"{index}.txt" for index in range(8)]


def test_base_url(couchdb: RunningServer) -> None:
    storage = _make(couchdb, base_url="https://cdn.example/files/", location="media")
    assert storage.url("a b.txt") == "https://cdn.example/files/a%20b.txt"


def test_all_docs_shows_documents(couchdb: RunningServer) -> None:
    storage = _make(couchdb)
    storage.save("listed.txt", ContentFile(b"x"))
    key = json.dumps(f"{storage.location_prefix}/listed.txt")
    rows = requests.get(
        f"{couchdb.url}/{DATABASE}/_all_docs", params={"key": key}, timeout=10
    ).json()["rows"]
    assert [row["id"] for row in rows] == [f"{storage.location_prefix}/listed.txt"]


# -- one request per question --------------------------------------------------------------
def _requests(storage: CouchDBStorage, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the method of every request the storage's session sends from now on."""
    sent: list[str] = []
    session = storage.client
    send = session.request

    def counting(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        sent.append(method)
        return send(method, url, *args, **kwargs)

    monkeypatch.setattr(session, "request", counting)
    return sent


def test_stat_is_one_request_with_the_digest(
    couchdb: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = _make(couchdb)
    storage.save("page.html", ContentFile(b"<p>"))
    sent = _requests(storage, monkeypatch)
    entry = storage.stat("page.html")
    assert sent == ["GET"]
    assert (entry.size, entry.content_type) == (3, "text/html")
    assert entry.digest == hashlib.md5(b"<p>").hexdigest()
    assert entry.digest == storage.content_digest([b"<", b"p>"])[0]


def test_synchronizing_skips_stored_content_from_one_listing(
    couchdb: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = _make(couchdb, file_overwrite=True)
    names = [f"static/{index}.css" for index in range(3)]
    for name in names:
        storage.save(name, ContentFile(name.encode()))
    sent = _requests(storage, monkeypatch)
    with storage.synchronizing() as view:
        for name in names:
            view.save(name, ContentFile(name.encode()))  # unchanged: not sent again
        view.save("static/new.css", ContentFile(b"new"))
    # One page of the listing, then the new file's save (a document lookup and its PUT).
    assert sent == ["GET", "GET", "PUT"]
    assert storage.open("static/new.css").read() == b"new"
