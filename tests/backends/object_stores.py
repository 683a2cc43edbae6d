"""Checks that the object stores' tests share (Azure, Google Cloud Storage, Libcloud, Dropbox):
each backend's test module calls them with its own storage, request counter and settings.

A request counter is any object with ``counts``, a :class:`collections.Counter` of HTTP methods
(or API calls) that the backend's SDK hook fills; the read checks also want ``ranges``, the
``Range`` header of each download request (None for none).
"""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.test import override_settings

from storages.base import BaseStorage
from storages.features import Feature
from storages.testing.content import GeneratedFile

__all__ = [
    "RequestCounts",
    "check_defaults",
    "check_documented_setting",
    "check_failed_upload_keeps_old_content",
    "check_listdir_is_one_level",
    "check_missing_files",
    "check_missing_sdk",
    "check_reads_are_one_request",
    "check_request_budget",
    "check_small_reads_of_large_file",
    "check_times",
    "check_unchanged_saves_cost_one_listing",
    "check_unknown_option",
    "configured_storage",
    "fetch",
    "query",
]


class RequestCounts:
    """HTTP requests counted by method; backends' counters fill ``counts``."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def fetch(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """Return the status and body of a GET (a PUT of *data*) of *url*, errors included."""
    method = "PUT" if data is not None else "GET"
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def query(url: str) -> dict[str, str]:
    """Return the query parameters of *url*."""
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def check_defaults(cls: type[BaseStorage[Any]], **defaults: Any) -> None:
    """Without settings, the options have these (documented) values."""
    options = cls().options
    assert {name: getattr(options, name) for name in defaults} == defaults


def check_documented_setting(
    cls: type[BaseStorage[Any]], setting: str, name: str, value: Any
) -> None:
    """A setting works as a Django setting, as a constructor option and as a class attribute."""
    with override_settings(**{setting: value}):
        from_setting = cls()
    assert getattr(from_setting.options, name) == value
    assert getattr(cls(**{name: value}).options, name) == value
    subclass = type("Sub", (cls,), {name: value})
    assert getattr(subclass().options, name) == value


@contextmanager
def configured_storage(path: str, **settings: Any) -> Iterator[Storage]:
    """Yield the storage that ``STORAGES`` makes of the class *path* under these settings (a
    pickled copy of it, loaded inside the block, reads its secrets from them again)."""
    backend = {"BACKEND": path}
    with override_settings(STORAGES={"default": backend}, **settings):
        yield storages.create_storage(backend)


def check_unknown_option(cls: type[BaseStorage[Any]], typo: str, meant: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=f"did you mean '{meant}'"):
        cls(**{typo: "x"})


def check_missing_files(storage: BaseStorage[Any]) -> None:
    """Every question about a missing file is a FileNotFoundError."""
    calls = (storage.size, storage.stat, storage.get_modified_time, storage.get_created_time)
    for call in (*calls, storage.open):
        with pytest.raises(FileNotFoundError):
            call("missing.txt")
    assert not storage.exists("missing.txt")


def check_times(storage: BaseStorage[Any]) -> None:
    """Creation and modification times are aware and in order."""
    storage.save("first.txt", ContentFile(b"1"))
    created = storage.get_created_time("first.txt")
    storage.save("second.txt", ContentFile(b"2"))
    assert storage.get_modified_time("second.txt") >= created
    assert created.tzinfo is not None


def check_listdir_is_one_level(storage: BaseStorage[Any]) -> None:
    for name in ["index.html", "css/site.css", "css/vendor/lib.css", "js/app.js"]:
        storage.save(name, ContentFile(b"x"))
    assert storage.listdir("") == (["css", "js"], ["index.html"])
    assert storage.listdir("css") == (["vendor"], ["site.css"])
    assert storage.listdir("css/vendor/") == ([], ["lib.css"])
    # Another storage's files in the same bucket or container are not listed.
    assert storage.listdir("nothing") == ([], [])
    # One listing for all, each with the digest a save of the same content would compare.
    entries = {entry.name: entry for entry in storage.listing()}
    assert sorted(entries) == ["css/site.css", "css/vendor/lib.css", "index.html", "js/app.js"]
    assert entries["index.html"].digest == storage.content_digest([b"x"])[0] is not None
    stat = storage.stat("index.html")
    listed = entries["index.html"]
    assert (listed.size, listed.digest, listed.modified) == (stat.size, stat.digest, stat.modified)


def check_request_budget(storage: BaseStorage[Any], counter: Any, save: dict[str, int]) -> None:
    """A small file costs one request per operation (*save*: the methods of its save)."""
    storage.save("small.txt", ContentFile(b"small"))
    assert counter.counts == save, counter.counts
    created = [(lambda: storage.get_created_time("small.txt"), 1)]
    if Feature.CREATED_TIME not in storage.features:
        created = []
    for operation, expected in [
        (lambda: storage.open("small.txt").read(), 1),
        (lambda: storage.exists("small.txt"), 1),
        (lambda: storage.size("small.txt"), 1),
        (lambda: storage.stat("small.txt"), 1),
        (lambda: storage.url("small.txt"), 0),
        (lambda: storage.get_modified_time("small.txt"), 1),
        *created,
        (lambda: storage.listdir(""), 1),
        (lambda: list(storage.listing()), 1),
        (lambda: storage.delete("small.txt"), 1),
    ]:
        counter.counts.clear()
        operation()  # type: ignore[no-untyped-call]
        assert counter.total == expected, counter.counts


def check_unchanged_saves_cost_one_listing(storage: BaseStorage[Any], counter: Any) -> None:
    """Synchronising saves of stored content costs one listing (listed MD5s are compared)."""
    files = {"a.css": b"body {}", "big.bin": bytes(GeneratedFile(3 * 1024 * 1024).read())}
    for name, data in files.items():
        storage.save(name, ContentFile(data))
    counter.counts.clear()
    with storage.synchronizing() as view:
        for name, data in files.items():
            view.save(name, ContentFile(data))
        view.save("new.txt", ContentFile(b"new"))
    assert counter.total == 2, counter.counts  # the listing and the new file's upload


def _slice(size: int, offset: int, length: int) -> bytes:
    generated = GeneratedFile(size)
    generated.seek(offset)
    return bytes(generated.read(length))


def check_small_reads_of_large_file(storage: BaseStorage[Any], counter: Any) -> None:
    """Two 1 KiB reads of 16 MiB cost two GETs and little memory."""
    size = 16 * 1024 * 1024
    storage.save("large.bin", GeneratedFile(size))
    counter.counts.clear()
    tracemalloc.start()
    try:
        with storage.open("large.bin") as handle:
            assert handle.read(1024) == _slice(size, 0, 1024)
            assert counter.counts == {"GET": 1}
            handle.seek(size - 1024)  # a new ranged GET; the first response is dropped unread
            assert handle.read() == _slice(size, size - 1024, 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert counter.counts == {"GET": 2}
    assert peak < 1024 * 1024, f"two 1 KiB reads peaked at {peak:,} bytes"


def check_reads_are_one_request(
    storage: BaseStorage[Any], counter: Any, download: str = "GET"
) -> None:
    """Every read is one *download* request to the end of the object, read as far as the caller
    reads (as a raw SDK's streamed body): no ``Range`` from the start, ``bytes=<offset>-`` after
    a seek; sequential reads share it, and closing early drops it unread."""
    size = 3 * 1024 * 1024 + 5
    expected = _slice(size, 0, size)
    storage.save("big.bin", ContentFile(expected))
    storage.save("small.txt", ContentFile(b"small"))
    storage.save("empty.bin", ContentFile(b""))

    def sequential(n: int) -> bytes:
        with storage.open("big.bin") as handle:
            return b"".join(iter(lambda: handle.read(n), b""))

    def after_seek(offset: int) -> bytes:
        with storage.open("big.bin") as handle:
            handle.seek(offset)
            return bytes(handle.read())

    reads: list[tuple[Any, bytes, list[str | None]]] = [
        # what is read, what it reads, the ranges its requests ask for
        (lambda: storage.open("small.txt").read(), b"small", [None]),
        (lambda: storage.open("empty.bin").read(), b"", [None]),
        (lambda: storage.open("big.bin").read(1024), expected[:1024], [None]),
        (lambda: storage.open("big.bin").read(), expected, [None]),
        (lambda: b"".join(storage.open("big.bin").chunks(1024 * 1024)), expected, [None]),
        (lambda: sequential(1000), expected, [None]),
        (lambda: after_seek(1024 * 1024), expected[1024 * 1024 :], [None, "bytes=1048576-"]),
    ]
    for read, content, ranges in reads:
        counter.counts.clear()
        counter.ranges.clear()
        assert read() == content
        assert counter.counts == {download: len(ranges)}, counter.counts
        assert counter.ranges == ranges
    # A missing file fails at open(), in one request.
    counter.counts.clear()
    with pytest.raises(FileNotFoundError):
        storage.open("missing.bin")
    assert counter.total == 1, counter.counts


def check_failed_upload_keeps_old_content(storage: BaseStorage[Any], chunk_size: int) -> None:
    """A save that fails after six chunks (some sent) leaves the old content."""
    storage.save("kept.bin", ContentFile(b"old"))

    class Broken(GeneratedFile):
        def chunks(self, chunk_size: int | None = None) -> Any:
            yield from list(super().chunks(chunk_size))[:6]
            raise OSError("client went away")

    with pytest.raises(OSError, match="went away"):
        storage.save("kept.bin", Broken(16 * chunk_size))
    assert storage.open("kept.bin").read() == b"old"


def check_missing_sdk(alias: str, sdk: str, extra: str) -> None:
    """Importing *alias* without the *sdk* module raises an error naming the extra to install."""
    code = (
        f"import sys; sys.modules[{sdk!r}] = None\n"
        "try:\n"
        f"    import {alias}\n"
        "except ImportError as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert "MissingDependencyError" in result.stdout
    assert f"django-storages[{extra}]" in result.stdout
