"""Apache Libcloud storage: one bucket (container) at any provider Libcloud supports."""

from __future__ import annotations

import contextlib
import email.utils
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import IO, Any
from urllib.parse import quote, urljoin

from django.core.exceptions import ImproperlyConfigured

from storages import paths
from storages.backends.libcloud.connection import RETRY, adapt_driver, driver_spec, is_transient
from storages.backends.libcloud.errors import ERRORS
from storages.backends.libcloud.options import LibCloudOptions
from storages.backends.libcloud.streams import (
    ChunkStream,
    FileStream,
    S3Writer,
    close_body,
    open_ranged,
    response_body,
)
from storages.base import BaseStorage
from storages.entries import Entry
from storages.errors import MissingDependencyError
from storages.features import Feature
from storages.files import ReadStream, RemoteFile, Writer
from storages.ranged import Version, range_headers

try:
    from libcloud.common.types import LibcloudError
    from libcloud.storage.base import Container, Object
    from libcloud.storage.drivers import s3 as libcloud_s3
    from libcloud.storage.drivers.azure_blobs import AzureBlobsStorageDriver
    from libcloud.storage.drivers.local import LocalStorageDriver
    from libcloud.storage.types import ObjectDoesNotExistError
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingDependencyError("apache-libcloud", "libcloud") from exc

__all__ = ["LibCloudFile", "LibCloudStorage"]

#: The LOCAL driver removes emptied parent directories after a delete, racing with an upload
#: that just created them; its writes and deletes are serialized per directory in-process.
_LOCAL_LOCKS: dict[str, threading.Lock] = {}
_LOCAL_LOCKS_GUARD = threading.Lock()

#: Drivers whose objects are read with a GET of our own (see _open_http_stream).
_HTTP_STREAMED = (libcloud_s3.BaseS3StorageDriver, AzureBlobsStorageDriver)


def _modified(extra: Mapping[str, Any]) -> datetime | None:
    """Return the modification time in an object's ``extra`` (None when it has none)."""
    value = extra.get("last_modified", extra.get("modify_time"))
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    if isinstance(value, str):
        try:
            return email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return None


def _entry(obj: Any) -> Entry:
    """Return the entry of a Libcloud Object (from a HEAD or a listing)."""
    extra = obj.extra or {}
    return Entry(
        obj.name,
        int(obj.size),
        digest=obj.hash or None,
        modified=_modified(extra),
        content_type=extra.get("content_type"),
    )


class LibCloudFile(RemoteFile):
    """A file of :class:`LibCloudStorage`; django-storages 1.x's ``LibCloudFile(name, storage,
    mode)`` works too."""


class LibCloudStorage(BaseStorage[LibCloudOptions]):
    """Files in one bucket of a Libcloud provider (``LIBCLOUD_PROVIDERS``)."""

    options_class = LibCloudOptions
    file_class = LibCloudFile
    features = Feature.URL | Feature.MODIFIED_TIME | Feature.LISTDIR | Feature.ATOMIC_WRITE
    errors = ERRORS

    def __init__(self, provider_name: str | None = None, **options: Any) -> None:
        if provider_name is not None:
            options["provider_name"] = provider_name
        super().__init__(**options)

    def _start(self) -> None:
        # The entry and its driver are derived here, again whenever an option changes. A wrong
        # entry fails now, as in 1.x; a missing one on first use, so that manage.py commands
        # run where LIBCLOUD_PROVIDERS is not set.
        self._entry = self.options.provider_entry()
        self._driver_spec = None
        if self._entry is not None:
            try:
                self._driver_spec = driver_spec(self._entry)
            except Exception as exc:
                raise self._driver_error(exc) from exc
        super()._start()
        if self._driver_spec is not None:
            self.client  # noqa: B018 - create this thread's driver now, as 1.x did

    def _driver_error(self, exc: Exception) -> ImproperlyConfigured:
        entry = self._entry or {}
        return ImproperlyConfigured(
            f"Unable to create libcloud driver type {entry.get('type')}: {exc} "
            f"(LIBCLOUD_PROVIDERS[{self.options.provider_name!r}], the 'providers' option)"
        )

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        for derived in ("_entry", "_driver_spec"):  # they hold the key: derived again
            state.pop(derived, None)
        return state

    def _configured_entry(self) -> dict[str, Any]:
        if self._entry is None:
            self.options.check_required(type(self).__name__)  # raises, naming the entry
        assert self._entry is not None
        return self._entry

    def _secrets(self) -> Sequence[str]:
        # Only the provider's key is secret; bucket names and hosts stay readable in errors.
        key = (self._entry or {}).get("key")
        return [key] if isinstance(key, str) else []

    def _create_client(self) -> Any:
        assert self._driver_spec is not None  # the options were checked: derived with the entry
        driver_class, args, kwargs = self._driver_spec
        try:
            driver = driver_class(*args, **kwargs)
        except Exception as exc:
            raise self._driver_error(exc) from exc
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
        return str(self._configured_entry()["bucket"])

    @property
    def provider(self) -> dict[str, Any]:
        """Return the provider entry, with its key hidden."""
        return {k: ("***" if k == "key" else v) for k, v in self._configured_entry().items()}

    # -- helpers ----------------------------------------------------------------------------
    def _container(self) -> Any:
        # Built locally: Libcloud's get_container() costs a request on most providers.
        return Container(name=self.bucket, extra={}, driver=self.driver)

    def _object(self, key: str) -> Any:
        """Return an Object of *key* built locally (no request), for calls that take one."""
        return Object(key, 0, "", {}, {}, self._container(), self.driver)

    def _fetch(self, key: str) -> Any:
        """Return the Object of *key* as the provider describes it (one HEAD on most)."""
        return RETRY.call(lambda: self._head(key), is_transient)

    def _head(self, key: str) -> Any:
        driver = self.driver
        if not self._streams_over_http():
            return driver.get_object(self.bucket, key)
        # The S3 and Azure drivers' get_object() asks for the container first: one more request.
        container = self._container()
        path = driver._get_object_path(container, key)
        response = driver.connection.request(path, method="HEAD")
        if response.status != 200:
            raise ObjectDoesNotExistError(  # type: ignore[no-untyped-call]
                value=None, driver=driver, object_name=key
            )
        if hasattr(driver, "_headers_to_object"):  # S3
            return driver._headers_to_object(key, container, response.headers)
        return driver._response_to_object(key, container, response)

    def _streams_over_http(self) -> bool:
        return isinstance(self.driver, _HTTP_STREAMED)

    def _upload_target(self) -> tuple[Any, Any]:
        return self.driver, self._container()

    def _is_local(self) -> bool:
        return isinstance(self.driver, LocalStorageDriver)

    def _local_lock(self) -> contextlib.AbstractContextManager[Any]:
        if not self._is_local():
            return contextlib.nullcontext()
        with _LOCAL_LOCKS_GUARD:
            return _LOCAL_LOCKS.setdefault(self.driver.base_path, threading.Lock())

    # -- hooks ------------------------------------------------------------------------------
    def _stat(self, key: str) -> Entry | None:
        try:
            return _entry(self._fetch(key))
        except ObjectDoesNotExistError:
            return None

    def _open_stream(self, key: str, offset: int) -> ReadStream:
        if self._streams_over_http():
            return self._open_http_stream(key, offset)
        driver = self.driver
        obj = self._fetch(key)
        size = int(obj.size)
        if self._is_local():
            # The LOCAL driver's ranged download reads the whole file into memory.
            handle = open(driver.get_object_cdn_url(obj), "rb")  # noqa: SIM115
            handle.seek(offset)
            return FileStream(handle, size)
        if offset >= size:
            return ChunkStream(iter(()), size)
        if offset:
            chunks = driver.download_object_range_as_stream(
                obj, start_bytes=offset, chunk_size=self.chunk_size
            )
        else:
            chunks = driver.download_object_as_stream(obj, chunk_size=self.chunk_size)
        return ChunkStream(iter(chunks), size)

    def _open_http_stream(self, key: str, offset: int) -> ReadStream:
        """Stream an object with one GET to its end, read as far as the caller reads.

        Libcloud's S3 and Azure download methods read the response 4-5 MiB at a time whatever
        chunk size is asked for (and need a HEAD first for the Object), so ``read(16)`` would
        cost megabytes. Both drivers sign any request made through their connection. A GET that
        resumes a broken body must answer the same ETag (the same version of the object).
        """
        version = Version(key)

        def get(start: int) -> Any:
            response = RETRY.call(lambda: self._get(key, start), is_transient)
            if response is None:
                return None
            body = response_body(response)
            version.check(response.headers.get("etag"), body)
            return body

        return open_ranged(get, offset)

    def _get(self, key: str, start: int) -> Any:
        """Send one streamed GET of *key* from byte *start* to its end: its answer, or None
        past the end."""
        driver = self.driver
        path = driver._get_object_path(self._container(), key)
        response = driver.connection.request(
            path, method="GET", headers=range_headers(start), stream=True, raw=True
        )
        if response.status in (200, 206):
            return response
        close_body(response)
        if response.status == 416:
            return None
        if response.status == 404:
            raise ObjectDoesNotExistError(  # type: ignore[no-untyped-call]
                value=None, driver=driver, object_name=key
            )
        raise LibcloudError(f"HTTP {response.status} while reading {key!r}", driver=driver)

    def _open_writer(self, key: str, name: str, content_type: str | None) -> Writer:
        # The S3 and Azure drivers parse XML answers that echo the key: XML can't carry these.
        paths.check_no_control_characters(key)
        if isinstance(self.driver, libcloud_s3.BaseS3StorageDriver):
            return S3Writer(self._upload_target, key, content_type, self.spool_limit)
        return super()._open_writer(key, name, content_type)

    def _upload(self, key: str, fileobj: IO[bytes], size: int, content_type: str | None) -> None:
        extra = {"content_type": content_type} if content_type else None
        start = fileobj.tell()

        def send() -> None:  # again from the start of the spool after a transient failure
            fileobj.seek(start)
            chunks = iter(lambda: fileobj.read(self.chunk_size), b"")
            with self._local_lock():
                self.driver.upload_object_via_stream(chunks, self._container(), key, extra=extra)

        RETRY.call(send, is_transient)

    def _delete(self, key: str) -> None:
        def delete() -> None:
            with self._local_lock():
                self.driver.delete_object(self._object(key))

        with contextlib.suppress(ObjectDoesNotExistError):
            RETRY.call(delete, is_transient)

    def _list(self, prefix: str) -> list[Any]:
        """Return the Objects whose names start with *prefix* (the whole listing, retried)."""
        container = self._container()
        # The LOCAL driver walks the directory either way and warns when given a prefix.
        keywords = {} if self._is_local() else {"prefix": prefix}
        return RETRY.call(
            lambda: [
                obj
                for obj in self.driver.iterate_container_objects(container, **keywords)
                if obj.name.startswith(prefix)
            ],
            is_transient,
        )

    def _listdir(self, prefix: str) -> tuple[list[str], list[str]]:
        return paths.split_level(prefix, (obj.name for obj in self._list(prefix)))

    def _iter_entries(self, prefix: str) -> Iterable[Entry]:
        return [_entry(obj) for obj in self._list(prefix) if not obj.name.endswith("/")]

    def _object_url(self, key: str, **kwargs: Any) -> str:
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
