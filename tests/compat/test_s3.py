"""django-storages 1.14 code for Amazon S3, unchanged, against moto.

Each test is written as a 1.14 project has it: the settings the 1.x documentation names, the
storage subclasses of the 1.x tutorials (class attributes, ``__init__`` overrides, a property),
``storages.utils`` helpers, 1.x's file class and attributes. Where 1.14 code needs a change
(``except ClientError``), the test shows the one-line change of the migration guide.
"""

from __future__ import annotations

import base64
import contextvars
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.test import override_settings

from storages.backends.s3boto3 import S3Boto3Storage, S3Boto3StorageFile
from storages.checks import check_storages
from storages.utils import clean_name, safe_join, setting
from tests.backends.object_stores import fetch
from tests.backends.s3.fixtures import BUCKET, raw_client
from tests.harness.servers import RunningServer

S3_STORAGES = {
    "default": {"BACKEND": "storages.backends.s3boto3.S3Boto3Storage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture
def location() -> str:
    return f"compat-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def aws_settings(moto: RunningServer, location: str) -> Iterator[None]:
    """The settings of a 1.14 project, as the 1.x documentation names them."""
    with override_settings(
        AWS_ACCESS_KEY_ID="1x-access-key",
        AWS_SECRET_ACCESS_KEY="1x-secret-access-key",
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_S3_ENDPOINT_URL=moto.url,
        AWS_S3_REGION_NAME="us-east-1",
        AWS_LOCATION=location,
        AWS_QUERYSTRING_AUTH=True,
        AWS_DEFAULT_ACL=None,
        AWS_S3_OBJECT_PARAMETERS={"CacheControl": "max-age=86400"},
        STORAGES=S3_STORAGES,
    ):
        yield


@pytest.fixture
def raw(moto: RunningServer) -> Any:
    return raw_client(moto)


def keys(raw: Any, prefix: str, bucket: str = BUCKET) -> list[str]:
    """Return what the bucket holds under *prefix*, asked of boto3 directly."""
    listed = raw.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return sorted(item["Key"] for item in listed)


@pytest.mark.usefixtures("aws_settings")
def test_default_storage_from_1x_settings(raw: Any, location: str) -> None:
    name = default_storage.save("docs/report.txt", ContentFile(b"quarterly"))
    assert isinstance(storages["default"], S3Boto3Storage)
    with default_storage.open(name) as handle:
        assert handle.read() == b"quarterly"
    assert fetch(default_storage.url(name)) == (200, b"quarterly")
    head = raw.head_object(Bucket=BUCKET, Key=f"{location}/{name}")
    assert head["CacheControl"] == "max-age=86400"
    default_storage.delete(name)
    assert not default_storage.exists(name)


@pytest.mark.usefixtures("aws_settings")
def test_storage_classes_of_the_1x_tutorial(raw: Any, location: str) -> None:
    prefix = location

    # storage_backends.py of the "private media" tutorial the 1.x documentation links.
    class StaticStorage(S3Boto3Storage):
        location = f"{prefix}/static"
        default_acl = "public-read"

    class PublicMediaStorage(S3Boto3Storage):
        location = f"{prefix}/media"
        default_acl = "public-read"
        file_overwrite = False

    class PrivateMediaStorage(S3Boto3Storage):
        location = f"{prefix}/private"
        default_acl = "private"
        file_overwrite = False
        custom_domain = False

    StaticStorage().save("app.css", ContentFile(b"body {}"))
    public = PublicMediaStorage()
    first = public.save("photo.jpg", ContentFile(b"1"))
    second = public.save("photo.jpg", ContentFile(b"2"))
    assert first == "photo.jpg" and second != first  # file_overwrite = False
    private = PrivateMediaStorage()
    private.save("invoice.pdf", ContentFile(b"%PDF"))
    assert "X-Amz-Signature=" in private.url("invoice.pdf")  # custom_domain = False: no domain
    assert keys(raw, location) == sorted(
        [
            f"{location}/static/app.css",
            f"{location}/media/{first}",
            f"{location}/media/{second}",
            f"{location}/private/invoice.pdf",
        ]
    )


@pytest.mark.usefixtures("aws_settings")
def test_init_override_that_sets_the_bucket(raw: Any, location: str) -> None:
    raw.create_bucket(Bucket="tenant-bucket")

    class TenantBucketStorage(S3Boto3Storage):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.bucket_name = "tenant-bucket"

    storage = TenantBucketStorage()
    storage.save("in-the-tenant-bucket.txt", ContentFile(b"t"))
    assert keys(raw, location, bucket="tenant-bucket") == [f"{location}/in-the-tenant-bucket.txt"]
    assert "tenant-bucket" in storage.url("in-the-tenant-bucket.txt")
    storage.location = f"{location}/moved"  # assigned later still: honoured
    storage.save("later.txt", ContentFile(b"l"))
    assert f"{location}/moved/later.txt" in keys(raw, location, bucket="tenant-bucket")


current_tenant: contextvars.ContextVar[str] = contextvars.ContextVar("current_tenant")


@pytest.mark.usefixtures("aws_settings")
def test_location_as_a_property_per_tenant(raw: Any, location: str) -> None:
    prefix = location

    class TenantMediaStorage(S3Boto3Storage):
        @property
        def location(self) -> str:
            return f"{prefix}/tenants/{current_tenant.get()}"

    storage = TenantMediaStorage()
    for tenant in ("acme", "globex"):
        token = current_tenant.set(tenant)
        try:
            storage.save("logo.png", ContentFile(tenant.encode()))
            with storage.open("logo.png") as handle:
                assert handle.read() == tenant.encode()
        finally:
            current_tenant.reset(token)
    assert keys(raw, location) == [
        f"{location}/tenants/acme/logo.png",
        f"{location}/tenants/globex/logo.png",
    ]


@pytest.mark.usefixtures("aws_settings")
def test_custom_storage_built_on_storages_utils(raw: Any, location: str) -> None:
    class DatedStorage(S3Boto3Storage):
        bucket_name = setting("AWS_STORAGE_BUCKET_NAME")

        def get_available_name(self, name: str, max_length: int | None = None) -> str:
            return super().get_available_name(safe_join("2026", clean_name(name)), max_length)

    storage = DatedStorage()
    name = storage.save("./report.txt", ContentFile(b"r"))
    assert name == "2026/report.txt"
    assert keys(raw, location) == [f"{location}/2026/report.txt"]
    with pytest.raises(ValueError):
        safe_join("2026", "../../etc/passwd")


@pytest.mark.usefixtures("aws_settings")
def test_except_client_error_becomes_except_oserror() -> None:
    storage = S3Boto3Storage(bucket_name="no-such-bucket")
    # 1.14:
    #     try:
    #         storage.save("upload.txt", content)
    #     except ClientError as err:
    #         code = err.response["Error"]["Code"]
    # 2.0, the one-line change of the migration guide:
    with pytest.raises(OSError) as caught:  # was: except ClientError as err
        storage.save("upload.txt", ContentFile(b"u"))
    err = caught.value.__cause__  # the ClientError 1.14 raised
    assert isinstance(err, ClientError)
    assert err.response["Error"]["Code"] == "NoSuchBucket"
    assert isinstance(caught.value, FileNotFoundError)  # or catch the precise built-in


@pytest.mark.usefixtures("aws_settings")
def test_1x_file_class(location: str) -> None:
    storage = S3Boto3Storage()
    with S3Boto3StorageFile("notes.txt", "w", storage) as handle:
        handle.write("written by 1.x code")
    handle = S3Boto3StorageFile("notes.txt", "rb", storage, buffer_size=8 * 1024 * 1024)
    assert handle.read() == b"written by 1.x code"
    assert handle.buffer_size == 8 * 1024 * 1024
    assert handle.obj.key == f"{location}/notes.txt"
    handle.close()


def test_sse_c_round_trip(moto: RunningServer, location: str) -> None:
    customer_key = uuid.uuid4().hex  # 32 characters
    sent: list[tuple[str, str | None]] = []
    with override_settings(
        AWS_ACCESS_KEY_ID="1x-access-key",
        AWS_SECRET_ACCESS_KEY="1x-secret-access-key",
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_S3_ENDPOINT_URL=moto.url,
        AWS_LOCATION=location,
        AWS_S3_OBJECT_PARAMETERS={
            "SSECustomerAlgorithm": "AES256",
            "SSECustomerKey": customer_key,
        },
    ):
        storage = S3Boto3Storage()

    def record(request: Any, **kwargs: Any) -> None:
        header = request.headers.get("x-amz-server-side-encryption-customer-key")
        operation = kwargs["event_name"].rsplit(".", 1)[-1]
        sent.append((operation, header.decode() if isinstance(header, bytes) else header))

    storage.client.meta.events.register("before-send.s3", record)
    name = storage.save("secret.txt", ContentFile(b"encrypted at rest"))
    assert storage.exists(name) and storage.size(name) == 17
    with storage.open(name) as handle:
        assert handle.read() == b"encrypted at rest"
    storage.copy(name, "copy.txt")
    with storage.open("copy.txt") as handle:
        assert handle.read() == b"encrypted at rest"
    key_as_sent = base64.b64encode(customer_key.encode()).decode()
    assert {"PutObject", "HeadObject", "GetObject", "CopyObject"} <= {op for op, _ in sent}
    assert all(header == key_as_sent for _, header in sent)
    assert customer_key not in repr(storage)


@pytest.mark.usefixtures("aws_settings")
def test_custom_domain_url_with_parameters(location: str) -> None:
    with override_settings(AWS_S3_CUSTOM_DOMAIN="cdn.example.com", AWS_QUERYSTRING_AUTH=False):
        storage = S3Boto3Storage()
    url = storage.url("report.pdf", parameters={"response-content-disposition": "attachment"})
    assert url == (
        f"https://cdn.example.com/{location}/report.pdf?response-content-disposition=attachment"
    )


@pytest.mark.usefixtures("aws_settings")
def test_checksum_options_the_1x_way_and_the_new_way() -> None:
    # The workaround of django-storages issue #1482, in a 1.14 settings file:
    workaround = Config(
        request_checksum_calculation="when_required", response_checksum_validation="when_required"
    )
    with override_settings(AWS_S3_CLIENT_CONFIG=workaround):
        old_way = S3Boto3Storage()
    with override_settings(
        AWS_S3_REQUEST_CHECKSUM_CALCULATION="when_required",
        AWS_S3_RESPONSE_CHECKSUM_VALIDATION="when_required",
    ):
        new_way = S3Boto3Storage()
    headers: list[dict[str, Any]] = []

    def record(request: Any, **kwargs: Any) -> None:
        headers.append(dict(request.headers))

    for storage in (old_way, new_way):
        storage.client.meta.events.register("before-send.s3.PutObject", record)
        storage.save("checksums.txt", ContentFile(b"no CRC32 header"))
        assert not any("checksum" in key.lower() for key in headers.pop())
        with storage.open("checksums.txt") as handle:
            assert handle.read() == b"no CRC32 header"


@pytest.mark.usefixtures("aws_settings")
def test_1x_transfer_settings() -> None:
    with override_settings(AWS_S3_TRANSFER_CONFIG=TransferConfig(max_concurrency=2)):
        storage = S3Boto3Storage()
    assert storage.transfer_config.max_concurrency == 2
    storage.save("big.bin", ContentFile(b"x" * (9 * 1024 * 1024)))  # 8 MiB parts: multipart
    assert storage.size("big.bin") == 9 * 1024 * 1024


@pytest.mark.usefixtures("aws_settings")
def test_leading_slash_names_without_a_location(moto: RunningServer, raw: Any) -> None:
    raw.create_bucket(Bucket="root-bucket")
    with override_settings(AWS_LOCATION="", AWS_STORAGE_BUCKET_NAME="root-bucket"):
        storage = S3Boto3Storage()
    storage.save("at-root.txt", ContentFile(b"r"))
    assert storage.exists("/at-root.txt")
    with storage.open("/at-root.txt") as handle:
        assert handle.read() == b"r"


def test_without_the_bucket_setting_manage_py_still_runs(moto: RunningServer) -> None:
    # models.py of a 1.14 project: the storage is built at import, settings or not.
    with override_settings(
        AWS_S3_ENDPOINT_URL=moto.url,
        STORAGES={**S3_STORAGES, "media": {"BACKEND": "storages.backends.s3.S3Storage"}},
    ):
        field_storage = S3Boto3Storage()  # no error here
        messages = [m for m in check_storages() if "AWS_STORAGE_BUCKET_NAME" in m.msg]
    assert [m.id for m in messages] == ["storages.E001", "storages.E001"]
    with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME"):
        field_storage.save("x.txt", ContentFile(b"x"))
