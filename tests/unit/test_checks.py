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
