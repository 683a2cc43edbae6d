"""Amazon S3 and S3-compatible services, through boto3."""

from __future__ import annotations

import hashlib
import threading
import warnings
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from typing import IO, Any, ClassVar
from urllib.parse import quote

from django.core.exceptions import ImproperlyConfigured

from storages.backends.s3.errors import s3_errors
from storages.backends.s3.options import LEGACY_SETTINGS, S3Options
from storages.backends.s3.transfer import ObjectReader, ObjectWriter
from storages.base import BaseStorage
from storages.errors import MissingDependencyError
from storages.features import Feature
from storages.files import RemoteFile, Writer

try:
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError as exc:  # pragma: no cover - exercised without boto3 only
    raise MissingDependencyError("boto3", "s3") from exc

__all__ = ["S3File", "S3Storage"]

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

_CALLING_FORMATS = {"subdomain": "virtual", "vhost": "virtual", "path": "path", "ordinary": "path"}


class S3File(RemoteFile):
    """A file of an :class:`S3Storage` (see :class:`storages.files.RemoteFile`)."""


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


def addressing_of(calling_format: str) -> str:
    """Return the boto3 addressing style of a boto calling format (name or class path)."""
    lowered = calling_format.rsplit(".", 1)[-1].lower()
    for word, style in _CALLING_FORMATS.items():
        if word in lowered:
            return style
    raise ImproperlyConfigured(f"AWS_S3_CALLING_FORMAT: unknown calling format {calling_format!r}")


class S3Storage(BaseStorage[S3Options]):
    """Store files as objects of one S3 bucket (or any S3-compatible service).

    Reads stream (``read(1024)`` is one small ranged GET), small saves are one PUT and large
    ones multipart with a few parts in memory, ``url()`` never makes a request.
    """

    options_class = S3Options
    errors = s3_errors
    file_class = S3File
    client_per_thread = False  # boto3 clients are thread-safe; resources are not
    # botocore prints signed headers (access key ID, session token) at DEBUG.
    secret_loggers = ("botocore.endpoint", "botocore.auth", "urllib3.connectionpool")
    features: ClassVar[Feature] = (
        Feature.URL
        | Feature.SIGNED_URL
        | Feature.MODIFIED_TIME
        | Feature.LISTDIR
        | Feature.CONTENT_TYPE
        | Feature.ATOMIC_WRITE
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        opts = self.options
        if not opts.bucket_name:
            raise ImproperlyConfigured(
                f"{type(self).__name__} needs a bucket: set AWS_STORAGE_BUCKET_NAME "
                "(or the 'bucket_name' option)"
            )
        for name, (old, new) in LEGACY_SETTINGS.items():
            if getattr(opts, name) is not None:
                warnings.warn(
                    f"{old} is a boto-era setting; use {new} instead",
                    DeprecationWarning,
                    stacklevel=2,
                )
        self._resources = threading.local()
        self._unsigned_lock = threading.Lock()
        self._unsigned: Any = None
        self._bucket_checked = False

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._resources = threading.local()
        self._unsigned_lock = threading.Lock()
        self._unsigned = None

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        for live in ("_resources", "_unsigned_lock", "_unsigned", "_unsigned_url_base"):
            state.pop(live, None)
        return state

    # -- configuration derived from the options ------------------------------------------------
    @property
    def endpoint(self) -> str | None:
        """Return the endpoint URL, translating the boto-era host and port."""
        opts = self.options
        if opts.endpoint_url:
            return opts.endpoint_url
        if opts.host:
            scheme = "https" if opts.use_ssl else "http"
            port = f":{opts.port}" if opts.port else ""
            return f"{scheme}://{opts.host}{port}"
        return None

    def _config(self, *, unsigned: bool = False) -> Config:
        opts = self.options
        s3: dict[str, Any] = {}
        style = opts.addressing_style or (
            opts.calling_format and addressing_of(opts.calling_format)
        )
        if style:
            s3["addressing_style"] = style
        proxies = opts.proxies
        if proxies is None and opts.proxy_host:
            proxy = f"{opts.proxy_host}:{opts.proxy_port}" if opts.proxy_port else opts.proxy_host
            proxies = {"http": proxy, "https": proxy}
        config = Config(
            signature_version=UNSIGNED if unsigned else opts.signature_version,
            s3=s3 or None,
            proxies=proxies,
            connect_timeout=10,
            read_timeout=60,
            retries={"max_attempts": 3, "mode": "standard"},
        )
        if opts.client_config is not None:
            config = config.merge(opts.client_config)
        return config

    def _session(self) -> Any:
        opts = self.options
        if opts.session_profile:
            return boto3.session.Session(profile_name=opts.session_profile)
        return boto3.session.Session(
            aws_access_key_id=opts.access_key,
            aws_secret_access_key=opts.secret_key,
            aws_session_token=opts.security_token,
        )

    def _client_args(self) -> dict[str, Any]:
        opts = self.options
        return {
            "endpoint_url": self.endpoint,
            "region_name": opts.region_name or opts.origin,
            "use_ssl": opts.use_ssl,
            "verify": opts.verify,
        }

    def _create_client(self) -> Any:
        client = self._session().client("s3", config=self._config(), **self._client_args())
        if self.options.auto_create_bucket and not self._bucket_checked:
            self._ensure_bucket(client)
        return client

    def _ensure_bucket(self, client: Any) -> None:
        opts = self.options
        try:
            client.head_bucket(Bucket=opts.bucket_name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                raise
            args: dict[str, Any] = {"Bucket": opts.bucket_name}
            region = opts.region_name or opts.origin
            if region and region != "us-east-1":
                args["CreateBucketConfiguration"] = {"LocationConstraint": region}
            if opts.bucket_acl:
                args["ACL"] = opts.bucket_acl
            client.create_bucket(**args)
        self._bucket_checked = True

    @property
    def connection(self) -> Any:
        """Return this thread's boto3 S3 resource (what 1.x called the connection)."""
        resource = getattr(self._resources, "resource", None)
        if resource is None:
            resource = self._session().resource("s3", config=self._config(), **self._client_args())
            self._resources.resource = resource
        return resource

    @property
    def bucket(self) -> Any:
        """Return the boto3 ``Bucket`` resource of this storage."""
        return self.connection.Bucket(self.options.bucket_name)

    def error_context(self) -> str:
        """Name the bucket and endpoint in errors (never the credentials)."""
        return f"S3 bucket {self.bucket_name!r} at {self.endpoint or 'AWS'}"

    @property
    def bucket_name(self) -> str:
        """Return the bucket's name."""
        return str(self.options.bucket_name)

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        """Return the ``put_object`` parameters of *name*; override for per-file parameters."""
        opts = self.options
        params: dict[str, Any] = {}
        if opts.headers:
            params.update(headers_to_parameters(opts.headers))
        if opts.reduced_redundancy:
            params["StorageClass"] = "REDUCED_REDUNDANCY"
        if opts.encryption:
            params["ServerSideEncryption"] = "AES256"
        if opts.default_acl:
            params["ACL"] = opts.default_acl
        params.update(opts.object_parameters)
        return params

    # -- hooks -------------------------------------------------------------------------------
    def security_warnings(self) -> list[tuple[str, str]]:
        """Warn about public objects by default and unsigned URLs without a CDN."""
        found = []
        acl = self.options.default_acl or ""
        if acl.startswith("public-read"):
            found.append(
                (
                    "storages.W101",
                    f"AWS_DEFAULT_ACL={acl!r} makes every uploaded object public; leave it "
                    "unset to inherit the bucket's policy unless this storage is for public files",
                )
            )
        if not self.options.querystring_auth and not self.options.custom_domain:
            found.append(
                (
                    "storages.W102",
                    "AWS_QUERYSTRING_AUTH=False gives unsigned URLs: they work only if the "
                    "bucket is public; keep signing on for private media",
                )
            )
        return found

    def _check_reachable(self) -> None:
        self.client.head_bucket(Bucket=self.bucket_name)

    def _open_stream(self, key: str, offset: int) -> ObjectReader:
        return ObjectReader(self.client, self.bucket_name, key, offset, window=self.chunk_size)

    def _open_writer(self, key: str, name: str, content_type: str | None) -> Writer:
        params = self.get_object_parameters(name)
        if content_type and "ContentType" not in params:
            params["ContentType"] = content_type
        opts = self.options
        gzip = bool(opts.gzip and params.get("ContentType") in opts.gzip_content_types)
        if gzip:
            params["ContentEncoding"] = "gzip"
        part_size, concurrency = self._part_size()
        return ObjectWriter(
            self.client,
            self.bucket_name,
            key,
            params,
            part_size=part_size,
            concurrency=concurrency,
            exclusive=not self.overwrites_files,
            gzip=gzip,
        )

    def _upload(self, key: str, fileobj: IO[bytes], size: int, content_type: str | None) -> None:
        raise NotImplementedError("S3Storage writes through ObjectWriter")

    def _head(self, key: str) -> dict[str, Any]:
        return dict(self.client.head_object(Bucket=self.bucket_name, Key=key))

    def _delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket_name, Key=key)

    def _exists(self, key: str) -> bool:
        try:
            self._head(key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def _size(self, key: str) -> int:
        return int(self._head(key)["ContentLength"])

    def _modified_time(self, key: str) -> datetime:
        modified: datetime = self._head(key)["LastModified"]
        return modified if modified.tzinfo else modified.replace(tzinfo=timezone.utc)

    def _listdir(self, prefix: str) -> tuple[list[str], list[str]]:
        dirs: list[str] = []
        files: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket_name, Prefix=prefix, Delimiter="/"):
            for common in page.get("CommonPrefixes", ()):
                dirs.append(common["Prefix"][len(prefix) :].rstrip("/"))
            for entry in page.get("Contents", ()):
                name = entry["Key"][len(prefix) :]
                if name:  # the key equal to the prefix is a directory marker
                    files.append(name)
        return dirs, files

    def _iter_entries(self, prefix: str) -> Iterator[tuple[str, int, str | None, datetime | None]]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket_name, Prefix=prefix):
            for entry in page.get("Contents", ()):
                if not entry["Key"].endswith("/"):
                    etag = str(entry.get("ETag", "")).strip('"') or None
                    yield entry["Key"], int(entry["Size"]), etag, entry.get("LastModified")

    def content_digest(self, chunks: Iterable[bytes]) -> tuple[str | None, int]:
        """Return the ETag S3 gives content made of *chunks* when this storage uploads it.

        One PUT: the MD5. Multipart: the MD5 of the parts' MD5s and ``-<parts>``, with this
        storage's part size. Gzip-encoded uploads have no predictable ETag: None.
        """
        if self.options.gzip:
            return None, sum(len(chunk) for chunk in chunks)
        part_size = max(self._part_size()[0], 5 * 1024 * 1024)
        parts: list[bytes] = []
        current = hashlib.md5(usedforsecurity=False)
        filled = size = 0
        for chunk in chunks:
            view = memoryview(chunk)
            while view:
                take = view[: part_size - filled]
                current.update(take)
                filled += len(take)
                size += len(take)
                view = view[len(take) :]
                if filled == part_size:
                    parts.append(current.digest())
                    current, filled = hashlib.md5(usedforsecurity=False), 0
        if not parts:  # under one part: a single PUT
            return current.hexdigest(), size
        if filled:
            parts.append(current.digest())
        combined = hashlib.md5(b"".join(parts), usedforsecurity=False).hexdigest()
        return f"{combined}-{len(parts)}", size

    def _part_size(self) -> tuple[int, int]:
        """Return the multipart part size and how many parts upload at once."""
        opts = self.options
        part_size, concurrency = opts.file_buffer_size, 4
        if opts.transfer_config is not None:
            part_size = int(getattr(opts.transfer_config, "multipart_chunksize", part_size))
            concurrency = int(getattr(opts.transfer_config, "max_concurrency", concurrency))
        return part_size, concurrency

    # -- URLs ----------------------------------------------------------------------------------
    def _unsigned_base(self) -> str:
        """Return what every unsigned URL starts with, asking botocore once (not per URL)."""
        base: str | None = self.__dict__.get("_unsigned_url_base")
        if base is None:
            marker = "storages-url-marker"
            url = self._unsigned_client().generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket_name, "Key": marker}
            )
            base = str(url).split(marker, 1)[0]
            self.__dict__["_unsigned_url_base"] = base
        return base

    def _unsigned_client(self) -> Any:
        with self._unsigned_lock:
            if self._unsigned is None:
                self._unsigned = self._session().client(
                    "s3", config=self._config(unsigned=True), **self._client_args()
                )
            return self._unsigned

    def _url(
        self,
        key: str,
        parameters: dict[str, Any] | None = None,
        expire: int | timedelta | None = None,
        http_method: str | None = None,
        **unknown: Any,
    ) -> str:
        if unknown:
            raise TypeError(f"Unknown url() arguments: {', '.join(sorted(unknown))}")
        opts = self.options
        seconds = int(expire.total_seconds()) if isinstance(expire, timedelta) else expire
        if seconds is None:
            seconds = opts.querystring_expire
        if opts.custom_domain:
            protocol = "http:" if opts.secure_urls is False else opts.url_protocol
            url = f"{protocol}//{opts.custom_domain}/{quote(key)}"
            if opts.querystring_auth and opts.cloudfront_key_id and opts.cloudfront_key:
                from storages.backends.s3.cloudfront import sign_url

                expires = datetime.now(timezone.utc) + timedelta(seconds=seconds)
                return sign_url(url, opts.cloudfront_key_id, opts.cloudfront_key, expires)
            return url
        method = (http_method or "GET").upper()
        if not opts.querystring_auth and not parameters and method == "GET":
            return self._unsigned_base() + quote(key, safe="/~")
        params = {"Bucket": self.bucket_name, "Key": key, **(parameters or {})}
        operation = {"GET": "get_object", "HEAD": "head_object", "PUT": "put_object"}.get(method)
        if operation is None:
            raise ValueError(f"Unsupported http_method {http_method!r}: use GET, HEAD or PUT")
        client = self.client if opts.querystring_auth else self._unsigned_client()
        return str(
            client.generate_presigned_url(
                operation, Params=params, ExpiresIn=seconds, HttpMethod=method
            )
        )

    def generate_presigned_post(
        self,
        name: str,
        fields: dict[str, Any] | None = None,
        conditions: list[Any] | None = None,
        expire: int | None = None,
    ) -> dict[str, Any]:
        """Return the URL and form fields a browser needs to upload *name* directly to S3."""
        key = self._key(name)
        return dict(
            self._call(
                name,
                self.client.generate_presigned_post,
                self.bucket_name,
                key,
                fields,
                conditions,
                expire or self.options.querystring_expire,
            )
        )

    # -- server-side operations ----------------------------------------------------------------
    def copy(self, from_name: str, to_name: str) -> str:
        """Copy *from_name* to *to_name* inside the bucket, without downloading it."""
        source = {"Bucket": self.bucket_name, "Key": self._key(from_name)}
        target = self._key(to_name)
        self._call(from_name, self.client.copy, source, self.bucket_name, target)
        return to_name

    def move(self, from_name: str, to_name: str) -> str:
        """Move *from_name* to *to_name* (a server-side copy, then a delete)."""
        self.copy(from_name, to_name)
        self.delete(from_name)
        return to_name
