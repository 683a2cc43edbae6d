"""System checks that catch storage misconfiguration at startup instead of in production.

======================  ====================================================================
id                      meaning
======================  ====================================================================
``storages.E001``       a storage in ``STORAGES`` cannot be created (bad or missing option)
``storages.E002``       a ``STORAGES`` entry names a backend that cannot be imported
``storages.E003``       (``check --deploy``) a storage cannot reach its bucket, container or
                        server with the configured credentials
======================  ====================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

__all__ = ["check_storages", "check_storages_reachable"]


@checks.register(checks.Tags.files if hasattr(checks.Tags, "files") else "files")
def check_storages(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Create each configured storage of this package once and report what fails."""
    messages: list[checks.CheckMessage] = []
    configured = getattr(settings, "STORAGES", {}) or {}
    for alias, entry in configured.items():
        backend = entry.get("BACKEND", "")
        if not backend.startswith("storages."):
            continue
        try:
            storage_class = import_string(backend)
        except ImportError as exc:
            messages.append(
                checks.Error(
                    f"STORAGES[{alias!r}] names {backend!r}, which cannot be imported: {exc}",
                    id="storages.E002",
                )
            )
            continue
        try:
            storage_class(**entry.get("OPTIONS", {}))
        except (ImproperlyConfigured, TypeError, ValueError) as exc:
            messages.append(
                checks.Error(f"STORAGES[{alias!r}] ({backend}): {exc}", id="storages.E001")
            )
    return messages


@checks.register(checks.Tags.files if hasattr(checks.Tags, "files") else "files", deploy=True)
def check_storages_reachable(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """With ``--deploy``, ask each configured storage of this package to reach its server."""
    from storages.base import BaseStorage

    messages: list[checks.CheckMessage] = []
    configured = getattr(settings, "STORAGES", {}) or {}
    for alias, entry in configured.items():
        backend = entry.get("BACKEND", "")
        if not backend.startswith("storages."):
            continue
        try:
            storage = import_string(backend)(**entry.get("OPTIONS", {}))
        except Exception:  # noqa: S112 - reported by check_storages
            continue
        if not isinstance(storage, BaseStorage):
            continue
        try:
            storage.check_reachable()
        except OSError as exc:
            messages.append(
                checks.Error(f"STORAGES[{alias!r}] ({backend}): {exc}", id="storages.E003")
            )
        finally:
            storage.close()
    return messages
