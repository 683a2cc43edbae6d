"""System checks that catch storage misconfiguration at startup instead of in production.

======================  ====================================================================
id                      meaning
======================  ====================================================================
``storages.E001``       a storage in ``STORAGES`` cannot be created (bad or missing option)
``storages.E002``       a ``STORAGES`` entry names a backend that cannot be imported
``storages.E003``       (``check --deploy``) a storage cannot reach its bucket, container or
                        server with the configured credentials
``storages.E004``       a ``DatabaseStorage`` keeps files in the zero-config tables (no
                        ``DB_FILES``) but ``'storages.backends.database'``, the app of those
                        tables, is not in ``INSTALLED_APPS``
``storages.W001``       ``DEFAULT_FILE_STORAGE``/``STATICFILES_STORAGE`` are set but this Django
                        ignores them; the equivalent ``STORAGES`` entry is shown
``storages.W002``       ``'storages'`` comes after ``'django.contrib.staticfiles'`` in
                        ``INSTALLED_APPS``, so the fast ``collectstatic`` is not used
``storages.W101``       (deploy) S3: ``AWS_DEFAULT_ACL`` makes every object public
``storages.W102``       (deploy) S3: unsigned URLs for a media storage
``storages.W103``       (deploy) SFTP: unknown host keys are accepted
``storages.W104``       (deploy) FTP without TLS to another machine
``storages.W105``       a model field's storage instance was given a secret in code;
                        migrations and task queues leave it out
``storages.W106``       S3: a custom domain with signed URLs and no CloudFront key serves
                        unsigned URLs
======================  ====================================================================
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import django
from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

__all__ = [
    "check_database_app",
    "check_field_storage_secrets",
    "check_legacy_settings",
    "check_storages",
    "check_storages_reachable",
    "check_storages_secure",
]

_TAG = checks.Tags.files if hasattr(checks.Tags, "files") else "files"
#: Dotted paths printed wrong in the 1.x documentation, and the path each one meant.
MISPRINTED_PATHS = {
    "storages.backends.boto3.S3Boto3Storage": "storages.backends.s3boto3.S3Boto3Storage",
}
#: The app of the Database backend's zero-config tables (not imported by these checks).
_DATABASE_APP = "storages.backends.database"


def _own_entries() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Yield ``(alias, backend, entry)`` for each STORAGES entry naming a backend of this
    package."""
    for alias, entry in (getattr(settings, "STORAGES", {}) or {}).items():
        backend = entry.get("BACKEND", "")
        if backend.startswith("storages."):
            yield alias, backend, entry


@checks.register(_TAG)
def check_storages(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Create each configured storage of this package once and report what fails."""
    messages: list[checks.CheckMessage] = []
    for alias, backend, entry in _own_entries():
        try:
            storage_class = import_string(backend)
        except ImportError as exc:
            meant = MISPRINTED_PATHS.get(backend)
            messages.append(
                checks.Error(
                    f"STORAGES[{alias!r}] names {backend!r}, which cannot be imported: {exc}",
                    hint=f"Did you mean {meant!r}?" if meant else None,
                    id="storages.E002",
                )
            )
            continue
        try:
            storage = storage_class(**entry.get("OPTIONS", {}))
            # Required options are checked on first use; the check reports them now.
            options = getattr(storage, "options", None)
            if options is not None and hasattr(options, "check_required"):
                options.check_required(storage_class.__name__)
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


@checks.register(_TAG, checks.Tags.models)
def check_database_app(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Report a ``DatabaseStorage`` on the zero-config tables without their app installed.

    The tables (and their migration) belong to the app ``storages.backends.database``, so that
    ``'storages'`` alone creates none; a ``DB_FILES`` table of the project's needs no app.
    """
    from django.apps import apps

    if apps.is_installed(_DATABASE_APP):
        return []
    users = [f"STORAGES[{alias!r}]" for alias in _aliases_on_database_tables()]
    users += [
        f"{model._meta.label}.{field.name}"
        for model, field in _file_fields(app_configs)
        if _uses_database_tables(field.storage)
    ]
    if not users:
        return []
    return [
        checks.Error(
            f"DatabaseStorage keeps files in the tables of the app {_DATABASE_APP!r}, which is "
            f"not in INSTALLED_APPS (used by {', '.join(users)}).",
            hint=f"Add {_DATABASE_APP!r} to INSTALLED_APPS and run `manage.py migrate` (or "
            "give the storage a DB_FILES table of yours).",
            id="storages.E004",
        )
    ]


def _aliases_on_database_tables() -> Iterator[str]:
    """Yield each ``STORAGES`` alias whose backend is a DatabaseStorage (or a subclass of it,
    wherever it is defined) on the zero-config tables."""
    for alias, entry in (getattr(settings, "STORAGES", {}) or {}).items():
        try:
            backend = import_string(entry.get("BACKEND", ""))
        except ImportError:
            continue  # storages.E002 reports this package's; Django reports the others
        module = sys.modules.get("storages.backends.database.storage")
        if module is None or not isinstance(backend, type):
            continue
        if not issubclass(backend, module.DatabaseStorage):
            continue
        try:
            storage = backend(**entry.get("OPTIONS", {}))
        except Exception:  # noqa: S112 - storages.E001 reports it
            continue
        if _uses_database_tables(storage):
            yield alias


def _uses_database_tables(storage: Any) -> bool:
    """Return whether *storage* is a DatabaseStorage on the zero-config tables."""
    # Where the backend was never imported no storage uses it (and it stays unimported).
    module = sys.modules.get("storages.backends.database.storage")
    # type(), not isinstance(): the default storage is a lazy object, left unbuilt.
    if module is None or not issubclass(type(storage), module.DatabaseStorage):
        return False
    return storage.options.db_files is None


def _file_fields(app_configs: Sequence[AppConfig] | None) -> Iterator[tuple[Any, Any]]:
    """Yield ``(model, field)`` for each file field of the models of *app_configs*."""
    from django.apps import apps
    from django.db.models import FileField

    configs = apps.get_app_configs() if app_configs is None else app_configs
    for config in configs:
        for model in config.get_models():
            for field in model._meta.local_fields:
                if isinstance(field, FileField):
                    yield model, field


def _configured_storages() -> Iterator[tuple[str, str, Any]]:
    """Yield ``(alias, backend, storage)`` for each STORAGES entry of this package."""
    from storages.base import BaseStorage

    for alias, backend, entry in _own_entries():
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
    from storages.base import BaseStorage

    messages: list[checks.CheckMessage] = []
    for model, field in _file_fields(app_configs):
        storage = field.storage
        # type(), not isinstance(): the default storage is a lazy object, left unbuilt.
        if hasattr(field, "_storage_callable") or not issubclass(type(storage), BaseStorage):
            continue
        assert isinstance(storage, BaseStorage)
        given = storage.explicit_secrets()
        if not given or "alias" in storage.deconstruct()[2]:
            continue  # none given, or rebuilt from its STORAGES alias (secrets and all)
        where = "; ".join(_setting_of(storage.options_class, name) for name in given)
        messages.append(
            checks.Warning(
                f"{model._meta.label}.{field.name}: its storage "
                f"({type(storage).__name__}) was given the secret option(s) "
                f"{', '.join(map(repr, given))}. Migrations and task queues rebuild a "
                "storage from deconstruct(), which never records secrets: the copy they build "
                "refuses to work without them, and a secret in code ends up in version control.",
                hint=(
                    "Configure the storage in STORAGES (its copies then read the same OPTIONS) "
                    "and use `FileField(storage=storages['media'])` or a callable returning it, "
                    f"or move the secret to its setting ({where}) or environment variable."
                ),
                obj=field,
                id="storages.W105",
            )
        )
    return messages


@checks.register(_TAG)
def check_s3_unsigned_custom_domain(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Warn about an S3 storage that should sign its URLs but builds them on a custom domain
    without a CloudFront key (``storages.W106``): they are served unsigned.

    Signing URLs (``AWS_QUERYSTRING_AUTH``, on by default) says the files are private; on a
    custom domain only a CloudFront key can sign them, so without one the private files are
    served to anyone with the URL, as they were in django-storages 1.x.
    """
    messages: list[checks.CheckMessage] = []
    for alias, backend, storage in _configured_storages():
        s3 = sys.modules.get("storages.backends.s3.storage")
        if s3 is None or not isinstance(storage, s3.S3Storage):
            continue
        opts = storage.options
        signed = opts.cloudfront_signer or (opts.cloudfront_key_id and opts.cloudfront_key)
        if opts.custom_domain and opts.querystring_auth and not signed:
            messages.append(
                checks.Warning(
                    f"STORAGES[{alias!r}] ({backend}): AWS_S3_CUSTOM_DOMAIN is set and "
                    "AWS_QUERYSTRING_AUTH is on, but no CloudFront key signs the URLs: they "
                    "are served unsigned.",
                    hint="Set AWS_CLOUDFRONT_KEY_ID and AWS_CLOUDFRONT_KEY (or the "
                    "cloudfront_signer option) to sign them, or AWS_QUERYSTRING_AUTH = False "
                    "if the files are public.",
                    id="storages.W106",
                )
            )
    return messages
