"""What is specific to DatabaseStorage: settings, SQL safety, streaming reads, transactions."""

from __future__ import annotations

import threading
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db import connections, transaction
from django.test import override_settings

from storages.backends.database import DatabaseStorage, tables
from storages.errors import StorageError
from storages.features import Feature
from storages.testing.content import GeneratedFile, digest_of
from tests.backends.database.databases import (
    DOCUMENTED_DB_FILES,
    db_files_of,
    mariadb_db,
    postgres_db,
    sqlite_db,
    unique_location,
)
from tests.bigfiles import big_files, round_trip_256_mib

__all__ = ["mariadb_db", "postgres_db", "sqlite_db"]  # the fixtures this module uses

INJECTIONS = [
    "x'; DROP TABLE FILES; --.txt",
    "Robert'); DROP TABLE storages_file;--.txt",
    'quote"double.txt',
    "back\\slash-is-a-separator/ok.txt",
    "semi;colon OR 1=1.txt",
    "percent%and_underscore.txt",
]

LAYOUTS = ["zero-config", "db_files"]
DATABASES = ["sqlite_db", "postgres_db", "mariadb_db"]


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest, django_db_blocker: Any) -> Iterator[dict[str, str]]:
    value = request.getfixturevalue(request.param)
    with django_db_blocker.unblock():
        yield value


@pytest.fixture(params=LAYOUTS)
def make_storage(
    request: pytest.FixtureRequest, database: dict[str, str]
) -> Callable[..., DatabaseStorage]:
    def make(**options: Any) -> DatabaseStorage:
        options.setdefault("using", database["alias"])
        options.setdefault("location", unique_location())
        if request.param == "db_files":
            options.setdefault("db_files", db_files_of(database))
        return DatabaseStorage(**options)

    return make


@pytest.fixture
def sqlite(sqlite_db: dict[str, str], django_db_blocker: Any) -> Iterator[dict[str, str]]:
    with django_db_blocker.unblock():
        yield sqlite_db


# -- settings ------------------------------------------------------------------------------
def test_documented_db_files_setting_verbatim(sqlite: dict[str, str]) -> None:
    with override_settings(DB_FILES=DOCUMENTED_DB_FILES, DB_FILES_USING=sqlite["alias"]):
        storage = DatabaseStorage(location=unique_location())
    assert storage.options.db_files == DOCUMENTED_DB_FILES
    assert (
        storage.url("player_photos/a b.jpg") == "http://localhost/dbfiles/player_photos/a%20b.jpg"
    )
    name = storage.save("player_photos/photo.jpg", ContentFile(b"jpeg"))
    assert name == "player_photos/photo.jpg"  # saving again overwrites, as documented
    assert storage.save(name, ContentFile(b"new")) == name
    assert storage.open(name).read() == b"new"
    assert storage.size(name) == 3
    assert Feature.MODIFIED_TIME not in storage.features
    with pytest.raises(NotImplementedError):
        storage.get_modified_time(name)


def test_1x_constructor_argument_option(sqlite: dict[str, str]) -> None:
    storage = DatabaseStorage(option=DOCUMENTED_DB_FILES, using=sqlite["alias"])
    assert storage.options.db_files == DOCUMENTED_DB_FILES


@pytest.mark.parametrize(
    ("db_files", "message"),
    [
        ({**DOCUMENTED_DB_FILES, "blob_colum": "B"}, "unknown DB_FILES key"),
        ({"db_table": "FILES"}, "lacks 'fname_column', 'blob_column', 'size_column'"),
        ("FILES", "expected a dict"),
    ],
)
def test_bad_db_files(db_files: Any, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        DatabaseStorage(db_files=db_files)


def test_unknown_option_suggests() -> None:
    with pytest.raises(ImproperlyConfigured, match="did you mean 'db_files'"):
        DatabaseStorage(db_file={})


def test_base_url_precedence() -> None:
    with override_settings(DB_FILES_URL="/from-setting/", MEDIA_URL="/media/"):
        assert DatabaseStorage().url("a.txt") == "/from-setting/a.txt"
        assert (
            DatabaseStorage(db_files=DOCUMENTED_DB_FILES).url("a") == "http://localhost/dbfiles/a"
        )
        explicit = DatabaseStorage(db_files=DOCUMENTED_DB_FILES, base_url="/given")
        assert explicit.url("a") == "/given/a"
    with override_settings(MEDIA_URL="/media/"):
        assert DatabaseStorage(location="sub").url("a b.txt") == "/media/a%20b.txt"


def test_database_alias_option_names(sqlite: dict[str, str]) -> None:
    assert DatabaseStorage(database=sqlite["alias"]).options.using == sqlite["alias"]
    with override_settings(DB_FILES_USING=sqlite["alias"]):
        assert DatabaseStorage().options.using == sqlite["alias"]


# -- SQL safety and names ------------------------------------------------------------------
def test_injection_names_are_plain_data(make_storage: Callable[..., DatabaseStorage]) -> None:
    storage = make_storage()
    for name in INJECTIONS:
        saved = storage.save(name, ContentFile(name.encode()))
        assert storage.exists(saved)
        with storage.open(saved) as handle:
            assert handle.read() == name.encode()
    dirs, files = storage.listdir("")
    assert dirs == ["back"]
    assert len(files) == len(INJECTIONS) - 1
    # The tables are still there and still answer.
    assert storage.save("after.txt", ContentFile(b"ok")) == "after.txt"


def test_like_wildcards_in_directory_names(make_storage: Callable[..., DatabaseStorage]) -> None:
    storage = make_storage()
    for name in ["a%/one.txt", "ab/two.txt", "a_/three.txt", "aX/four.txt"]:
        storage.save(name, ContentFile(b"x"))
    assert storage.listdir("a%") == ([], ["one.txt"])
    assert storage.listdir("a_") == ([], ["three.txt"])


def test_names_are_case_sensitive(make_storage: Callable[..., DatabaseStorage]) -> None:
    storage = make_storage()
    storage.save("Case.txt", ContentFile(b"upper"))
    storage.save("case.txt", ContentFile(b"lower"))
    storage.save("case.txt ", ContentFile(b"trailing space"))
    assert storage.open("Case.txt").read() == b"upper"
    assert storage.open("case.txt").read() == b"lower"
    assert storage.open("case.txt ").read() == b"trailing space"
    storage.delete("case.txt")
    assert storage.exists("Case.txt")
    assert storage.listdir("")[1] == ["Case.txt", "case.txt "]


def test_locations_do_not_see_each_other(make_storage: Callable[..., DatabaseStorage]) -> None:
    one, two = make_storage(), make_storage()
    one.save("same.txt", ContentFile(b"one"))
    assert not two.exists("same.txt")
    assert two.listdir("") == ([], [])


# -- streaming -----------------------------------------------------------------------------
def _count_statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    statements: list[str] = []
    execute = tables._execute

    def counting(connection: Any, sql: str, params: Any) -> list[Any]:
        statements.append("SUBSTR" if "SUBSTR(" in sql else sql.split()[0])
        return execute(connection, sql, params)

    monkeypatch.setattr(tables, "_execute", counting)
    return statements


def test_statements_per_operation(
    make_storage: Callable[..., DatabaseStorage], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each small operation costs the statements hand-written SQL would (BEGIN/COMMIT aside)."""
    storage = make_storage()
    storage.save("present.txt", ContentFile(b"small content"))
    statements = _count_statements(monkeypatch)

    # Statements that go through Django's cursor (an INSERT that returns the new row's id).
    def wrapper(execute: Any, sql: str, *args: Any) -> Any:
        if sql.split()[0] not in ("BEGIN", "COMMIT"):
            statements.append(sql.split()[0])
        return execute(sql, *args)

    connections[storage.options.using].execute_wrappers.append(wrapper)
    zero_config = storage.options.db_files is None
    try:
        for operation, expected in (
            (lambda: storage.exists("present.txt"), 1),
            (lambda: storage.size("present.txt"), 1),
            (lambda: storage.open("present.txt").read(), 1),
            # Zero-config: look up a previous version, insert the file and its one chunk.
            # DB_FILES: delete any previous row, insert the new one.
            (lambda: storage.save("new.txt", ContentFile(b"new")), 3 if zero_config else 2),
            (lambda: storage.delete("new.txt"), 3 if zero_config else 1),
        ):
            statements.clear()
            operation()
            assert len(statements) == expected, statements
    finally:
        connections[storage.options.using].execute_wrappers.remove(wrapper)


def test_small_read_fetches_only_what_it_needs(
    make_storage: Callable[..., DatabaseStorage], monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = make_storage(block_size=256 * 1024)
    name = storage.save("big.bin", GeneratedFile(3 * 1024 * 1024))
    expected = next(iter(GeneratedFile(3 * 1024 * 1024).chunks(64 * 1024)))
    statements = _count_statements(monkeypatch)
    tracemalloc.start()
    try:
        with storage.open(name) as handle:
            handle.seek(3 * 1024 * 1024 - 10)
            tail = handle.read(10)
            handle.seek(0)
            assert handle.read(16) == expected[:16]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(tail) == 10
    # Never the whole blob: opening at 0 looks the file up and reads its first 64 KiB in one
    # statement (twice: the open, then the read from 0 after the seek); the tail read looks the
    # file up again and reads 10 bytes.
    assert statements == ["SUBSTR", "SELECT", "SUBSTR", "SUBSTR"]
    assert peak < 512 * 1024, f"read(16) peaked at {peak:,} bytes"


def test_large_blocks_are_chunked(make_storage: Callable[..., DatabaseStorage]) -> None:
    storage = make_storage(block_size=100_000)
    content = GeneratedFile(1_050_000)
    name = storage.save("chunked.bin", content)
    with storage.open(name) as handle:
        assert digest_of(handle.chunks(chunk_size=333_333)) == content.digest()
    assert storage.size(name) == 1_050_000


def test_blobs_stay_out_of_the_debug_query_log(sqlite: dict[str, str]) -> None:
    connection = connections[sqlite["alias"]]
    storage = DatabaseStorage(using=sqlite["alias"], location=unique_location())
    connection.force_debug_cursor = True
    try:
        connection.queries_log.clear()
        name = storage.save("blob.bin", ContentFile(b"\xff" * 1024 * 1024))
        storage.open(name).read()
        logged = sum(len(query["sql"]) for query in connection.queries)
    finally:
        connection.force_debug_cursor = False
    assert logged < 10_000


# -- transactions and errors ---------------------------------------------------------------
def test_save_joins_the_callers_transaction(make_storage: Callable[..., DatabaseStorage]) -> None:
    storage = make_storage()
    storage.save("kept.txt", ContentFile(b"kept"))
    with pytest.raises(RuntimeError), transaction.atomic(using=storage.options.using):
        storage.save("rolled-back.txt", ContentFile(b"gone"))
        storage.save("kept.txt", ContentFile(b"replaced"))
        assert storage.exists("rolled-back.txt")
        raise RuntimeError("the view failed")
    assert not storage.exists("rolled-back.txt")
    assert storage.open("kept.txt").read() == b"kept"


def test_missing_tables_raise_a_storage_error(sqlite: dict[str, str]) -> None:
    storage = DatabaseStorage(
        using=sqlite["alias"], db_files={**db_files_of(sqlite), "db_table": "no_such_table"}
    )
    with pytest.raises(StorageError, match="no_such_table"):
        storage.exists("a.txt")


def test_thread_connections_are_closed_when_threads_end(sqlite: dict[str, str]) -> None:
    storage = DatabaseStorage(using=sqlite["alias"], location=unique_location())
    seen: list[Any] = []

    def work() -> None:
        storage.save("t.txt", ContentFile(b"x"))
        seen.append(connections[sqlite["alias"]].connection)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    raw = seen[0]
    with pytest.raises(Exception, match="closed"):
        raw.execute("SELECT 1")


@big_files
def test_256_mib_on_postgres_with_bounded_memory(
    postgres_db: dict[str, str], django_db_blocker: Any
) -> None:
    with django_db_blocker.unblock():
        storage = DatabaseStorage(using=postgres_db["alias"], location=unique_location())
        print(f"PostgreSQL, zero-config tables: {round_trip_256_mib(storage)}")
