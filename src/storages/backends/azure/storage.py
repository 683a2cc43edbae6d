"""Azure Blob Storage, on the shared core: one container, streamed reads, staged-block writes."""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.storage import Storage

from storages import paths
from storages.backends._cloud import OBJECT_STORE_FEATURES, content_headers
from storages.backends.azure import connection
from storages.backends.azure.errors import ERRORS
from storages.backends.azure.options import AZURE_MAX_SLASHES, AZURE_NAME_MAX_LEN, AzureOptions
from storages.backends.azure.streams import BlobReadStream, BlockWriter
from storages.base import BaseStorage
from storages.digests import md5_etag
from storages.entries import Entry
from storages.features import Feature
from storages.files import RemoteFile

if TYPE_CHECKING:
    from azure.storage.blob import BlobClient, BlobProperties, BlobServiceClient, ContainerClient

__all__ = ["AzureStorage", "AzureStorageFile"]

#: Smallest block of a staged upload.
MIN_BLOCK_SIZE = 1024 * 1024
#: Azure's limit on one staged block.
MAX_BLOCK_SIZE = 4000 * 1024 * 1024

_CONTENT_SETTINGS = {
    "content_type",
    "content_encoding",
    "content_language",
    "content_disposition",
    "cache_control",
    "content_md5",
}


def _entry(key: str, props: BlobProperties) -> Entry:
    """Return what the properties of a blob (from a HEAD or a listing) tell about it."""
    md5, kind = props.content_settings.content_md5, props.content_settings.content_type
    digest = bytes(md5).hex() if md5 else None
    times = props.last_modified, props.creation_time
    return Entry(key, int(props.size), digest, *times, content_type=kind)


class AzureStorageFile(RemoteFile):
    """A file of :class:`AzureStorage`; django-storages 1.x's ``AzureStorageFile(name, mode,
    storage)`` works too."""


class AzureStorage(BaseStorage[AzureOptions]):
    """Files in one Azure Blob Storage container."""

    options_class = AzureOptions
    file_class = AzureStorageFile
    features = OBJECT_STORE_FEATURES | Feature.CREATED_TIME
    errors = ERRORS
    # The SDK's clients are thread-safe; one connection pool serves every thread.
    client_per_thread = False

    #: 1.x's attributes: the options, or the account of the connection string (see _start).
    account_name: str | None
    account_key: str | None
    _containers: weakref.WeakKeyDictionary[BlobServiceClient, dict[str, ContainerClient]]

    # -- configuration ----------------------------------------------------------------------
    def _start(self) -> None:
        super()._start()
        # 1.x's attributes: the account of the connection string when no other is set (run-time
        # state, derived again here whenever an option changes, never pickled).
        self.__dict__["account_name"], self.__dict__["account_key"] = connection.account(
            self.options
        )
        # Each service client's container clients (building one costs as much as a local
        # request); they go with the service client when an option change replaces it.
        self.__dict__["_containers"] = weakref.WeakKeyDictionary()

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        for derived in ("account_name", "account_key", "_containers"):
            state.pop(derived, None)
        return state

    def _container_name(self) -> str:
        # Read when used: a subclass may compute it.
        name = self.options.azure_container
        if not name:
            self.options.check_required(type(self).__name__)
        return str(name)

    @property
    def service_client(self) -> BlobServiceClient:
        """Return the ``BlobServiceClient`` of the account, created on first use."""
        return self._clients.get()  # type: ignore[no-any-return]

    @property
    def client(self) -> ContainerClient:
        """Return the ``ContainerClient`` of the container (as in django-storages 1.x)."""
        service = self.service_client  # created first: it refuses a missing container
        name = self._container_name()
        containers = self._containers.setdefault(service, {})
        if (client := containers.get(name)) is None:
            client = containers[name] = service.get_container_client(name)
        return client

    @property
    def azure_protocol(self) -> str:
        """Return the URL scheme of the service (``https`` unless ``azure_ssl`` is false)."""
        return "https" if self.options.azure_ssl else "http"

    def _secrets(self) -> list[str]:
        found = list(super()._secrets())
        return found + connection.connection_string_secrets(self.options.connection_string)

    def account_url(self) -> str:
        """Return the endpoint of the account's Blob service."""
        return connection.account_url(self.options)

    def error_context(self) -> str:
        """Name the container and endpoint in errors (without the query: it may hold a SAS)."""
        endpoint = "its endpoint"
        with contextlib.suppress(Exception):  # a client that can't be built fails in the call
            endpoint = str(self.service_client.url).split("?", 1)[0]
        return f"Azure container {self.options.azure_container!r} at {endpoint}"

    def _create_client(self) -> BlobServiceClient:
        return connection.create_client(self.options, self.account_url)

    def _blob(self, key: str) -> BlobClient:
        return self.client.get_blob_client(key)

    # -- Azure's name rules -----------------------------------------------------------------
    def get_name_max_len(self) -> int:
        """Return the longest name a file may have under this storage's location."""
        prefix = self.location_prefix
        return AZURE_NAME_MAX_LEN - (len(prefix) + 1 if prefix else 0)

    def get_valid_name(self, name: str) -> str:
        """Return *name* made valid for Django and Azure (no trailing dots; leading dots stay)."""
        valid = Storage.get_valid_name(self, name).rstrip(".")
        if not valid:
            raise SuspiciousFileOperation(f"Could not derive a valid blob name from {name!r}")
        return valid

    def _check_blob_name(self, name: str, key: str) -> None:
        """Refuse a name Azure would reject or silently change."""
        if key.endswith((".", "/")):
            raise SuspiciousFileOperation(
                f"Azure blob names can't end with '.' or '/': {name!r} "
                "(get_valid_name() gives a usable name)"
            )
        if len(key) > AZURE_NAME_MAX_LEN:
            raise SuspiciousFileOperation(
                f"Azure blob names are at most {AZURE_NAME_MAX_LEN} characters; {name!r} is "
                f"{len(key)} with the location (get_name_max_len() is {self.get_name_max_len()})"
            )
        if key.count("/") > AZURE_MAX_SLASHES:
            raise SuspiciousFileOperation(
                f"Azure blob names can't have more than {AZURE_MAX_SLASHES} slashes: {name!r}"
            )
        if any(ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F for char in key):
            # The service refuses control characters; listings of such a name never end.
            raise SuspiciousFileOperation(
                f"Azure blob names can't hold control characters: {name!r}"
            )

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        """Return a free name for a new file, refusing names Azure can't store."""
        self._check_blob_name(name, self._key(name))
        available = super().get_available_name(name, max_length)
        self._check_blob_name(available, self._key(available))
        return available

    # -- object parameters ------------------------------------------------------------------
    def get_object_parameters(self, name: str) -> dict[str, Any]:
        """Return the content settings to store with *name* (override to vary them per file)."""
        return dict(self.options.object_parameters)

    def _content_settings(self, name: str, content_type: str | None) -> dict[str, Any]:
        content_type, encoding = content_headers(
            name, content_type, self.options.default_content_type
        )
        params: dict[str, Any] = {
            "content_type": content_type,
            "content_encoding": encoding,
            "cache_control": self.options.cache_control,
        }
        params.update(self.get_object_parameters(name))
        unknown = set(params) - _CONTENT_SETTINGS
        if unknown:
            raise ImproperlyConfigured(
                f"Unknown AZURE_OBJECT_PARAMETERS key(s) {sorted(unknown)}; "
                f"valid: {sorted(_CONTENT_SETTINGS)}"
            )
        return params

    # -- hooks ------------------------------------------------------------------------------
    def _open_stream(self, key: str, offset: int) -> BlobReadStream:
        return BlobReadStream(self._blob(key), offset)

    def _open_writer(self, key: str, name: str, content_type: str | None) -> BlockWriter:
        self._check_blob_name(name, key)
        block_size = min(max(self.options.max_memory_size, MIN_BLOCK_SIZE), MAX_BLOCK_SIZE)
        return BlockWriter(
            self._blob(key),
            self._content_settings(name, content_type),
            block_size,
            self.options.upload_max_conn,
            self.options.timeout,
        )

    def _delete(self, key: str) -> None:
        self.errors.missing_as_none(lambda: self._blob(key).delete_blob(delete_snapshots="include"))

    def _stat(self, key: str) -> Entry | None:
        if not key or key.endswith("/"):
            return None
        props = self.errors.missing_as_none(self._blob(key).get_blob_properties)
        return None if props is None else _entry(key, props)

    def _exists(self, key: str) -> bool:
        # The same HEAD as _stat, without building the blob's properties from its headers.
        return bool(key) and not key.endswith("/") and self._blob(key).exists()

    def _listdir(self, prefix: str) -> tuple[list[str], list[str]]:
        container = self.client
        dirs: list[str] = []
        files: list[str] = []
        for item in container.walk_blobs(name_starts_with=prefix or None, delimiter="/"):
            rest = item.name[len(prefix) :]
            if rest.endswith("/"):
                dirs.append(rest[:-1])
            elif rest:
                files.append(rest)
        return dirs, files

    def _iter_entries(self, prefix: str) -> Iterator[Entry]:
        container = self.client
        for props in container.list_blobs(name_starts_with=prefix or None):
            if not props.name.endswith("/"):
                yield _entry(props.name, props)

    def list_all(self, path: str = "") -> list[str]:
        """Return the blob name of every file under *path*, the location in front
        (django-storages 1.x's method); :meth:`listing` gives storage names with sizes."""
        location = self.location_prefix
        return [paths.safe_join(location, entry.name) for entry in self.listing(path)]

    def content_digest(self, chunks: Iterable[bytes]) -> tuple[str | None, int]:
        """Return the MD5 a listing shows for content made of *chunks* (see ``BlockWriter``)."""
        return md5_etag(chunks)

    # -- URLs -------------------------------------------------------------------------------
    def _object_url(self, key: str, **kwargs: Any) -> str:
        """Return the URL of *key*: ``url(name, expire=None, parameters=None, mode="r")``.

        ``expire`` (seconds) overrides ``expiration_secs``; ``parameters`` go into the SAS
        (``content_disposition``, ``content_type``, ...); ``mode="w"`` gives an upload SAS.
        """
        expire: int | None = kwargs.pop("expire", None)
        parameters: dict[str, Any] | None = kwargs.pop("parameters", None)
        mode: str = kwargs.pop("mode", "r")
        if kwargs:
            raise TypeError(f"url() got unexpected keyword arguments {sorted(kwargs)}")
        if expire is None:
            expire = self.options.expiration_secs
        if self.options.custom_domain:
            base = f"{self.azure_protocol}://{self.options.custom_domain}/{self._container_name()}"
            url = f"{base}/{quote(key, safe='/~')}"
        else:
            # Without its query: the SDK appends the storage's own SAS token (AZURE_SAS_TOKEN).
            url = str(self._blob(key).url).split("?", 1)[0]
        if expire is None:
            return url
        sas = connection.sas_token(
            self.service_client,
            self._container_name(),
            key,
            expire=expire,
            mode=mode,
            parameters=parameters or {},
            delegated=self.options.token_credential is not None,
        )
        return f"{url}?{sas}"
