"""What is specific to S3: request budgets, settings old and new, URLs, atomic no-overwrite."""

from __future__ import annotations

import base64
import gzip
import pickle
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile, File
from django.core.management import call_command
from django.test import override_settings

from storages.backends.s3 import S3ManifestStaticStorage, S3StaticStorage, S3Storage
from storages.backends.s3boto import S3BotoStorage
from tests.backends.s3.fixtures import BUCKET, RequestCounter, raw_client
from tests.harness.servers import RunningServer


@pytest.fixture
def storage(s3_options: dict[str, Any]) -> Iterator[S3Storage]:
    with S3Storage(**s3_options) as storage:
        yield storage


@pytest.fixture
def raw(moto: RunningServer) -> Any:
    return raw_client(moto)


def fetch(url: str, data: bytes | None = None, method: str = "GET") -> bytes:
    headers = {"Content-Type": "application/octet-stream"} if data is not None else {}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return bytes(response.read())


# -- request budgets ----------------------------------------------------------------------------
def test_request_budgets(
    storage: S3Storage, count_requests: Callable[[Any], RequestCounter]
) -> None:
    storage.save("budget.txt", ContentFile(b"small"))
    counter = count_requests(storage)
    with storage.open("budget.txt") as handle:
        assert handle.read() == b"small"
    assert counter.take() == {"GetObject": 1}
    assert storage.exists("budget.txt")
    assert counter.take() == {"HeadObject": 1}
    assert storage.size("budget.txt") == 5
    assert counter.take() == {"HeadObject": 1}
    entry = storage.stat("budget.txt")  # size, time, ETag and content type from one HEAD
    assert counter.take() == {"HeadObject": 1}
    assert (entry.size, entry.content_type) == (5, "text/plain")
    assert entry.digest == storage.content_digest([b"small"])[0]
    assert entry.modified is not None and entry.modified.tzinfo is not None
    assert [e.digest for e in storage.listing()] == [entry.digest]
    assert counter.take() == {"ListObjectsV2": 1}
    storage.url("budget.txt")
    assert counter.take() == {}
    storage.save("budget.txt", ContentFile(b"again"))  # overwrite-save of a small file
    assert counter.take() == {"PutObject": 1}


# -- writes ---------------------------------------------------------------------------------------
class _Broken(File):
    def __init__(self, size: int) -> None:
        super().__init__(None, "broken.bin")
        self._size = size

    def chunks(self, chunk_size: Any = None) -> Iterator[bytes]:
        for _ in range(self._size // 65536):
            yield b"z" * 65536
        raise OSError("client went away")


def test_failed_multipart_upload_is_aborted_and_keeps_the_old_object(
    storage: S3Storage, raw: Any
) -> None:
    name = storage.save("kept.bin", ContentFile(b"old"))
    with pytest.raises(OSError, match="went away"):
        storage.save(name, _Broken(12 * 1024 * 1024))
    assert raw.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []
    with storage.open(name) as handle:
        assert handle.read() == b"old"


def test_no_overwrite_saves_are_exclusive(s3_options: dict[str, Any], raw: Any) -> None:
    storage = S3Storage(file_overwrite=False, **s3_options)
    key = f"{s3_options['location']}/race.txt"
    raw.put_object(Bucket=BUCKET, Key=key, Body=b"someone else")
    # Skip get_available_name, as if another process took the name just before our write.
    saved = storage._save("race.txt", ContentFile(b"mine"))
    assert saved != "race.txt"
    assert raw.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"someone else"
    with storage.open(saved) as handle:
        assert handle.read() == b"mine"


def test_content_type_and_object_parameters(s3_options: dict[str, Any], raw: Any) -> None:
    class PerFile(S3Storage):
        def get_object_parameters(self, name: str) -> dict[str, Any]:
            params = super().get_object_parameters(name)
            if name.endswith(".pdf"):
                params["ContentDisposition"] = "attachment"
            return params

    storage = PerFile(object_parameters={"CacheControl": "max-age=60"}, **s3_options)
    storage.save("doc.pdf", ContentFile(b"%PDF"))
    head = raw.head_object(Bucket=BUCKET, Key=f"{s3_options['location']}/doc.pdf")
    assert head["ContentType"] == "application/pdf"
    assert head["CacheControl"] == "max-age=60"
    assert head["ContentDisposition"] == "attachment"


def test_gzip_on_upload_is_transparent_on_read(s3_options: dict[str, Any], raw: Any) -> None:
    storage = S3Storage(gzip=True, **s3_options)
    css = b"body { color: red; }\n" * 2000
    storage.save("site.css", ContentFile(css))
    obj = raw.get_object(Bucket=BUCKET, Key=f"{s3_options['location']}/site.css")
    assert obj["ContentEncoding"] == "gzip"
    stored = obj["Body"].read()
    assert len(stored) < len(css) // 10
    assert gzip.decompress(stored) == css
    with storage.open("site.css") as handle:
        assert handle.read(5) == b"body "
        assert handle.read() == css[5:]


def test_text_mode_write_and_copy_move(storage: S3Storage) -> None:
    with storage.open("notes.txt", "w") as handle:
        handle.write("héllo")
    storage.copy("notes.txt", "copy.txt")
    storage.move("copy.txt", "moved.txt")
    assert not storage.exists("copy.txt")
    with storage.open("moved.txt", "r") as handle:
        assert handle.read() == "héllo"


# -- URLs ---------------------------------------------------------------------------------------
def test_signed_urls_work_and_carry_parameters(storage: S3Storage) -> None:
    storage.save("signed.txt", ContentFile(b"signed content"))
    url = storage.url("signed.txt", parameters={"ResponseContentDisposition": "attachment"})
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=3600" in url
    assert "response-content-disposition=attachment" in url
    assert fetch(url) == b"signed content"
    assert "X-Amz-Expires=60" in storage.url("signed.txt", expire=timedelta(minutes=1))


def test_presigned_put_and_post(storage: S3Storage) -> None:
    put_url = storage.url("uploaded.bin", http_method="PUT", expire=120)
    fetch(put_url, data=b"from the browser", method="PUT")
    with storage.open("uploaded.bin") as handle:
        assert handle.read() == b"from the browser"
    post = storage.generate_presigned_post("form.bin")
    assert post["fields"]["key"] == f"{storage.location_prefix}/form.bin"
    assert "policy" in post["fields"]


def test_unsigned_and_custom_domain_urls(s3_options: dict[str, Any]) -> None:
    public = S3Storage(querystring_auth=False, **s3_options)
    url = public.url("dir/a b.txt")
    assert "Signature" not in url and url.endswith(f"{s3_options['location']}/dir/a%20b.txt")
    cdn = S3Storage(custom_domain="cdn.example.com", **s3_options)
    assert cdn.url("a b.txt") == f"https://cdn.example.com/{s3_options['location']}/a%20b.txt"
    static = S3StaticStorage(**s3_options)
    assert "Signature" not in static.url("x.css")


def test_cloudfront_signed_urls_verify_with_the_public_key(s3_options: dict[str, Any]) -> None:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    storage = S3Storage(
        custom_domain="d111.cloudfront.net",
        cloudfront_key_id="APKAEXAMPLE",
        cloudfront_key=pem.decode(),
        **s3_options,
    )
    url = storage.url("img.png", expire=300)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["Key-Pair-Id"] == ["APKAEXAMPLE"]
    expires = int(query["Expires"][0])
    resource = url.split("?")[0]
    policy = (
        f'{{"Statement":[{{"Resource":"{resource}",'
        f'"Condition":{{"DateLessThan":{{"AWS:EpochTime":{expires}}}}}}}]}}'
    )
    signature = query["Signature"][0].replace("-", "+").replace("_", "=").replace("~", "/")
    key.public_key().verify(
        base64.b64decode(signature), policy.encode(), padding.PKCS1v15(), hashes.SHA1()
    )
    assert pem.decode() not in repr(storage)


# -- settings -----------------------------------------------------------------------------------
def test_missing_bucket_name_names_the_setting_at_first_use() -> None:
    # Created at import (FileField(storage=...)), used only later: manage.py works without it.
    storage = S3Storage()
    for use in (
        lambda: storage.exists("x"),
        lambda: storage.url("x"),
        lambda: S3Storage(querystring_auth=False).url("x"),
        lambda: storage.bucket,
    ):
        with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME"):
            use()


def test_settings_are_read_from_django(moto: RunningServer) -> None:
    with override_settings(
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_S3_ENDPOINT_URL=moto.url,
        AWS_ACCESS_KEY_ID="k",
        AWS_SECRET_ACCESS_KEY="s-e-c-r-e-t",
        AWS_LOCATION="from-settings",
        AWS_QUERYSTRING_EXPIRE=99,
        AWS_S3_FILE_OVERWRITE=False,
    ):
        storage = S3Storage()
    assert storage.options.location == "from-settings"
    assert storage.overwrites_files is False
    assert "X-Amz-Expires=99" in storage.url("x")
    assert "s-e-c-r-e-t" not in repr(storage)


def test_missing_bucket_is_a_clear_error(s3_options: dict[str, Any]) -> None:
    storage = S3Storage(**{**s3_options, "bucket_name": "no-such-bucket"})
    with pytest.raises(FileNotFoundError) as info:
        storage.save("x.txt", ContentFile(b"x"))
    assert "no-such-bucket" in str(info.value)
    assert s3_options["endpoint_url"] in str(info.value)
    assert s3_options["secret_key"] not in str(info.value)


def test_auto_create_bucket(s3_options: dict[str, Any], raw: Any) -> None:
    storage = S3Storage(
        **{
            **s3_options,
            "bucket_name": "auto-made",
            "auto_create_bucket": True,
            "bucket_acl": "private",
        }
    )
    storage.save("x.txt", ContentFile(b"x"))
    assert "auto-made" in [b["Name"] for b in raw.list_buckets()["Buckets"]]


def test_connection_and_bucket_resources(storage: S3Storage) -> None:
    storage.save("res.txt", ContentFile(b"r"))
    assert storage.connection.meta.client.meta.service_model.service_name == "s3"
    keys = [obj.key for obj in storage.bucket.objects.filter(Prefix=storage.location_prefix)]
    assert keys == [f"{storage.location_prefix}/res.txt"]


def test_pickled_storage_reads_and_writes(storage: S3Storage) -> None:
    storage.save("p.txt", ContentFile(b"p"))
    _ = storage.connection
    copy = pickle.loads(pickle.dumps(storage))
    assert copy.exists("p.txt")
    copy.save("q.txt", ContentFile(b"q"))
    assert storage.exists("q.txt")


def test_boto_era_settings_are_translated(moto: RunningServer, raw: Any) -> None:
    host, port = moto.url.removeprefix("http://").split(":")
    legacy = {
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_ACCESS_KEY_ID": "k",
        "AWS_SECRET_ACCESS_KEY": "s",
        "AWS_S3_HOST": host,
        "AWS_S3_PORT": int(port),
        "AWS_S3_USE_SSL": False,
        "AWS_CALLING_FORMAT": "boto.s3.connection.OrdinaryCallingFormat",
        "AWS_HEADERS": {"Cache-Control": "max-age=86400", "x-amz-meta-owner": "ops"},
        "AWS_REDUCED_REDUNDANCY": True,
        "AWS_ORIGIN": "us-east-1",
        "AWS_S3_SECURE_URLS": False,
        "AWS_LOCATION": "boto-era",
    }
    with override_settings(**legacy), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        storage = S3BotoStorage(custom_domain="media.example.com")
    messages = sorted(str(w.message) for w in caught if w.category is DeprecationWarning)
    assert len(messages) == 7
    assert any("AWS_HEADERS" in m and "AWS_S3_OBJECT_PARAMETERS" in m for m in messages)
    assert any("AWS_S3_HOST" in m and "AWS_S3_ENDPOINT_URL" in m for m in messages)
    assert storage.endpoint == moto.url
    assert storage.client.meta.config.s3 == {"addressing_style": "path"}
    storage.save("legacy.txt", ContentFile(b"x"))
    head = raw.head_object(Bucket=BUCKET, Key="boto-era/legacy.txt")
    assert head["CacheControl"] == "max-age=86400"
    assert head["Metadata"] == {"owner": "ops"}
    assert head["StorageClass"] == "REDUCED_REDUNDANCY"
    assert storage.url("legacy.txt") == "http://media.example.com/boto-era/legacy.txt"


def test_unknown_legacy_header_is_refused(s3_options: dict[str, Any]) -> None:
    with pytest.warns(DeprecationWarning, match="AWS_HEADERS"):
        storage = S3Storage(headers={"X-Weird": "1"}, **s3_options)
    with pytest.raises(ImproperlyConfigured, match="X-Weird"):
        storage.save("x.txt", ContentFile(b"x"))


def test_encryption_setting(s3_options: dict[str, Any], raw: Any) -> None:
    S3Storage(encryption=True, **s3_options).save("enc.txt", ContentFile(b"x"))
    head = raw.head_object(Bucket=BUCKET, Key=f"{s3_options['location']}/enc.txt")
    assert head["ServerSideEncryption"] == "AES256"


def test_manifest_static_storage_collectstatic(s3_options: dict[str, Any], tmp_path: Path) -> None:
    static_dir = tmp_path / "static"
    static_dir.mkdir()
    (static_dir / "app.css").write_text("body { background: url('logo.png'); }")
    (static_dir / "logo.png").write_bytes(b"\x89PNG fake")
    storages = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {
            "BACKEND": "storages.backends.s3.S3ManifestStaticStorage",
            "OPTIONS": s3_options,
        },
    }
    with override_settings(
        STORAGES=storages,
        STATICFILES_DIRS=[str(static_dir)],
        STATIC_URL="/static/",
        INSTALLED_APPS=["django.contrib.staticfiles", "storages"],
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        storage = S3ManifestStaticStorage(**s3_options)
        url = storage.url("app.css")
        assert "app." in url and ".css" in url and "Signature" not in url
        hashed = storage.stored_name("app.css")
        with storage.open(hashed) as handle:
            assert b"logo." in handle.read()


def test_deploy_check_reports_a_missing_bucket(s3_options: dict[str, Any]) -> None:
    from storages.checks import check_storages_reachable

    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    good = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3_options}
    bad = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**s3_options, "bucket_name": "missing-bucket"},
    }
    with override_settings(STORAGES={"default": good, "other": bad, "staticfiles": static}):
        messages = check_storages_reachable()
    assert [m.id for m in messages] == ["storages.E003"]
    assert "'other'" in messages[0].msg and "missing-bucket" in messages[0].msg
    assert s3_options["secret_key"] not in messages[0].msg


def test_refused_credentials_are_permission_errors_without_the_secret(
    test_server: Callable[[str], RunningServer],
) -> None:
    server = test_server("moto-auth")
    iam = raw_client(server, "iam", key="bootstrap")
    # The three requests moto serves before it checks signatures.
    iam.create_user(UserName="app")
    key = iam.create_access_key(UserName="app")["AccessKey"]
    policy = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
    )
    iam.put_user_policy(UserName="app", PolicyName="s3", PolicyDocument=policy)
    options = {
        "bucket_name": "auth-bucket",
        "endpoint_url": server.url,
        "region_name": "us-east-1",
        "access_key": key["AccessKeyId"],
    }
    good = S3Storage(secret_key=key["SecretAccessKey"], auto_create_bucket=True, **options)
    good.save("ok.txt", ContentFile(b"ok"))
    wrong_secret = "wrong-secret-value-1234"
    bad = S3Storage(secret_key=wrong_secret, **options)
    with pytest.raises(PermissionError) as info:
        bad.size("ok.txt")
    message = str(info.value)
    assert "auth-bucket" in message and server.url in message
    assert wrong_secret not in message and key["SecretAccessKey"] not in message
    assert info.value.__cause__ is None or wrong_secret not in str(info.value.__cause__)


def test_listdir_skips_directory_markers(storage: S3Storage, raw: Any) -> None:
    raw.put_object(Bucket=BUCKET, Key=f"{storage.location_prefix}/photos/", Body=b"")
    raw.put_object(Bucket=BUCKET, Key=f"{storage.location_prefix}/photos/a.jpg", Body=b"x")
    raw.put_object(Bucket=BUCKET, Key=f"{storage.location_prefix}/photos/2026/", Body=b"")
    assert storage.listdir("photos") == (["2026"], ["a.jpg"])
    assert storage.listdir("") == (["photos"], [])


def test_listing_times_match_a_plain_clients(storage: S3Storage, raw: Any) -> None:
    """Timestamps are parsed without dateutil: the same instants as botocore's."""
    storage.save("dated/a.txt", ContentFile(b"a"))
    listed = raw.list_objects_v2(Bucket=BUCKET, Prefix=storage._key("dated/"))["Contents"]
    ours = {entry.name: entry.modified for entry in storage.listing("dated")}
    assert ours == {"dated/a.txt": listed[0]["LastModified"]}
    assert ours["dated/a.txt"].tzinfo is not None
    head = raw.head_object(Bucket=BUCKET, Key=storage._key("dated/a.txt"))  # an HTTP date
    assert storage.stat("dated/a.txt").modified == head["LastModified"]
