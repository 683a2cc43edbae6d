"""What is specific to Google Cloud Storage: settings, URLs, errors, streaming, object parameters.

gcp-storage-emulator does not check signatures (a signed URL with a wrong signature or a past
expiry is still served), so the tests check what the URLs carry and that the emulator serves
them, not that Google would refuse a forged one.
"""

from __future__ import annotations

import collections
import datetime
import gzip
import json
import os
import subprocess
import sys
import tracemalloc
import urllib.error
import urllib.parse
import urllib.request
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
from storages.testing.content import GeneratedFile
from tests.backends.gcs.conftest import BUCKET, PROJECT, service_account_info
from tests.harness.servers import RunningServer


class CountRequests:
    """Count the HTTP requests a storage's client sends (a requests response hook)."""

    def __init__(self, storage: GoogleCloudStorage) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        storage.client._http.hooks["response"].append(self)

    def __call__(self, response: Any, *args: Any, **kwargs: Any) -> None:
        self.counts[response.request.method] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def _query(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


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
    with override_settings(**{setting: value}):
        from_setting = GoogleCloudStorage()
    assert getattr(from_setting.options, name) == value
    assert getattr(GoogleCloudStorage(**{name: value}).options, name) == value
    subclass = type("Sub", (GoogleCloudStorage,), {name: value})
    assert getattr(subclass().options, name) == value


def test_documented_defaults() -> None:
    options = GoogleCloudStorage().options
    assert options.auto_create_bucket is False
    assert options.auto_create_acl == "projectPrivate"
    assert options.default_acl is None
    assert options.querystring_auth is True
    assert options.file_overwrite is True
    assert options.max_memory_size == 0
    assert options.cache_control is None
    assert options.location == ""
    assert options.expiration == datetime.timedelta(seconds=86400)


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
    with pytest.raises(ImproperlyConfigured, match="did you mean 'bucket_name'"):
        GoogleCloudStorage(bucket="x")


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
    assert _query(url)["X-Goog-Credential"].startswith(info["client_email"])


def test_credentials_are_secret(sa_credentials: Any) -> None:
    storage = GoogleCloudStorage(bucket_name="media", credentials=sa_credentials)
    assert "credentials='***'" in repr(storage)
    assert "credentials" not in storage.deconstruct()[2]


# -- URLs -----------------------------------------------------------------------------------
def test_signed_v4_url(storage: GoogleCloudStorage, emulator: RunningServer) -> None:
    name = storage.save("private/report 1.pdf", ContentFile(b"%PDF"))
    url = storage.url(name)
    query = _query(url)
    assert query["X-Goog-Algorithm"] == "GOOG4-RSA-SHA256"
    assert query["X-Goog-Expires"] == "86400"
    assert len(query["X-Goog-Signature"]) == 512  # an RSA-2048 signature, hex
    assert url.startswith(f"{emulator.url}/{BUCKET}/")
    assert "report%201.pdf" in url
    assert _fetch(url) == (200, b"%PDF")


@pytest.mark.parametrize(
    ("expiration", "seconds"),
    [(datetime.timedelta(minutes=5), "300"), (600, "600")],
)
def test_expiration(make_storage: Any, expiration: Any, seconds: str) -> None:
    storage = make_storage(expiration=expiration)
    assert _query(storage.url("a.txt"))["X-Goog-Expires"] == seconds


def test_expiration_as_datetime(make_storage: Any) -> None:
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    expires = int(_query(make_storage(expiration=when).url("a.txt"))["X-Goog-Expires"])
    assert 3590 <= expires <= 3600


def test_url_parameters(storage: GoogleCloudStorage) -> None:
    url = storage.url("a.txt", parameters={"method": "PUT", "expiration": 60})
    assert _query(url)["X-Goog-Expires"] == "60"


def test_public_read_files_get_public_urls(make_storage: Any, emulator: RunningServer) -> None:
    storage = make_storage(default_acl="publicRead")
    name = storage.save("static/app.css", ContentFile(b"body{}"))
    url = storage.url(name)
    # Google's library builds public URLs on the emulator's host while it is in use.
    assert url == f"{emulator.url}/{BUCKET}/{storage.location_prefix}/static/app.css"
    assert _fetch(url) == (200, b"body{}")
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
    for call in (storage.size, storage.get_modified_time, storage.get_created_time, storage.open):
        with pytest.raises(FileNotFoundError):
            call("missing.txt")


def test_created_and_modified_times(storage: GoogleCloudStorage) -> None:
    storage.save("timed.txt", ContentFile(b"1"))
    created = storage.get_created_time("timed.txt")
    storage.save("timed.txt", ContentFile(b"2"))
    assert storage.get_modified_time("timed.txt") >= created
    assert storage.get_created_time("timed.txt").tzinfo is not None


# -- listing --------------------------------------------------------------------------------
def test_listdir_is_one_level_and_relative(storage: GoogleCloudStorage) -> None:
    for name in ["index.html", "css/site.css", "css/vendor/lib.css", "js/app.js"]:
        storage.save(name, ContentFile(b"x"))
    assert storage.listdir("") == (["css", "js"], ["index.html"])
    assert storage.listdir("css") == (["vendor"], ["site.css"])
    assert storage.listdir("css/vendor/") == ([], ["lib.css"])
    assert storage.listdir("nothing") == ([], [])


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
    counter = CountRequests(storage)
    storage.save("small.txt", ContentFile(b"small"))
    assert counter.counts == {"POST": 1}
    for operation, expected in [
        (lambda: storage.open("small.txt").read(), 1),
        (lambda: storage.exists("small.txt"), 1),
        (lambda: storage.size("small.txt"), 1),
        (lambda: storage.url("small.txt"), 0),
        (lambda: storage.get_modified_time("small.txt"), 1),
        (lambda: storage.listdir(""), 1),
        (lambda: storage.delete("small.txt"), 1),
    ]:
        counter.counts.clear()
        operation()  # type: ignore[no-untyped-call]
        assert counter.total == expected, counter.counts


def test_large_upload_is_resumable_in_chunks(make_storage: Any) -> None:
    storage = make_storage(blob_chunk_size=1024 * 1024)
    counter = CountRequests(storage)
    size = 5 * 1024 * 1024 + 7
    storage.save("five.bin", GeneratedFile(size))
    # One request starts the session, then one per 1 MiB chunk and one for the last bytes.
    assert counter.counts == {"POST": 1, "PUT": 6}
    assert storage.size("five.bin") == size


def test_small_reads_of_large_object_stream_ranges(storage: GoogleCloudStorage) -> None:
    size = 16 * 1024 * 1024
    storage.save("large.bin", GeneratedFile(size))
    generated = GeneratedFile(size)
    generated.seek(size - 1024)
    tail = generated.read(1024)
    head = next(iter(GeneratedFile(1024).chunks()))
    counter = CountRequests(storage)
    tracemalloc.start()
    try:
        with storage.open("large.bin") as handle:
            assert handle.read(1024) == head
            assert counter.counts == {"GET": 1}
            handle.seek(size - 1024)
            assert handle.read() == tail
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert counter.counts == {"GET": 2}
    assert peak < 1024 * 1024, f"two 1 KiB reads peaked at {peak:,} bytes"


def test_failed_resumable_upload_keeps_old_content(make_storage: Any) -> None:
    storage = make_storage(blob_chunk_size=256 * 1024)
    storage.save("kept.bin", ContentFile(b"old"))

    class Broken(GeneratedFile):
        def chunks(self, chunk_size: int | None = None) -> Any:
            yield from list(super().chunks(256 * 1024))[:6]
            raise OSError("client went away")

    with pytest.raises(OSError, match="went away"):
        storage.save("kept.bin", Broken(4 * 1024 * 1024))
    assert storage.open("kept.bin").read() == b"old"


# -- errors -----------------------------------------------------------------------------------
def test_unreachable_service_is_a_connection_error(
    monkeypatch: pytest.MonkeyPatch, sa_credentials: Any
) -> None:
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", "http://127.0.0.1:9")
    storage = GoogleCloudStorage(bucket_name=BUCKET, project_id=PROJECT, credentials=sa_credentials)
    with pytest.raises(ConnectionError):
        storage.open("x.txt")


def test_missing_sdk_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['google.cloud.storage'] = None\n"
        "try:\n"
        "    import storages.backends.gcloud\n"
        "except ImportError as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert "MissingDependencyError" in result.stdout
    assert "django-storages[google]" in result.stdout


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
BIG = 256 * 1024 * 1024


def _slice(size: int, offset: int, length: int) -> bytes:
    generated = GeneratedFile(size)
    generated.seek(offset)
    return bytes(generated.read(length))


@pytest.mark.skipif(
    os.environ.get("STORAGES_BIG_FILES") != "1",
    reason="set STORAGES_BIG_FILES=1 (256 MiB, 45 to 80 s on the emulator)",
)
def test_256_mib_save_and_1_kib_reads_with_bounded_memory(make_storage: Any) -> None:
    storage = make_storage()
    counter = CountRequests(storage)
    chunk = 4 * 1024 * 1024  # the default resumable chunk: at most about two of them held
    tracemalloc.start()
    try:
        name = storage.save("huge.bin", GeneratedFile(BIG, "huge.bin"))
        _, save_peak = tracemalloc.get_traced_memory()
        # One request opens the resumable session, then one per chunk and one that finalizes.
        assert counter.counts == {"POST": 1, "PUT": BIG // chunk + 1}
        counter.counts.clear()
        tracemalloc.reset_peak()
        with storage.open(name) as handle:
            assert handle.read(1024) == _slice(BIG, 0, 1024)
            handle.seek(100 * 1024 * 1024 - 512)  # across a chunk boundary
            assert handle.read(1024) == _slice(BIG, 100 * 1024 * 1024 - 512, 1024)
            handle.seek(BIG - 1024)
            assert handle.read() == _slice(BIG, BIG - 1024, 1024)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert counter.counts == {"GET": 3}
    assert storage.size(name) == BIG
    storage.delete(name)
    print(f"256 MiB on the emulator: save peak {save_peak:,} B, 1 KiB reads peak {read_peak:,} B")
    assert save_peak < 16 * 1024 * 1024
    assert read_peak < 2 * 1024 * 1024
