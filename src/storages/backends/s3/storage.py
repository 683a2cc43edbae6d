"""Amazon S3 and S3-compatible services, through boto3."""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any, ClassVar, cast
from urllib.parse import quote

from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation

from storages import paths
from storages.backends._cloud import (
    DEFAULT_CONTENT_TYPE,
    OBJECT_STORE_FEATURES,
    content_headers,
    name_encoding,
)
from storages.backends.s3 import cloudfront
from storages.backends.s3.connection import S3Connection, endpoint_url
from storages.backends.s3.errors import ERRORS
from storages.backends.s3.options import (
    SSE_C_PARAMETERS,
    S3Options,
    configuration_warnings,
    headers_to_parameters,
)
from storages.backends.s3.streams import ObjectReader
from storages.backends.s3.uploads import MultipartPlan, ObjectWriter
from storages.base import BaseStorage
from storages.digests import md5_etag
from storages.entries import Entry
from storages.features import Feature
from storages.files import RemoteFile, Writer

__all__ = ["S3File", "S3Storage"]

#: Object parameters sent with every request about an object, not only with its upload.
_REQUEST_PARAMETERS = (*SSE_C_PARAMETERS, "RequestPayer", "ExpectedBucketOwner")
#: The client operation each HTTP method presigns; other methods (POST, ...) presign a GET's
#: parameters with that method, as 1.x did.
_PRESIGNED_OPERATIONS = {
    "GET": "get_object",
    "HEAD": "head_object",
    "PUT": "put_object",
    "DELETE": "delete_object",
}


class S3File(RemoteFile):
    """A file of an :class:`S3Storage` (see :class:`storages.files.RemoteFile`).

    Also built the 1.x way, ``S3File(name, mode, storage, buffer_size=None)``; ``obj`` is the
    boto3 ``Object`` and ``buffer_size`` the multipart part size, as in 1.x.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The buffer size is the one number among the arguments (see file_arguments), picked
        # out here without parsing them twice: opening a file is on every read's path.
        buffer_size = kwargs.get("buffer_size") or next(
            (arg for arg in args if isinstance(arg, int)), None
        )
        super().__init__(*args, **kwargs)
        storage = cast(S3Storage, self._storage)
        self.buffer_size: int = buffer_size or storage.options.file_buffer_size

    @property
    def obj(self) -> Any:
        """Return the boto3 ``Object`` resource of this file."""
        storage = cast(S3Storage, self._storage)
        return storage.bucket.Object(storage._key(self.name or ""))


def _etag(response: dict[str, Any]) -> str | None:
    return str(response.get("ETag", "")).strip('"') or None


class S3Storage(BaseStorage[S3Options]):
    """Store files as objects of one S3 bucket (or any S3-compatible service).

    Reads stream (``read()`` and ``read(1024)`` are one GET each), small saves are one PUT and large
    ones multipart with a few parts in memory, ``url()`` never makes a request.
    """

    options_class = S3Options
    errors = ERRORS
    file_class = S3File
    client_per_thread = False  # boto3 clients are thread-safe; resources are not
    # botocore prints signed headers (access key ID, session token, SSE-C key) at DEBUG.
    secret_loggers = ("botocore.endpoint", "botocore.auth", "urllib3.connectionpool")
    features: ClassVar[Feature] = OBJECT_STORE_FEATURES
    #: The content type of a file whose type is neither given nor guessed from its name.
    default_content_type: str = DEFAULT_CONTENT_TYPE

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        for message, category in configuration_warnings(self):
            # stacklevel 2: the line that created the storage.
            warnings.warn(message, category, stacklevel=2)

    def _start(self) -> None:
        super()._start()
        # Built again where a pickled copy is loaded, and when an option is assigned.
        self._connection = S3Connection(lambda: self.options)

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
        self._check_required()
        return self._connection.resource()

    @property
    def unsigned_connection(self) -> Any:
        """Return this thread's boto3 S3 resource that sends unsigned requests (1.x's)."""
        self._check_required()
        return self._connection.resource(unsigned=True)

    @property
    def bucket(self) -> Any:
        """Return the boto3 ``Bucket`` resource of this storage."""
        return self.connection.Bucket(self.options.bucket_name)

    def _check_required(self) -> None:
        self.options.check_required(type(self).__name__)

    def error_context(self) -> str:
        """Name the bucket and endpoint in errors (never the credentials)."""
        return f"S3 bucket {self.options.bucket_name!r} at {self.endpoint or 'AWS'}"

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

    def _request_parameters(self, key: str) -> dict[str, Any]:
        """Return the object parameters of *key* that every request about it carries: the
        SSE-C customer key above all (S3 refuses to read such an object without it)."""
        opts = self.options
        plain = type(self).get_object_parameters is S3Storage.get_object_parameters
        if plain and not opts.object_parameters and not opts.headers:
            return {}  # nothing to carry: no name to split, no parameters to build
        try:
            name = paths.split_key(self.location_prefix, key)
        except SuspiciousFileOperation:  # a key a _normalize_name override put elsewhere
            name = key
        params = self.get_object_parameters(name)
        return {k: params[k] for k in _REQUEST_PARAMETERS if k in params}

    def get_cloudfront_signer(self, key_id: str, key: str | bytes) -> Any:
        """Return the ``CloudFrontSigner`` of a key pair (1.x's method, cached per key)."""
        return cloudfront.signer_from_pem(key_id, key)

    def _cloudfront_signer(self) -> Any:
        """Return the CloudFront signer of custom-domain URLs: the ``cloudfront_signer``
        option, else one built from ``cloudfront_key_id`` and ``cloudfront_key``, else None."""
        opts = self.options
        if opts.cloudfront_signer is not None:
            return opts.cloudfront_signer
        if opts.cloudfront_key_id and opts.cloudfront_key:
            return self.get_cloudfront_signer(opts.cloudfront_key_id, opts.cloudfront_key)
        if opts.cloudfront_key_id or opts.cloudfront_key:
            raise ImproperlyConfigured(
                "AWS_CLOUDFRONT_KEY_ID (cloudfront_key_id) and AWS_CLOUDFRONT_KEY "
                "(cloudfront_key) must be set together"
            )
        return None

    # -- URLs ------------------------------------------------------------------------------------
    def url(
        self,
        name: str | None,
        parameters: dict[str, Any] | None = None,
        expire: int | timedelta | None = None,
        http_method: str | None = None,
        **kwargs: Any,
    ) -> str:
        """Return the URL of *name*: signed (for *expire* seconds, default
        ``querystring_expire``), for *http_method*, with *parameters* (1.x's arguments, in
        1.x's order)."""
        given = {"parameters": parameters, "expire": expire, "http_method": http_method}
        kwargs.update({key: value for key, value in given.items() if value is not None})
        return super().url(name, **kwargs)

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
        self.client.head_bucket(Bucket=self.options.bucket_name)

    def _open_stream(self, key: str, offset: int) -> ObjectReader:
        return ObjectReader(
            self.client,
            str(self.options.bucket_name),
            key,
            offset,
            params=self._request_parameters(key),
            # x.tar.gz: the gzip bytes are the content, whatever Content-Encoding says.
            inflate=name_encoding(key) != "gzip",
        )

    def _open_writer(self, key: str, name: str, content_type: str | None) -> Writer:
        params = self.get_object_parameters(name)
        if "ContentType" not in params:
            params["ContentType"], encoding = content_headers(
                name, content_type, self.default_content_type
            )
            if encoding:
                params["ContentEncoding"] = encoding
        opts = self.options
        gzip = bool(
            opts.gzip
            and params["ContentType"] in opts.gzip_content_types
            and "ContentEncoding" not in params
        )
        if gzip:
            params["ContentEncoding"] = "gzip"
        return ObjectWriter(
            self.client,
            str(opts.bucket_name),
            key,
            params,
            plan=self._plan(),
            exclusive=not self.overwrites_files and opts.conditional_writes,
            gzip=gzip,
            part_params={k: params[k] for k in _REQUEST_PARAMETERS if k in params},
        )

    def _delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.options.bucket_name, Key=key)

    def _stat(self, key: str) -> Entry | None:
        bucket, params = self.options.bucket_name, self._request_parameters(key)
        head = self.errors.missing_as_none(
            lambda: self.client.head_object(Bucket=bucket, Key=key, **params)
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
        for page in self._pages(prefix, Delimiter="/"):
            for common in page.get("CommonPrefixes", ()):
                dirs.append(common["Prefix"][len(prefix) :].rstrip("/"))
            for entry in page.get("Contents", ()):
                name = entry["Key"][len(prefix) :]
                if name:  # the key equal to the prefix is a directory marker
                    files.append(name)
        return dirs, files

    def _iter_entries(self, prefix: str) -> Iterator[Entry]:
        for page in self._pages(prefix):
            for item in page.get("Contents", ()):
                if not item["Key"].endswith("/"):
                    size, modified = int(item["Size"]), item.get("LastModified")
                    yield Entry(item["Key"], size, digest=_etag(item), modified=modified)

    def _pages(self, prefix: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        paginator = self.client.get_paginator("list_objects_v2")
        yield from paginator.paginate(Bucket=self.options.bucket_name, Prefix=prefix, **kwargs)

    def content_digest(self, chunks: Iterable[bytes]) -> tuple[str | None, int]:
        """Return the ETag S3 gives content made of *chunks* when this storage uploads it.

        One PUT (under the multipart threshold): the MD5. Multipart: the MD5 of the parts'
        MD5s and ``-<parts>``, with this storage's part size. Gzip-encoded uploads have no
        predictable ETag: None.
        """
        if self.options.gzip:
            return None, sum(len(chunk) for chunk in chunks)
        plan = self._plan()
        if plan.threshold > plan.part_size:
            # Sizes from one part to the threshold are single PUTs: the whole MD5 is needed too.
            whole = hashlib.md5(usedforsecurity=False)

            def tee() -> Iterator[bytes]:
                for chunk in chunks:
                    whole.update(chunk)
                    yield chunk

            etag, size = md5_etag(tee(), plan.part_size)
            if size < plan.threshold:
                return whole.hexdigest(), size
        else:
            # Under the threshold is under one part: md5_etag's answer is the whole MD5.
            etag, size = md5_etag(chunks, plan.part_size)
            if size < plan.threshold:
                return etag, size
        if "-" not in etag:  # multipart, in one part smaller than the part size
            etag = hashlib.md5(bytes.fromhex(etag), usedforsecurity=False).hexdigest() + "-1"
        return etag, size

    def _plan(self) -> MultipartPlan:
        """Return how this storage cuts a save into parts."""
        opts = self.options
        return MultipartPlan.of(opts.file_buffer_size, opts.transfer_config, opts.use_threads)

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
            signer = self._cloudfront_signer() if opts.querystring_auth else None
            return cloudfront.custom_domain_url(opts, key, parameters, signer, seconds)
        method = (http_method or "GET").upper()
        if not method.isalpha():
            raise ValueError(f"Invalid http_method {http_method!r}")
        if not opts.bucket_name:  # the one required option: checked here, cheaply
            self._check_required()
        bucket = str(opts.bucket_name)
        if not opts.querystring_auth and not parameters and method == "GET":
            return self._connection.unsigned_url_base(bucket) + quote(key, safe="/~")
        params = {"Bucket": bucket, "Key": key, **(parameters or {})}
        client = self.client if opts.querystring_auth else self._connection.unsigned_client()
        operation = _PRESIGNED_OPERATIONS.get(method, "get_object")
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
                self.options.bucket_name,
                key,
                fields,
                conditions,
                expire or self.options.querystring_expire,
            )
        )

    # -- server-side operations ----------------------------------------------------------------
    def copy(self, from_name: str, to_name: str) -> str:
        """Copy *from_name* to *to_name* inside the bucket, without downloading it (an SSE-C
        object is read with its key and the copy encrypted with the target's)."""
        bucket = self.options.bucket_name
        source_key, target = self._key(from_name), self._key(to_name)
        source = {"Bucket": bucket, "Key": source_key}
        extra = self._request_parameters(target)
        for name, value in self._request_parameters(source_key).items():
            if name in SSE_C_PARAMETERS:
                extra[f"CopySource{name}"] = value
        self._call(from_name, self.client.copy, source, bucket, target, ExtraArgs=extra)
        return to_name

    def move(self, from_name: str, to_name: str) -> str:
        """Move *from_name* to *to_name* (a server-side copy, then a delete)."""
        self.copy(from_name, to_name)
        self.delete(from_name)
        return to_name
