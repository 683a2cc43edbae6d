"""Apache Libcloud storage: one bucket (container) at any provider Libcloud supports."""

from __future__ import annotations

import contextlib
import email.utils
import io
import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from typing import IO, Any
from urllib.parse import quote, urljoin

from django.core.exceptions import ImproperlyConfigured

from storages import paths
from storages.backends.libcloud.connection import adapt_driver
from storages.backends.libcloud.errors import ERRORS
from storages.backends.libcloud.options import LibCloudOptions
from storages.backends.libcloud.retry import is_transient, retrying
from storages.base import BaseStorage
from storages.errors import MissingDependencyError, StorageError
from storages.features import Feature
from storages.files import Writer

try:
    import libcloud.security
    from libcloud.common.types import LibcloudError
    from libcloud.storage.base import Container, Object
    from libcloud.storage.drivers import s3 as libcloud_s3
    from libcloud.storage.drivers.azure_blobs import AzureBlobsStorageDriver
    from libcloud.storage.drivers.local import LocalStorageDriver
    from libcloud.storage.providers import get_driver
    from libcloud.storage.types import ObjectDoesNotExistError, Provider
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingDependencyError("apache-libcloud", "libcloud") from exc

__all__ = ["LibCloudStorage"]

_TYPES_MODULE = "libcloud.storage.types.Provider"

#: Constants of Libcloud < 0.14 that the 1.x documentation names; Libcloud now has one S3
#: driver that takes a region.
_LEGACY_S3_HOSTS = {
    "S3_US_STANDARD_HOST": "us-east-1",
    "S3_US_WEST_HOST": "us-west-1",
    "S3_US_WEST_OREGON_HOST": "us-west-2",
    "S3_EU_WEST_HOST": "eu-west-1",
    "S3_AP_SOUTHEAST_HOST": "ap-southeast-1",
    "S3_AP_NORTHEAST_HOST": "ap-northeast-1",
}

#: The LOCAL driver removes emptied parent directories after a delete, racing with an upload
#: that just created them; its writes and deletes are serialized per directory in-process.
_LOCAL_LOCKS: dict[str, threading.Lock] = {}
_LOCAL_LOCKS_GUARD = threading.Lock()

#: Optional entry keys passed to the driver's constructor.
_DRIVER_KEYWORDS = ("region", "project", "host", "port", "secure", "account_prefix", "timeout")


def _provider_type(value: Any) -> tuple[str, dict[str, Any]]:
    """Return the Libcloud provider of an entry's ``type`` and keywords it implies."""
    if not isinstance(value, str):
        raise ValueError(f"'type' must be a string, got {type(value).__name__}")
    if "." not in value:
        return value, {}  # a Provider value such as Provider.S3 ('s3')
    module_path, name = value.rsplit(".", 1)
    if module_path != _TYPES_MODULE:
        raise ValueError(f"Invalid module path {module_path!r}: expected {_TYPES_MODULE}.NAME")
    if name in _LEGACY_S3_HOSTS:
        return Provider.S3, {"region": _LEGACY_S3_HOSTS[name]}
    provider = getattr(Provider, name, None)
    if not isinstance(provider, str):
        raise ValueError(f"Libcloud has no storage provider {name!r}")
    return provider, {}


def _check_ca_certificates(secure: bool) -> None:
    """Refuse, as Libcloud once did, an HTTPS driver whose CA bundle does not exist."""
    path: Any = libcloud.security.CA_CERTS_PATH
    if isinstance(path, list):  # Libcloud < 2 took a list; some settings files still append
        path = path[0] if path else None
    if secure and libcloud.security.VERIFY_SSL_CERT and path and not os.path.exists(path):
        raise ValueError(libcloud.security.CA_CERTS_UNAVAILABLE_ERROR_MSG)


def driver_spec(entry: Mapping[str, Any]) -> tuple[type, tuple[Any, ...], dict[str, Any]]:
    """Return the driver class and constructor arguments of a provider entry."""
    provider, implied = _provider_type(entry.get("type"))
    driver_class = get_driver(provider)
    local = issubclass(driver_class, LocalStorageDriver)
    for required in ("user", "bucket") if local else ("user", "key", "bucket"):
        if not entry.get(required):
            raise ValueError(f"the provider entry has no {required!r}")
    kwargs = {**implied, **{k: entry[k] for k in _DRIVER_KEYWORDS if k in entry}}
    if not local:
        _check_ca_certificates(bool(kwargs.get("secure", True)))
    return driver_class, (entry["user"], entry.get("key")), kwargs


#: Times one read resumes a body that broke mid-way, from the byte it broke at.
RESUMES = 2

#: Opens the object again from an offset: its chunks and what to close them with, or None when
#: the object is no longer the one being read.
Reopen = Callable[[int], tuple[Iterator[bytes], Any] | None]


class _ChunkStream:
    """A ReadStream over a driver's iterator of byte chunks.

    Given *reopen*, a body that breaks mid-way (a reset, a stall past the timeout) is opened
    again where it broke, at most :data:`RESUMES` times; the bytes already read are kept.
    """

    def __init__(
        self,
        chunks: Iterator[bytes],
        size: int | None,
        closer: Any | None = None,
        *,
        reopen: Reopen | None = None,
        offset: int = 0,
    ) -> None:
        self._chunks = chunks
        self._pending = b""
        self._closer = closer
        self._reopen = reopen
        self._received = offset  # where the next chunk starts in the object
        self._resumes = 0
        self.size = size

    def _next_chunk(self) -> bytes | None:
        while True:
            try:
                chunk = next(self._chunks, None)
            except Exception as exc:
                if not self._resumable(exc):
                    raise
                self._resumes += 1
                self.close()
                assert self._reopen is not None
                reopened = self._reopen(self._received)
                if reopened is None:
                    raise
                self._chunks, self._closer = reopened
                continue
            if chunk is not None:
                self._received += len(chunk)
            return chunk

    def _resumable(self, exc: Exception) -> bool:
        return (
            self._reopen is not None
            and self._resumes < RESUMES
            and is_transient(exc)
            and self.size is not None
            and self._received < self.size
        )

    def read(self, n: int = -1, /) -> bytes:
        if n < 0:
            parts = [self._pending]
            while (chunk := self._next_chunk()) is not None:
                parts.append(chunk)
            self._pending = b""
            return b"".join(parts)
        while not self._pending:
            chunk = self._next_chunk()
            if chunk is None:
                return b""
            self._pending = bytes(chunk)
        data, self._pending = self._pending[:n], self._pending[n:]
        return data

    def close(self) -> None:
        for closable in (self._chunks, self._closer):
            close = getattr(closable, "close", None)
            if callable(close):
                close()


class _FileStream:
    """A ReadStream over a local file (the LOCAL driver's object, read at an offset)."""

    def __init__(self, handle: IO[bytes], size: int) -> None:
        self._handle = handle
        self.size = size

    def read(self, n: int = -1, /) -> bytes:
        return self._handle.read(n)

    def close(self) -> None:
        self._handle.close()


def _body(response: Any) -> Any:
    """Return the ``requests`` response behind a Libcloud raw response (what to close)."""
    return getattr(response.iter_content, "__self__", None)


def _close_body(response: Any) -> None:
    body = None if response is None else _body(response)
    if body is not None:
        body.close()


#: Drivers whose objects are read with a GET of our own (see _open_http_stream).
_HTTP_STREAMED = (libcloud_s3.BaseS3StorageDriver, AzureBlobsStorageDriver)

#: S3 refuses a single PUT larger than this; bigger files go through a multipart upload.
_S3_MAX_PUT = 5 * 1024**3


class _S3Writer:
    """Collect a file in memory up to a limit, then in a named temporary file.

    Libcloud's S3 multipart upload joins parts by repeated concatenation (about three parts of
    5 MiB in memory at once); a file on disk goes up in one streamed PUT from its path instead.
    """

    def __init__(self, storage: LibCloudStorage, key: str, content_type: str | None) -> None:
        self._storage = storage
        self._key = key
        self._extra = {"content_type": content_type} if content_type else None
        self._limit = storage.spool_limit
        self._memory: io.BytesIO | None = io.BytesIO()
        self._file: Any = None
        self.size = 0

    def write(self, data: bytes, /) -> None:
        if self._memory is not None and self.size + len(data) > self._limit:
            self._file = tempfile.NamedTemporaryFile(prefix="libcloud-upload-", delete=False)  # noqa: SIM115
            self._file.write(self._memory.getbuffer())
            self._memory = None
        (self._memory or self._file).write(data)
        self.size += len(data)

    def commit(self) -> None:
        try:
            retrying(self._send)
        finally:
            self.abort()

    def _send(self) -> None:
        """Send the whole file (again, after a transient failure: from memory or the spool)."""
        driver = self._storage.driver
        container = self._storage._container()
        if self._memory is not None:
            chunks = iter([self._memory.getvalue()])
            driver.upload_object_via_stream(chunks, container, self._key, extra=self._extra)
        elif self.size <= _S3_MAX_PUT:
            self._file.close()
            driver.upload_object(
                self._file.name, container, self._key, extra=self._extra, verify_hash=False
            )
        else:
            self._file.seek(0)
            chunks = iter(lambda: self._file.read(libcloud_s3.CHUNK_SIZE), b"")
            driver.upload_object_via_stream(chunks, container, self._key, extra=self._extra)

    def abort(self) -> None:
        self._memory = None
        if self._file is not None:
            self._file.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._file.name)
            self._file = None


class LibCloudStorage(BaseStorage[LibCloudOptions]):
    """Files in one bucket of a Libcloud provider (``LIBCLOUD_PROVIDERS``)."""

    options_class = LibCloudOptions
    features = Feature.URL | Feature.MODIFIED_TIME | Feature.LISTDIR | Feature.ATOMIC_WRITE
    errors = ERRORS

    def __init__(self, provider_name: str | None = None, **options: Any) -> None:
        if provider_name is not None:
            options["provider_name"] = provider_name
        super().__init__(**options)
        self._entry = self._provider_entry()
        try:
            self._driver_spec = driver_spec(self._entry)
            self.client  # noqa: B018 - create this thread's driver now, as 1.x did
        except Exception as exc:
            raise ImproperlyConfigured(
                f"Unable to create libcloud driver type {self._entry.get('type')}: {exc} "
                f"(LIBCLOUD_PROVIDERS[{self.options.provider_name!r}], the 'providers' option)"
            ) from exc

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        for derived in ("_entry", "_driver_spec"):  # they hold the key: derived again
            state.pop(derived, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._entry = self._provider_entry()
        self._driver_spec = driver_spec(self._entry)

    def _provider_entry(self) -> dict[str, Any]:
        name = self.options.provider_name
        entry = self.options.providers.get(name)
        if not isinstance(entry, Mapping) or not entry:
            raise ImproperlyConfigured(
                f"LIBCLOUD_PROVIDERS {name} not defined or invalid (the 'providers' option, "
                "keyed by the 'provider_name' option)"
            )
        return dict(entry)

    def _secrets(self) -> Sequence[str]:
        # Only the provider's key is secret; bucket names and hosts stay readable in errors.
        key = self._entry.get("key")
        return [key] if isinstance(key, str) else []

    def _create_client(self) -> Any:
        driver_class, args, kwargs = self._driver_spec
        driver = driver_class(*args, **kwargs)
        adapt_driver(driver)
        return driver

    def _close_client(self, client: Any) -> None:
        connection = getattr(client, "connection", None)
        session = getattr(connection, "session", None)
        if session is not None:
            session.close()

    # -- 1.x attributes ---------------------------------------------------------------------
    @property
    def driver(self) -> Any:
        """Return this thread's Libcloud driver (``store.driver.create_container(...)``)."""
        return self.client

    @property
    def bucket(self) -> str:
        """Return the name of the bucket (Libcloud container) the storage uses."""
        return str(self._entry["bucket"])

    @property
    def provider(self) -> dict[str, Any]:
        """Return the provider entry, with its key hidden."""
        return {k: ("***" if k == "key" else v) for k, v in self._entry.items()}

    # -- helpers ----------------------------------------------------------------------------
    def _container(self) -> Any:
        # Built locally: Libcloud's get_container() costs a request on most providers.
        return Container(name=self.bucket, extra={}, driver=self.driver)

    def _object(self, key: str) -> Any:
        driver = self.driver
        container = Container(name=self.bucket, extra={}, driver=driver)
        return Object(key, 0, "", {}, {}, container, driver)

    def _is_local(self) -> bool:
        return isinstance(self.driver, LocalStorageDriver)

    def _local_lock(self) -> contextlib.AbstractContextManager[Any]:
        if not self._is_local():
            return contextlib.nullcontext()
        with _LOCAL_LOCKS_GUARD:
            return _LOCAL_LOCKS.setdefault(self.driver.base_path, threading.Lock())

    # -- hooks ------------------------------------------------------------------------------
    def _open_stream(self, key: str, offset: int) -> Any:
        driver = self.driver
        if isinstance(driver, _HTTP_STREAMED):
            return self._open_http_stream(key, offset)
        obj = self._head(key)
        size = int(obj.size)
        if self._is_local():
            # The LOCAL driver's ranged download reads the whole file into memory.
            handle = open(driver.get_object_cdn_url(obj), "rb")  # noqa: SIM115
            handle.seek(offset)
            return _FileStream(handle, size)
        if offset >= size:
            return _ChunkStream(iter(()), size)
        if offset:
            chunks = driver.download_object_range_as_stream(
                obj, start_bytes=offset, chunk_size=self.chunk_size
            )
        else:
            chunks = driver.download_object_as_stream(obj, chunk_size=self.chunk_size)
        return _ChunkStream(iter(chunks), size)

    def _open_http_stream(self, key: str, offset: int) -> _ChunkStream:
        """Stream an object with one (ranged) GET, in chunks of ``chunk_size``.

        Libcloud's S3 and Azure download methods read the response 4-5 MiB at a time whatever
        chunk size is asked for (and need a HEAD first for the Object), so ``read(16)`` would
        cost megabytes. Both drivers sign any request made through their connection. A body
        that breaks mid-way is resumed from where it broke if the new answer has the same ETag
        (the same version of the object): never a mix of two versions.
        """
        response = retrying(lambda: self._get(key, offset))
        if response is None:  # the offset is at or past the end
            return _ChunkStream(iter(()), None)
        total = response.headers.get("content-range", "").rpartition("/")[2]
        length = total if total.isdigit() else response.headers.get("content-length")
        size = int(length) if length is not None and str(length).isdigit() else None
        etag = response.headers.get("etag")

        def reopen(position: int) -> tuple[Iterator[bytes], Any] | None:
            resumed = retrying(lambda: self._get(key, position))
            if resumed is None or resumed.headers.get("etag") != etag:
                _close_body(resumed)
                return None
            return resumed.iter_content(self.chunk_size), _body(resumed)

        chunks = response.iter_content(self.chunk_size)
        return _ChunkStream(
            chunks, size, _body(response), reopen=reopen if etag else None, offset=offset
        )

    def _get(self, key: str, offset: int) -> Any:
        """Send one streamed GET of *key* from *offset*: its answer, or None past the end."""
        driver = self.driver
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        path = driver._get_object_path(self._container(), key)
        response = driver.connection.request(
            path, method="GET", headers=headers, stream=True, raw=True
        )
        if response.status in (200, 206):
            return response
        _close_body(response)
        if response.status == 416:
            return None
        if response.status == 404:
            raise ObjectDoesNotExistError(  # type: ignore[no-untyped-call]
                value=None, driver=driver, object_name=key
            )
        raise LibcloudError(f"HTTP {response.status} while reading {key!r}", driver=driver)

    def _head(self, key: str) -> Any:
        """Return the Object of *key* (a HEAD request on most providers)."""
        return retrying(lambda: self.driver.get_object(self.bucket, key))

    def _open_writer(self, key: str, name: str, content_type: str | None) -> Writer:
        # The S3 and Azure drivers parse XML answers that echo the key: XML can't carry these.
        paths.check_no_control_characters(key)
        if isinstance(self.driver, libcloud_s3.BaseS3StorageDriver):
            return _S3Writer(self, key, content_type)
        return super()._open_writer(key, name, content_type)

    def _upload(self, key: str, fileobj: IO[bytes], size: int, content_type: str | None) -> None:
        extra = {"content_type": content_type} if content_type else None
        start = fileobj.tell()

        def send() -> None:  # again from the start of the spool after a transient failure
            fileobj.seek(start)
            chunks = iter(lambda: fileobj.read(self.chunk_size), b"")
            with self._local_lock():
                self.driver.upload_object_via_stream(chunks, self._container(), key, extra=extra)

        retrying(send)

    def _delete(self, key: str) -> None:
        def delete() -> None:
            with self._local_lock():
                self.driver.delete_object(self._object(key))

        with contextlib.suppress(ObjectDoesNotExistError):
            retrying(delete)

    def _exists(self, key: str) -> bool:
        try:
            self._head(key)
        except ObjectDoesNotExistError:
            return False
        return True

    def _size(self, key: str) -> int:
        return int(self._head(key).size)

    def _list(self, prefix: str) -> list[Any]:
        """Return the Objects whose names start with *prefix* (the whole listing, retried)."""
        if self._is_local():
            # The LOCAL driver walks the directory either way and warns when given a prefix.
            return retrying(lambda: list(self.driver.iterate_container_objects(self._container())))
        container = self._container()
        return retrying(
            lambda: list(self.driver.iterate_container_objects(container, prefix=prefix))
        )

    def _listdir(self, prefix: str) -> tuple[list[str], list[str]]:
        objects = self._list(prefix)
        dirs: set[str] = set()
        files: list[str] = []
        for obj in objects:
            if not obj.name.startswith(prefix):
                continue
            head, sep, _ = obj.name[len(prefix) :].partition("/")
            if sep:
                dirs.add(head)
            elif head:
                files.append(head)
        return list(dirs), files

    def _url(self, key: str, **kwargs: Any) -> str:
        if kwargs:
            raise TypeError(f"LibCloudStorage.url() takes no options, got {sorted(kwargs)}")
        if self.options.base_url is not None:
            return urljoin(self.options.base_url, quote(key))
        driver = self.driver
        try:
            url = str(driver.get_object_cdn_url(self._object(key)))
        except NotImplementedError:
            connection = getattr(driver, "connection", None)
            host = getattr(connection, "host", None)
            if not host:
                raise
            scheme = "https" if getattr(driver, "secure", True) else "http"
            port = getattr(connection, "port", None)
            netloc = host if port in (None, 80, 443) else f"{host}:{port}"
            return f"{scheme}://{netloc}/{quote(self.bucket)}/{quote(key)}"
        if self._is_local():
            return f"file://{quote(url)}"  # the LOCAL driver's object URL is its file path
        return url

    def _modified_time(self, key: str) -> datetime:
        extra = self._head(key).extra or {}
        value = extra.get("last_modified", extra.get("modify_time"))
        if isinstance(value, (int, float)):
            return datetime.fromtimestamp(value, tz=timezone.utc)
        if isinstance(value, str):
            try:
                return email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return datetime.fromisoformat(value.replace("Z", "+00:00"))
        raise StorageError(f"{type(self.driver).__name__} gives no modification time")
