"""The view that serves DatabaseStorage files: types, lengths, validators, ranges, 404s."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from storages.backends.database import DatabaseStorage, tables
from storages.backends.database.views import serve
from tests.backends.database.databases import db_files_of, sqlite_db, unique_location

__all__ = ["sqlite_db"]  # the fixture this module uses

CONTENT = bytes(range(256)) * 40


@pytest.fixture
def storage(sqlite_db: dict[str, str], django_db_blocker: Any) -> Iterator[DatabaseStorage]:
    with django_db_blocker.unblock():
        storage = DatabaseStorage(using=sqlite_db["alias"], location=unique_location())
        storage.save("dir/file.bin", ContentFile(CONTENT))
        storage.save("page.html", ContentFile(b"<p>hi</p>"))
        yield storage


def _get(storage: DatabaseStorage, name: str, method: str = "get", **headers: str) -> Any:
    request = getattr(RequestFactory(), method)(f"/dbfiles/{name}", headers=headers)
    return serve(request, name, storage=storage)


def _body(response: HttpResponse | StreamingHttpResponse) -> bytes:
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content)  # type: ignore[arg-type]
    return response.content


def test_get(storage: DatabaseStorage) -> None:
    response = _get(storage, "dir/file.bin")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Length"] == str(len(CONTENT))
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"].startswith('"')
    assert "Last-Modified" in response
    assert _body(response) == CONTENT


def test_stored_content_type(storage: DatabaseStorage) -> None:
    response = _get(storage, "page.html")
    assert response["Content-Type"] == "text/html"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_conditional_requests(storage: DatabaseStorage) -> None:
    first = _get(storage, "dir/file.bin")
    assert _get(storage, "dir/file.bin", If_None_Match=first["ETag"]).status_code == 304
    since = _get(storage, "dir/file.bin", If_Modified_Since=first["Last-Modified"])
    assert since.status_code == 304
    assert _get(storage, "dir/file.bin", If_None_Match='"other"').status_code == 200
    storage.save("dir/file.bin", ContentFile(b"changed"))
    assert _get(storage, "dir/file.bin", If_None_Match=first["ETag"]).status_code == 200


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-9", 0, 9),
        ("bytes=100-", 100, len(CONTENT) - 1),
        ("bytes=-5", len(CONTENT) - 5, len(CONTENT) - 1),
        ("bytes=10-999999", 10, len(CONTENT) - 1),
    ],
)
def test_ranges(storage: DatabaseStorage, header: str, start: int, end: int) -> None:
    response = _get(storage, "dir/file.bin", Range=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(CONTENT)}"
    assert response["Content-Length"] == str(end - start + 1)
    assert _body(response) == CONTENT[start : end + 1]


def test_unsatisfiable_range(storage: DatabaseStorage) -> None:
    response = _get(storage, "dir/file.bin", Range=f"bytes={len(CONTENT)}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(CONTENT)}"


def test_multiple_ranges_and_stale_if_range_get_everything(storage: DatabaseStorage) -> None:
    assert _get(storage, "dir/file.bin", Range="bytes=0-1,5-6").status_code == 200
    stale = _get(storage, "dir/file.bin", Range="bytes=0-1", If_Range='"stale"')
    assert stale.status_code == 200
    assert _body(stale) == CONTENT


def test_head(storage: DatabaseStorage) -> None:
    response = _get(storage, "dir/file.bin", method="head")
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(CONTENT))
    assert response.content == b""


@pytest.mark.parametrize(
    "name", ["missing.txt", "../dir/file.bin", "dir/../../x", "/etc/passwd", "dir/", "a\x00b"]
)
def test_missing_and_hostile_names_are_404(storage: DatabaseStorage, name: str) -> None:
    with pytest.raises(Http404):
        _get(storage, name)


def test_post_is_refused(storage: DatabaseStorage) -> None:
    assert _get(storage, "dir/file.bin", method="post").status_code == 405


def test_user_table_without_times(sqlite_db: dict[str, str], django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        storage = DatabaseStorage(
            using=sqlite_db["alias"], location=unique_location(), db_files=db_files_of(sqlite_db)
        )
        storage.save("photo.jpg", ContentFile(b"jpeg"))
        response = _get(storage, "photo.jpg")
        assert response["Content-Type"] == "image/jpeg"
        assert "ETag" not in response
        assert _body(response) == b"jpeg"
        assert _get(storage, "photo.jpg", Range="bytes=1-2").status_code == 206


def test_one_statement_describes_the_file(
    storage: DatabaseStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Size, modification time and content type come from one lookup (they took three).
    statements: list[str] = []
    execute = tables._execute

    def counting(connection: Any, sql: str, params: Any) -> list[Any]:
        statements.append(sql)
        return execute(connection, sql, params)

    monkeypatch.setattr(tables, "_execute", counting)
    response = _get(storage, "page.html", method="head")
    assert response["Content-Type"] == "text/html"
    assert len(statements) == 1
