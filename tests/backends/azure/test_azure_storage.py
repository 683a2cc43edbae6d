"""What is specific to Azure: settings, name rules, SAS URLs, listings, streaming, errors."""

from __future__ import annotations

import io
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from azure.storage.blob import BlobServiceClient, ContainerClient
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import override_settings

from storages.backends.azure_storage import AzureStorage
from storages.testing.content import GeneratedFile
from tests.backends import object_stores as shared
from tests.backends.azure.conftest import CONTAINER, PUBLIC_CONTAINER
from tests.backends.object_stores import fetch
from tests.bigfiles import BIG, round_trip_256_mib
from tests.harness.specs.azurite import ACCOUNT_KEY, ACCOUNT_NAME


# The 1.x documentation's example, verbatim.
class PublicAzureStorage(AzureStorage):
    account_name = "myaccount"
    account_key = "mykey"
    azure_container = "mypublic_container"
    expiration_secs = None


class CountRequests(shared.RequestCounts):
    """Count the HTTP requests a storage sends, by method (the SDK's ``raw_request_hook``), and
    note the byte ranges its GETs ask for."""

    def __init__(self) -> None:
        super().__init__()
        self.ranges: list[str | None] = []

    def __call__(self, request: Any) -> None:
        self.counts[request.http_request.method] += 1
        if request.http_request.method == "GET":
            headers = request.http_request.headers
            self.ranges.append(headers.get("x-ms-range") or headers.get("Range"))


@pytest.fixture
def storage(azure_conn: str, unique_location: str) -> AzureStorage:
    return AzureStorage(
        connection_string=azure_conn, azure_container=CONTAINER, location=unique_location
    )


# -- settings -----------------------------------------------------------------------------
SETTINGS = [
    ("AZURE_ACCOUNT_NAME", "account_name", "acct"),
    ("AZURE_ACCOUNT_KEY", "account_key", "a2V5"),
    ("AZURE_CONTAINER", "azure_container", "media"),
    ("AZURE_SSL", "azure_ssl", False),
    ("AZURE_UPLOAD_MAX_CONN", "upload_max_conn", 5),
    ("AZURE_CONNECTION_TIMEOUT_SECS", "timeout", 7),
    ("AZURE_BLOB_MAX_MEMORY_SIZE", "max_memory_size", 8 * 1024 * 1024),
    ("AZURE_URL_EXPIRATION_SECS", "expiration_secs", 60),
    ("AZURE_OVERWRITE_FILES", "file_overwrite", True),
    ("AZURE_LOCATION", "location", "media/"),
    ("AZURE_EMULATED_MODE", "is_emulated", True),
    ("AZURE_CUSTOM_DOMAIN", "custom_domain", "cdn.example.com"),
    ("AZURE_CONNECTION_STRING", "connection_string", "UseDevelopmentStorage=true"),
    ("AZURE_TOKEN_CREDENTIAL", "token_credential", object()),
    ("AZURE_SAS_TOKEN", "sas_token", "sv=2020&sig=abc"),
    ("AZURE_CACHE_CONTROL", "cache_control", "public, max-age=60"),
    ("AZURE_OBJECT_PARAMETERS", "object_parameters", {"content_language": "fr"}),
    ("AZURE_ENDPOINT_SUFFIX", "endpoint_suffix", "core.chinacloudapi.cn"),
    ("AZURE_API_VERSION", "api_version", "2025-01-05"),
    ("AZURE_CLIENT_OPTIONS", "client_options", {"retry_total": 1}),
]


@pytest.mark.parametrize(("setting", "name", "value"), SETTINGS)
def test_every_documented_setting(setting: str, name: str, value: Any) -> None:
    shared.check_documented_setting(AzureStorage, setting, name, value)


def test_documented_defaults() -> None:
    shared.check_defaults(
        AzureStorage,
        azure_ssl=True,
        upload_max_conn=2,
        timeout=20,
        max_memory_size=4 * 1024 * 1024,  # the SDK's block size (1.14's 2 MiB spooled reads)
        expiration_secs=None,
        file_overwrite=False,
        location="",
        is_emulated=False,
        endpoint_suffix="core.windows.net",
    )


def test_1x_attribute_alias_overwrite_files() -> None:
    class Overwriting(AzureStorage):
        overwrite_files = True

    assert Overwriting().options.file_overwrite is True
    assert AzureStorage(overwrite_files=True).overwrites_files is True


def test_unknown_option_suggests_the_right_one() -> None:
    shared.check_unknown_option(AzureStorage, "azure_containr", "azure_container")


def test_missing_container_is_a_configuration_error(azure_conn: str) -> None:
    storage = AzureStorage(connection_string=azure_conn)
    with pytest.raises(ImproperlyConfigured, match="AZURE_CONTAINER"):
        storage.exists("x")


def test_public_storage_example_verbatim() -> None:
    with override_settings(AZURE_URL_EXPIRATION_SECS=3600):
        storage = PublicAzureStorage()
    assert storage.options.account_name == "myaccount"
    assert storage.options.azure_container == "mypublic_container"
    assert storage.options.expiration_secs is None  # the class attribute beats the setting
    assert storage.url("css/site.css") == (
        "https://myaccount.blob.core.windows.net/mypublic_container/css/site.css"
    )
    assert "mykey" not in repr(storage)


def test_public_storage_example_through_storages_setting() -> None:
    backends = {
        "default": {"BACKEND": "storages.backends.azure_storage.AzureStorage"},
        "staticfiles": {"BACKEND": f"{__name__}.PublicAzureStorage"},
    }
    with override_settings(STORAGES=backends, AZURE_URL_EXPIRATION_SECS=3600):
        static = storages.create_storage(backends["staticfiles"])
    assert isinstance(static, PublicAzureStorage)
    assert "?" not in static.url("app.js")


def test_public_container_serves_plain_urls(azure_conn: str, unique_location: str) -> None:
    class PublicOnAzurite(AzureStorage):
        connection_string = azure_conn
        azure_container = PUBLIC_CONTAINER
        expiration_secs = None

    storage = PublicOnAzurite(location=unique_location)
    name = storage.save("static/app.css", ContentFile(b"body{}"))
    url = storage.url(name)
    assert "?" not in url
    assert fetch(url) == (200, b"body{}")


def test_private_container_refuses_plain_urls(storage: AzureStorage) -> None:
    name = storage.save("private.txt", ContentFile(b"secret"))
    assert fetch(storage.url(name))[0] in (403, 404)


def test_emulated_mode_uses_the_development_account() -> None:
    storage = AzureStorage(is_emulated=True, azure_container="media", expiration_secs=60)
    url = storage.url("a.txt")
    assert url.startswith("http://127.0.0.1:10000/devstoreaccount1/media/a.txt?")
    assert "sig=" in url


def test_custom_domain_and_ssl() -> None:
    storage = AzureStorage(
        account_name="acct", azure_container="media", custom_domain="cdn.example.com"
    )
    assert storage.url("a b.txt") == "https://cdn.example.com/media/a%20b.txt"
    insecure = AzureStorage(account_name="acct", azure_container="media", azure_ssl=False)
    assert insecure.url("a.txt") == "http://acct.blob.core.windows.net/media/a.txt"
    china = AzureStorage(
        account_name="acct", azure_container="m", endpoint_suffix="core.chinacloudapi.cn"
    )
    assert china.url("a.txt") == "https://acct.blob.core.chinacloudapi.cn/m/a.txt"


def test_api_version_is_sent(azurite: Any, unique_location: str) -> None:
    storage = AzureStorage(
        connection_string=f"AccountName={ACCOUNT_NAME};AccountKey={ACCOUNT_KEY};"
        f"BlobEndpoint={azurite.url}/{ACCOUNT_NAME};DefaultEndpointsProtocol=http",
        azure_container=CONTAINER,
        location=unique_location,
        api_version="2025-11-05",
    )
    name = storage.save("pinned.txt", ContentFile(b"pinned api version"))
    assert storage.open(name).read() == b"pinned api version"
    assert storage.client.api_version == "2025-11-05"


# -- names --------------------------------------------------------------------------------
def test_name_max_len() -> None:
    assert AzureStorage().get_name_max_len() == 1024
    assert AzureStorage(location="media").get_name_max_len() == 1024 - len("media/")
    assert AzureStorage(location="/media/").get_name_max_len() == 1024 - len("media/")


def test_get_valid_name() -> None:
    storage = AzureStorage()
    assert storage.get_valid_name("my file.txt.") == "my_file.txt"
    assert storage.get_valid_name(".env") == ".env"
    with pytest.raises(SuspiciousFileOperation):
        storage.get_valid_name("...")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("ends-with-dot.", "end with"),
        ("dir/ends-with-slash/", "end with|derive file name"),
        ("x" * 1025, "at most 1024"),
        ("a/" * 257 + "f.txt", "more than 256 slashes"),
    ],
)
def test_invalid_blob_names_are_refused(storage: AzureStorage, name: str, reason: str) -> None:
    with pytest.raises(SuspiciousFileOperation, match=reason):
        storage.save(name, ContentFile(b"x"))
    with pytest.raises(SuspiciousFileOperation, match=reason), storage.open(name, "wb"):
        pass


def test_name_length_counts_the_location(storage: AzureStorage) -> None:
    room = storage.get_name_max_len()
    name = storage.save("y" * room, ContentFile(b"fits"))
    assert storage.open(name).read() == b"fits"
    with pytest.raises(SuspiciousFileOperation, match="get_name_max_len"):
        storage.save("y" * (room + 1), ContentFile(b"too long"))


def test_leading_dots_are_kept(storage: AzureStorage) -> None:
    assert storage.save(".env", ContentFile(b"A=1")) == ".env"
    assert storage.save("conf/.hidden", ContentFile(b"h")) == "conf/.hidden"
    assert storage.listdir("") == (["conf"], [".env"])
    assert storage.open(".env").read() == b"A=1"


# -- SAS URLs -----------------------------------------------------------------------------
def _tamper(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qs(parts.query)
    signature = query["sig"][0]
    query["sig"] = [("A" if signature[0] != "A" else "B") + signature[1:]]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query, True)))


def test_sas_url_is_accepted_then_expires(azure_conn: str, unique_location: str) -> None:
    storage = AzureStorage(
        connection_string=azure_conn,
        azure_container=CONTAINER,
        location=unique_location,
        expiration_secs=300,
    )
    name = storage.save("media/report 1.pdf", ContentFile(b"%PDF"))
    url = storage.url(name)
    assert "sig=" in url and "se=" in url
    assert fetch(url) == (200, b"%PDF")
    assert fetch(_tamper(url))[0] == 403
    short = storage.url(name, expire=1)
    assert fetch(short)[0] == 200
    time.sleep(2.5)
    assert fetch(short)[0] == 403


def test_sas_url_parameters(storage: AzureStorage) -> None:
    name = storage.save("download.bin", ContentFile(b"data"))
    url = storage.url(name, expire=60, parameters={"content_disposition": "attachment"})
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.headers["Content-Disposition"] == "attachment"


def test_upload_sas_url(storage: AzureStorage) -> None:
    write_url = storage.url("uploads/direct.txt", expire=60, mode="w")
    headers = {"x-ms-blob-type": "BlockBlob"}
    assert fetch(write_url, b"direct upload", headers)[0] == 201
    assert storage.open("uploads/direct.txt").read() == b"direct upload"
    read_url = storage.url("uploads/other.txt", expire=60)
    assert fetch(read_url, b"nope", headers)[0] == 403
    assert not storage.exists("uploads/other.txt")


def test_signing_needs_a_key() -> None:
    storage = AzureStorage(
        account_name=ACCOUNT_NAME, sas_token="sv=x&sig=y", azure_container="c", expiration_secs=5
    )
    with pytest.raises(ImproperlyConfigured, match="AZURE_ACCOUNT_KEY"):
        storage.url("a.txt")


# -- listing ------------------------------------------------------------------------------
def test_listdir_is_one_level_and_relative(storage: AzureStorage) -> None:
    shared.check_listdir_is_one_level(storage)


def test_collectstatic_style_clear(storage: AzureStorage) -> None:
    for name in ["a.txt", "sub/b.txt", "sub/deeper/c.txt"]:
        storage.save(name, ContentFile(b"x"))

    def clear(path: str) -> None:  # what collectstatic --clear does
        dirs, files = storage.listdir(path)
        for file in files:
            storage.delete(f"{path}/{file}" if path else file)
        for directory in dirs:
            clear(f"{path}/{directory}" if path else directory)

    clear("")
    assert storage.listdir("") == ([], [])


# -- content settings ---------------------------------------------------------------------
def test_content_settings_on_every_write_path(azure_conn: str, unique_location: str) -> None:
    storage = AzureStorage(
        connection_string=azure_conn,
        azure_container=CONTAINER,
        location=unique_location,
        cache_control="public, max-age=600",
        object_parameters={"content_disposition": "inline", "content_language": "fr"},
    )
    storage.save("saved.txt", ContentFile(b"x"))
    with storage.open("opened.json", "w") as handle:
        handle.write("{}")
    storage.save("big.bin", GeneratedFile(5 * 1024 * 1024))  # staged blocks
    for name, content_type in [
        ("saved.txt", "text/plain"),
        ("opened.json", "application/json"),
        ("big.bin", "application/octet-stream"),
    ]:
        props = storage._blob(storage._key(name)).get_blob_properties()
        settings = props.content_settings
        assert settings.content_type == content_type
        assert settings.cache_control == "public, max-age=600"
        assert settings.content_disposition == "inline"
        assert settings.content_language == "fr"


def test_gzip_encoding_is_guessed(storage: AzureStorage) -> None:
    storage.save("data.csv.gz", ContentFile(b"\x1f\x8b"))
    props = storage._blob(storage._key("data.csv.gz")).get_blob_properties()
    assert props.content_settings.content_encoding == "gzip"


def test_unknown_object_parameter_is_refused(azure_conn: str) -> None:
    storage = AzureStorage(
        connection_string=azure_conn, azure_container=CONTAINER, object_parameters={"acl": "x"}
    )
    with pytest.raises(ImproperlyConfigured, match="acl"):
        storage.save("x.txt", ContentFile(b"x"))


# -- streaming, chunked uploads, request budgets -------------------------------------------
Counted = tuple[AzureStorage, CountRequests]


@pytest.fixture
def make_counted(azure_conn: str, unique_location: str) -> Callable[..., Counted]:
    """Return a function of options that makes a storage counting its requests."""

    def make(**options: Any) -> Counted:
        counter = CountRequests()
        storage = AzureStorage(
            connection_string=azure_conn,
            azure_container=CONTAINER,
            location=unique_location,
            client_options={"raw_request_hook": counter},
            **options,
        )
        return storage, counter

    return make


@pytest.fixture
def counted(make_counted: Callable[..., Counted]) -> Counted:
    return make_counted(file_overwrite=True, expiration_secs=60, max_memory_size=1024 * 1024)


def test_request_budget(counted: Counted) -> None:
    shared.check_request_budget(*counted, save={"PUT": 1})


def test_unchanged_saves_cost_one_listing(counted: Counted) -> None:
    shared.check_unchanged_saves_cost_one_listing(*counted)


def test_chunked_upload_stages_blocks(counted: Counted) -> None:
    storage, counter = counted
    storage.save("five.bin", GeneratedFile(5 * 1024 * 1024 + 7))
    # Six 1 MiB blocks (the last one 7 bytes) and one block list.
    assert counter.counts == {"PUT": 7}
    blocks = storage._blob(storage._key("five.bin")).get_block_list()[0]
    assert [block.size for block in blocks] == [1024 * 1024] * 5 + [7]
    assert storage.size("five.bin") == 5 * 1024 * 1024 + 7
    # Azure keeps no MD5 of a block list: the writer sends it, so listings can compare content.
    digest = storage.content_digest(GeneratedFile(5 * 1024 * 1024 + 7).chunks())[0]
    assert storage.stat("five.bin").digest == digest


def test_small_reads_of_large_blob_stream_ranges(
    counted: Counted,
) -> None:
    shared.check_small_reads_of_large_file(*counted)


def test_reads_are_one_request(counted: Counted) -> None:
    shared.check_reads_are_one_request(*counted)


def test_empty_blob_reads_empty(counted: Counted) -> None:
    storage, counter = counted
    storage.save("empty.bin", ContentFile(b""))
    counter.counts.clear()
    with storage.open("empty.bin") as handle:
        assert handle.read() == b""
        assert handle.size == 0
    assert counter.counts == {"GET": 1}


def test_failed_chunked_upload_keeps_old_content(storage: AzureStorage) -> None:
    shared.check_failed_upload_keeps_old_content(storage, chunk_size=1024 * 1024)


def test_seek_to_end_and_empty_reads(storage: AzureStorage) -> None:
    storage.save("tiny.txt", ContentFile(b"abc"))
    with storage.open("tiny.txt") as handle:
        handle.seek(3)
        assert handle.read() == b""
        handle.seek(0, io.SEEK_END)
        assert handle.read(5) == b""


# -- errors and secrets -------------------------------------------------------------------
def test_wrong_key_is_a_permission_error_without_the_key(azurite: Any) -> None:
    wrong = "V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXk="
    storage = AzureStorage(
        connection_string=f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT_NAME};"
        f"AccountKey={wrong};BlobEndpoint={azurite.url}/{ACCOUNT_NAME};",
        azure_container=CONTAINER,
    )
    with pytest.raises(PermissionError) as info:
        storage.save("x.txt", ContentFile(b"x"))
    assert wrong not in str(info.value)
    assert wrong not in repr(storage)
    assert "connection_string" not in storage.deconstruct()[2]


def test_unreachable_service_is_a_connection_error() -> None:
    storage = AzureStorage(
        connection_string=f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT_NAME};"
        f"AccountKey={ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:9/{ACCOUNT_NAME};",
        azure_container=CONTAINER,
        client_options={"retry_total": 0},
    )
    with pytest.raises(ConnectionError):
        storage.exists("x.txt")


def test_missing_blob_errors(storage: AzureStorage) -> None:
    shared.check_missing_files(storage)


def test_created_and_modified_times(storage: AzureStorage) -> None:
    shared.check_times(storage)


def test_missing_sdk_names_the_extra() -> None:
    shared.check_missing_sdk("storages.backends.azure_storage", "azure.storage.blob", "azure")


def test_client_is_shared_and_closed(storage: AzureStorage) -> None:
    assert storage.service_client is storage.service_client
    client = storage.service_client
    storage.close()
    assert storage.service_client is not client
    assert isinstance(storage.service_client, BlobServiceClient)
    # As in 1.x, ``client`` is the container's client.
    assert isinstance(storage.client, ContainerClient)
    assert storage.client.container_name == storage.options.azure_container


def test_save_without_overwrite_checks_the_name_first(
    make_counted: Callable[..., Counted],
) -> None:
    storage, counter = make_counted()
    storage.save("once.txt", ContentFile(b"1"))
    assert counter.counts == {"HEAD": 1, "PUT": 1}


# -- the large-file proof ------------------------------------------------------------------
def test_256_mib_round_trip_with_bounded_memory(make_counted: Callable[..., Counted]) -> None:
    storage, counter = make_counted(file_overwrite=True)
    print(round_trip_256_mib(storage))
    blocks = BIG // storage.options.max_memory_size  # 4 MiB blocks (max_memory_size)
    # The staged blocks and the block list; a whole read and a 1 KiB read (a GET each); size();
    # delete().
    assert counter.counts == {"PUT": blocks + 1, "GET": 2, "HEAD": 1, "DELETE": 1}
