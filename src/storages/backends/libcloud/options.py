"""Options of the Apache Libcloud backend."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from storages.options import BaseOptions, option

__all__ = ["LibCloudOptions"]


@dataclasses.dataclass(frozen=True, repr=False, kw_only=True)
class LibCloudOptions(BaseOptions):
    provider_name: str = option("default", setting="DEFAULT_LIBCLOUD_PROVIDER")
    """Key of the entry of ``LIBCLOUD_PROVIDERS`` to use. It is also the storage's first
    positional argument: ``LibCloudStorage('amazon_1')``."""
    providers: dict[str, Any] = option(factory=dict, setting="LIBCLOUD_PROVIDERS", secret=True)
    """Named provider entries: ``type``, ``user``, ``key`` and ``bucket``, and optionally
    ``region``, ``project``, ``host``, ``port``, ``secure`` and ``timeout`` (seconds to wait
    for a connection or an answer; Libcloud's default is 60)."""
    location: str = option("")
    """Prefix of every name inside the bucket."""
    file_overwrite: bool = option(False)
    """Replace a file saved under an existing name; by default a free name is chosen, as in
    django-storages 1.x."""
    base_url: str | None = option(None)
    """Prefix of the URLs ``url()`` returns (the key is appended, quoted). Without it, the
    driver's object URL is used (a presigned URL on S3)."""
    max_memory_size: int = option(2 * 1024 * 1024)
    """Bytes a write keeps in memory before it continues in a temporary file; the file is
    streamed to the provider when it is closed."""

    def provider_entry(self) -> dict[str, Any] | None:
        """Return the entry of ``providers`` named ``provider_name`` (None when there is none)."""
        entry = self.providers.get(self.provider_name)
        return dict(entry) if isinstance(entry, Mapping) and entry else None

    def check_required(self, storage_name: str) -> None:
        """Also refuse a missing provider entry: on first use and in ``manage.py check``."""
        super().check_required(storage_name)
        if self.provider_entry() is None:
            raise ImproperlyConfigured(
                f"LIBCLOUD_PROVIDERS {self.provider_name} not defined or invalid (the "
                "'providers' option, keyed by the 'provider_name' option)"
            )
