"""Google Cloud Storage, on the shared core: streamed reads, resumable chunked writes."""

from __future__ import annotations

import contextlib
import mimetypes
import os
import zlib
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.core.exceptions import ImproperlyConfigured

from storages import paths
from storages.backends.gcs.errors import GCS_ERRORS
from storages.backends.gcs.options import GCSOptions
from storages.base import BaseStorage
from storages.errors import MissingDependencyError
from storages.features import Feature
from storages.files import ChunkStream

try:
    from google.api_core import exceptions as api_exceptions
    from google.auth.exceptions import DefaultCredentialsError
    from google.cloud import storage as gcs
    from google.cloud.storage.retry import DEFAULT_RETRY
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingDependencyError("google-cloud-storage", "google") from exc

__all__ = ["GoogleCloudStorage"]

#: Upload chunk of a resumable upload when ``GS_BLOB_CHUNK_SIZE`` is unset.
DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024
#: Bytes read from the socket at a time while streaming a download.
STREAM_BLOCK_SIZE = 64 * 1024
#: Longest wait before the first retry of a request (seconds); it doubles at each retry...
RETRY_FIRST_WAIT = 0.25
#: ... up to this.
RETRY_MAX_WAIT = 1.0

#: XML API / gsutil names of predefined ACLs and their JSON API names.
_XML_ACLS = {
    "private": "private",
    "public-read": "publicRead",
    "public-read-write": "publicReadWrite",
    "authenticated-read": "authenticatedRead",
    "bucket-owner-read": "bucketOwnerRead",
    "bucket-owner-full-control": "bucketOwnerFullControl",
    "project-private": "projectPrivate",
}


def json_acl(acl: str | None) -> str | None:
    """Return the JSON API name of a predefined ACL given by either of its names."""
    return _XML_ACLS.get(acl, acl) if acl else None


class _ReadStream(ChunkStream):
    """One object streamed from an offset over one HTTP response (ranged when offset > 0)."""

    def __init__(self, session: Any, url: str, offset: int, timeout: float) -> None:
        super().__init__()
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        self._response = session.request("GET", url, headers=headers, stream=True, timeout=timeout)
        status = self._response.status_code
        if status == 416 and offset:  # at or past the end: an empty read
            self.close()
            return
        if status >= 400:
            try:
                raise api_exceptions.from_http_response(self._response)  # type: ignore[no-untyped-call]
            finally:
                self.close()
        headers = self._response.headers
        if headers.get("Content-Encoding", "").lower() == "gzip":
            pass  # decompressed while read: the stored size is not the size read
        elif "/" in headers.get("Content-Range", ""):
            total = headers["Content-Range"].rsplit("/", 1)[1]
            self.size = int(total) if total.isdigit() else None
        elif headers.get("Content-Length", "").isdigit():
            self.size = offset + int(headers["Content-Length"])
        self._chunks = self._response.raw.stream(STREAM_BLOCK_SIZE, decode_content=True)

    def close(self) -> None:
        super().close()
        response, self._response = self._response, None
        if response is not None:
            response.close()


class _Writer:
    """Send a small file in one request on commit, a larger one as a resumable upload.

    Bytes are held until they exceed one chunk; then a resumable session starts and chunks are
    sent as they fill. The object only appears (or changes) when the upload is finalized on
    commit; abort cancels the session, so a failed write keeps the previous content.
    """

    def __init__(
        self, blob: Any, upload_kwargs: dict[str, Any], chunk_size: int, gzip: bool
    ) -> None:
        self._blob = blob
        self._upload_kwargs = upload_kwargs
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self._stream: Any = None
        self._compressor = zlib.compressobj(6, zlib.DEFLATED, 31) if gzip else None

    def write(self, data: bytes, /) -> None:
        if self._compressor is not None:
            data = self._compressor.compress(data)
        self._push(data)

    def _push(self, data: bytes) -> None:
        if self._stream is not None:
            self._stream.write(data)
            return
        self._buffer += data
        if len(self._buffer) <= self._chunk_size:
            return
        self._stream = self._blob.open(
            "wb", chunk_size=self._chunk_size, ignore_flush=True, **self._upload_kwargs
        )
        # Hand the buffer over in two writes, freeing ours in between: the writer copies what it
        # is given and sends a chunk once it holds one, so this keeps two copies alive, not three.
        buffered, self._buffer = self._buffer, bytearray()
        tail = bytes(buffered[self._chunk_size - 1 :])
        with memoryview(buffered) as view:
            self._stream.write(view[: self._chunk_size - 1])
        del buffered
        self._stream.write(tail)

    def commit(self) -> None:
        if self._compressor is not None:
            self._push(self._compressor.flush())
            self._compressor = None
        if self._stream is None:
            self._blob.upload_from_string(bytes(self._buffer), **self._upload_kwargs)
            self._buffer = bytearray()
            return
        stream, self._stream = self._stream, None
        stream.close()

    def abort(self) -> None:
        self._buffer = bytearray()
        stream, self._stream = self._stream, None
        if stream is not None:
            # terminate() cancels the resumable session; close() would finalize it.
            with contextlib.suppress(Exception):
                stream.terminate()


class GoogleCloudStorage(BaseStorage[GCSOptions]):
    """Files in one Google Cloud Storage bucket."""

    options_class = GCSOptions
    features = (
        Feature.URL
        | Feature.SIGNED_URL
        | Feature.MODIFIED_TIME
        | Feature.CREATED_TIME
        | Feature.LISTDIR
        | Feature.CONTENT_TYPE
        | Feature.ATOMIC_WRITE
    )
    errors = GCS_ERRORS
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
        """Return how every request is retried: on what the library retries its own calls for
        (a 408/429/5xx answer, a refused, broken or timed-out connection), for at most
        ``retry_deadline`` seconds, so that an unreachable service fails fast."""
        return DEFAULT_RETRY.with_delay(
            initial=RETRY_FIRST_WAIT, maximum=RETRY_MAX_WAIT
        ).with_timeout(self.options.retry_deadline)

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

    @property
    def bucket_name(self) -> str:
        """Return the bucket name, or raise ImproperlyConfigured when it is missing."""
        if not self.options.bucket_name:
            raise ImproperlyConfigured(
                "GoogleCloudStorage needs a bucket: set GS_BUCKET_NAME or the 'bucket_name' option"
            )
        return self.options.bucket_name

    @property
    def bucket(self) -> Any:
        """Return the bucket object (no request is sent)."""
        return self.client.bucket(self.bucket_name)

    def _create_client(self) -> Any:
        try:
            # Only an explicit project: passing None would mean "no project", not "infer it".
            kwargs: dict[str, Any] = {"credentials": self.options.credentials}
            if self.options.project_id:
                kwargs["project"] = self.options.project_id
            client = gcs.Client(**kwargs)
        except DefaultCredentialsError as exc:
            raise ImproperlyConfigured(
                "No Google Cloud credentials: set GS_CREDENTIALS or the environment variable "
                f"GOOGLE_APPLICATION_CREDENTIALS ({exc})"
            ) from exc
        # google-cloud-storage 3.x fetches bucket metadata in a background thread on first use,
        # only to label OpenTelemetry spans: an unasked-for request (and retries) per client.
        if getattr(client, "_bucket_metadata_cache", None) is not None:
            client._bucket_metadata_cache = None
        if self.options.auto_create_bucket:
            self._ensure_bucket(client)
        return client

    def _ensure_bucket(self, client: Any) -> None:
        with self.errors(None, self._secrets()):
            bucket = client.bucket(self.bucket_name)
            if not bucket.exists(timeout=self.options.timeout, retry=self._retry()):
                with contextlib.suppress(api_exceptions.Conflict):
                    client.create_bucket(
                        bucket,
                        predefined_acl=json_acl(self.options.auto_create_acl),
                        timeout=self.options.timeout,
                        retry=self._retry(),
                    )

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
        guessed = mimetypes.guess_type(name)[0]
        upload["content_type"] = (
            params.pop("content_type", None)
            or content_type
            or guessed
            or "application/octet-stream"
        )
        if self.options.cache_control and "cache_control" not in params:
            params["cache_control"] = self.options.cache_control
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
            f"{endpoint}/download/storage/v1/b/{quote(self.bucket_name, safe='')}"
            f"/o/{quote(key, safe='')}?alt=media"
        )

    def _open_stream(self, key: str, offset: int) -> _ReadStream:
        session, url = self.client._http, self._download_url(key)

        def open_stream() -> _ReadStream:
            return _ReadStream(session, url, offset, self.options.timeout)

        return self._retry()(open_stream)()  # type: ignore[no-any-return]

    def _open_writer(self, key: str, name: str, content_type: str | None) -> _Writer:
        blob, upload = self._prepare_blob(key, name, content_type)
        gzip = upload.pop("_gzip")
        upload["timeout"] = self.options.timeout
        upload["retry"] = self._retry()
        chunk_size = self.options.blob_chunk_size or DEFAULT_CHUNK_SIZE
        return _Writer(blob, upload, chunk_size, gzip)

    def _delete(self, key: str) -> None:
        with contextlib.suppress(api_exceptions.NotFound):
            self.bucket.blob(key).delete(timeout=self.options.timeout, retry=self._retry())

    def _exists(self, key: str) -> bool:
        if not key or key.endswith("/"):
            return False
        blob = self.bucket.blob(key)
        return bool(blob.exists(timeout=self.options.timeout, retry=self._retry()))

    def _reloaded(self, key: str) -> Any:
        blob = self.bucket.blob(key)
        blob.reload(timeout=self.options.timeout, retry=self._retry())
        return blob

    def _size(self, key: str) -> int:
        return int(self._reloaded(key).size)

    def _modified_time(self, key: str) -> datetime:
        return self._reloaded(key).updated  # type: ignore[no-any-return]

    def _created_time(self, key: str) -> datetime:
        return self._reloaded(key).time_created  # type: ignore[no-any-return]

    def _listdir(self, prefix: str) -> tuple[list[str], list[str]]:
        iterator = self.client.list_blobs(
            self.bucket_name,
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

    # -- URLs -------------------------------------------------------------------------------
    def _url(self, key: str, **kwargs: Any) -> str:
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
