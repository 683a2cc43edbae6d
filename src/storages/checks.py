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
``storages.W105``       a model field's storage instance was given a secret in code (or
                        ``OPTIONS``); migrations leave it out
======================  ====================================================================
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

import django
from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

__all__ = [
    "check_field_storage_secrets",
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


def _setting_of(options_class: type, keyword: str) -> str:
    """Return the Django setting (else environment variable) of the secret option *keyword*."""
    from storages.options import spec_of

    for field in dataclasses.fields(options_class):
        spec = spec_of(field)
        if keyword == field.name or keyword in spec.aliases:
            names = [*spec.settings, *spec.env]
            return f"{names[0]} = ..." if names else f"{keyword} on a subclass"
    return keyword  # pragma: no cover - explicit_secrets() only names declared options


@checks.register(_TAG, checks.Tags.models)
def check_field_storage_secrets(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Warn about file fields whose storage instance was given a secret explicitly.

    Migrations record such a storage through ``deconstruct()``, which leaves secrets out, so the
    storage a migration rebuilds lacks them; and a secret written in ``models.py`` is a secret
    in version control. A callable storage, or the secret in its setting, avoids both.
    """
    from django.apps import apps
    from django.db.models import FileField

    from storages.base import BaseStorage

    configs = apps.get_app_configs() if app_configs is None else app_configs
    messages: list[checks.CheckMessage] = []
    for config in configs:
        for model in config.get_models():
            for field in model._meta.local_fields:
                if not isinstance(field, FileField) or hasattr(field, "_storage_callable"):
                    continue
                storage = field.storage
                # type(), not isinstance(): the default storage is a lazy object, left unbuilt.
                if not issubclass(type(storage), BaseStorage):
                    continue
                assert isinstance(storage, BaseStorage)
                given = storage.explicit_secrets()
                if not given:
                    continue
                where = "; ".join(_setting_of(storage.options_class, name) for name in given)
                messages.append(
                    checks.Warning(
                        f"{model._meta.label}.{field.name}: its storage "
                        f"({type(storage).__name__}) was given the secret option(s) "
                        f"{', '.join(map(repr, given))}. Migrations never record secrets, so the "
                        "storage they rebuild has none, and a secret in code ends up in "
                        "version control.",
                        hint=(
                            "Pass a callable instead of the instance, e.g. "
                            "`def media_storage(): return storages['media']` and "
                            "`FileField(storage=media_storage)` (migrations then record the "
                            f"callable), and move the secret to its setting ({where}) or "
                            "environment variable."
                        ),
                        obj=field,
                        id="storages.W105",
                    )
                )
    return messages
