"""Options of the S3 backend: every setting django-storages has documented, boto era included."""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from storages.backends._cloud import DEFAULT_GZIP_CONTENT_TYPES
from storages.options import BaseOptions, option

__all__ = ["DEFAULT_GZIP_CONTENT_TYPES", "LEGACY_SETTINGS", "S3Options", "headers_to_parameters"]


#: Boto-era settings, the modern option each becomes, for the deprecation warning.
LEGACY_SETTINGS = {
    "headers": ("AWS_HEADERS", "AWS_S3_OBJECT_PARAMETERS"),
    "calling_format": ("AWS_S3_CALLING_FORMAT / AWS_CALLING_FORMAT", "AWS_S3_ADDRESSING_STYLE"),
    "host": ("AWS_S3_HOST", "AWS_S3_ENDPOINT_URL"),
    "port": ("AWS_S3_PORT", "AWS_S3_ENDPOINT_URL"),
    "reduced_redundancy": ("AWS_REDUCED_REDUNDANCY", "AWS_S3_OBJECT_PARAMETERS['StorageClass']"),
    "origin": ("AWS_ORIGIN", "AWS_S3_REGION_NAME"),
    "use_sigv4": ("S3_USE_SIGV4", "AWS_S3_SIGNATURE_VERSION"),
    "proxy_host": ("AWS_S3_PROXY_HOST", "AWS_S3_PROXIES"),
    "proxy_port": ("AWS_S3_PROXY_PORT", "AWS_S3_PROXIES"),
    "secure_urls": ("AWS_S3_SECURE_URLS", "AWS_S3_URL_PROTOCOL"),
    "preload_metadata": ("AWS_PRELOAD_METADATA", "nothing (listings are cheap now)"),
}

#: HTTP header names of the boto era and the put_object parameter each became.
_HEADER_PARAMETERS = {
    "cache-control": "CacheControl",
    "content-disposition": "ContentDisposition",
    "content-encoding": "ContentEncoding",
    "content-language": "ContentLanguage",
    "content-type": "ContentType",
    "expires": "Expires",
    "x-amz-acl": "ACL",
    "x-amz-storage-class": "StorageClass",
    "x-amz-server-side-encryption": "ServerSideEncryption",
    "x-amz-website-redirect-location": "WebsiteRedirectLocation",
}


def headers_to_parameters(headers: dict[str, str]) -> dict[str, Any]:
    """Translate boto-era ``AWS_HEADERS`` into boto3 ``put_object`` parameters."""
    params: dict[str, Any] = {}
    for header, value in headers.items():
        lowered = header.lower()
        if lowered.startswith("x-amz-meta-"):
            params.setdefault("Metadata", {})[lowered[len("x-amz-meta-") :]] = value
        elif lowered in _HEADER_PARAMETERS:
            params[_HEADER_PARAMETERS[lowered]] = value
        else:
            raise ImproperlyConfigured(f"AWS_HEADERS: no S3 object parameter for header {header!r}")
    return params


def _endpoint(value: Any) -> Any:
    """Refuse an endpoint URL without an http(s) scheme or a host (botocore fails later)."""
    if isinstance(value, str) and value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"expected an http:// or https:// URL with a host, got {value!r}")
    return value


def _seconds(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected whole seconds, got {value!r}")
    return value


def _credential(*names: str, alias: str) -> Any:
    """Declare a secret read from the first of *names* set as a setting, else in the
    environment (``alias``: another keyword for it)."""
    return option(None, setting=names, env=names, secret=True, aliases=alias)


@dataclasses.dataclass(frozen=True, repr=False, kw_only=True)
class S3Options(BaseOptions):
    """Options of :class:`storages.backends.s3.S3Storage`."""

    # -- credentials and connection ----------------------------------------------------------
    access_key: str | None = _credential(
        "AWS_S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID", alias="access_key_id"
    )
    """Access key ID; unset, boto3 finds credentials itself (env, profile, instance role)."""
    secret_key: str | None = _credential(
        "AWS_S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY", alias="secret_access_key"
    )
    """Secret access key."""
    security_token: str | None = _credential(
        "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", alias="session_token"
    )
    """Session token of temporary credentials."""
    session_profile: str | None = option(
        None, setting="AWS_S3_SESSION_PROFILE", env="AWS_S3_SESSION_PROFILE"
    )
    """Named profile of the AWS config files to take credentials from."""
    bucket_name: str | None = option(
        None, setting="AWS_STORAGE_BUCKET_NAME", env="AWS_STORAGE_BUCKET_NAME", required=True
    )
    """Name of the bucket (required)."""
    region_name: str | None = option(None, setting="AWS_S3_REGION_NAME")
    """Region of the bucket."""
    endpoint_url: str | None = option(
        None, setting="AWS_S3_ENDPOINT_URL", env="AWS_S3_ENDPOINT_URL", convert=_endpoint
    )
    """URL of an S3-compatible service (MinIO, R2, Spaces, ...)."""
    use_ssl: bool = option(True, setting="AWS_S3_USE_SSL")
    """Talk to S3 over TLS."""
    verify: bool | str | None = option(None, setting="AWS_S3_VERIFY")
    """Verify TLS certificates: None (boto3's default), False, or a CA bundle path."""
    addressing_style: str | None = option(None, setting="AWS_S3_ADDRESSING_STYLE")
    """``'virtual'`` or ``'path'`` (None: boto3 chooses)."""
    signature_version: str = option("s3v4", setting="AWS_S3_SIGNATURE_VERSION")
    """Signature version; ``s3v4`` unless a legacy service needs another."""
    proxies: dict[str, str] | None = option(None, setting="AWS_S3_PROXIES")
    """Proxies by scheme, as botocore takes them."""
    client_config: Any = option(None, setting="AWS_S3_CLIENT_CONFIG")
    """A ``botocore.config.Config`` merged into the client's own, which waits at most 10 s to
    connect and 60 s per read (``connect_timeout``, ``read_timeout``) and retries in botocore's
    ``standard`` mode; e.g. ``Config(read_timeout=5)`` fails a stalled request sooner."""
    transfer_config: Any = option(None, setting="AWS_S3_TRANSFER_CONFIG")
    """A ``boto3.s3.transfer.TransferConfig``: ``multipart_chunksize`` sets the part size and
    ``max_concurrency`` the parts uploaded at once (default 4)."""

    # -- objects -------------------------------------------------------------------------------
    location: str = option("", setting="AWS_LOCATION")
    """Key prefix under which every name is stored."""
    file_overwrite: bool = option(True, setting="AWS_S3_FILE_OVERWRITE")
    """Replace a file saved under an existing name (False: add a suffix, created atomically)."""
    default_acl: str | None = option(None, setting="AWS_DEFAULT_ACL")
    """Canned ACL of new objects; None inherits the bucket's (1.x documented ``public-read``)."""
    bucket_acl: str | None = option(None, setting="AWS_BUCKET_ACL")
    """Canned ACL of a bucket created by ``auto_create_bucket``."""
    auto_create_bucket: bool = option(False, setting="AWS_AUTO_CREATE_BUCKET")
    """Create the bucket at first use if it does not exist."""
    object_parameters: dict[str, Any] = option(setting="AWS_S3_OBJECT_PARAMETERS", factory=dict)
    """Extra ``put_object`` parameters of every object, e.g. ``{"CacheControl": "max-age=60"}``."""
    encryption: bool = option(False, setting="AWS_S3_ENCRYPTION")
    """Ask for server-side encryption (AES256) of new objects."""
    gzip: bool = option(False, setting="AWS_IS_GZIPPED")
    """Compress objects whose content type is in ``gzip_content_types``."""
    gzip_content_types: tuple[str, ...] | list[str] = option(
        DEFAULT_GZIP_CONTENT_TYPES, setting="GZIP_CONTENT_TYPES"
    )
    """Content types compressed when ``gzip`` is on."""
    max_memory_size: int = option(0, setting="AWS_S3_MAX_MEMORY_SIZE")
    """Bytes a write keeps in memory before spooling to disk (0: the part size)."""
    file_buffer_size: int = option(5 * 1024 * 1024, setting="AWS_S3_FILE_BUFFER_SIZE")
    """Size of multipart upload parts (at least 5 MiB, S3's minimum)."""

    # -- URLs --------------------------------------------------------------------------------
    querystring_auth: bool = option(True, setting="AWS_QUERYSTRING_AUTH")
    """Sign URLs (presigned); False for public buckets."""
    querystring_expire: int = option(3600, setting="AWS_QUERYSTRING_EXPIRE", convert=_seconds)
    """Seconds a signed URL stays valid."""
    custom_domain: str | None = option(None, setting="AWS_S3_CUSTOM_DOMAIN")
    """Domain serving the bucket (a CDN such as CloudFront): URLs are built on it."""
    url_protocol: str = option("https:", setting="AWS_S3_URL_PROTOCOL")
    """Scheme of custom-domain URLs."""
    cloudfront_key_id: str | None = option(None, setting="AWS_CLOUDFRONT_KEY_ID")
    """CloudFront key pair ID for signed custom-domain URLs."""
    cloudfront_key: str | bytes | None = option(None, setting="AWS_CLOUDFRONT_KEY", secret=True)
    """PEM private key matching ``cloudfront_key_id``."""

    # -- boto-era settings, translated (each warns once) -------------------------------------
    headers: dict[str, str] | None = option(None, setting="AWS_HEADERS")
    """Boto era: HTTP headers for each object; use ``object_parameters``."""
    calling_format: str | None = option(
        None, setting=("AWS_S3_CALLING_FORMAT", "AWS_CALLING_FORMAT")
    )
    """Boto era: subdomain/vhost/path/ordinary calling format; use ``addressing_style``."""
    host: str | None = option(None, setting="AWS_S3_HOST")
    """Boto era: S3 host; use ``endpoint_url``."""
    port: int | None = option(None, setting="AWS_S3_PORT")
    """Boto era: S3 port; use ``endpoint_url``."""
    reduced_redundancy: bool | None = option(None, setting="AWS_REDUCED_REDUNDANCY")
    """Boto era: store with reduced redundancy; use ``object_parameters['StorageClass']``."""
    origin: str | None = option(None, setting="AWS_ORIGIN")
    """Boto era: bucket location; use ``region_name``."""
    use_sigv4: bool | None = option(None, setting="S3_USE_SIGV4")
    """Boto era: force SigV4; use ``signature_version``."""
    proxy_host: str | None = option(None, setting="AWS_S3_PROXY_HOST")
    """Boto era: proxy host; use ``proxies``."""
    proxy_port: int | None = option(None, setting="AWS_S3_PROXY_PORT")
    """Boto era: proxy port; use ``proxies``."""
    secure_urls: bool | None = option(None, setting="AWS_S3_SECURE_URLS")
    """Boto era: https URLs; use ``url_protocol``."""
    preload_metadata: bool | None = option(None, setting="AWS_PRELOAD_METADATA")
    """Boto era: preload the listing; no longer needed, ignored."""
