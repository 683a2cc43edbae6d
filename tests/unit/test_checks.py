"""System checks report broken STORAGES entries before production does."""

from __future__ import annotations

from pathlib import Path

from django.core import checks
from django.test import override_settings

from storages.checks import check_storages

STATIC = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}


def test_good_configuration_has_no_messages(tmp_path: Path) -> None:
    good = {
        "BACKEND": "storages.backends.overwrite.OverwriteStorage",
        "OPTIONS": {"location": str(tmp_path)},
    }
    with override_settings(STORAGES={"default": good, "staticfiles": STATIC}):
        assert check_storages() == []


def test_bad_option_is_e001(tmp_path: Path) -> None:
    bad = {
        "BACKEND": "storages.testing.proxy.ForwardingStorage",
        "OPTIONS": {},
    }
    ref = {
        "BACKEND": "storages.backends.symlinkorcopy.SymlinkOrCopyStorage",
        "OPTIONS": {"symlink_within": [1]},
    }
    with override_settings(STORAGES={"default": ref, "other": bad, "staticfiles": STATIC}):
        messages = check_storages()
    assert [m.id for m in messages] == ["storages.E001"]
    assert "symlink_within" in messages[0].msg
    assert "'default'" in messages[0].msg


def test_unimportable_backend_is_e002() -> None:
    with override_settings(
        STORAGES={"default": {"BACKEND": "storages.backends.nope.Nope"}, "staticfiles": STATIC}
    ):
        messages = check_storages()
    assert [m.id for m in messages] == ["storages.E002"]
    assert isinstance(messages[0], checks.Error)


def test_the_1x_documentations_misprinted_s3_path_names_the_path_it_meant() -> None:
    # The 1.7 documentation prints storages.backends.boto3.S3Boto3Storage.
    misprint = {"BACKEND": "storages.backends.boto3.S3Boto3Storage"}
    with override_settings(STORAGES={"default": misprint, "staticfiles": STATIC}):
        messages = check_storages()
    assert [m.id for m in messages] == ["storages.E002"]
    assert messages[0].hint == "Did you mean 'storages.backends.s3boto3.S3Boto3Storage'?"


def test_checks_are_registered() -> None:
    assert check_storages in checks.registry.registry.get_checks()


def test_ignored_legacy_settings_are_w001() -> None:
    import django

    from storages.checks import check_legacy_settings

    if django.VERSION < (5, 1):  # the settings still work there (Django warns by itself)
        assert check_legacy_settings() == []
        return
    with override_settings(STATICFILES_STORAGE="storages.backends.s3.S3StaticStorage"):
        messages = check_legacy_settings()
    assert [m.id for m in messages] == ["storages.W001"]
    assert '"staticfiles": {"BACKEND": "storages.backends.s3.S3StaticStorage"}' in messages[0].hint


def test_app_order_is_w002() -> None:
    from storages.checks import check_legacy_settings

    with override_settings(INSTALLED_APPS=["django.contrib.staticfiles", "storages"]):
        assert [m.id for m in check_legacy_settings()] == ["storages.W002"]
    with override_settings(INSTALLED_APPS=["storages", "django.contrib.staticfiles"]):
        assert check_legacy_settings() == []


def test_deploy_security_warnings(tmp_path: Path) -> None:
    from storages.checks import check_storages_secure

    s3 = {
        "bucket_name": "b",
        "endpoint_url": "http://127.0.0.1:1",
        "access_key": "k",
        "secret_key": "s",
    }
    config = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**s3, "default_acl": "public-read", "querystring_auth": False},
        },
        "staticfiles": {
            "BACKEND": "storages.backends.s3.S3StaticStorage",
            "OPTIONS": s3,
        },
        "sftp": {
            "BACKEND": "storages.backends.sftpstorage.SFTPStorage",
            "OPTIONS": {"host": "sftp.example.com", "accept_unknown_host_keys": True},
        },
        "ftp": {
            "BACKEND": "storages.backends.ftp.FTPStorage",
            "OPTIONS": {"location": "ftp://user:pw@ftp.example.com:21/"},
        },
        "ftps": {
            "BACKEND": "storages.backends.ftp.FTPStorage",
            "OPTIONS": {"location": "ftps://user:pw@ftp.example.com:21/"},
        },
        "local-ftp": {
            "BACKEND": "storages.backends.ftp.FTPStorage",
            "OPTIONS": {"location": "ftp://user:pw@127.0.0.1:2121/"},
        },
    }
    with override_settings(STORAGES=config):
        messages = check_storages_secure()
    found = sorted((m.id, m.msg.split(" ")[0]) for m in messages)
    assert found == [
        ("storages.W101", "STORAGES['default']"),
        ("storages.W102", "STORAGES['default']"),
        ("storages.W103", "STORAGES['sftp']"),
        ("storages.W104", "STORAGES['ftp']"),
    ]
    assert all("pw" not in m.msg for m in messages)


# -- storages.E004: the Database backend's tables without their app -------------------------
DATABASE = {"BACKEND": "storages.backends.database.DatabaseStorage"}
OWN_TABLE = {"db_table": "FILES", "fname_column": "N", "blob_column": "B", "size_column": "S"}
#: The test settings' apps without the Database backend's.
WITHOUT_DATABASE_APP = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "storages",
    "storages.testing",
]


def test_database_storage_without_its_app_is_e004() -> None:
    from storages.checks import check_database_app

    with override_settings(
        INSTALLED_APPS=WITHOUT_DATABASE_APP, STORAGES={"default": DATABASE, "staticfiles": STATIC}
    ):
        [error] = check_database_app()
    assert error.id == "storages.E004"
    assert isinstance(error, checks.Error)
    assert "(used by STORAGES['default'])" in error.msg
    assert "Add 'storages.backends.database' to INSTALLED_APPS" in error.hint
    assert check_database_app in checks.registry.registry.get_checks()


def test_database_storage_with_its_app_or_own_table_is_silent() -> None:
    from storages.checks import check_database_app

    with override_settings(STORAGES={"default": DATABASE, "staticfiles": STATIC}):
        assert check_database_app() == []  # the test settings install the app
    own = {**DATABASE, "OPTIONS": {"db_files": OWN_TABLE}}
    with override_settings(
        INSTALLED_APPS=WITHOUT_DATABASE_APP, STORAGES={"default": own, "staticfiles": STATIC}
    ):
        assert check_database_app() == []


def test_database_storage_on_a_model_field_is_e004() -> None:
    from django.db import models
    from django.test.utils import isolate_apps

    from storages.backends.database import DatabaseStorage
    from storages.checks import check_database_app

    with (
        override_settings(INSTALLED_APPS=WITHOUT_DATABASE_APP),
        isolate_apps("storages.testing") as apps,
    ):

        class Player(models.Model):  # noqa: DJ008 - never shown
            photo = models.ImageField(storage=DatabaseStorage())
            scan = models.FileField(storage=DatabaseStorage(db_files=OWN_TABLE))

            class Meta:
                app_label = "storages_testing"

        [error] = check_database_app(app_configs=[apps.get_app_config("storages_testing")])
    assert error.id == "storages.E004"
    assert "(used by storages_testing.Player.photo)" in error.msg
