"""What is specific to the Libcloud backend: documented settings, messages, URLs, drivers."""

from __future__ import annotations

import threading
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
from storages.checks import check_storages
from storages.features import Feature
from tests.backends import object_stores as shared
from tests.backends.libcloud.servers import new_bucket, s3_provider, storage_on_new_bucket
from tests.bigfiles import big_files, round_trip_256_mib
from tests.harness.servers import RunningServer, free_port

pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")

DOCUMENTED_TYPE = "libcloud.storage.types.Provider.S3_US_STANDARD_HOST"


def documented_entry(bucket: str = "bucket-1", **extra: Any) -> dict[str, Any]:
    return {
        "type": DOCUMENTED_TYPE,
        "user": "<user>",
        "key": "s3cr3t-key",
        "bucket": bucket,
        **extra,
    }


@pytest.fixture
def moto(test_server: Callable[[str], RunningServer]) -> RunningServer:
    return test_server("moto")


@pytest.fixture
def s3_storage(moto: RunningServer, settings: Settings) -> Iterator[LibCloudStorage]:
    with storage_on_new_bucket(settings, "amazon_1", s3_provider(moto, new_bucket())) as store:
        yield store


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


# -- settings as the 1.x documentation gives them -------------------------------------------
def test_documented_settings_and_dotted_path(settings: Settings) -> None:
    settings.LIBCLOUD_PROVIDERS = {
        "amazon_1": documented_entry("bucket-1"),
        "amazon_2": documented_entry("bucket-2"),
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
    settings.LIBCLOUD_PROVIDERS = {
        "default": documented_entry("b-default"),
        "amazon-1": documented_entry(),
    }
    assert LibCloudStorage().bucket == "b-default"
    settings.DEFAULT_LIBCLOUD_PROVIDER = "amazon-1"
    assert LibCloudStorage().bucket == "bucket-1"


def test_type_may_be_a_provider_value_and_storages_options(settings: Settings) -> None:
    settings.LIBCLOUD_PROVIDERS = {
        "eu": {**documented_entry(), "type": Provider.S3, "region": "eu-west-1"}
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
        ({"x": documented_entry()}, None, "LIBCLOUD_PROVIDERS default not defined or invalid"),
    ],
)
def test_a_missing_provider_is_refused_on_first_use(
    settings: Settings, providers: dict[str, Any], name: str | None, message: str
) -> None:
    # Created at import by a model field: manage.py runs where the setting is not given.
    settings.LIBCLOUD_PROVIDERS = providers
    store = LibCloudStorage(name)
    with pytest.raises(ImproperlyConfigured) as caught:
        store.exists("a.txt")
    assert str(caught.value).startswith(message)
    settings.STORAGES = {
        "default": {
            "BACKEND": "storages.backends.apache_libcloud.LibCloudStorage",
            "OPTIONS": {"provider_name": name} if name else {},
        }
    }
    [error] = check_storages()
    assert error.id == "storages.E001"
    assert message in error.msg
    del settings.LIBCLOUD_PROVIDERS
    with pytest.raises(ImproperlyConfigured, match="not defined or invalid"):
        LibCloudStorage().driver  # noqa: B018


@pytest.mark.parametrize(
    ("providers", "name", "message"),
    [
        (
            {"amazon_1": {**documented_entry(), "type": "libcloud.storage.types.Provider.NOPE"}},
            "amazon_1",
            "Unable to create libcloud driver type libcloud.storage.types.Provider.NOPE: "
            "Libcloud has no storage provider 'NOPE'",
        ),
        (
            {"amazon_1": {**documented_entry(), "type": "libcloud.storage.types.Wrong.S3"}},
            "amazon_1",
            "Unable to create libcloud driver type libcloud.storage.types.Wrong.S3: "
            "Invalid module path",
        ),
        (
            {"amazon_1": {k: v for k, v in documented_entry().items() if k != "key"}},
            "amazon_1",
            f"Unable to create libcloud driver type {DOCUMENTED_TYPE}: "
            "the provider entry has no 'key'",
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
    settings.LIBCLOUD_PROVIDERS = {"amazon_1": documented_entry()}
    monkeypatch.setattr(libcloud.security, "CA_CERTS_PATH", "/nonexistent/cacert.pem")
    with pytest.raises(ImproperlyConfigured) as caught:
        LibCloudStorage("amazon_1")
    assert str(caught.value).startswith(
        f"Unable to create libcloud driver type {DOCUMENTED_TYPE}: "
        "No CA Certificates were found in CA_CERTS_PATH."
    )


def test_key_stays_out_of_repr_and_migrations(settings: Settings) -> None:
    settings.LIBCLOUD_PROVIDERS = {"amazon_1": documented_entry()}
    store = LibCloudStorage("amazon_1", providers={"amazon_1": documented_entry()})
    assert "s3cr3t-key" not in repr(store)
    assert store.provider["key"] == "***"
    path, args, kwargs = store.deconstruct()
    # The providers given in code are named, not recorded: the copy reads them from settings.
    assert kwargs == {"provider_name": "amazon_1", "needs_secrets": ["providers"]}
    assert import_string(path)(*args, **kwargs).bucket == "bucket-1"


def test_declared_features() -> None:
    assert Feature.URL in LibCloudStorage.features
    assert Feature.DIRECTORIES not in LibCloudStorage.features


# -- behaviour against real drivers ---------------------------------------------------------
def test_url_needs_no_network_round_trip(settings: Settings) -> None:
    entry = {**documented_entry(), "type": Provider.S3, "host": "127.0.0.1", "port": free_port()}
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


class CountRequests(shared.RequestCounts):
    """Count the requests a storage's driver sends, by method, and the ranges its GETs ask for."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, storage: LibCloudStorage) -> None:
        super().__init__()
        self.ranges: list[str | None] = []
        connection = storage.driver.connection
        send = connection.request

        def request(*args: Any, **kwargs: Any) -> Any:
            method = kwargs.get("method", "GET")
            self.counts[method] += 1
            if method == "GET":
                self.ranges.append((kwargs.get("headers") or {}).get("Range"))
            return send(*args, **kwargs)

        monkeypatch.setattr(connection, "request", request)


def test_s3_request_budget(s3_storage: LibCloudStorage, monkeypatch: pytest.MonkeyPatch) -> None:
    counter = CountRequests(monkeypatch, s3_storage)
    shared.check_request_budget(s3_storage, counter, save={"HEAD": 1, "PUT": 1})


def test_s3_reads_are_one_request(
    s3_storage: LibCloudStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared.check_reads_are_one_request(s3_storage, CountRequests(monkeypatch, s3_storage))


def test_stat_is_one_request(s3_storage: LibCloudStorage, monkeypatch: pytest.MonkeyPatch) -> None:
    s3_storage.save("style.css", ContentFile(b"body {}"))
    spy = Spy(monkeypatch, s3_storage.driver.connection, "request")
    entry = s3_storage.stat("style.css")
    assert [kwargs.get("method") for _, kwargs in spy.calls] == ["HEAD"]
    assert (entry.size, entry.content_type) == (7, "text/css")
    assert entry.digest == s3_storage.driver.get_object(s3_storage.bucket, "style.css").hash
    assert entry.modified is not None


def test_listing_is_one_request(
    s3_storage: LibCloudStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a/1.txt", "a/sub/2.txt", "top.txt"):
        s3_storage.save(name, ContentFile(name.encode()))
    spy = Spy(monkeypatch, s3_storage.driver.connection, "request")
    entries = {entry.name: entry.size for entry in s3_storage.listing("")}
    assert entries == {"a/1.txt": 7, "a/sub/2.txt": 11, "top.txt": 7}
    assert len(spy.calls) == 1


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
# The S3 case takes 7 s on moto on an idle 2-core machine and 17 s on a busy one: opt-in.
@pytest.mark.parametrize("driver", [pytest.param("s3", marks=big_files), "local"])
def test_256_mib_round_trip_with_bounded_memory(
    driver: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage: LibCloudStorage = request.getfixturevalue(f"{driver}_storage")
    storage.exists("huge.bin")  # create the driver and open its connection before measuring
    spy = Spy(monkeypatch, storage.driver.connection, "request") if driver == "s3" else None
    print(round_trip_256_mib(storage))
    if spy is not None:
        gets = [kwargs for _, kwargs in spy.calls if kwargs.get("method") == "GET"]
        # The whole read and the 1 KiB read: a GET each.
        assert len(gets) == 2
