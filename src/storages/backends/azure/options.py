"""Options of the Azure Blob Storage backend, with the settings of django-storages 1.x."""

from __future__ import annotations

import dataclasses
from typing import Any

from storages.options import BaseOptions, option

__all__ = ["AzureOptions"]

#: Azure's limit on the length of a blob name, in characters.
AZURE_NAME_MAX_LEN = 1024
#: Azure's limit on the number of path segments (slashes) in a blob name.
AZURE_MAX_SLASHES = 256


@dataclasses.dataclass(frozen=True, repr=False, kw_only=True)
class AzureOptions(BaseOptions):
    """Options of :class:`storages.backends.azure_storage.AzureStorage`."""

    account_name: str | None = option(
        None, setting="AZURE_ACCOUNT_NAME", env="AZURE_STORAGE_ACCOUNT_NAME"
    )
    """The storage account name, the first part of `https://<account_name>.blob.core.windows.net/`."""
    account_key: str | None = option(
        None, setting="AZURE_ACCOUNT_KEY", env="AZURE_STORAGE_ACCOUNT_KEY", secret=True
    )
    """The account's access key. Signs requests and SAS URLs."""
    azure_container: str | None = option(
        None,
        setting="AZURE_CONTAINER",
        env="AZURE_STORAGE_CONTAINER",
        aliases=("container",),
        required=True,
    )
    """The container that holds the files. It must exist: the storage does not create it."""
    azure_ssl: bool = option(True, setting="AZURE_SSL")
    """Connect over HTTPS (`True`) or HTTP, and build URLs with that scheme."""
    upload_max_conn: int = option(2, setting="AZURE_UPLOAD_MAX_CONN")
    """Blocks of one file uploaded at the same time (connections per upload)."""
    timeout: float | None = option(20, setting="AZURE_CONNECTION_TIMEOUT_SECS")
    """Seconds to wait for a connection to the service, and for each read of its answers: a
    stalled connection fails (and is retried, see `client_options`) after this long. `None`
    keeps the SDK's defaults (20 s to connect, 60 s per read)."""
    max_memory_size: int = option(4 * 1024 * 1024, setting="AZURE_BLOB_MAX_MEMORY_SIZE")
    """Bytes per uploaded block (at least 1 MiB; 4 MiB, the SDK's block size, by default). A
    write holds at most `(upload_max_conn + 1) * max_memory_size` bytes in memory; a smaller
    file is sent in one request. Reads are streamed and never spooled."""
    expiration_secs: int | None = option(None, setting="AZURE_URL_EXPIRATION_SECS")
    """Seconds a URL stays valid. With a value, `url()` returns SAS URLs (a private container);
    with `None`, plain URLs, which need a container with public read access."""
    file_overwrite: bool = option(
        False, setting="AZURE_OVERWRITE_FILES", aliases=("overwrite_files",)
    )
    """Replace a file saved under an existing name; otherwise a random suffix is added."""
    location: str = option("", setting="AZURE_LOCATION")
    """Path prefix put in front of every file name."""
    is_emulated: bool = option(False, setting="AZURE_EMULATED_MODE")
    """Talk to the local emulator (Azurite) at `http://127.0.0.1:10000/<account_name>`, with the
    emulator's well-known development account when no name or key is set."""
    custom_domain: str | None = option(None, setting="AZURE_CUSTOM_DOMAIN")
    """Host name of the URLs `url()` returns (a CDN or custom domain), instead of the account's."""
    connection_string: str | None = option(
        None,
        setting="AZURE_CONNECTION_STRING",
        env="AZURE_STORAGE_CONNECTION_STRING",
        secret=True,
    )
    """A connection string; it replaces the account name, key and endpoint settings."""
    token_credential: Any = option(None, setting="AZURE_TOKEN_CREDENTIAL", secret=True)
    """An `azure.identity` credential (for example `DefaultAzureCredential()`). SAS URLs are then
    signed with a user delegation key."""
    sas_token: str | None = option(None, setting="AZURE_SAS_TOKEN", secret=True)
    """A SAS token to authenticate with, when there is no account key. It is never put in URLs."""
    cache_control: str | None = option(None, setting="AZURE_CACHE_CONTROL")
    """`Cache-Control` header stored with every file."""
    object_parameters: dict[str, Any] = option(setting="AZURE_OBJECT_PARAMETERS", factory=dict)
    """Content settings stored with every file: `content_type`, `content_encoding`,
    `content_language`, `content_disposition`, `cache_control`."""
    endpoint_suffix: str = option("core.windows.net", setting="AZURE_ENDPOINT_SUFFIX")
    """DNS suffix of the service (`core.chinacloudapi.cn` for Azure China, for example)."""
    api_version: str | None = option(None, setting="AZURE_API_VERSION")
    """Storage REST API version the client speaks (the SDK's newest when `None`)."""
    client_options: dict[str, Any] = option(setting="AZURE_CLIENT_OPTIONS", factory=dict)
    """Extra keyword arguments of `BlobServiceClient` (proxies, ...). A failed request is
    retried at most `retry_total` times (3), a refused connection `retry_connect` times (2),
    after `retry_backoff_factor` seconds (0.5), then twice as long each time up to
    `retry_backoff_max` (2): a service that is down fails a call in under 2 s. `retry_policy`
    replaces that policy."""
    default_content_type: str = option("application/octet-stream")
    """Content type of files whose type can't be guessed from their name."""
