"""django-storages 1.14 code for Azure, unchanged, against Azurite.

Each test is written as a 1.14 project has it: settings named as the 1.x documentation names
them, subclasses with class attributes, ``__init__`` overrides and properties, 1.x's attributes
(``client``, ``service_client``, ``account_key``) and file class.
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Iterator

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import BlobServiceClient, ContainerClient
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.test import override_settings

from storages.backends.azure_storage import AzureStorage, AzureStorageFile
from tests.backends.azure.conftest import (  # noqa: F401 - fixtures
    CONTAINER,
    PUBLIC_CONTAINER,
    azure_conn,
    azurite,
    unique_location,
)
from tests.backends.object_stores import fetch
from tests.harness.specs.azurite import ACCOUNT_KEY, ACCOUNT_NAME

AZURE_STORAGES = {
    "default": {"BACKEND": "storages.backends.azure_storage.AzureStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture
def azure_settings(azure_conn: str, unique_location: str) -> Iterator[None]:  # noqa: F811
    """The settings of a 1.14 project (a connection string, as Azurite's documentation has)."""
    with override_settings(
        AZURE_CONNECTION_STRING=azure_conn,
        AZURE_CONTAINER=CONTAINER,
        AZURE_LOCATION=unique_location,
        AZURE_URL_EXPIRATION_SECS=3600,
        STORAGES=AZURE_STORAGES,
    ):
        yield


def blob_names(container: str, prefix: str, conn: str) -> list[str]:
    """Return what the container holds under *prefix*, asked of the SDK directly."""
    with BlobServiceClient.from_connection_string(conn) as service:
        blobs = service.get_container_client(container).list_blobs(name_starts_with=prefix)
        return sorted(blob.name for blob in blobs)


@pytest.mark.usefixtures("azure_settings")
def test_default_storage_from_1x_settings(unique_location: str) -> None:  # noqa: F811
    name = default_storage.save("docs/report.txt", ContentFile(b"quarterly"))
    assert isinstance(storages["default"], AzureStorage)
    with default_storage.open(name) as handle:
        assert handle.read() == b"quarterly"
    status, body = fetch(default_storage.url(name))  # a SAS URL: the container is private
    assert (status, body) == (200, b"quarterly")
    default_storage.delete(name)
    assert not default_storage.exists(name)


@pytest.mark.usefixtures("azure_settings")
def test_public_storage_subclass_of_the_documentation(
    azure_conn: str,  # noqa: F811
    unique_location: str,  # noqa: F811
) -> None:
    class PublicAzureStorage(AzureStorage):
        connection_string = azure_conn
        azure_container = PUBLIC_CONTAINER
        expiration_secs = None

    storage = PublicAzureStorage()
    name = storage.save("logo.txt", ContentFile(b"public bytes"))
    url = storage.url(name)
    assert "?" not in url  # no SAS, whatever AZURE_URL_EXPIRATION_SECS says
    assert fetch(url) == (200, b"public bytes")
    assert blob_names(PUBLIC_CONTAINER, unique_location, azure_conn) == [
        f"{unique_location}/logo.txt"
    ]
    storage.delete(name)


@pytest.mark.usefixtures("azure_settings")
def test_options_assigned_after_construction(
    azure_conn: str,  # noqa: F811
    unique_location: str,  # noqa: F811
) -> None:
    storage = AzureStorage()
    storage.azure_container = PUBLIC_CONTAINER
    storage.location = f"{unique_location}/assigned"
    storage.expiration_secs = None
    name = storage.save("a.txt", ContentFile(b"a"))
    assert blob_names(PUBLIC_CONTAINER, unique_location, azure_conn) == [
        f"{unique_location}/assigned/a.txt"
    ]
    assert fetch(storage.url(name)) == (200, b"a")
    storage.delete(name)


@pytest.mark.usefixtures("azure_settings")
def test_init_override_sets_the_container(
    azure_conn: str,  # noqa: F811
    unique_location: str,  # noqa: F811
) -> None:
    class MediaStorage(AzureStorage):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            self.azure_container = PUBLIC_CONTAINER
            self.location = f"{unique_location}/media"

    storage = MediaStorage()
    storage.save("photo.txt", ContentFile(b"p"))
    assert blob_names(PUBLIC_CONTAINER, unique_location, azure_conn) == [
        f"{unique_location}/media/photo.txt"
    ]
    storage.delete("photo.txt")


@pytest.mark.usefixtures("azure_settings")
def test_location_property_per_tenant(
    azure_conn: str,  # noqa: F811
    unique_location: str,  # noqa: F811
) -> None:
    current = threading.local()

    class TenantStorage(AzureStorage):
        @property
        def location(self) -> str:
            return f"{unique_location}/{getattr(current, 'tenant', 'public')}"

    storage = TenantStorage()
    for tenant in ("acme", "globex"):
        current.tenant = tenant
        storage.save("invoice.txt", ContentFile(tenant.encode()))
    assert blob_names(CONTAINER, unique_location, azure_conn) == [
        f"{unique_location}/acme/invoice.txt",
        f"{unique_location}/globex/invoice.txt",
    ]
    current.tenant = "acme"
    assert storage.open("invoice.txt").read() == b"acme"


@pytest.mark.usefixtures("azure_settings")
def test_attributes_users_reach_for(unique_location: str) -> None:  # noqa: F811
    storage = AzureStorage()
    # 1.x parsed the account out of the connection string.
    assert storage.account_name == ACCOUNT_NAME
    assert storage.account_key == ACCOUNT_KEY
    # ``client`` is the container's client, ``service_client`` the account's.
    assert isinstance(storage.client, ContainerClient)
    assert isinstance(storage.service_client, BlobServiceClient)
    storage.save("sdk.txt", ContentFile(b"through the SDK"))
    blob = storage.client.get_blob_client(f"{unique_location}/sdk.txt")
    assert blob.download_blob().readall() == b"through the SDK"
    listed = storage.client.list_blobs(name_starts_with=unique_location)
    assert [item.name for item in listed] == [f"{unique_location}/sdk.txt"]
    assert storage.list_all() == [f"{unique_location}/sdk.txt"]
    # The parsed key stays out of what a storage shows or pickles.
    assert ACCOUNT_KEY not in repr(storage)
    copy = pickle.loads(pickle.dumps(storage))
    assert ACCOUNT_KEY.encode() not in pickle.dumps(storage)
    assert copy.account_key == ACCOUNT_KEY
    assert copy.open("sdk.txt").read() == b"through the SDK"
    storage.delete("sdk.txt")


@pytest.mark.usefixtures("azure_settings")
def test_file_class_of_1x() -> None:
    storage = AzureStorage()
    writer = AzureStorageFile("notes.txt", "wb", storage)
    writer.write(b"written by AzureStorageFile")
    writer.close()
    reader = storage.open("notes.txt")
    assert isinstance(reader, AzureStorageFile)
    assert reader.read() == b"written by AzureStorageFile"
    assert AzureStorageFile("notes.txt", "rb", storage).read(7) == b"written"
    storage.delete("notes.txt")


@pytest.mark.usefixtures("azure_settings")
def test_content_type_and_encoding_as_1x_stored_them() -> None:
    storage = AzureStorage()
    upload = ContentFile(b"a,b\n", name="upload")
    upload.content_type = "text/csv"  # type: ignore[attr-defined]
    archive = b"\x1f\x8b\x08\x00 a gzip archive"
    cases = {
        "blob.unknownextension": (ContentFile(b"?"), "application/octet-stream", None),
        "backup.tar.gz": (ContentFile(archive), "application/x-tar", "gzip"),
        "data.gz": (ContentFile(archive), "application/octet-stream", "gzip"),
        "export": (upload, "text/csv", None),
    }
    for name, (content, content_type, encoding) in cases.items():
        storage.save(name, content)
        props = storage.client.get_blob_client(storage._key(name)).get_blob_properties()
        assert props.content_settings.content_type == content_type, name
        assert props.content_settings.content_encoding == encoding, name
    # A .gz file reads back as it was saved.
    assert storage.open("backup.tar.gz").read() == archive
    for name in cases:
        storage.delete(name)


@pytest.mark.usefixtures("azure_settings")
def test_sdk_error_is_the_cause() -> None:
    storage = AzureStorage()
    # 1.x raised the SDK's ResourceNotFoundError; ``except FileNotFoundError`` is the change.
    with pytest.raises(FileNotFoundError):
        storage.size("missing.txt")
    with pytest.raises(FileNotFoundError) as caught:
        storage.open("missing.txt")
    assert isinstance(caught.value.__cause__, ResourceNotFoundError)
