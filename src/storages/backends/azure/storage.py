"""Azure Blob Storage, on the shared core: one container, streamed reads, staged-block writes."""

from __future__ import annotations

import contextlib
import mimetypes
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.storage import Storage

from storages.backends.azure.errors import AZURE_ERRORS
from storages.backends.azure.files import BlobReadStream, BlockWriter
from storages.backends.azure.options import AZURE_MAX_SLASHES, AZURE_NAME_MAX_LEN, AzureOptions
from storages.backends.azure.retry import BoundedRetry
from storages.base import BaseStorage
from storages.errors import MissingDependencyError
from storages.features import Feature

try:
    from azure.core.exceptions import ResourceNotFoundError
    from azure.storage.blob import (
        BlobClient,
        BlobSasPermissions,
        BlobServiceClient,
        ContentSettings,
        generate_blob_sas,
    )
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingDependencyError("azure-storage-blob", "azure") from exc

__all__ = ["AzureStorage"]

#: The emulator's documented development account (public: it is in Microsoft's documentation).
EMULATOR_ACCOUNT_NAME = "devstoreaccount1"
EMULATOR_ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
EMULATOR_HOST = "127.0.0.1:10000"

#: Bytes the transport reads from the socket at a time while streaming a download.
STREAM_BLOCK_SIZE = 64 * 1024
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


class AzureStorage(BaseStorage[AzureOptions]):
    """Files in one Azure Blob Storage container."""

    options_class = AzureOptions
    features = (
        Feature.URL
        | Feature.SIGNED_URL
        | Feature.MODIFIED_TIME
        | Feature.CREATED_TIME
        | Feature.LISTDIR
        | Feature.CONTENT_TYPE
        | Feature.ATOMIC_WRITE
    )
    errors = AZURE_ERRORS
    # The SDK's clients are thread-safe; one connection pool serves every thread.
    client_per_thread = False

    # -- configuration ----------------------------------------------------------------------
    @property
    def container(self) -> str:
        """Return the container name, or raise ImproperlyConfigured when it is missing."""
        if not self.options.azure_container:
            raise ImproperlyConfigured(
                "AzureStorage needs a container: "
                "set AZURE_CONTAINER or the 'azure_container' option"
            )
        return self.options.azure_container

    @property
    def azure_protocol(self) -> str:
        """Return the URL scheme of the service (``https`` unless ``azure_ssl`` is false)."""
        return "https" if self.options.azure_ssl else "http"

    def _account(self) -> tuple[str | None, str | None]:
        name, key = self.options.account_name, self.options.account_key
        if self.options.is_emulated:
            name = name or EMULATOR_ACCOUNT_NAME
            if name == EMULATOR_ACCOUNT_NAME:
                key = key or EMULATOR_ACCOUNT_KEY
        return name, key

    def _secrets(self) -> list[str]:
        # The credentials inside a connection string also show up on their own (a SAS token in
        # the query string of each request).
        found = list(super()._secrets())
        for part in (self.options.connection_string or "").split(";"):
            name, _, value = part.partition("=")
            if name.strip().lower() in ("accountkey", "sharedaccesssignature") and value.strip():
                found.append(value.strip())
        return found

    def account_url(self) -> str:
        """Return the endpoint of the account's Blob service."""
        name, _ = self._account()
        if self.options.is_emulated:
            return f"http://{EMULATOR_HOST}/{name}"
        if not name:
            raise ImproperlyConfigured(
                "AzureStorage needs AZURE_ACCOUNT_NAME (the 'account_name' option), or "
                "AZURE_CONNECTION_STRING (the 'connection_string' option)"
            )
        return f"{self.azure_protocol}://{name}.blob.{self.options.endpoint_suffix}"

    def error_context(self) -> str:
        """Name the container and endpoint in errors (without the query: it may hold a SAS)."""
        endpoint = "its endpoint"
        with contextlib.suppress(Exception):  # a client that can't be built fails in the call
            endpoint = str(self.client.url).split("?", 1)[0]
        return f"Azure container {self.options.azure_container!r} at {endpoint}"

    def _client_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "connection_data_block_size": STREAM_BLOCK_SIZE,
        }
        if self.options.timeout is not None:
            # Both waits: a server that accepts and then stalls fails as fast as one that
            # never answers (the SDK's own read timeout is a minute).
            kwargs["connection_timeout"] = self.options.timeout
            kwargs["read_timeout"] = self.options.timeout
        if self.options.api_version:
            kwargs["api_version"] = self.options.api_version
        kwargs.update(self.options.client_options)
        if "retry_policy" not in kwargs:
            kwargs["retry_policy"] = BoundedRetry(**kwargs)
        return kwargs

    def _create_client(self) -> BlobServiceClient:
        kwargs = self._client_kwargs()
        if self.options.connection_string:
            return BlobServiceClient.from_connection_string(
                self.options.connection_string, **kwargs
            )
        name, key = self._account()
        credential: Any = None
        if key:
            credential = {"account_name": name, "account_key": key}
        elif self.options.sas_token:
            credential = self.options.sas_token
        elif self.options.token_credential is not None:
            credential = self.options.token_credential
        return BlobServiceClient(self.account_url(), credential=credential, **kwargs)

    def _blob(self, key: str) -> BlobClient:
        return self.client.get_blob_client(self.container, key)  # type: ignore[no-any-return]

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

    def _content_settings(self, name: str, content_type: str | None) -> ContentSettings:
        guessed_type, encoding = mimetypes.guess_type(name)
        params: dict[str, Any] = {
            "content_type": content_type or guessed_type or self.options.default_content_type,
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
        return ContentSettings(**params)

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
        with contextlib.suppress(ResourceNotFoundError):
            self._blob(key).delete_blob(delete_snapshots="include")

    def _exists(self, key: str) -> bool:
        if not key or key.endswith("/"):
            return False
        return bool(self._blob(key).exists())

    def _properties(self, key: str) -> Any:
        return self._blob(key).get_blob_properties()

    def _size(self, key: str) -> int:
        return int(self._properties(key).size)

    def _modified_time(self, key: str) -> datetime:
        return self._properties(key).last_modified  # type: ignore[no-any-return]

    def _created_time(self, key: str) -> datetime:
        return self._properties(key).creation_time  # type: ignore[no-any-return]

    def _listdir(self, prefix: str) -> tuple[list[str], list[str]]:
        container = self.client.get_container_client(self.container)
        dirs: list[str] = []
        files: list[str] = []
        for item in container.walk_blobs(name_starts_with=prefix or None, delimiter="/"):
            rest = item.name[len(prefix) :]
            if rest.endswith("/"):
                dirs.append(rest[:-1])
            elif rest:
                files.append(rest)
        return dirs, files

    # -- URLs -------------------------------------------------------------------------------
    def _url(self, key: str, **kwargs: Any) -> str:
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
            base = f"{self.azure_protocol}://{self.options.custom_domain}/{self.container}"
            url = f"{base}/{quote(key, safe='/~')}"
        else:
            # Without its query: the SDK appends the storage's own SAS token (AZURE_SAS_TOKEN).
            url = str(self._blob(key).url).split("?", 1)[0]
        if expire is None:
            return url
        sas = self._sas_token(key, expire, parameters or {}, mode)
        return f"{url}?{sas}"

    def _sas_token(self, key: str, expire: int, parameters: dict[str, Any], mode: str) -> str:
        if mode not in ("r", "w"):
            raise ValueError(f"url() mode must be 'r' or 'w', not {mode!r}")
        permission = (
            BlobSasPermissions(read=True)
            if mode == "r"
            else BlobSasPermissions(create=True, write=True)
        )
        now = datetime.now(timezone.utc)
        expiry = now + timedelta(seconds=expire)
        client = self.client
        credential = client.credential
        account_key = getattr(credential, "account_key", None)
        delegation_key = None
        if not account_key:
            if self.options.token_credential is None:
                raise ImproperlyConfigured(
                    "Signing Azure URLs needs AZURE_ACCOUNT_KEY (or a connection string with "
                    "one) or AZURE_TOKEN_CREDENTIAL; set AZURE_URL_EXPIRATION_SECS = None for "
                    "plain URLs of a public container"
                )
            delegation_key = client.get_user_delegation_key(now, expiry)
        return str(
            generate_blob_sas(
                client.account_name,
                self.container,
                key,
                account_key=account_key,
                user_delegation_key=delegation_key,
                permission=permission,
                expiry=expiry,
                **parameters,
            )
        )
