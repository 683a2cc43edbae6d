"""django-storages 1.14 code for Google Cloud Storage, unchanged, against gcp-storage-emulator.

Each test is written as a 1.14 project has it: ``GS_*`` settings, subclasses with class
attributes, ``__init__`` overrides and a ``_normalize_name`` override built on
``storages.utils``, options assigned after construction, 1.x's ``GoogleCloudFile``.
"""

from __future__ import annotations

import gzip
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.test import override_settings
from google.api_core.exceptions import NotFound

from storages.backends.gcloud import CONTENT_TYPE, GoogleCloudFile, GoogleCloudStorage
from storages.utils import safe_join
from tests.backends.gcs.conftest import (  # noqa: F401 - fixtures
    BUCKET,
    PROJECT,
    emulator,
    ensure_bucket,
    gcs_server,
    sa_credentials,
)
from tests.backends.object_stores import fetch, query
from tests.harness.servers import RunningServer

GCS_STORAGES = {
    "default": {"BACKEND": "storages.backends.gcloud.GoogleCloudStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture
def location() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def gs_settings(
    emulator: RunningServer,  # noqa: F811
    sa_credentials: Any,  # noqa: F811
    location: str,
) -> Iterator[None]:
    """The settings of a 1.14 project."""
    with override_settings(
        GS_BUCKET_NAME=BUCKET,
        GS_PROJECT_ID=PROJECT,
        GS_CREDENTIALS=sa_credentials,
        GS_LOCATION=location,
        STORAGES=GCS_STORAGES,
    ):
        yield


def keys_under(storage: GoogleCloudStorage, bucket: str, prefix: str) -> list[str]:
    """Return the keys stored under *prefix*, asked of Google's client directly."""
    return sorted(blob.name for blob in storage.client.list_blobs(bucket, prefix=prefix))


@pytest.mark.usefixtures("gs_settings")
def test_default_storage_from_1x_settings(location: str) -> None:
    name = default_storage.save("docs/report.txt", ContentFile(b"quarterly"))
    assert isinstance(storages["default"], GoogleCloudStorage)
    assert default_storage.open(name).read() == b"quarterly"
    url = default_storage.url(name)
    assert "X-Goog-Signature" in query(url)  # signed: GS_QUERYSTRING_AUTH defaults to True
    assert fetch(url) == (200, b"quarterly")
    default_storage.delete(name)
    assert not default_storage.exists(name)


@pytest.mark.usefixtures("gs_settings")
def test_subclass_with_class_attributes(location: str) -> None:
    prefix = location

    class PublicMediaStorage(GoogleCloudStorage):
        bucket_name = BUCKET
        location = f"{prefix}/public"
        default_acl = "publicRead"
        file_overwrite = False

    storage = PublicMediaStorage()
    first = storage.save("avatar.txt", ContentFile(b"1"))
    second = storage.save("avatar.txt", ContentFile(b"2"))
    assert first == "avatar.txt"
    assert second != first  # file_overwrite = False picks a free name
    assert "X-Goog-Signature" not in storage.url(first)  # publicRead: plain URLs
    assert keys_under(storage, BUCKET, location) == sorted(
        [f"{location}/public/{first}", f"{location}/public/{second}"]
    )


@pytest.mark.usefixtures("gs_settings")
def test_init_override_and_options_assigned_later(
    gcs_server: RunningServer,  # noqa: F811
    location: str,
) -> None:
    other = f"other-{uuid.uuid4().hex[:8]}"
    ensure_bucket(gcs_server, other)

    class BackupStorage(GoogleCloudStorage):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.bucket_name = other
            self.location = f"{location}/backups"

    storage = BackupStorage()
    storage.save("db.sql", ContentFile(b"dump"))
    assert keys_under(storage, other, location) == [f"{location}/backups/db.sql"]

    plain = GoogleCloudStorage()
    plain.gzip = True
    plain.save("site.css", ContentFile(b"body { color: red }\n" * 50))
    blob = plain.bucket.get_blob(f"{location}/site.css")
    assert blob.content_encoding == "gzip"
    assert gzip.decompress(blob.download_as_bytes(raw_download=True)).startswith(b"body")


@pytest.mark.usefixtures("gs_settings")
def test_normalize_name_override_built_on_storages_utils(location: str) -> None:
    class PerUserStorage(GoogleCloudStorage):
        user = "alice"

        def _normalize_name(self, name: str) -> str:
            return safe_join(f"{location}/users/{self.user}", name)

    storage = PerUserStorage()
    storage.save("notes.txt", ContentFile(b"mine"))
    assert keys_under(storage, BUCKET, location) == [f"{location}/users/alice/notes.txt"]
    assert storage.open("notes.txt").read() == b"mine"
    assert storage.exists("notes.txt")
    storage.delete("notes.txt")


@pytest.mark.usefixtures("gs_settings")
def test_get_object_parameters_override() -> None:
    class DownloadStorage(GoogleCloudStorage):
        def get_object_parameters(self, name: str) -> dict[str, Any]:
            params = super().get_object_parameters(name)
            if name.endswith(".pdf"):
                params["content_disposition"] = "attachment"
                params[CONTENT_TYPE] = "application/pdf"
            return params

    storage = DownloadStorage()
    storage.save("guide.pdf", ContentFile(b"%PDF"))
    blob = GoogleCloudFile("guide.pdf", "rb", storage).blob
    assert (blob.content_disposition, blob.content_type) == ("attachment", "application/pdf")


@pytest.mark.usefixtures("gs_settings")
def test_file_class_of_1x(location: str) -> None:
    storage = GoogleCloudStorage()
    writer = GoogleCloudFile("notes.txt", "wb", storage)
    assert writer.blob.name == f"{location}/notes.txt"  # a new blob, not yet stored
    writer.write(b"written by GoogleCloudFile")
    writer.close()
    reader = storage.open("notes.txt")
    assert isinstance(reader, GoogleCloudFile)
    assert reader.read() == b"written by GoogleCloudFile"
    assert reader.blob.size == len(b"written by GoogleCloudFile")
    assert reader.blob.content_type == "text/plain"
    with pytest.raises(FileNotFoundError):
        GoogleCloudFile("missing.txt", "rb", storage)


@pytest.mark.usefixtures("gs_settings")
def test_content_type_and_encoding_as_1x_stored_them() -> None:
    storage = GoogleCloudStorage()
    upload = ContentFile(b"a,b\n", name="upload")
    upload.content_type = "text/csv"  # type: ignore[attr-defined]
    archive = gzip.compress(b"tar bytes")
    cases = {
        "blob.unknownextension": (ContentFile(b"?"), "application/octet-stream", None),
        "backup.tar.gz": (ContentFile(archive), "application/x-tar", "gzip"),
        "data.gz": (ContentFile(archive), "application/octet-stream", "gzip"),
        "export": (upload, "text/csv", None),
    }
    for name, (content, content_type, encoding) in cases.items():
        storage.save(name, content)
        blob = GoogleCloudFile(name, "rb", storage).blob
        assert (blob.content_type, blob.content_encoding) == (content_type, encoding), name
    # A .gz file reads back as it was saved, however it is served.
    assert storage.open("backup.tar.gz").read() == archive


@pytest.mark.usefixtures("gs_settings")
def test_missing_files_and_the_sdk_error() -> None:
    storage = GoogleCloudStorage()
    # 1.x's open() raised FileNotFoundError too; size() raised Google's NotFound.
    with pytest.raises(FileNotFoundError) as caught:
        storage.open("missing.txt")
    assert isinstance(caught.value.__cause__, NotFound)
    with pytest.raises(FileNotFoundError):
        storage.size("missing.txt")
