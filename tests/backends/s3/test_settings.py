"""S3 settings and names as 1.x accepted them, credentials that are refused early, secrets
inside other options, and the system check of unsigned custom-domain URLs."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from botocore.config import Config
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.test import override_settings

from storages.backends.s3 import S3File, S3Storage
from storages.backends.s3boto3 import S3Boto3StorageFile
from storages.checks import check_s3_unsigned_custom_domain
from tests.backends.s3.fixtures import raw_client
from tests.harness.servers import RunningServer, free_port


# -- names ----------------------------------------------------------------------------------------
def test_a_leading_slash_is_the_root_without_a_location(moto: RunningServer) -> None:
    bucket = "slash-bucket"
    client = raw_client(moto)
    client.create_bucket(Bucket=bucket)
    options = {"endpoint_url": moto.url, "access_key": "k", "secret_key": "s"}
    storage = S3Storage(bucket_name=bucket, **options)
    name = storage.save("slash.txt", ContentFile(b"at the root"))
    assert storage.exists("/slash.txt") and storage.size("/slash.txt") == 11
    with storage.open("/slash.txt") as handle:
        assert handle.read() == b"at the root"
    assert storage.url("/slash.txt") == storage.url(name)
    assert storage.listdir("/") == ([], ["slash.txt"])
    storage.delete("/slash.txt")
    assert not storage.exists(name)
    with pytest.raises(SuspiciousFileOperation):
        storage.exists("/../outside.txt")
    located = S3Storage(bucket_name=bucket, location="media", **options)
    with pytest.raises(SuspiciousFileOperation):  # 1.x refused it under a location too
        located.exists("/slash.txt")


# -- 1.x file class -------------------------------------------------------------------------------
def test_1x_file_class_arguments_and_attributes(s3_options: dict[str, Any]) -> None:
    storage = S3Storage(**s3_options)
    with S3File("f.txt", "wb", storage, buffer_size=6 * 1024 * 1024) as handle:
        assert handle.buffer_size == 6 * 1024 * 1024
        handle.write(b"written the 1.x way")
    with S3Boto3StorageFile("f.txt", "rb", storage) as handle:
        assert handle.read() == b"written the 1.x way"
        assert handle.buffer_size == storage.options.file_buffer_size
        assert handle.obj.key == f"{s3_options['location']}/f.txt"
        assert handle.obj.content_length == 19
    assert isinstance(storage.open("f.txt"), S3Boto3StorageFile)


def test_1x_config_class_attribute(s3_options: dict[str, Any]) -> None:
    class LegacyConfigured(S3Storage):
        config = Config(read_timeout=7)

    with pytest.warns(DeprecationWarning, match="AWS_S3_CLIENT_CONFIG"):
        storage = LegacyConfigured(**s3_options)
    assert storage.client.meta.config.read_timeout == 7


# -- credentials ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({"secret_key": "only-the-secret"}, "AWS_ACCESS_KEY_ID"),
        ({"access_key": "only-the-id"}, "AWS_SECRET_ACCESS_KEY"),
    ],
)
def test_half_a_key_pair_names_the_missing_setting(
    moto: RunningServer, given: dict[str, str], missing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_S3_ACCESS_KEY_ID"):
        monkeypatch.delenv(var, raising=False)
    storage = S3Storage(bucket_name="b", endpoint_url=moto.url, **given)  # created fine
    with pytest.raises(ImproperlyConfigured, match=missing) as info:
        storage.exists("x")
    assert "only-the" not in str(info.value)


def test_a_profile_with_keys_is_refused(moto: RunningServer) -> None:
    storage = S3Storage(
        bucket_name="b", endpoint_url=moto.url, session_profile="p", access_key="a", secret_key="s"
    )
    with pytest.raises(ImproperlyConfigured, match="AWS_S3_SESSION_PROFILE"):
        storage.exists("x")


def test_proxy_credentials_are_secrets(
    s3_options: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    password = "pr0xy-pa55word"
    proxy = f"http://proxy-user:{password}@127.0.0.1:{free_port()}"  # nothing listens there
    storage = S3Storage(
        proxies={"http": proxy, "https": proxy},
        client_config=Config(retries={"max_attempts": 1}),
        **s3_options,
    )
    assert password not in repr(storage) and "proxy-user" not in repr(storage)
    with caplog.at_level(logging.DEBUG), pytest.raises(ConnectionError) as info:
        storage.exists("x.txt")
    assert "127.0.0.1" in str(info.value)  # the message still says where it failed
    print("MESSAGE", info.value, repr(storage))
    assert password not in str(info.value)
    assert info.value.__cause__ is None or password not in str(info.value.__cause__)
    assert not [r for r in caplog.records if password in r.getMessage()]


# -- system check ---------------------------------------------------------------------------------
def test_check_warns_of_unsigned_custom_domain_urls(s3_options: dict[str, Any]) -> None:
    cdn = {**s3_options, "custom_domain": "cdn.example.com"}
    signed = {**cdn, "cloudfront_key_id": "APKA", "cloudfront_key": "pem"}
    storages = {
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": cdn},
        "signed": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": signed},
        "public": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**cdn, "querystring_auth": False},
        },
        "staticfiles": {"BACKEND": "storages.backends.s3.S3StaticStorage", "OPTIONS": cdn},
    }
    with override_settings(STORAGES=storages):
        messages = check_s3_unsigned_custom_domain()
    assert [(m.id, "'default'" in m.msg) for m in messages] == [("storages.W106", True)]
    assert "AWS_CLOUDFRONT_KEY" in (messages[0].hint or "")
