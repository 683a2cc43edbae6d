"""Options of the Database backend."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from storages.options import BaseOptions, option

__all__ = ["DB_FILES_KEYS", "DatabaseOptions"]

#: The keys of the documented ``DB_FILES`` dict (``base_url`` is optional).
DB_FILES_KEYS = ("db_table", "fname_column", "blob_column", "size_column", "base_url")
_REQUIRED = DB_FILES_KEYS[:4]


def _db_files(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(f"expected a dict with the keys {', '.join(_REQUIRED)}")
    unknown = sorted(set(value) - set(DB_FILES_KEYS))
    if unknown:
        raise ValueError(f"unknown DB_FILES key(s) {', '.join(map(repr, unknown))}")
    missing = [key for key in _REQUIRED if not value.get(key)]
    if missing:
        raise ValueError(f"DB_FILES lacks {', '.join(map(repr, missing))}")
    for key, item in value.items():
        if not isinstance(item, str):
            raise TypeError(f"DB_FILES[{key!r}] must be a str")
    return dict(value)


@dataclasses.dataclass(frozen=True, repr=False, kw_only=True)
class DatabaseOptions(BaseOptions):
    using: str = option("default", setting="DB_FILES_USING", aliases=("database", "alias"))
    """Alias in `DATABASES` of the connection the files live in (also `database=`)."""
    db_files: dict[str, str] | None = option(
        None, setting="DB_FILES", aliases=("option",), convert=_db_files
    )
    """A table you made: `{"db_table", "fname_column", "blob_column", "size_column", "base_url"}`.
    Without it the files go to the `storages_file` tables of the app
    `"storages.backends.database"` (add it to `INSTALLED_APPS`)."""
    base_url: str | None = option(None, setting="DB_FILES_URL")
    """URL prefix of the files, where the serving view is mounted. Given to the constructor it
    beats `DB_FILES["base_url"]`, which beats the `DB_FILES_URL` setting; else `MEDIA_URL`."""
    location: str = option("")
    """Name prefix under which files are stored."""
    file_overwrite: bool = option(True)
    """Replace a file saved under an existing name (as 1.x did); `False` gives Django's
    renaming (`name_AbC1234.txt`)."""
    block_size: int = option(1024 * 1024)
    """Bytes per stored chunk (zero-config tables) and at most per statement when writing."""
    max_memory_size: int = option(2 * 1024 * 1024)
    """Bytes a write keeps in memory before spooling to a temporary file."""
