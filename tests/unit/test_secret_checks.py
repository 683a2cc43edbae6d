"""storages.W105: a file field whose storage was given a secret in code is reported, and what
makemigrations writes for it never holds the secret."""

from __future__ import annotations

from typing import Any

from django.apps.registry import Apps
from django.conf import settings
from django.core.files.storage import DefaultStorage, StorageHandler
from django.db import models
from django.db.migrations.writer import MigrationWriter
from django.test import override_settings
from django.test.utils import isolate_apps
from django.utils.functional import empty
from django.utils.module_loading import import_string

from storages.backends.s3 import S3Storage
from storages.checks import check_field_storage_secrets

SECRET = "S3CR3T-w105-4c1d"
BUCKET = {"bucket_name": "media", "endpoint_url": "http://127.0.0.1:9"}


def private_storage() -> S3Storage:
    """A callable storage: migrations record this function, never an instance."""
    return S3Storage(**BUCKET)


def _warnings(apps: Apps) -> list[Any]:
    return check_field_storage_secrets(app_configs=[apps.get_app_config("storages_testing")])


def test_explicit_secret_is_w105_with_a_hint() -> None:
    with isolate_apps("storages.testing") as apps:

        class Document(models.Model):  # noqa: DJ008 - never shown
            scan = models.FileField(storage=S3Storage(secret_access_key=SECRET, **BUCKET))

            class Meta:
                app_label = "storages_testing"

        [warning] = _warnings(apps)
    assert warning.id == "storages.W105"
    assert warning.obj is Document._meta.get_field("scan")
    assert "storages_testing.Document.scan" in warning.msg and "'secret_access_key'" in warning.msg
    assert "storages['media']" in warning.hint and "AWS_S3_SECRET_ACCESS_KEY" in warning.hint
    assert SECRET not in warning.msg + warning.hint
    # What makemigrations would write for the field: the storage, without its secret but
    # naming it, so that the storage a migration or a task queue rebuilds refuses to work
    # without it rather than act as another identity.
    text, _ = MigrationWriter.serialize(Document._meta.get_field("scan"))
    assert "S3Storage(" in text and "bucket_name='media'" in text
    assert "needs_secrets=['secret_key']" in text
    assert SECRET not in text


def test_storage_of_a_storages_alias_is_recorded_as_the_alias() -> None:
    media = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**BUCKET, "secret_key": SECRET},
    }
    with override_settings(STORAGES={**settings.STORAGES, "media": media}):
        with isolate_apps("storages.testing") as apps:

            class Document(models.Model):  # noqa: DJ008 - never shown
                scan = models.FileField(storage=StorageHandler()["media"])

                class Meta:
                    app_label = "storages_testing"

            assert _warnings(apps) == []
        text, _ = MigrationWriter.serialize(Document._meta.get_field("scan"))
        assert "S3Storage(alias='media')" in text and SECRET not in text
        path, args, kwargs = Document._meta.get_field("scan").storage.deconstruct()
        assert import_string(path)(*args, **kwargs).options.secret_key == SECRET


def test_callables_settings_and_default_storage_are_silent() -> None:
    with isolate_apps("storages.testing") as apps:

        class Document(models.Model):  # noqa: DJ008 - never shown
            callable_storage = models.FileField(storage=private_storage)
            from_settings = models.FileField(storage=S3Storage(**BUCKET))
            default = models.FileField()
            lazy = models.FileField(storage=DefaultStorage())

            class Meta:
                app_label = "storages_testing"

        lazy = Document._meta.get_field("lazy").storage
        built_before = lazy._wrapped is not empty  # Django 4.2's FileField builds it itself
        assert _warnings(apps) == []
    # The check never builds the lazy default storage (where Django has not already).
    assert (lazy._wrapped is not empty) == built_before
    text, _ = MigrationWriter.serialize(Document._meta.get_field("callable_storage"))
    assert "private_storage" in text


def test_a_secret_inside_an_option_stays_out_of_deconstruct() -> None:
    # An SSE-C customer key in object_parameters: the option is left out and named, so the
    # rebuilt storage refuses to work until its setting supplies it.
    parameters = {"SSECustomerKey": SECRET * 2, "SSECustomerAlgorithm": "AES256"}
    storage = S3Storage(object_parameters=parameters, **BUCKET)
    _path, _args, kwargs = storage.deconstruct()
    assert SECRET not in repr(kwargs)
    assert kwargs["needs_secrets"] == ["object_parameters"]
    assert kwargs["bucket_name"] == "media"
