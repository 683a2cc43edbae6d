"""What is specific to the Libcloud backend: the seeds' settings, messages, URLs and drivers."""

from __future__ import annotations

import os
import threading
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import libcloud.security
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage.handler import StorageHandler
from django.utils.module_loading import import_string
from libcloud.storage.drivers.local import LocalStorageDriver
from libcloud.storage.drivers.s3 import S3StorageDriver
from libcloud.storage.types import Provider
from pytest_django.fixtures import Settings

from storages.backends.apache_libcloud import LibCloudStorage
from storages.features import Feature
from storages.testing import GeneratedFile, digest_of
from tests.contract.test_libcloud import s3_provider
from tests.harness.servers import RunningServer, free_port

pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")

SEED_TYPE = "libcloud.storage.types.Provider.S3_US_STANDARD_HOST"


def seed_entry(bucket: str = "bucket-1", **extra: Any) -> dict[str, Any]:
    return {"type": SEED_TYPE, "user": "<user>", "key": "s3cr3t-key", "bucket": bucket, **extra}


@pytest.fixture
def moto(test_server: Callable[[str], RunningServer]) -> RunningServer:
    return test_server("moto")


@pytest.fixture
def s3_storage(moto: RunningServer, settings: Settings) -> Iterator[LibCloudStorage]:
    bucket = f"bucket-{uuid.uuid4().hex[:12]}"
    settings.LIBCLOUD_PROVIDERS = {"amazon_1": s3_provider(moto, bucket)}
    store = LibCloudStorage("amazon_1")
    store.driver.create_container(bucket)
    yield store
    store.close()


@pytest.fixture
def local_storage(tmp_path: Path, settings: Settings) -> LibCloudStorage:
    settings.LIBCLOUD_PROVIDERS = {
        "default": {
            "type": "libcloud.storage.types.Provider.LOCAL",
            "user": str(tmp_path),
            "bucket": "b",
        }
    }
    store = LibCloudStorage()
    store.driver.create_container("b")
    return store


# -- settings as the seeds document them ----------------------------------------------------
def test_seed_settings_and_dotted_path(settings: Settings) -> None:
    settings.LIBCLOUD_PROVIDERS = {
        "amazon_1": seed_entry("bucket-1"),
        "amazon_2": seed_entry("bucket-2"),
        "google": {
            "type": "libcloud.storage.types.Provider.GOOGLE_STORAGE",
            "user": "GOOG0123456789ABCDEF",
            "key": "google-key",
            "bucket": "bucket-3",
        },
    }
    assert import_string("storages.backends.apache_libcloud.LibCloudStorage") is LibCloudStorage
    store = LibCloudStorage("amazon_1")
    assert isinstance(store.driver, S3StorageDriver)
    assert store.driver.region_name == "us-east-1"  # the old constant's region
    assert store.bucket == "bucket-1"
    assert LibCloudStorage("amazon_2").bucket == "bucket-2"
    assert LibCloudStorage("google").bucket == "bucket-3"


def test_default_provider_is_named_default(settings: Settings) -> None:
    settings.LIBCLOUD_PROVIDERS = {"default": seed_entry("b-default"), "amazon-1": seed_entry()}
    assert LibCloudStorage().bucket == "b-default"
    settings.DEFAULT_LIBCLOUD_PROVIDER = "amazon-1"
    assert LibCloudStorage().bucket == "bucket-1"


def test_type_may_be_a_provider_value_and_storages_options(settings: Settings) -> None:
    settings.LIBCLOUD_PROVIDERS = {
        "eu": {**seed_entry(), "type": Provider.S3, "region": "eu-west-1"}
    }
    handler = StorageHandler(
        {
            "default": {
                "BACKEND": "storages.backends.apache_libcloud.LibCloudStorage",
                "OPTIONS": {"provider_name": "eu", "location": "media"},
            }
        }
    )
    store = handler["default"]
    assert isinstance(store, LibCloudStorage)
    assert store.driver.region_name == "eu-west-1"
    assert store.location_prefix == "media"


@pytest.mark.parametrize(
    ("providers", "name", "message"),
    [
        ({}, "amazon_1", "LIBCLOUD_PROVIDERS amazon_1 not defined or invalid"),
        ({"x": seed_entry()}, None, "LIBCLOUD_PROVIDERS default not defined or invalid"),
        (
            {"amazon_1": {**seed_entry(), "type": "libcloud.storage.types.Provider.NOPE"}},
            "amazon_1",
            "Unable to create libcloud driver type libcloud.storage.types.Provider.NOPE: "
            "Libcloud has no storage provider 'NOPE'",
        ),
        (
            {"amazon_1": {**seed_entry(), "type": "libcloud.storage.types.Wrong.S3"}},
            "amazon_1",
            "Unable to create libcloud driver type libcloud.storage.types.Wrong.S3: "
            "Invalid module path",
        ),
        (
            {"amazon_1": {k: v for k, v in seed_entry().items() if k != "key"}},
            "amazon_1",
            f"Unable to create libcloud driver type {SEED_TYPE}: the provider entry has no 'key'",
        ),
    ],
)
def test_misconfiguration_messages(
    settings: Settings, providers: dict[str, Any], name: str | None, message: str
) -> None:
    settings.LIBCLOUD_PROVIDERS = providers
    with pytest.raises(ImproperlyConfigured) as caught:
        LibCloudStorage(name)
    assert str(caught.value).startswith(message)


def test_missing_ca_certificates(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.LIBCLOUD_PROVIDERS = {"amazon_1": seed_entry()}
    monkeypatch.setattr(libcloud.security, "CA_CERTS_PATH", "/nonexistent/cacert.pem")
    with pytest.raises(ImproperlyConfigured) as caught:
        LibCloudStorage("amazon_1")
    assert str(caught.value).startswith(
        f"Unable to create libcloud driver type {SEED_TYPE}: "
        "No CA Certificates were found in CA_CERTS_PATH."
    )


def test_key_stays_out_of_repr_and_migrations(settings: Settings) -> None:
    settings.LIBCLOUD_PROVIDERS = {"amazon_1": seed_entry()}
    store = LibCloudStorage("amazon_1", providers={"amazon_1": seed_entry()})
    assert "s3cr3t-key" not in repr(store)
    assert store.provider["key"] == "***"
    path, args, kwargs = store.deconstruct()
    assert kwargs == {"provider_name": "amazon_1"}
    assert import_string(path)(*args, **kwargs).bucket == "bucket-1"


def test_declared_features() -> None:
    assert Feature.URL in LibCloudStorage.features
    assert Feature.DIRECTORIES not in LibCloudStorage.features


# -- behaviour against real drivers ---------------------------------------------------------
def test_url_needs_no_network_round_trip(settings: Settings) -> None:
    entry = {**seed_entry(), "type": Provider.S3, "host": "127.0.0.1", "port": free_port()}
    settings.LIBCLOUD_PROVIDERS = {"default": {**entry, "secure": False}}
    url = LibCloudStorage().url("dir/a file.txt")  # nothing listens on that port
    assert url.startswith(f"http://127.0.0.1:{entry['port']}/bucket-1/dir/a%20file.txt?")
    assert "X-Amz-Signature=" in url


def test_base_url_option(s3_storage: LibCloudStorage, settings: Settings) -> None:
    store = LibCloudStorage("amazon_1", base_url="https://cdn.example/media/")
    assert store.url("a b.txt") == "https://cdn.example/media/a%20b.txt"


def test_local_driver_url_is_a_file_uri(local_storage: LibCloudStorage) -> None:
    name = local_storage.save("x y.txt", ContentFile(b"x"))
    url = local_storage.url(name)
    assert url.startswith("file:///") and url.endswith("/b/x%20y.txt")


def test_presigned_url_serves_the_file(s3_storage: LibCloudStorage) -> None:
    import requests

    name = s3_storage.save("public.txt", ContentFile(b"public bytes"))
    response = requests.get(s3_storage.url(name), timeout=10)
    assert response.content == b"public bytes"


def test_content_type_is_stored_on_s3(s3_storage: LibCloudStorage) -> None:
    s3_storage.save("style.css", ContentFile(b"body {}"))
    obj = s3_storage.driver.get_object(s3_storage.bucket, "style.css")
    assert obj.extra["content_type"] == "text/css"


class Spy:
    """Record calls of one driver method and call through to it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, target: Any, name: str) -> None:
        self.calls: list[tuple[Any, ...]] = []
        original = getattr(target, name)

        def spy(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((args, kwargs))
            return original(*args, **kwargs)

        monkeypatch.setattr(target, name, spy)


def test_listdir_lists_under_the_prefix_only(
    s3_storage: LibCloudStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a/1.txt", "a/sub/2.txt", "b/3.txt", "top.txt"):
        s3_storage.save(name, ContentFile(b"x"))
    spy = Spy(monkeypatch, s3_storage.driver, "iterate_container_objects")
    assert s3_storage.listdir("a") == (["sub"], ["1.txt"])
    assert [kwargs["prefix"] for _, kwargs in spy.calls] == ["a/"]


def test_s3_open_and_read_is_one_request(
    s3_storage: LibCloudStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = bytes(range(256)) * 800  # 200 KiB: more than the read buffer
    s3_storage.save("one.bin", ContentFile(data))
    spy = Spy(monkeypatch, s3_storage.driver.connection, "request")
    with s3_storage.open("one.bin") as handle:
        assert handle.read(4) == data[:4]
        assert handle.size == len(data)
        handle.seek(150_000)
        assert handle.read(3) == data[150_000:150_003]
    methods = [kwargs.get("method") for _, kwargs in spy.calls]
    ranges = [kwargs.get("headers", {}).get("Range") for _, kwargs in spy.calls]
    assert methods == ["GET", "GET"]  # no HEAD: the size comes with the first response
    assert ranges == [None, "bytes=150000-"]


def test_each_thread_has_its_own_driver(s3_storage: LibCloudStorage) -> None:
    drivers: list[Any] = []
    worker = threading.Thread(target=lambda: drivers.append(s3_storage.driver))
    worker.start()
    worker.join()
    assert drivers[0] is not s3_storage.driver
    assert type(drivers[0]) is type(s3_storage.driver)


def test_local_driver(local_storage: LibCloudStorage) -> None:
    assert isinstance(local_storage.driver, LocalStorageDriver)
    local_storage.save("d/f.txt", ContentFile(b"local"))
    assert local_storage.listdir("") == (["d"], [])
    assert local_storage.open("d/f.txt").read() == b"local"


def test_missing_bucket_is_file_not_found(moto: RunningServer, settings: Settings) -> None:
    settings.LIBCLOUD_PROVIDERS = {"default": s3_provider(moto, "no-such-bucket-here")}
    with pytest.raises(FileNotFoundError):
        LibCloudStorage().open("x.txt")


# -- the large-file proof -------------------------------------------------------------------
MiB = 1024 * 1024
#: The S3 case takes 7 s on moto on an idle 2-core machine and 17 s on a busy one: opt-in.
BIG_ON_S3 = pytest.mark.skipif(
    os.environ.get("STORAGES_BIG_FILES") != "1", reason="set STORAGES_BIG_FILES=1 (256 MiB on moto)"
)


@pytest.mark.parametrize("driver", [pytest.param("s3", marks=BIG_ON_S3), "local"])
def test_256_mib_round_trip_and_1_kib_read_with_bounded_memory(
    driver: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """256 MiB saved and streamed back, and 1 KiB read of it, with traced memory bounded."""
    storage: LibCloudStorage = request.getfixturevalue(f"{driver}_storage")
    size = 256 * MiB
    content = GeneratedFile(size, "huge.bin")
    expected = content.digest()
    first_kib = next(iter(GeneratedFile(1024).chunks()))
    storage.exists("huge.bin")  # create the driver and open its connection before measuring
    tracemalloc.start()
    try:
        name = storage.save("huge.bin", content)
        _, save_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        if driver == "s3":
            spy = Spy(monkeypatch, storage.driver.connection, "request")
        with storage.open(name, "rb") as handle:
            head = handle.read(1024)
        _, head_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        with storage.open(name, "rb") as handle:
            actual = digest_of(handle.chunks(chunk_size=MiB))
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert head == first_kib
    if driver == "s3":
        assert len(spy.calls) == 2  # one GET for the 1 KiB read, one for the full read
    assert actual == expected
    assert storage.size(name) == size
    print(
        f"256 MiB with libcloud's {driver} driver: save peak {save_peak:,} B, "
        f"1 KiB read peak {head_peak:,} B, full read peak {read_peak:,} B"
    )
    assert save_peak < 8 * MiB, f"saving peaked at {save_peak:,} bytes"
    assert head_peak < 2 * MiB, f"reading 1 KiB peaked at {head_peak:,} bytes"
    assert read_peak < 8 * MiB, f"reading peaked at {read_peak:,} bytes"
