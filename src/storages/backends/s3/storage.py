"""Amazon S3 and S3-compatible services, through boto3."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar
from urllib.parse import quote

from django.core.exceptions import ImproperlyConfigured

from storages.backends._cloud import OBJECT_STORE_FEATURES
from storages.backends.s3.connection import S3Connection, endpoint_url
from storages.backends.s3.errors import ERRORS
from storages.backends.s3.options import LEGACY_SETTINGS, S3Options, headers_to_parameters
from storages.backends.s3.streams import ObjectReader, ObjectWriter
from storages.base import BaseStorage
from storages.digests import md5_etag
from storages.entries import Entry
from storages.features import Feature
from storages.files import RemoteFile, Writer

__all__ = ["S3File", "S3Storage"]


class S3File(RemoteFile):
    """A file of an :class:`S3Storage` (see :class:`storages.files.RemoteFile`)."""


def _etag(response: dict[str, Any]) -> str | None:
    return str(response.get("ETag", "")).strip('"') or None


class S3Storage(BaseStorage[S3Options]):
    """Store files as objects of one S3 bucket (or any S3-compatible service).

    Reads stream (``read(1024)`` is one small ranged GET), small saves are one PUT and large
    ones multipart with a few parts in memory, ``url()`` never makes a request.
    """

    options_class = S3Options
    errors = ERRORS
    file_class = S3File
    client_per_thread = False  # boto3 clients are thread-safe; resources are not
    # botocore prints signed headers (access key ID, session token) at DEBUG.
    secret_loggers = ("botocore.endpoint", "botocore.auth", "urllib3.connectionpool")
    features: ClassVar[Feature] = OBJECT_STORE_FEATURES

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

    def _start(self) -> None:
        super()._start()
        # Built again where a pickled copy is loaded: it holds locks and per-thread resources.
        self._connection = S3Connection(self.options, self.endpoint)

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_connection", None)
        return state

    # -- configuration derived from the options ------------------------------------------------
    @property
    def endpoint(self) -> str | None:
        """Return the endpoint URL, translating the boto-era host and port."""
        return endpoint_url(self.options)

    def _create_client(self) -> Any:
        return self._connection.client()

    @property
    def connection(self) -> Any:
        """Return this thread's boto3 S3 resource (what 1.x called the connection)."""
        return self._connection.resource()

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

    def _delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket_name, Key=key)

    def _stat(self, key: str) -> Entry | None:
        head = self.errors.missing_as_none(
            lambda: self.client.head_object(Bucket=self.bucket_name, Key=key)
        )
        if head is None:
            return None
        return Entry(
            key,
            int(head["ContentLength"]),
            digest=_etag(head),
            modified=head.get("LastModified"),
            content_type=head.get("ContentType"),
        )

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

    def _iter_entries(self, prefix: str) -> Iterator[Entry]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket_name, Prefix=prefix):
            for item in page.get("Contents", ()):
                if not item["Key"].endswith("/"):
                    size, modified = int(item["Size"]), item.get("LastModified")
                    yield Entry(item["Key"], size, digest=_etag(item), modified=modified)

    def content_digest(self, chunks: Iterable[bytes]) -> tuple[str | None, int]:
        """Return the ETag S3 gives content made of *chunks* when this storage uploads it.

        One PUT: the MD5. Multipart: the MD5 of the parts' MD5s and ``-<parts>``, with this
        storage's part size. Gzip-encoded uploads have no predictable ETag: None.
        """
        if self.options.gzip:
            return None, sum(len(chunk) for chunk in chunks)
        return md5_etag(chunks, max(self._part_size()[0], 5 * 1024 * 1024))

    def _part_size(self) -> tuple[int, int]:
        """Return the multipart part size and how many parts upload at once."""
        opts = self.options
        part_size, concurrency = opts.file_buffer_size, 4
        if opts.transfer_config is not None:
            part_size = int(getattr(opts.transfer_config, "multipart_chunksize", part_size))
            concurrency = int(getattr(opts.transfer_config, "max_concurrency", concurrency))
        return part_size, concurrency

    # -- URLs ----------------------------------------------------------------------------------
    def _object_url(
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
            return self._connection.unsigned_url_base(self.bucket_name) + quote(key, safe="/~")
        params = {"Bucket": self.bucket_name, "Key": key, **(parameters or {})}
        operation = {"GET": "get_object", "HEAD": "head_object", "PUT": "put_object"}.get(method)
        if operation is None:
            raise ValueError(f"Unsupported http_method {http_method!r}: use GET, HEAD or PUT")
        client = self.client if opts.querystring_auth else self._connection.unsigned_client()
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
