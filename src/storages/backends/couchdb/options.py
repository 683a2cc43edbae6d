"""Options of the CouchDB backend."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from storages.options import BaseOptions, option

__all__ = ["CouchDBOptions"]


def _server(value: Any) -> Any:
    """Refuse a server that is not an http(s) URL with a host (the URL may hold a password)."""
    if isinstance(value, str):
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("expected an http:// or https:// URL with a host")
    return value


def _storage_options(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise TypeError("expected a dict with the keys 'server' and 'database'")
    unknown = sorted(set(value) - {"server", "database"})
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(map(repr, unknown))}")
    return dict(value)


@dataclasses.dataclass(frozen=True, repr=False, kw_only=True)
class CouchDBOptions(BaseOptions):
    server: str = option(
        "http://couchdb.local:5984",
        setting="COUCHDB_DEFAULT_SERVER",
        env="COUCHDB_SERVER",
        secret=True,
        convert=_server,
    )
    """URL of the CouchDB server; it may carry credentials (`http://user:pass@host:5984`),
    which are never shown. Given to the constructor it beats `COUCHDB_STORAGE_OPTIONS`,
    which beats `COUCHDB_DEFAULT_SERVER`."""
    database: str = option("", env="COUCHDB_DATABASE")
    """Name of the database holding the files (it must exist). Given to the constructor it
    beats `COUCHDB_STORAGE_OPTIONS["database"]`."""
    storage_options: dict[str, str] = option(
        factory=dict, setting="COUCHDB_STORAGE_OPTIONS", convert=_storage_options, secret=True
    )
    """The 1.x dict `{"server": ..., "database": ...}`; secret, as its server URL may carry
    credentials."""
    username: str | None = option(None, setting="COUCHDB_USERNAME", env="COUCHDB_USERNAME")
    """User name for HTTP basic authentication (instead of credentials in the URL)."""
    password: str | None = option(
        None, setting="COUCHDB_PASSWORD", env="COUCHDB_PASSWORD", secret=True
    )
    """Password for HTTP basic authentication."""
    location: str = option("")
    """Name prefix under which files are stored."""
    file_overwrite: bool = option(False, setting="COUCHDB_FILE_OVERWRITE")
    """Replace a file saved under an existing name (a new revision of its document) instead of
    Django's renaming."""
    base_url: str | None = option(None, setting="COUCHDB_BASE_URL")
    """URL prefix for `url()`; by default the attachment's own URL on the server (without
    credentials)."""
    timeout: float = option(30.0, setting="COUCHDB_TIMEOUT")
    """Seconds before a request gives up."""
    max_memory_size: int = option(2 * 1024 * 1024)
    """Bytes a write keeps in memory before spooling to a temporary file."""
