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
