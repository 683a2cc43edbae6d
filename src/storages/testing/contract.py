"""The behaviour every storage backend promises, written once.

Derive a test class from :class:`StorageContract` and give it a ``storage`` fixture that returns
a fresh, empty storage on a real server::

    class TestMyStorage(StorageContract):
        @pytest.fixture
        def storage(self, my_server):
            return MyStorage(bucket=my_server.bucket)

Behaviour that depends on a capability reads the storage's declared ``features``: a backend
without a capability must say so by raising ``NotImplementedError``, which is tested too.
"""

from __future__ import annotations

import gzip
import io
import pickle
import threading
import tracemalloc
from datetime import datetime
from typing import Any, ClassVar

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import override_settings
from django.utils.module_loading import import_string

from storages.features import Feature, features_of
from storages.paths import clean_name
from storages.testing.content import ALL_BYTES, GeneratedFile, digest_of
from storages.testing.names import OutsideLister, check_names_property, outside_lister
from storages.testing.scenario import DocumentationScenario

__all__ = ["HOSTILE_NAMES", "TIME_GETTERS", "StorageContract"]

#: Names that must be refused with SuspiciousFileOperation by every backend.
HOSTILE_NAMES = [
    "../escape.txt",
    "../../etc/passwd",
    "a/../../escape.txt",
    "a/b/../../../escape.txt",
    "/etc/passwd",
    "/absolute.txt",
    "//double/slash.txt",
    "..\\escape.txt",
    "a\\..\\..\\escape.txt",
    "\\absolute.txt",
    "C:\\Windows\\win.ini",
    "C:/Windows/win.ini",
    "nul\x00byte.txt",
    "dir/\x00",
    "..",
    "a/..\\..\\b",
]


#: The time getters and the feature each needs.
TIME_GETTERS = [
    (Feature.MODIFIED_TIME, "get_modified_time"),
    (Feature.CREATED_TIME, "get_created_time"),
    (Feature.ACCESSED_TIME, "get_accessed_time"),
]


def _read_all(storage: Storage, name: str, mode: str = "rb") -> Any:
    with storage.open(name, mode) as handle:
        return handle.read()


class _FailingFile(File):
    """Content whose reading breaks half-way, like a client that disconnects."""

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data), "failing.bin")

    def chunks(self, chunk_size: int | None = None) -> Any:
        yield b"partial content that must never be stored"
        raise OSError("the upload was interrupted")


class StorageContract(DocumentationScenario):
    """The contract suite: test methods shared by every backend's test class."""

    #: Size of the large-file tests; big enough to need several parts or chunks.
    large_file_size: ClassVar[int] = 24 * 1024 * 1024
    #: Peak Python memory allowed while saving or reading the large file.
    memory_budget: ClassVar[int] = 12 * 1024 * 1024
    #: Threads in the concurrency test.
    threads: ClassVar[int] = 8
    #: Names every operation must refuse with ``SuspiciousFileOperation``.
    hostile_names: ClassVar[list[str]] = HOSTILE_NAMES
    #: Generated names the names property tries (each stored one costs a few requests).
    name_examples: ClassVar[int] = 25
    #: Whether the server under test can hold name components over 255 bytes (a stand-in
    #: that keeps objects as local files may not, where the real service does).
    long_name_components: ClassVar[bool] = True
    #: Characters the server under test can't hold in a name where the real service can (a
    #: stand-in's limits): generated names holding one are skipped.
    unsupported_name_characters: ClassVar[str] = ""

    @pytest.fixture
    def storage(self) -> Storage:
        raise NotImplementedError("Give the test class a 'storage' fixture")

    @pytest.fixture
    def features(self, storage: Storage) -> Feature:
        return features_of(storage)

    @pytest.fixture
    def outside_names(self, storage: Storage) -> OutsideLister | None:
        """Return what lists the names around the storage (outside its own location), or None.

        The default moves the storage's location (or root) one level up: override it for a
        backend whose place in its namespace is set otherwise; return None where the storage
        has nothing around it.
        """
        return outside_lister(storage)

    # -- the documentation's "Storage" section ---------------------------------------------
    def test_documented_file_access(self, storage: Storage) -> None:
        assert storage.exists("storage_test") is False
        file = storage.open("storage_test", "w")
        file.write("storage contents")
        file.close()

        assert storage.exists("storage_test") is True
        file = storage.open("storage_test", "r")
        assert file.read() == "storage contents"
        file.close()

        storage.delete("storage_test")
        assert storage.exists("storage_test") is False

    # -- saving and reading ----------------------------------------------------------------
    def test_save_and_read_every_byte_value(self, storage: Storage) -> None:
        name = storage.save("bytes.bin", ContentFile(ALL_BYTES))
        assert name == "bytes.bin"
        assert _read_all(storage, name) == ALL_BYTES
        assert storage.size(name) == len(ALL_BYTES)

    def test_save_str_content(self, storage: Storage) -> None:
        name = storage.save("text/plain.txt", ContentFile("content"))
        assert _read_all(storage, name) == b"content"
        assert _read_all(storage, name, "r") == "content"

    def test_save_plain_file_object(self, storage: Storage) -> None:
        name = storage.save("plain.bin", io.BytesIO(b"from a BytesIO"))
        assert _read_all(storage, name) == b"from a BytesIO"

    def test_save_uploaded_files(self, storage: Storage) -> None:
        small = SimpleUploadedFile("upload.txt", b"uploaded", content_type="text/plain")
        assert _read_all(storage, storage.save("up/small.txt", small)) == b"uploaded"
        with TemporaryUploadedFile("big.bin", "application/octet-stream", 5, None) as big:
            big.write(b"temp!")
            big.seek(0)
            assert _read_all(storage, storage.save("up/big.bin", big)) == b"temp!"

    def test_empty_file(self, storage: Storage) -> None:
        name = storage.save("empty.txt", ContentFile(b""))
        assert storage.exists(name)
        assert storage.size(name) == 0
        assert _read_all(storage, name) == b""

    def test_nested_paths(self, storage: Storage) -> None:
        name = storage.save("a/b/c/deep.txt", ContentFile(b"deep"))
        assert name == "a/b/c/deep.txt"
        assert storage.exists("a/b/c/deep.txt")
        assert _read_all(storage, "a/b/c/deep.txt") == b"deep"

    def test_unicode_names(self, storage: Storage) -> None:
        for wanted in ["ünïcødé.txt", "файлы/отчёт 2026.txt", "日本語/名前.txt", "emoji 🎉.txt"]:
            name = storage.save(wanted, ContentFile(wanted.encode()))
            assert name == wanted
            assert storage.exists(wanted)
            assert _read_all(storage, wanted) == wanted.encode()

    def test_special_characters_in_names(self, storage: Storage) -> None:
        for wanted in ["with space.txt", "plus+sign.txt", "percent%20.txt", "amp&eq=.txt"]:
            name = storage.save(wanted, ContentFile(b"x"))
            assert storage.exists(name)
            assert _read_all(storage, name) == b"x"

    def test_text_mode_roundtrip(self, storage: Storage) -> None:
        text = "Grüße, 世界!\nSecond line\n"
        with storage.open("text.txt", "w") as handle:
            handle.write(text)
        with storage.open("text.txt", "r") as handle:
            assert handle.read() == text
        assert _read_all(storage, "text.txt") == text.encode("utf-8")

    def test_binary_write_mode(self, storage: Storage) -> None:
        with storage.open("written.bin", "wb") as handle:
            handle.write(b"first ")
            handle.write(b"second")
        assert _read_all(storage, "written.bin") == b"first second"

    def test_partial_reads_and_seek(self, storage: Storage) -> None:
        storage.save("partial.txt", ContentFile(b"content"))
        with storage.open("partial.txt", "rb") as handle:
            assert handle.read(3) == b"con"
            assert handle.tell() == 3
            assert handle.read() == b"tent"
            handle.seek(1)
            assert handle.read(2) == b"on"
            handle.seek(0)
            assert handle.read() == b"content"

    def test_chunks_and_iteration(self, storage: Storage) -> None:
        storage.save("chunks.txt", ContentFile(b"content"))
        with storage.open("chunks.txt", "rb") as handle:
            assert b"-".join(handle.chunks(chunk_size=2)) == b"co-nt-en-t"
        storage.save("lines.txt", ContentFile(b"one\rtwo\nthree\r\nfour"))
        with storage.open("lines.txt", "rb") as handle:  # split as Django's File splits
            assert list(handle) == [b"one\r", b"two\n", b"three\r\n", b"four"]

    def test_open_file_size(self, storage: Storage) -> None:
        storage.save("sized.bin", ContentFile(b"12345"))
        with storage.open("sized.bin", "rb") as handle:
            assert handle.size == 5

    # -- missing files ---------------------------------------------------------------------
    def test_open_missing_file(self, storage: Storage) -> None:
        with pytest.raises(FileNotFoundError):
            storage.open("missing.txt", "rb")

    def test_size_of_missing_file(self, storage: Storage) -> None:
        with pytest.raises(FileNotFoundError):
            storage.size("missing.txt")

    def test_one_stat_answers_every_attribute(self, storage: Storage, features: Feature) -> None:
        stat = getattr(storage, "stat", None)
        if stat is None:
            pytest.skip(f"{type(storage).__name__} is not built on BaseStorage: no stat()")
        name = storage.save("stat/one.txt", ContentFile(b"twelve bytes"))
        entry = stat(name)
        assert entry.size == 12 == storage.size(name)
        assert not entry.is_dir
        if Feature.MODIFIED_TIME in features:
            assert isinstance(entry.modified, datetime)
        if Feature.CREATED_TIME in features:
            assert isinstance(entry.created, datetime)
        if Feature.ACCESSED_TIME in features:
            assert isinstance(entry.accessed, datetime)
        if Feature.CONTENT_TYPE in features:
            assert entry.content_type == "text/plain"
        with pytest.raises(FileNotFoundError):
            stat("stat/missing.txt")

    def test_delete_missing_file_is_not_an_error(self, storage: Storage) -> None:
        storage.delete("missing.txt")
        assert not storage.exists("missing.txt")

    def test_delete(self, storage: Storage) -> None:
        name = storage.save("doomed.txt", ContentFile(b"bye"))
        storage.delete(name)
        assert not storage.exists(name)
        with pytest.raises(FileNotFoundError):
            storage.open(name, "rb")

    # -- names -----------------------------------------------------------------------------
    def test_hostile_names_are_refused(self, storage: Storage) -> None:
        accepted = []
        # As in 1.x, a storage without a location takes "/a" for "a": its root is the only
        # place such a name can mean. It must stay there.
        rooted = getattr(storage, "location_prefix", None) == ""
        for hostile in self.hostile_names:
            if rooted and hostile.startswith("/"):
                try:
                    name = storage.save(hostile, ContentFile(b"rooted"))
                except SuspiciousFileOperation:
                    continue
                assert name == clean_name(hostile.lstrip("/")), (hostile, name)
                storage.delete(name)
                continue
            for method, args in (
                (storage.save, (hostile, ContentFile(b"evil"))),
                (storage.open, (hostile, "rb")),
                (storage.exists, (hostile,)),
                (storage.delete, (hostile,)),
            ):
                try:
                    method(*args)
                except SuspiciousFileOperation:
                    continue
                except Exception as exc:
                    accepted.append(f"{hostile!r}: {type(exc).__name__}: {exc}")
                else:
                    accepted.append(f"{hostile!r}: accepted")
        assert accepted == []

    def test_any_name_is_stored_faithfully_or_refused(
        self, storage: Storage, outside_names: OutsideLister | None
    ) -> None:
        check_names_property(
            storage,
            outside_names,
            max_examples=self.name_examples,
            long_components=self.long_name_components,
            skip_characters=self.unsupported_name_characters,
        )

    def test_compressed_file_names_read_back_as_saved(self, storage: Storage) -> None:
        """A ``.gz`` name says what the file is, not how to transfer it: no decompressing."""
        compressed = gzip.compress(b"a,b\n1,2\n", mtime=0)
        for wanted in ["data.csv.gz", "archive.tar.gz", "style.css.bz2"]:
            name = storage.save(wanted, ContentFile(compressed))
            assert _read_all(storage, name) == compressed
            assert storage.size(name) == len(compressed)

    def test_clashing_names(self, storage: Storage) -> None:
        first = storage.save("clash.txt", ContentFile(b"first"))
        overwrites = storage.get_available_name("clash.txt") == "clash.txt"
        second = storage.save("clash.txt", ContentFile(b"second"))
        if overwrites:
            assert second == first
            assert _read_all(storage, first) == b"second"
        else:
            assert second != first
            assert second.startswith("clash_") and second.endswith(".txt")
            assert _read_all(storage, first) == b"first"
            assert _read_all(storage, second) == b"second"

    def test_max_length(self, storage: Storage) -> None:
        long_name = "dir/" + "x" * 60 + ".txt"
        first = storage.save(long_name, ContentFile(b"one"), max_length=40)
        assert len(first) <= 40
        assert first.startswith("dir/x") and first.endswith(".txt")
        second = storage.save(long_name, ContentFile(b"two"), max_length=40)
        assert len(second) <= 40
        assert _read_all(storage, second) == b"two"

    def test_max_length_too_short(self, storage: Storage) -> None:
        storage.save("dir/abc.txt", ContentFile(b"1"))
        if storage.get_available_name("dir/abc.txt") == "dir/abc.txt":
            return  # an overwriting storage never needs an alternative name
        with pytest.raises(SuspiciousFileOperation):
            storage.get_available_name("dir/abc.txt", max_length=8)

    # -- failures keep what was there ------------------------------------------------------
    def test_failed_save_keeps_previous_content(self, storage: Storage, features: Feature) -> None:
        name = storage.save("saves/precious.txt", ContentFile(b"precious"))
        with pytest.raises(OSError, match="interrupted"):
            storage.save(name, _FailingFile(b""))
        assert _read_all(storage, name) == b"precious"
        if (Feature.ATOMIC_WRITE | Feature.LISTDIR) in features:
            assert storage.listdir("saves") == ([], ["precious.txt"]), "a partial file was left"

    def test_aborted_write_keeps_previous_content(
        self, storage: Storage, features: Feature
    ) -> None:
        if Feature.ATOMIC_WRITE not in features:
            pytest.skip(f"{type(storage).__name__} does not declare ATOMIC_WRITE")
        storage.save("kept.txt", ContentFile(b"old"))
        with pytest.raises(RuntimeError), storage.open("kept.txt", "wb") as handle:
            handle.write(b"new content")
            raise RuntimeError("the view crashed")
        assert _read_all(storage, "kept.txt") == b"old"

    # -- listing ---------------------------------------------------------------------------
    def test_listdir(self, storage: Storage, features: Feature) -> None:
        for name in ["top.txt", "dir/one.txt", "dir/two.txt", "dir/sub/three.txt", "other/x"]:
            storage.save(name, ContentFile(b"x"))
        if Feature.LISTDIR not in features:
            with pytest.raises(NotImplementedError):
                storage.listdir("")
            return
        dirs, files = storage.listdir("")
        assert sorted(dirs) == ["dir", "other"]
        assert sorted(files) == ["top.txt"]
        dirs, files = storage.listdir("dir")
        assert sorted(dirs) == ["sub"]
        assert sorted(files) == ["one.txt", "two.txt"]
        assert storage.listdir("dir/") == storage.listdir("dir")
        assert storage.listdir("dir/sub") == ([], ["three.txt"])

    def test_listdir_of_missing_directory(self, storage: Storage, features: Feature) -> None:
        if Feature.LISTDIR not in features:
            return
        if Feature.DIRECTORIES in features:
            with pytest.raises(FileNotFoundError):
                storage.listdir("no-such-dir")
        else:
            assert storage.listdir("no-such-dir") == ([], [])

    def test_directory_exists(self, storage: Storage, features: Feature) -> None:
        storage.save("folder/file.txt", ContentFile(b"x"))
        if Feature.DIRECTORIES in features:
            assert storage.exists("folder")

    # -- urls and times --------------------------------------------------------------------
    def test_url(self, storage: Storage, features: Feature) -> None:
        name = storage.save("public/url test.txt", ContentFile(b"x"))
        if Feature.URL not in features:
            with pytest.raises(NotImplementedError):
                storage.url(name)
            return
        url = storage.url(name)
        assert isinstance(url, str)
        assert "url%20test.txt" in url

    @pytest.mark.parametrize(("feature", "method"), TIME_GETTERS)
    def test_times(
        self, storage: Storage, features: Feature, feature: Feature, method: str
    ) -> None:
        name = storage.save("timed.txt", ContentFile(b"x"))
        getter = getattr(storage, method)
        if feature not in features:
            with pytest.raises(NotImplementedError):
                getter(name)
            return
        with override_settings(USE_TZ=True):
            aware = getter(name)
        assert isinstance(aware, datetime)
        assert aware.utcoffset() is not None
        assert abs((datetime.now(aware.tzinfo) - aware).total_seconds()) < 300
        with override_settings(USE_TZ=False):
            naive = getter(name)
        assert naive.tzinfo is None
        with pytest.raises(FileNotFoundError):
            getter("missing.txt")

    # -- large files, threads, pickling ----------------------------------------------------
    def test_large_file_bounded_memory(self, storage: Storage) -> None:
        content = GeneratedFile(self.large_file_size, "large.bin")
        expected = content.digest()
        storage.exists("large/large.bin")  # let the client load before memory is measured
        tracemalloc.start()
        try:
            name = storage.save("large/large.bin", content)
            _, save_peak = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            with storage.open(name, "rb") as handle:
                actual = digest_of(handle.chunks(chunk_size=256 * 1024))
            _, read_peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert actual == expected
        assert storage.size(name) == self.large_file_size
        assert save_peak < self.memory_budget, f"saving peaked at {save_peak:,} bytes"
        assert read_peak < self.memory_budget, f"reading peaked at {read_peak:,} bytes"

    def test_small_read_of_large_file(self, storage: Storage) -> None:
        name = storage.save("large/small-read.bin", GeneratedFile(4 * 1024 * 1024))
        expected = next(iter(GeneratedFile(16).chunks()))
        storage.exists(name)
        tracemalloc.start()
        try:
            with storage.open(name, "rb") as handle:
                assert handle.read(16) == expected
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 2 * 1024 * 1024, f"read(16) peaked at {peak:,} bytes"

    def test_concurrent_threads(self, storage: Storage) -> None:
        errors: list[BaseException] = []

        def work(index: int) -> None:
            try:
                for round_ in range(5):
                    data = f"thread {index} round {round_}".encode() * 100
                    name = storage.save(f"threads/{index}/{round_}.txt", ContentFile(data))
                    assert _read_all(storage, name) == data
                    assert storage.exists(name)
                    storage.delete(name)
                    assert not storage.exists(name)
            except BaseException as exc:
                errors.append(exc)

        workers = [threading.Thread(target=work, args=(i,)) for i in range(self.threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert errors == []

    def test_pickled_storage_still_works(self, storage: Storage) -> None:
        storage.save("before.txt", ContentFile(b"before"))
        copy = pickle.loads(pickle.dumps(storage))
        assert _read_all(copy, "before.txt") == b"before"
        name = copy.save("after.txt", ContentFile(b"after"))
        assert _read_all(copy, name) == b"after"
        assert copy.exists(name)

    def test_deconstruct(self, storage: Storage) -> None:
        path, args, kwargs = storage.deconstruct()  # type: ignore[attr-defined]
        storage_class = import_string(path)
        assert isinstance(storage, storage_class)
        rebuilt = storage_class(*args, **kwargs)
        assert type(rebuilt) is type(storage)
