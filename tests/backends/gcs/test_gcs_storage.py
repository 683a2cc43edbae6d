"""What is specific to Google Cloud Storage: settings, URLs, errors, streaming, object parameters.

gcp-storage-emulator does not check signatures (a signed URL with a wrong signature or a past
expiry is still served), so the tests check what the URLs carry and that the emulator serves
them, not that Google would refuse a forged one.
"""

from __future__ import annotations

import datetime
import gzip
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.test import override_settings
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage as gcs

from storages.backends.gcloud import GoogleCloudStorage
from storages.backends.gcs.storage import DEFAULT_CHUNK_SIZE
from storages.testing.content import GeneratedFile
from tests.backends import object_stores as shared
from tests.backends.gcs.conftest import BUCKET, PROJECT, service_account_info
from tests.backends.object_stores import fetch, query
from tests.bigfiles import BIG, big_files, round_trip_256_mib
from tests.harness.servers import RunningServer


class CountRequests(shared.RequestCounts):
    """Count the HTTP requests a storage's client sends (a requests response hook)."""

    def __init__(self, storage: GoogleCloudStorage) -> None:
        super().__init__()
        self.ranges: list[str | None] = []  # what each GET asked for
        storage.client._http.hooks["response"].append(self)

    def __call__(self, response: Any, *args: Any, **kwargs: Any) -> None:
        self.counts[response.request.method] += 1
        if response.request.method == "GET":
            self.ranges.append(response.request.headers.get("Range"))


@pytest.fixture
def make_storage(emulator: RunningServer, sa_credentials: Any) -> Any:
    location = f"t-{uuid.uuid4().hex[:12]}"

    def make(**options: Any) -> GoogleCloudStorage:
        options.setdefault("bucket_name", BUCKET)
        options.setdefault("project_id", PROJECT)
        options.setdefault("credentials", sa_credentials)
        options.setdefault("location", location)
        return GoogleCloudStorage(**options)

    return make


@pytest.fixture
def storage(make_storage: Any) -> GoogleCloudStorage:
    return make_storage()  # type: ignore[no-any-return]


# -- settings -----------------------------------------------------------------------------
SETTINGS = [
    ("GS_BUCKET_NAME", "bucket_name", "media"),
    ("GS_PROJECT_ID", "project_id", "my-project"),
    ("GS_CREDENTIALS", "credentials", object()),
    ("GS_AUTO_CREATE_BUCKET", "auto_create_bucket", True),
    ("GS_AUTO_CREATE_ACL", "auto_create_acl", "publicRead"),
    ("GS_DEFAULT_ACL", "default_acl", "publicRead"),
    ("GS_QUERYSTRING_AUTH", "querystring_auth", False),
    ("GS_FILE_CHARSET", "file_charset", "utf-8"),
    ("GS_FILE_OVERWRITE", "file_overwrite", False),
    ("GS_MAX_MEMORY_SIZE", "max_memory_size", 1024),
    ("GS_CACHE_CONTROL", "cache_control", "public, max-age=60"),
    ("GS_LOCATION", "location", "media/"),
    ("GS_EXPIRATION", "expiration", datetime.timedelta(minutes=5)),
    ("GS_CUSTOM_ENDPOINT", "custom_endpoint", "https://cdn.example.com"),
    ("GS_IS_GZIPPED", "gzip", True),
    ("GZIP_CONTENT_TYPES", "gzip_content_types", ("text/css",)),
    ("GS_OBJECT_PARAMETERS", "object_parameters", {"cache_control": "no-cache"}),
    ("GS_BLOB_CHUNK_SIZE", "blob_chunk_size", 1024 * 1024),
    ("GS_IAM_SIGN_BLOB", "iam_sign_blob", True),
    ("GS_SA_EMAIL", "sa_email", "signer@example.iam.gserviceaccount.com"),
]


@pytest.mark.parametrize(("setting", "name", "value"), SETTINGS)
def test_every_documented_setting(setting: str, name: str, value: Any) -> None:
    shared.check_documented_setting(GoogleCloudStorage, setting, name, value)


def test_documented_defaults() -> None:
    shared.check_defaults(
        GoogleCloudStorage,
        auto_create_bucket=False,
        auto_create_acl="projectPrivate",
        default_acl=None,
        querystring_auth=True,
        file_overwrite=True,
        max_memory_size=0,
        cache_control=None,
        location="",
        expiration=datetime.timedelta(seconds=86400),
    )


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("GS_FILE_CHARSET", "latin-1", "UTF-8"),
        ("GS_BLOB_CHUNK_SIZE", 1000, "256 KiB"),
        ("GS_EXPIRATION", "1 day", "GS_EXPIRATION"),
    ],
)
def test_bad_values_are_refused(setting: str, value: Any, message: str) -> None:
    with override_settings(**{setting: value}), pytest.raises(ImproperlyConfigured, match=message):
        GoogleCloudStorage()


def test_unknown_option_suggests_the_right_one() -> None:
    shared.check_unknown_option(GoogleCloudStorage, "bucket", "bucket_name")


def test_missing_bucket_is_a_configuration_error(emulator: RunningServer) -> None:
    storage = GoogleCloudStorage(project_id=PROJECT)
    with pytest.raises(ImproperlyConfigured, match="GS_BUCKET_NAME"):
        storage.exists("x")


# -- credentials ----------------------------------------------------------------------------
def test_credentials_from_google_application_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = service_account_info()
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(info))
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    storage = GoogleCloudStorage(bucket_name="media")
    assert storage.client.project == PROJECT
    url = storage.url("private/report.pdf")  # signed locally with the file's key
    assert url.startswith("https://storage.googleapis.com/media/private/report.pdf?")
    assert query(url)["X-Goog-Credential"].startswith(info["client_email"])


def test_credentials_are_secret(sa_credentials: Any) -> None:
    storage = GoogleCloudStorage(bucket_name="media", credentials=sa_credentials)
    assert "credentials='***'" in repr(storage)
    assert "credentials" not in storage.deconstruct()[2]


# -- URLs -----------------------------------------------------------------------------------
def test_signed_v4_url(storage: GoogleCloudStorage, emulator: RunningServer) -> None:
    name = storage.save("private/report 1.pdf", ContentFile(b"%PDF"))
    url = storage.url(name)
    params = query(url)
    assert params["X-Goog-Algorithm"] == "GOOG4-RSA-SHA256"
    assert params["X-Goog-Expires"] == "86400"
    assert len(params["X-Goog-Signature"]) == 512  # an RSA-2048 signature, hex
    assert url.startswith(f"{emulator.url}/{BUCKET}/")
    assert "report%201.pdf" in url
    assert fetch(url) == (200, b"%PDF")


@pytest.mark.parametrize(
    ("expiration", "seconds"),
    [(datetime.timedelta(minutes=5), "300"), (600, "600")],
)
def test_expiration(make_storage: Any, expiration: Any, seconds: str) -> None:
    storage = make_storage(expiration=expiration)
    assert query(storage.url("a.txt"))["X-Goog-Expires"] == seconds


def test_expiration_as_datetime(make_storage: Any) -> None:
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    expires = int(query(make_storage(expiration=when).url("a.txt"))["X-Goog-Expires"])
    assert 3590 <= expires <= 3600


def test_url_parameters(storage: GoogleCloudStorage) -> None:
    url = storage.url("a.txt", parameters={"method": "PUT", "expiration": 60})
    assert query(url)["X-Goog-Expires"] == "60"


def test_public_read_files_get_public_urls(make_storage: Any, emulator: RunningServer) -> None:
    storage = make_storage(default_acl="publicRead")
    name = storage.save("static/app.css", ContentFile(b"body{}"))
    url = storage.url(name)
    # Google's library builds public URLs on the emulator's host while it is in use.
    assert url == f"{emulator.url}/{BUCKET}/{storage.location_prefix}/static/app.css"
    assert fetch(url) == (200, b"body{}")
    on_cdn = make_storage(default_acl="publicRead", custom_endpoint="https://cdn.example.com/")
    assert on_cdn.url(name) == f"https://cdn.example.com/{storage.location_prefix}/static/app.css"


def test_public_urls_outside_the_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    storage = GoogleCloudStorage(
        bucket_name="media",
        project_id=PROJECT,
        default_acl="publicRead",
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
    )
    assert storage.url("a b.css") == "https://storage.googleapis.com/media/a%20b.css"


def test_querystring_auth_off_gives_plain_urls(make_storage: Any) -> None:
    assert "?" not in make_storage(querystring_auth=False).url("a.txt")


def test_custom_endpoint_for_signed_urls(make_storage: Any) -> None:
    url = make_storage(custom_endpoint="https://cdn.example.com").url("a b.txt")
    assert url.startswith("https://cdn.example.com/")
    assert "X-Goog-Signature" in url


def test_acl_object_parameter_makes_a_url_public(make_storage: Any) -> None:
    storage = make_storage(object_parameters={"acl": "public-read"})
    assert "?" not in storage.url("a.txt")


# -- buckets --------------------------------------------------------------------------------
def test_auto_create_bucket(make_storage: Any) -> None:
    name = f"auto-{uuid.uuid4().hex[:10]}"
    storage = make_storage(bucket_name=name, auto_create_bucket=True, auto_create_acl="private")
    storage.save("first.txt", ContentFile(b"1"))
    assert storage.client.get_bucket(name).name == name
    assert storage.open("first.txt").read() == b"1"


def test_missing_bucket_without_auto_create(make_storage: Any) -> None:
    storage = make_storage(bucket_name=f"absent-{uuid.uuid4().hex[:10]}")
    with pytest.raises(FileNotFoundError):
        storage.save("x.txt", ContentFile(b"x"))


# -- missing files and times ----------------------------------------------------------------
def test_missing_files_raise_file_not_found(storage: GoogleCloudStorage) -> None:
    shared.check_missing_files(storage)


def test_created_and_modified_times(storage: GoogleCloudStorage) -> None:
    shared.check_times(storage)


# -- listing --------------------------------------------------------------------------------
def test_listdir_is_one_level_and_relative(storage: GoogleCloudStorage) -> None:
    shared.check_listdir_is_one_level(storage)


# -- object parameters ----------------------------------------------------------------------
def test_object_parameters_on_every_write_path(make_storage: Any) -> None:
    storage = make_storage(
        cache_control="public, max-age=600",
        object_parameters={
            "content_disposition": "inline",
            "content_language": "fr",
            "metadata": {"origin": "tests"},
        },
        blob_chunk_size=256 * 1024,
    )
    storage.save("saved.txt", ContentFile(b"x"))
    with storage.open("opened.json", "w") as handle:
        handle.write("{}")
    storage.save("big.bin", GeneratedFile(1024 * 1024))  # a resumable upload
    for name, content_type in [
        ("saved.txt", "text/plain"),
        ("opened.json", "application/json"),
        ("big.bin", "application/octet-stream"),
    ]:
        blob = storage.bucket.get_blob(storage._key(name))
        assert blob.content_type == content_type
        assert blob.cache_control == "public, max-age=600"
        assert blob.content_disposition == "inline"
        assert blob.content_language == "fr"
        assert blob.metadata == {"origin": "tests"}


def test_unknown_object_parameter_is_refused(make_storage: Any) -> None:
    storage = make_storage(object_parameters={"cach_control": "x"})
    with pytest.raises(ImproperlyConfigured, match="cach_control"):
        storage.save("x.txt", ContentFile(b"x"))


def test_gzip(make_storage: Any) -> None:
    storage = make_storage(gzip=True)
    css = b"body { color: red; }\n" * 200
    storage.save("site.css", ContentFile(css))
    storage.save("data.bin", ContentFile(css))
    blob = storage.bucket.get_blob(storage._key("site.css"))
    assert blob.content_encoding == "gzip"
    assert blob.size < len(css)
    assert gzip.decompress(blob.download_as_bytes(raw_download=True)) == css
    # Reading it back decompressed needs Google's Content-Encoding header on the download,
    # which the emulator does not send: here open() gives the stored (compressed) bytes.
    assert gzip.decompress(storage.open("site.css").read()) == css
    assert storage.bucket.get_blob(storage._key("data.bin")).content_encoding is None


# -- streaming, resumable uploads, request budgets --------------------------------------------
def test_request_budget(storage: GoogleCloudStorage) -> None:
    shared.check_request_budget(storage, CountRequests(storage), save={"POST": 1})


def test_unchanged_saves_cost_one_listing(make_storage: Any) -> None:
    storage = make_storage(blob_chunk_size=1024 * 1024)
    shared.check_unchanged_saves_cost_one_listing(storage, CountRequests(storage))


def test_large_upload_is_resumable_in_chunks(make_storage: Any) -> None:
    storage = make_storage(blob_chunk_size=1024 * 1024)
    counter = CountRequests(storage)
    size = 5 * 1024 * 1024 + 7
    storage.save("five.bin", GeneratedFile(size))
    # One request starts the session, then one per 1 MiB chunk and one for the last bytes.
    assert counter.counts == {"POST": 1, "PUT": 6}
    assert storage.size("five.bin") == size


def test_small_reads_of_large_object_stream_ranges(storage: GoogleCloudStorage) -> None:
    shared.check_small_reads_of_large_file(storage, CountRequests(storage))


def test_reads_are_one_request(storage: GoogleCloudStorage) -> None:
    shared.check_reads_are_one_request(storage, CountRequests(storage))


def test_empty_object_reads_empty(storage: GoogleCloudStorage) -> None:
    storage.save("empty.bin", ContentFile(b""))
    counter = CountRequests(storage)
    with storage.open("empty.bin") as handle:
        assert handle.read() == b""
    assert counter.counts == {"GET": 1}


def test_failed_resumable_upload_keeps_old_content(make_storage: Any) -> None:
    storage = make_storage(blob_chunk_size=256 * 1024)
    shared.check_failed_upload_keeps_old_content(storage, chunk_size=256 * 1024)


# -- errors -----------------------------------------------------------------------------------
def test_unreachable_service_is_a_connection_error(
    monkeypatch: pytest.MonkeyPatch, sa_credentials: Any
) -> None:
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", "http://127.0.0.1:9")
    storage = GoogleCloudStorage(bucket_name=BUCKET, project_id=PROJECT, credentials=sa_credentials)
    with pytest.raises(ConnectionError):
        storage.open("x.txt")


def test_missing_sdk_names_the_extra() -> None:
    shared.check_missing_sdk("storages.backends.gcloud", "google.cloud.storage", "google")


def test_client_uses_given_project(storage: GoogleCloudStorage) -> None:
    assert isinstance(storage.client, gcs.Client)
    assert storage.client.project == PROJECT


def test_save_without_overwrite_checks_the_name_first(make_storage: Any) -> None:
    storage = make_storage(file_overwrite=False)
    counter = CountRequests(storage)
    storage.save("once.txt", ContentFile(b"1"))
    assert counter.counts == {"GET": 1, "POST": 1}


def test_signing_needs_a_private_key(make_storage: Any) -> None:
    storage = make_storage(credentials=AnonymousCredentials())  # type: ignore[no-untyped-call]
    with pytest.raises(ImproperlyConfigured, match="GS_IAM_SIGN_BLOB"):
        storage.url("a.txt")


# -- the large-file proof -------------------------------------------------------------------
@big_files  # about 8 s on the emulator (24 MiB chunks)
def test_256_mib_round_trip_with_bounded_memory(make_storage: Any) -> None:
    storage = make_storage()
    counter = CountRequests(storage)
    print(round_trip_256_mib(storage))  # the save peaks at about two chunks (+50 MiB)
    full, rest = divmod(BIG, DEFAULT_CHUNK_SIZE)  # the default resumable chunk
    # One POST opens the resumable session, then a PUT per full chunk and one that finalizes
    # (the rest, or nothing); a whole read and a 1 KiB read (a GET each); size() (a GET of the
    # metadata); delete().
    assert counter.counts == {"POST": 1, "PUT": full + 1, "GET": 3, "DELETE": 1}
    assert full + 1 == 11 and rest  # 10 chunks of 24 MiB, then the last 16 MiB
