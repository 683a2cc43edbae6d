"""Google Cloud Storage, on the shared core: streamed reads, resumable chunked writes."""

from __future__ import annotations

import base64
import contextlib
import os
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import Any, cast
from urllib.parse import quote

from django.core.exceptions import ImproperlyConfigured

from storages import paths
from storages.backends._cloud import OBJECT_STORE_FEATURES, content_headers, name_encoding
from storages.backends.gcs import connection, streams
from storages.backends.gcs.errors import ERRORS
from storages.backends.gcs.options import GCSOptions, json_acl
from storages.backends.gcs.streams import BlobWriter
from storages.base import BaseStorage
from storages.digests import md5_etag
from storages.entries import Entry
from storages.features import Feature
from storages.files import ReadStream, RemoteFile

__all__ = ["GoogleCloudFile", "GoogleCloudStorage"]

#: Upload chunk of a resumable upload when ``GS_BLOB_CHUNK_SIZE`` is unset. The client's own
#: ``upload_from_file`` sends 100 MiB chunks (and holds two of them); a write holds about two
#: chunks (the client's buffer and the copy each request sends), so 24 MiB keeps a save within
#: 64 MiB (about 50 MiB measured) while a 256 MiB one costs 12 requests.
DEFAULT_CHUNK_SIZE = 24 * 1024 * 1024


def _entry(key: str, blob: Any) -> Entry:
    """Return what a blob's metadata (from a GET or a listing) tells about it."""
    digest = base64.b64decode(blob.md5_hash).hex() if blob.md5_hash else None
    times = blob.updated, blob.time_created
    return Entry(key, int(blob.size), digest, *times, content_type=blob.content_type)


class GoogleCloudFile(RemoteFile):
    """A file of :class:`GoogleCloudStorage`; django-storages 1.x's ``GoogleCloudFile(name,
    mode, storage)`` works too."""

    @cached_property
    def blob(self) -> Any:
        """Return the file's ``google.cloud.storage.Blob`` (one request, on first use), with
        its metadata when the file exists, as in django-storages 1.x."""
        storage = cast(GoogleCloudStorage, self._storage)
        return storage._blob_of(self.name or "")


class GoogleCloudStorage(BaseStorage[GCSOptions]):
    """Files in one Google Cloud Storage bucket."""

    options_class = GCSOptions
    file_class = GoogleCloudFile
    features = OBJECT_STORE_FEATURES | Feature.CREATED_TIME
    errors = ERRORS
    # google-auth logs every request's headers, the bearer token included, at DEBUG.
    secret_loggers = ("google.auth.transport.requests", "urllib3.connectionpool")

    def _live_secrets(self) -> list[str]:
        # The OAuth access tokens the credentials obtained (and renew).
        holders = [self.options.credentials]
        holders += [getattr(client, "_credentials", None) for client in self._clients.live()]
        tokens = [getattr(holder, "token", None) for holder in holders]
        return [token for token in tokens if isinstance(token, str)]

    # -- configuration ----------------------------------------------------------------------
    def _retry(self) -> Any:
        return connection.retry_policy(self.options)

    def error_context(self) -> str:
        """Name the bucket and the endpoint in errors (the credentials never appear in either)."""
        endpoint = "its endpoint"
        with contextlib.suppress(Exception):  # a client that can't be built fails in the call
            live = self._clients.live()
            # A new client sends requests only to create the bucket: then wait for one to exist.
            if live or not self.options.auto_create_bucket:
                client = live[0] if live else self.client
                endpoint = str(client.api_endpoint).split("?", 1)[0]
        return f"Google Cloud Storage bucket {self.options.bucket_name!r} at {endpoint}"

    def _bucket_name(self) -> str:
        # Read when used (a subclass may compute it), after the client: creating it refused a
        # missing bucket name.
        return str(self.options.bucket_name)

    @property
    def bucket(self) -> Any:
        """Return the bucket object (no request is sent)."""
        client = self.client  # created first: it refuses a missing bucket name
        return client.bucket(self._bucket_name())

    def _blob_of(self, name: str) -> Any:
        """Return the blob of the file *name*: with its metadata when it exists, else new."""
        key = self._key(name)
        bucket = self.bucket
        options = {"timeout": self.options.timeout, "retry": self._retry()}
        blob = self._call(name, bucket.get_blob, key, **options)
        return bucket.blob(key) if blob is None else blob

    def _create_client(self) -> Any:
        client = connection.create_client(self.options)
        if self.options.auto_create_bucket:
            with self._guard(None):
                connection.ensure_bucket(client, self.options)
        return client

    def _close_client(self, client: Any) -> None:
        client.close()

    # -- object parameters ------------------------------------------------------------------
    def get_object_parameters(self, name: str) -> dict[str, Any]:
        """Return the blob properties of a new file (override to vary them per file)."""
        return dict(self.options.object_parameters)

    def _prepare_blob(self, key: str, name: str, content_type: str | None) -> tuple[Any, dict]:
        """Return the blob of *key* with its properties set, and the upload's keywords."""
        blob = self.bucket.blob(key, chunk_size=None)
        params = self.get_object_parameters(name)
        upload: dict[str, Any] = {}
        acl = json_acl(params.pop("acl", self.options.default_acl))
        if acl:
            upload["predefined_acl"] = acl
        content_type, encoding = content_headers(name, content_type)
        upload["content_type"] = params.pop("content_type", None) or content_type
        if self.options.cache_control and "cache_control" not in params:
            params["cache_control"] = self.options.cache_control
        if encoding and "content_encoding" not in params:
            params["content_encoding"] = encoding
        gzip = (
            self.options.gzip
            and upload["content_type"] in self.options.gzip_content_types
            and "content_encoding" not in params
        )
        if gzip:
            params["content_encoding"] = "gzip"
        for prop, value in params.items():
            if not hasattr(type(blob), prop):
                raise ImproperlyConfigured(f"Unknown GS_OBJECT_PARAMETERS key {prop!r}")
            setattr(blob, prop, value)
        upload["_gzip"] = gzip
        return blob, upload

    # -- hooks ------------------------------------------------------------------------------
    def _download_url(self, key: str) -> str:
        endpoint = self.client.api_endpoint.rstrip("/")
        return (
            f"{endpoint}/download/storage/v1/b/{quote(self._bucket_name(), safe='')}"
            f"/o/{quote(key, safe='')}?alt=media"
        )

    def _open_stream(self, key: str, offset: int) -> ReadStream:
        session, url = self.client._http, self._download_url(key)
        timeout, retry = self.options.timeout, self._retry()

        def get(headers: dict[str, str], params: dict[str, str]) -> Any:
            return retry(streams.get_object)(session, url, headers, params, timeout)

        # A file named with a compression suffix ("x.csv.gz") reads back as it was saved; one
        # the storage compressed (GS_IS_GZIPPED) or stored with a content encoding reads
        # decompressed, as in 1.x.
        decode = name_encoding(key) is None
        return streams.open_object(get, key, offset, decode=decode)

    def _open_writer(self, key: str, name: str, content_type: str | None) -> BlobWriter:
        blob, upload = self._prepare_blob(key, name, content_type)
        gzip = upload.pop("_gzip")
        upload["timeout"] = self.options.timeout
        upload["retry"] = self._retry()
        chunk_size = self.options.blob_chunk_size or DEFAULT_CHUNK_SIZE
        return BlobWriter(blob, upload, chunk_size, gzip)

    def _delete(self, key: str) -> None:
        blob = self.bucket.blob(key)
        self.errors.missing_as_none(
            lambda: blob.delete(timeout=self.options.timeout, retry=self._retry())
        )

    def _stat(self, key: str) -> Entry | None:
        if not key or key.endswith("/"):
            return None
        blob = self.bucket.get_blob(key, timeout=self.options.timeout, retry=self._retry())
        return None if blob is None else _entry(key, blob)

    def _exists(self, key: str) -> bool:
        # The same GET as _stat, asking for the name only (no metadata to send and parse).
        if not key or key.endswith("/"):
            return False
        blob = self.bucket.blob(key)
        return bool(blob.exists(timeout=self.options.timeout, retry=self._retry()))

    def _listdir(self, prefix: str) -> tuple[list[str], list[str]]:
        iterator = self.client.list_blobs(
            self._bucket_name(),
            prefix=prefix or None,
            delimiter="/",
            timeout=self.options.timeout,
            retry=self._retry(),
        )
        files = []
        for page in iterator.pages:
            for blob in page:
                rest = blob.name[len(prefix) :]
                if rest:
                    files.append(rest)
        dirs = [p[len(prefix) :].rstrip("/") for p in iterator.prefixes]
        return [d for d in dirs if d], files

    def _iter_entries(self, prefix: str) -> Iterator[Entry]:
        blobs = self.client.list_blobs(
            self._bucket_name(),
            prefix=prefix or None,
            timeout=self.options.timeout,
            retry=self._retry(),
        )
        for blob in blobs:
            if not blob.name.endswith("/"):
                yield _entry(blob.name, blob)

    def content_digest(self, chunks: Iterable[bytes]) -> tuple[str | None, int]:
        """Return the MD5 Cloud Storage keeps for content made of *chunks* (None when gzip is on:
        it keeps the compressed bytes' MD5)."""
        if self.options.gzip:
            return None, sum(len(chunk) for chunk in chunks)
        return md5_etag(chunks)

    # -- URLs -------------------------------------------------------------------------------
    def _object_url(self, key: str, **kwargs: Any) -> str:
        """Return the URL of *key*: ``url(name, parameters=None)``.

        ``parameters`` go to ``Blob.generate_signed_url`` (``method``, ``expiration``,
        ``response_disposition``, ...).
        """
        parameters: dict[str, Any] = dict(kwargs.pop("parameters", None) or {})
        if kwargs:
            raise TypeError(f"url() got unexpected keyword arguments {sorted(kwargs)}")
        name = paths.split_key(self.location_prefix, key)
        acl = json_acl(self.get_object_parameters(name).get("acl", self.options.default_acl))
        public = acl == "publicRead" or not self.options.querystring_auth
        endpoint = self.options.custom_endpoint
        if public:
            if endpoint:
                return f"{endpoint.rstrip('/')}/{quote(key, safe='/~')}"
            return str(self.bucket.blob(key).public_url)
        defaults: dict[str, Any] = {
            "version": "v4",
            "expiration": self.options.expiration,
            "bucket_bound_hostname": endpoint,
        }
        emulator = os.environ.get("STORAGE_EMULATOR_HOST")
        if emulator and not endpoint:
            defaults["api_access_endpoint"] = emulator
        if self.options.iam_sign_blob:
            defaults["service_account_email"], defaults["access_token"] = self._iam_signer()
        for param, value in defaults.items():
            if value and param not in parameters:
                parameters[param] = value
        if self.options.credentials is not None and "credentials" not in parameters:
            parameters["credentials"] = self.options.credentials
        try:
            return str(self.bucket.blob(key).generate_signed_url(**parameters))
        except AttributeError as exc:
            # Google's library says "you need a private key to sign credentials" this way.
            raise ImproperlyConfigured(
                "Signing Cloud Storage URLs needs service-account credentials with a private key "
                "(GS_CREDENTIALS or GOOGLE_APPLICATION_CREDENTIALS) or GS_IAM_SIGN_BLOB = True; "
                "for public files set GS_DEFAULT_ACL = 'publicRead' or GS_QUERYSTRING_AUTH = False"
            ) from exc

    def _iam_signer(self) -> tuple[str, str]:
        """Return the service account and access token that sign through IAM signBlob."""
        import google.auth.transport.requests

        credentials = self.client._credentials
        if not credentials.valid:
            credentials.refresh(google.auth.transport.requests.Request())
        email = self.options.sa_email or getattr(credentials, "service_account_email", None)
        if not email:
            raise ImproperlyConfigured("GS_IAM_SIGN_BLOB needs GS_SA_EMAIL for these credentials")
        return str(email), str(credentials.token)
