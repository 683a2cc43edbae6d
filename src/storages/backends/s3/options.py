"""Options of the S3 backend: every setting django-storages has documented, boto era included."""

from __future__ import annotations

import base64
import codecs
import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from storages.backends._cloud import DEFAULT_GZIP_CONTENT_TYPES
from storages.options import BaseOptions, option
from storages.secrets import redact

__all__ = [
    "DEFAULT_GZIP_CONTENT_TYPES",
    "LEGACY_SETTINGS",
    "SSE_C_PARAMETERS",
    "S3Options",
    "configuration_warnings",
    "headers_to_parameters",
]


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


def configuration_warnings(options: Any) -> list[tuple[str, type[Warning]]]:
    """Return the warnings a storage with *options* gives when created: each boto-era setting,
    the deprecated ``use_threads`` (as 1.14 warned) and a file name charset that does nothing.

    *options* is an :class:`S3Options` or a storage (read through its option attributes, so
    that a ``location`` property is not called before it is used)."""
    found: list[tuple[str, type[Warning]]] = [
        (f"{old} is a boto-era setting; use {new} instead", DeprecationWarning)
        for name, (old, new) in LEGACY_SETTINGS.items()
        if getattr(options, name) is not None
    ]
    if getattr(type(options), "config", None) is not None:  # a subclass's class attribute
        found.append(
            (
                "The 'config' class attribute is deprecated (as in django-storages 1.14): use "
                "AWS_S3_CLIENT_CONFIG or the client_config option",
                DeprecationWarning,
            )
        )
    if not options.use_threads:
        found.append(
            (
                "AWS_S3_USE_THREADS is deprecated (as in django-storages 1.14): use "
                "AWS_S3_TRANSFER_CONFIG = TransferConfig(use_threads=False)",
                DeprecationWarning,
            )
        )
    charset = options.file_name_charset
    if charset and codecs.lookup(charset).name != "utf-8":
        message = f"AWS_S3_FILE_NAME_CHARSET={charset!r} changes nothing: S3 keys are UTF-8"
        found.append((message, UserWarning))
    return found


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


def _unset_if_false(value: Any) -> Any:
    """Read ``False`` and ``""`` as "not set", as 1.x did (``custom_domain = False``)."""
    return None if value is False or value == "" else value


def _url_protocol(value: Any) -> Any:
    """Read ``None`` and ``""`` as the default ``https:``, as 1.x did."""
    return value or "https:"


def _checksum_mode(value: Any) -> Any:
    """Accept botocore's two checksum modes, in any case."""
    if value is None:
        return None
    mode = str(value).lower()
    if mode not in ("when_supported", "when_required"):
        raise ValueError(f"expected 'when_supported' or 'when_required', got {value!r}")
    return mode


def _charset(value: Any) -> Any:
    if value is not None:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown charset {value!r}") from None
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
    client_config: Any = option(None, setting="AWS_S3_CLIENT_CONFIG", aliases="config")
    """A ``botocore.config.Config`` merged into the client's own, which waits at most 10 s to
    connect and 60 s per read (``connect_timeout``, ``read_timeout``) and retries in botocore's
    ``standard`` mode; e.g. ``Config(read_timeout=5)`` fails a stalled request sooner. (1.x's
    deprecated ``config`` class attribute sets it too.)"""
    request_checksum_calculation: str | None = option(
        None, setting="AWS_S3_REQUEST_CHECKSUM_CALCULATION", convert=_checksum_mode
    )
    """botocore's ``request_checksum_calculation``: ``'when_required'`` stops the CRC32
    checksums boto3 1.36 and later send with every upload, which several S3-compatible
    services refuse; None leaves boto3's default (``'when_supported'``)."""
    response_checksum_validation: str | None = option(
        None, setting="AWS_S3_RESPONSE_CHECKSUM_VALIDATION", convert=_checksum_mode
    )
    """botocore's ``response_checksum_validation``: ``'when_required'`` validates a download's
    checksum only when asked; None leaves boto3's default (``'when_supported'``)."""
    transfer_config: Any = option(None, setting="AWS_S3_TRANSFER_CONFIG")
    """A ``boto3.s3.transfer.TransferConfig``: its ``multipart_chunksize`` is the part size
    (instead of ``file_buffer_size``), ``multipart_threshold`` the size from which a save is
    multipart, ``max_concurrency`` the parts uploaded at once and ``use_threads=False`` one at a
    time; the parts held in memory stay within 64 MiB (or two parts, if larger)."""
    use_threads: bool = option(True, setting="AWS_S3_USE_THREADS")
    """Upload the parts of a multipart save in parallel; False uploads one at a time (1.x
    deprecated this setting for ``transfer_config``)."""

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
    conditional_writes: bool = option(True, setting="AWS_S3_CONDITIONAL_WRITES")
    """Send saves that must not replace a file (``file_overwrite`` False) with
    ``If-None-Match: *``, so S3 refuses them if another process took the name meanwhile; turn
    off for a service that refuses the header (a save then only checks the name first)."""
    file_name_charset: str | None = option(
        None, setting="AWS_S3_FILE_NAME_CHARSET", convert=_charset
    )
    """1.x setting, accepted and ignored: S3 keys are UTF-8 (a warning says so if another
    charset is set)."""
    max_memory_size: int = option(0, setting="AWS_S3_MAX_MEMORY_SIZE")
    """Bytes a write keeps in memory before spooling to disk (0: the part size)."""
    file_buffer_size: int = option(8 * 1024 * 1024, setting="AWS_S3_FILE_BUFFER_SIZE")
    """Size of multipart upload parts, and the size from which a save is multipart: 8 MiB,
    boto3's ``upload_fileobj`` default (at least 5 MiB, S3's minimum)."""

    # -- URLs --------------------------------------------------------------------------------
    querystring_auth: bool = option(True, setting="AWS_QUERYSTRING_AUTH")
    """Sign URLs (presigned); False for public buckets."""
    querystring_expire: int = option(3600, setting="AWS_QUERYSTRING_EXPIRE", convert=_seconds)
    """Seconds a signed URL stays valid."""
    custom_domain: str | None = option(
        None, setting="AWS_S3_CUSTOM_DOMAIN", convert=_unset_if_false
    )
    """Domain serving the bucket (a CDN such as CloudFront): URLs are built on it (``False``,
    as the 1.x documentation writes it for private media, means none)."""
    url_protocol: str = option("https:", setting="AWS_S3_URL_PROTOCOL", convert=_url_protocol)
    """Scheme of custom-domain URLs (None means the default)."""
    cloudfront_key_id: str | None = option(None, setting="AWS_CLOUDFRONT_KEY_ID")
    """CloudFront key pair ID for signed custom-domain URLs."""
    cloudfront_key: str | bytes | None = option(None, setting="AWS_CLOUDFRONT_KEY", secret=True)
    """PEM private key matching ``cloudfront_key_id``."""
    cloudfront_signer: Any = option(None)
    """A ``botocore.signers.CloudFrontSigner`` of your own, used instead of the key pair."""

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

    def embedded_secrets(self) -> list[str]:
        """Return the secrets inside options that are not secret as a whole: an SSE-C customer
        key in ``object_parameters`` and the credentials of proxy URLs, in every form they
        take in messages and logs."""
        proxies = [*(self.proxies or {}).values(), self.proxy_host or ""]
        return [
            *_customer_key_forms(self.object_parameters),
            *(form for url in proxies for form in _proxy_credential_forms(url)),
        ]

    def secret_values(self) -> list[str]:
        """Return the secret options' values and the :meth:`embedded_secrets`."""
        return [*super().secret_values(), *self.embedded_secrets()]

    def __repr__(self) -> str:
        return redact(super().__repr__(), self.embedded_secrets())


#: The object parameters of SSE-C, sent on every request that reads or writes an object.
SSE_C_PARAMETERS = ("SSECustomerAlgorithm", "SSECustomerKey", "SSECustomerKeyMD5")


def _customer_key_forms(params: Mapping[str, Any]) -> Iterator[str]:
    key = params.get("SSECustomerKey")
    if isinstance(key, (str, bytes)) and key:
        raw = key.encode() if isinstance(key, str) else key
        yield key if isinstance(key, str) else repr(key)[2:-1]
        yield base64.b64encode(raw).decode()  # the header botocore sends


def _proxy_credential_forms(url: str) -> Iterator[str]:
    parts = urlsplit(url if "//" in url else f"//{url}")
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    if userinfo:
        yield userinfo
        if parts.password:
            yield parts.password
            yield unquote(parts.password)
        user, password = unquote(parts.username or ""), unquote(parts.password or "")
        yield base64.b64encode(f"{user}:{password}".encode()).decode()  # Proxy-Authorization
