"""S3 URLs: presigned methods, custom domains with parameters, CloudFront signers."""

from __future__ import annotations

import base64
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from botocore import UNSIGNED
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.test import override_settings

from storages.backends.s3 import S3Storage
from storages.backends.s3.cloudfront import signer_from_pem


@pytest.fixture
def storage(s3_options: dict[str, Any]) -> Iterator[S3Storage]:
    with S3Storage(**s3_options) as storage:
        yield storage


def send(url: str, method: str) -> int:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.fixture(scope="module")
def key_pair() -> tuple[Any, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return key, pem.decode()


def verify_cloudfront_signature(url: str, key: Any) -> None:
    """Check a canned-policy CloudFront URL against the public key, as CloudFront would."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    resource, _, query = url.partition("?")
    params = urllib.parse.parse_qs(query)
    signed = {"Expires", "Signature", "Key-Pair-Id"}
    kept = [(k, v) for k, v in urllib.parse.parse_qsl(query) if k not in signed]
    if kept:
        resource += "?" + urllib.parse.urlencode(kept)
    expires = int(params["Expires"][0])
    policy = (
        f'{{"Statement":[{{"Resource":"{resource}",'
        f'"Condition":{{"DateLessThan":{{"AWS:EpochTime":{expires}}}}}}}]}}'
    )
    signature = params["Signature"][0].replace("-", "+").replace("_", "=").replace("~", "/")
    key.public_key().verify(
        base64.b64decode(signature), policy.encode(), padding.PKCS1v15(), hashes.SHA1()
    )


# -- presigned methods ----------------------------------------------------------------------------
def test_presigned_delete_and_other_methods(storage: S3Storage) -> None:
    storage.save("doomed.txt", ContentFile(b"x"))
    head = storage.url("doomed.txt", http_method="head")
    assert send(head, "HEAD") == 200
    delete = storage.url("doomed.txt", http_method="DELETE")
    assert send(delete, "DELETE") == 204
    assert not storage.exists("doomed.txt")
    post = storage.url("doomed.txt", http_method="POST")  # 1.x signed a GET's parameters
    assert "X-Amz-Signature=" in post
    with pytest.raises(ValueError, match="http_method"):
        storage.url("doomed.txt", http_method="GET /x")


# -- custom domains -------------------------------------------------------------------------------
def test_custom_domain_urls_carry_the_parameters(s3_options: dict[str, Any]) -> None:
    storage = S3Storage(custom_domain="cdn.example.com", querystring_auth=False, **s3_options)
    url = storage.url("a b.pdf", parameters={"response-content-disposition": "attachment"})
    location = s3_options["location"]
    assert url == (
        f"https://cdn.example.com/{location}/a%20b.pdf?response-content-disposition=attachment"
    )


def test_cloudfront_signs_the_parameters_too(
    s3_options: dict[str, Any], key_pair: tuple[Any, str]
) -> None:
    key, pem = key_pair
    storage = S3Storage(
        custom_domain="d111.cloudfront.net",
        cloudfront_key_id="APKAEXAMPLE",
        cloudfront_key=pem,
        **s3_options,
    )
    url = storage.url("img.png", parameters={"width": "200"}, expire=60)
    assert "width=200" in url and "Key-Pair-Id=APKAEXAMPLE" in url
    verify_cloudfront_signature(url, key)


def test_a_cloudfront_signer_of_ones_own(
    s3_options: dict[str, Any], key_pair: tuple[Any, str]
) -> None:
    key, pem = key_pair
    signer = signer_from_pem("APKAOWN", pem)
    storage = S3Storage(custom_domain="cdn.example.com", cloudfront_signer=signer, **s3_options)
    url = storage.url("own.png")
    assert "Key-Pair-Id=APKAOWN" in url
    verify_cloudfront_signature(url, key)
    assert storage.get_cloudfront_signer("APKAOWN", pem) is signer  # cached per key


def test_half_a_cloudfront_key_pair_is_refused_when_used(s3_options: dict[str, Any]) -> None:
    storage = S3Storage(custom_domain="cdn.example.com", cloudfront_key_id="APKAHALF", **s3_options)
    with pytest.raises(ImproperlyConfigured, match="AWS_CLOUDFRONT_KEY"):
        storage.url("x.png")


def test_custom_domain_false_and_protocol_none_mean_unset(s3_options: dict[str, Any]) -> None:
    # The "private media" pattern of the 1.x tutorials.
    class PrivateMediaStorage(S3Storage):
        custom_domain = False

    with override_settings(AWS_S3_URL_PROTOCOL=None, AWS_S3_CUSTOM_DOMAIN=False):
        private = PrivateMediaStorage(**s3_options)
        default = S3Storage(**s3_options)
        public = S3Storage(**{**s3_options, "custom_domain": "cdn.example.com"})
    assert "X-Amz-Signature=" in private.url("x.txt")
    assert default.options.custom_domain is None
    assert public.url("x.txt").startswith("https://cdn.example.com/")
    assert default.options.url_protocol == "https:"


def test_unsigned_connection(storage: S3Storage) -> None:
    storage.save("public.txt", ContentFile(b"p"))
    unsigned = storage.unsigned_connection
    assert unsigned.meta.client.meta.config.signature_version is UNSIGNED
    url = unsigned.meta.client.generate_presigned_url(
        "get_object", Params={"Bucket": storage.options.bucket_name, "Key": "x"}
    )
    assert "Signature" not in url
    assert storage.unsigned_connection is unsigned  # one per thread, as 1.x kept it


def test_1x_positional_url_arguments(storage: S3Storage) -> None:
    url = storage.url("x.txt", {"ResponseContentType": "text/csv"}, 60, "GET")
    assert "X-Amz-Expires=60" in url and "response-content-type=text%2Fcsv" in url
