"""A small object store built on BaseStorage, to prove the core through the contract suite.

It keeps objects as files in one flat directory (keys percent-encoded), has no directories of
its own, and answers through a "client" that counts requests per operation and checks a token,
like an SDK would. It is a backend of the core, not a stand-in for any vendor's server.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import shutil
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, ClassVar
from urllib.parse import quote, unquote

from storages import paths
from storages.base import BaseStorage
from storages.entries import Entry
from storages.errors import (
    ErrorTranslator,
    StorageNotFoundError,
    StoragePermissionError,
    by_type,
)
from storages.features import Feature
from storages.options import BaseOptions, option


class NoSuchKey(Exception):
    """The vendor error for a missing object."""


class AccessDenied(Exception):
    """The vendor error for a bad token."""


@dataclasses.dataclass(frozen=True, repr=False, kw_only=True)
class ReferenceOptions(BaseOptions):
    root: str | None = option(None, setting="REFERENCE_ROOT", env="REFERENCE_ROOT")
    """Directory holding the objects."""
    location: str = option("", setting="REFERENCE_LOCATION")
    """Key prefix under which names are stored."""
    token: str | None = option(None, setting="REFERENCE_TOKEN", env="REFERENCE_TOKEN", secret=True)
    """Access token the client presents."""
    file_overwrite: bool = option(True, setting="REFERENCE_FILE_OVERWRITE")
    """Replace a file saved under an existing name."""
    base_url: str = option("https://objects.example/", setting="REFERENCE_BASE_URL")
    """Prefix of public URLs."""
    max_memory_size: int = option(1024 * 1024, setting="REFERENCE_MAX_MEMORY_SIZE")
    """Bytes a write keeps in memory before spooling to disk."""
    timeout: float = option(5.0, env="REFERENCE_TIMEOUT")
    """Seconds before a request gives up."""


class Client:
    """The SDK-like client: every method is one counted request."""

    requests: ClassVar[collections.Counter[str]] = collections.Counter()
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, root: Path, token: str | None) -> None:
        self.root = root
        self.token = token
        self.closed = False

    def _count(self, operation: str) -> None:
        if self.closed:
            raise ConnectionError("client is closed")
        if self.token == "wrong":
            raise AccessDenied(f"token {self.token} refused")
        with self._lock:
            self.requests[operation] += 1

    def _path(self, key: str) -> Path:
        return self.root / quote(key, safe="")

    def get(self, key: str, offset: int) -> IO[bytes]:
        self._count("get")
        try:
            handle = self._path(key).open("rb")
        except FileNotFoundError:
            raise NoSuchKey(key) from None
        handle.seek(offset)
        handle.size = os.fstat(handle.fileno()).st_size  # type: ignore[attr-defined]
        return handle

    def put(self, key: str, fileobj: IO[bytes]) -> None:
        self._count("put")
        fd, temp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(fileobj, out, 64 * 1024)
        os.replace(temp, self._path(key))

    def head(self, key: str) -> os.stat_result:
        self._count("head")
        try:
            return self._path(key).stat()
        except FileNotFoundError:
            raise NoSuchKey(key) from None

    def delete(self, key: str) -> None:
        self._count("delete")
        self._path(key).unlink(missing_ok=True)

    def list(self, prefix: str) -> list[str]:
        self._count("list")
        keys = (unquote(entry.name) for entry in os.scandir(self.root))
        return sorted(k for k in keys if k.startswith(prefix) and not k.startswith(".upload-"))

    def close(self) -> None:
        self.closed = True


class ReferenceStorage(BaseStorage[ReferenceOptions]):
    """An object store in a local directory, built only from the core's hooks."""

    options_class = ReferenceOptions
    features = Feature.URL | Feature.MODIFIED_TIME | Feature.LISTDIR | Feature.ATOMIC_WRITE
    errors = ErrorTranslator(
        [
            by_type(NoSuchKey, to=StorageNotFoundError),
            by_type(AccessDenied, to=StoragePermissionError),
        ],
        backend="Reference",
    )

    def _create_client(self) -> Client:
        if not self.options.root:
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured("Set REFERENCE_ROOT (or the 'root' option)")
        root = Path(self.options.root)
        root.mkdir(parents=True, exist_ok=True)
        return Client(root, self.options.token)

    def _open_stream(self, key: str, offset: int) -> Any:
        return self.client.get(key, offset)

    def _upload(self, key: str, fileobj: IO[bytes], size: int, content_type: str | None) -> None:
        self.client.put(key, fileobj)

    def _delete(self, key: str) -> None:
        self.client.delete(key)

    def _stat(self, key: str) -> Entry | None:
        try:
            result = self.client.head(key)
        except NoSuchKey:
            return None
        modified = datetime.fromtimestamp(result.st_mtime, tz=timezone.utc)
        return Entry(key, int(result.st_size), modified=modified)

    def _listdir(self, prefix: str) -> tuple[list[str], list[str]]:
        return paths.split_level(prefix, self.client.list(prefix))

    def _object_url(self, key: str, **kwargs: Any) -> str:
        return self.options.base_url + quote(key)
