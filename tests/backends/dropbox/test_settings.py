"""Dropbox settings and options: 1.x names, today's names, defaults and mistakes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage.handler import StorageHandler
from django.test import override_settings
from django.utils.module_loading import import_string

from storages.backends.dropbox import DropBoxStorage, DropboxStorage
from storages.features import Feature


def test_both_documented_names_are_importable() -> None:
    assert import_string("storages.backends.dropbox.DropBoxStorage") is DropBoxStorage
    assert import_string("storages.backends.dropbox.DropboxStorage") is DropboxStorage
    assert DropBoxStorage is DropboxStorage


def test_defaults_match_the_documentation() -> None:
    options = DropboxStorage().options
    assert options.root_path == "/"
    assert options.timeout == 100
    assert options.write_mode == "add"
    assert DropboxStorage().location_prefix == ""
    assert DropboxStorage().overwrites_files is False


@override_settings(
    DROPBOX_OAUTH2_TOKEN="settings-token",
    DROPBOX_ROOT_PATH="/media/",
    DROPBOX_APP_KEY="key",
    DROPBOX_APP_SECRET="app-secret",
    DROPBOX_OAUTH2_REFRESH_TOKEN="refresh-token",
    DROPBOX_TIMEOUT=None,
    DROPBOX_WRITE_MODE="overwrite",
)
def test_every_documented_setting_is_read() -> None:
    storage = DropBoxStorage()
    options = storage.options
    assert options.oauth2_access_token == "settings-token"
    assert options.root_path == "/media/"
    assert storage.location_prefix == "media"
    assert options.app_key == "key"
    assert options.app_secret == "app-secret"
    assert options.oauth2_refresh_token == "refresh-token"
    assert options.timeout is None
    assert storage.overwrites_files is True


@override_settings(DROPBOX_OAUTH2_TOKEN="settings-token", DROPBOX_ROOT_PATH="/settings")
def test_options_win_over_settings_and_keep_the_1x_names() -> None:
    storage = DropboxStorage(oauth2_access_token="option-token", root_path="/option", timeout=5)
    assert storage.options.oauth2_access_token == "option-token"
    assert storage.location_prefix == "option"
    assert storage.options.timeout == 5
    assert DropboxStorage(location="/alias").location_prefix == "alias"


def test_storages_setting_options() -> None:
    handler = StorageHandler(
        {
            "default": {
                "BACKEND": "storages.backends.dropbox.DropBoxStorage",
                "OPTIONS": {"oauth2_access_token": "t0ken", "root_path": "/site/media"},
            }
        }
    )
    storage = handler["default"]
    assert isinstance(storage, DropboxStorage)
    assert storage.location_prefix == "site/media"


def test_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DROPBOX_OAUTH2_TOKEN", "env-token")
    monkeypatch.setenv("DROPBOX_ROOT_PATH", "/from-env")
    storage = DropboxStorage()
    assert storage.options.oauth2_access_token == "env-token"
    assert storage.location_prefix == "from-env"


def test_unknown_option_suggests_the_right_name() -> None:
    with pytest.raises(ImproperlyConfigured, match="did you mean 'root_path'"):
        DropboxStorage(root_pth="/x")


def test_write_mode_must_be_add_or_overwrite() -> None:
    with (
        pytest.raises(ImproperlyConfigured, match="DROPBOX_WRITE_MODE"),
        override_settings(DROPBOX_WRITE_MODE="update"),
    ):
        DropboxStorage()


def test_upload_chunk_size_must_be_positive() -> None:
    with pytest.raises(ImproperlyConfigured, match="upload_chunk_size"):
        DropboxStorage(upload_chunk_size=0)


def test_missing_credentials_fail_on_first_use_not_on_construction() -> None:
    storage = DropboxStorage()  # migrations rebuild storages without their secrets
    with pytest.raises(ImproperlyConfigured, match="DROPBOX_OAUTH2_TOKEN"):
        storage.exists("x")
    with pytest.raises(ImproperlyConfigured, match="DROPBOX_APP_KEY"):
        DropboxStorage(oauth2_refresh_token="only-refresh").exists("x")


def test_secrets_stay_out_of_repr_and_migrations() -> None:
    storage = DropboxStorage(
        oauth2_access_token="sl.very-secret",
        oauth2_refresh_token="refresh-secret",
        app_key="public-key",
        app_secret="app-secret-value",
    )
    text = repr(storage)
    for secret in ("sl.very-secret", "refresh-secret", "app-secret-value"):
        assert secret not in text
    _, _, kwargs = storage.deconstruct()
    needed = ["app_secret", "oauth2_access_token", "oauth2_refresh_token"]
    assert kwargs == {"app_key": "public-key", "needs_secrets": needed}


def test_declared_features() -> None:
    features = DropboxStorage.features
    assert Feature.URL in features
    assert Feature.MODIFIED_TIME in features
    assert Feature.DIRECTORIES in features
    assert Feature.PATH not in features
    assert Feature.CONTENT_TYPE not in features
    with pytest.raises(NotImplementedError):
        DropboxStorage().get_created_time("x")
