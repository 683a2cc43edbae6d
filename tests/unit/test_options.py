"""Where option values come from, and how bad ones are reported."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from storages.options import BaseOptions, describe, option, resolve
from tests.reference.storage import ReferenceStorage


@dataclasses.dataclass(frozen=True, repr=False, kw_only=True)
class DemoOptions(BaseOptions):
    bucket_name: str | None = option(
        None, setting=("DEMO_BUCKET", "DEMO_OLD_BUCKET"), env="DEMO_BUCKET"
    )
    """Bucket to use."""
    secure: bool = option(True, setting="DEMO_SECURE", env="DEMO_SECURE")
    """Use TLS."""
    retries: int = option(3, setting="DEMO_RETRIES", env="DEMO_RETRIES")
    """How often to retry."""
    expire: timedelta = option(
        timedelta(hours=1),
        setting="DEMO_EXPIRE",
        convert=lambda v: v if isinstance(v, timedelta) else timedelta(seconds=v),
    )
    """Lifetime of signed URLs (seconds or timedelta)."""
    password: str | None = option(None, setting="DEMO_PASSWORD", secret=True, aliases="passwd")
    """Password."""
    headers: dict[str, str] = option(setting="DEMO_HEADERS", factory=dict)
    """Extra headers."""


class Demo:
    pass


class SubclassedDemo(Demo):
    bucket_name = "from-class"


def build(given: dict[str, Any] | None = None, cls: type = Demo) -> DemoOptions:
    return resolve(DemoOptions, cls, given or {})


def test_defaults() -> None:
    options = build()
    assert options.bucket_name is None
    assert options.secure is True
    assert options.retries == 3
    assert options.expire == timedelta(hours=1)
    assert options.headers == {}


def test_precedence_constructor_over_class_over_setting_over_env_over_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEMO_BUCKET", "from-env")
    assert build().bucket_name == "from-env"
    with override_settings(DEMO_BUCKET="from-setting"):
        assert build().bucket_name == "from-setting"
        assert build(cls=SubclassedDemo).bucket_name == "from-class"
        assert build({"bucket_name": "from-option"}, SubclassedDemo).bucket_name == "from-option"


def test_first_documented_setting_wins() -> None:
    with override_settings(DEMO_OLD_BUCKET="old"):
        assert build().bucket_name == "old"
    with override_settings(DEMO_OLD_BUCKET="old", DEMO_BUCKET="new"):
        assert build().bucket_name == "new"


def test_settings_are_read_at_creation_not_import() -> None:
    with override_settings(DEMO_RETRIES=7):
        assert build().retries == 7
    assert build().retries == 3


@pytest.mark.parametrize(("text", "expected"), [("true", True), ("0", False), ("Off", False)])
def test_env_strings_are_parsed(monkeypatch: pytest.MonkeyPatch, text: str, expected: bool) -> None:
    monkeypatch.setenv("DEMO_SECURE", text)
    assert build().secure is expected


def test_bad_env_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_RETRIES", "many")
    with pytest.raises(ImproperlyConfigured, match="DEMO_RETRIES"):
        build()


def test_unknown_option_suggests_the_closest_name() -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        build({"bucket": "x"})
    assert str(info.value) == "Unknown option 'bucket' for Demo; did you mean 'bucket_name'?"


@pytest.mark.parametrize(
    ("given", "meant"),
    [("bucket", "bucket_name"), ("bucket_nme", "bucket_name"), ("locaton", "location")],
)
def test_a_real_options_prefix_and_a_required_option_win(given: str, meant: str) -> None:
    # 'bucket' begins 'bucket_acl' and 'bucket_name'; the required one is what users mean.
    from storages.backends.s3 import S3Storage

    with pytest.raises(ImproperlyConfigured, match=f"did you mean '{meant}'\\?$"):
        S3Storage(**{given: "x"})


def test_a_misspelled_local_option_is_refused_like_any_other() -> None:
    from storages.backends.filesystem import LocalStorage

    with pytest.raises(ImproperlyConfigured, match="'locaton' for LocalStorage; did you mean"):
        LocalStorage(locaton="/tmp")  # Django's FileSystemStorage would raise a bare TypeError


def test_unknown_option_without_close_match_lists_valid_ones() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"valid options: .*bucket_name"):
        build({"zzz": 1})


def test_alias_is_accepted() -> None:
    assert build({"passwd": "hunter22"}).password == "hunter22"


@pytest.mark.parametrize(
    ("given", "source"),
    [
        ({"retries": "3"}, "option 'retries' of Demo"),
        ({"secure": "yes"}, "option 'secure' of Demo"),
        ({"retries": True}, "option 'retries' of Demo"),
        ({"headers": ["a"]}, "option 'headers' of Demo"),
    ],
)
def test_wrong_type_names_its_source(given: dict[str, Any], source: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=source):
        build(given)


def test_wrong_type_from_setting_names_the_setting() -> None:
    with (
        override_settings(DEMO_SECURE="no"),
        pytest.raises(ImproperlyConfigured, match="DEMO_SECURE"),
    ):
        build()


def test_converter_errors_are_reported() -> None:
    assert build({"expire": 60}).expire == timedelta(minutes=1)
    with pytest.raises(ImproperlyConfigured, match="expire"):
        build({"expire": "soon"})


def test_secrets_are_masked_in_repr_and_wrong_type_errors() -> None:
    options = build({"password": "hunter22"})
    assert "hunter22" not in repr(options)
    assert "password='***'" in repr(options)
    assert options.secret_values() == ["hunter22"]
    with pytest.raises(ImproperlyConfigured) as info:
        build({"password": 12345678})
    assert "12345678" not in str(info.value)


def test_describe_reads_attribute_docstrings() -> None:
    infos = {info.name: info for info in describe(DemoOptions)}
    assert infos["bucket_name"].doc == "Bucket to use."
    assert infos["bucket_name"].settings == ("DEMO_BUCKET", "DEMO_OLD_BUCKET")
    assert infos["bucket_name"].env == ("DEMO_BUCKET",)
    assert infos["bucket_name"].type == "str | None"
    assert infos["password"].secret is True
    assert infos["headers"].default == "{}"


def test_storage_mirrors_options_as_attributes(tmp_path: Any) -> None:
    storage = ReferenceStorage(root=str(tmp_path), location="media")
    assert storage.location == "media"  # type: ignore[attr-defined]
    assert storage.options.location == "media"


def test_storage_subclass_attributes_are_options(tmp_path: Any) -> None:
    class PublicReference(ReferenceStorage):
        location = "public"
        file_overwrite = False

    storage = PublicReference(root=str(tmp_path))
    assert storage.options.location == "public"
    assert storage.overwrites_files is False
    assert PublicReference(root=str(tmp_path), location="x").options.location == "x"


def test_storages_setting_options(tmp_path: Any) -> None:
    from django.core.files.storage import storages

    config = {
        "default": {
            "BACKEND": "tests.reference.storage.ReferenceStorage",
            "OPTIONS": {"root": str(tmp_path), "location": "via-storages"},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=config):
        storage = storages.create_storage(config["default"])
        assert storage.options.location == "via-storages"
        bad = {"BACKEND": config["default"]["BACKEND"], "OPTIONS": {"locaton": "x"}}
        with pytest.raises(ImproperlyConfigured, match="did you mean 'location'"):
            storages.create_storage(bad)
