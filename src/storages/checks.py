"""System checks that catch storage misconfiguration at startup instead of in production.

======================  ====================================================================
id                      meaning
======================  ====================================================================
``storages.E001``       a storage in ``STORAGES`` cannot be created (bad or missing option)
``storages.E002``       a ``STORAGES`` entry names a backend that cannot be imported
``storages.E003``       (``check --deploy``) a storage cannot reach its bucket, container or
                        server with the configured credentials
``storages.W001``       ``DEFAULT_FILE_STORAGE``/``STATICFILES_STORAGE`` are set but this Django
                        ignores them; the equivalent ``STORAGES`` entry is shown
``storages.W002``       ``'storages'`` comes after ``'django.contrib.staticfiles'`` in
                        ``INSTALLED_APPS``, so the fast ``collectstatic`` is not used
``storages.W101``       (deploy) S3: ``AWS_DEFAULT_ACL`` makes every object public
``storages.W102``       (deploy) S3: unsigned URLs for a media storage
``storages.W103``       (deploy) SFTP: unknown host keys are accepted
``storages.W104``       (deploy) FTP without TLS to another machine
======================  ====================================================================
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import django
from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

__all__ = [
    "check_legacy_settings",
    "check_storages",
    "check_storages_reachable",
    "check_storages_secure",
]

_TAG = checks.Tags.files if hasattr(checks.Tags, "files") else "files"


@checks.register(_TAG)
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


@checks.register(_TAG)
def check_legacy_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Report settings this Django ignores and an app order that hides ``collectstatic``."""
    messages: list[checks.CheckMessage] = []
    if django.VERSION >= (5, 1):
        for setting, alias in (
            ("DEFAULT_FILE_STORAGE", "default"),
            ("STATICFILES_STORAGE", "staticfiles"),
        ):
            value = getattr(settings, setting, None)
            if isinstance(value, str):
                messages.append(
                    checks.Warning(
                        f"{setting} is ignored since Django 5.1.",
                        hint=f'Use STORAGES = {{"{alias}": {{"BACKEND": "{value}"}}, ...}}',
                        id="storages.W001",
                    )
                )
    apps = list(settings.INSTALLED_APPS)
    names = [app.split(".apps.")[0] for app in apps]
    static = "django.contrib.staticfiles"
    if "storages" in names and static in names and names.index("storages") > names.index(static):
        messages.append(
            checks.Warning(
                "'storages' comes after 'django.contrib.staticfiles' in INSTALLED_APPS, so "
                "Django's collectstatic runs instead of the fast one for remote storages.",
                hint="Put 'storages' before 'django.contrib.staticfiles'.",
                id="storages.W002",
            )
        )
    return messages


def _configured_storages() -> Iterator[tuple[str, str, Any]]:
    """Yield ``(alias, backend, storage)`` for each STORAGES entry of this package."""
    from storages.base import BaseStorage

    configured = getattr(settings, "STORAGES", {}) or {}
    for alias, entry in configured.items():
        backend = entry.get("BACKEND", "")
        if not backend.startswith("storages."):
            continue
        try:
            storage = import_string(backend)(**entry.get("OPTIONS", {}))
        except Exception:  # noqa: S112 - reported by check_storages
            continue
        if isinstance(storage, BaseStorage):
            yield alias, backend, storage


@checks.register(_TAG, deploy=True)
def check_storages_secure(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """With ``--deploy``, report each storage's risky settings."""
    return [
        checks.Warning(f"STORAGES[{alias!r}] ({backend}): {message}", id=check_id)
        for alias, backend, storage in _configured_storages()
        for check_id, message in storage.security_warnings()
    ]


@checks.register(_TAG, deploy=True)
def check_storages_reachable(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """With ``--deploy``, ask each configured storage of this package to reach its server."""
    messages: list[checks.CheckMessage] = []
    for alias, backend, storage in _configured_storages():
        try:
            storage.check_reachable()
        except OSError as exc:
            messages.append(
                checks.Error(f"STORAGES[{alias!r}] ({backend}): {exc}", id="storages.E003")
            )
        finally:
            storage.close()
    return messages
