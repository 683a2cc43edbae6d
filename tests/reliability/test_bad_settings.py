"""Bad settings are refused with ImproperlyConfigured naming the option (and the setting).

The cases are generated from each backend's options dataclass (``option()`` declarations): each
required option missing, each option given a value of the wrong type or a negative number
through the constructor (``OPTIONS``) and through each of its settings. No backend option reads a
number or a bool from the environment, so an environment value can't have a wrong type. Options
typed ``Any`` (SDK objects such as ``credentials`` or ``client_config``) take any value, so they
have no wrong type at construction: ``UNCHECKABLE`` lists them. Values of the right type that are
malformed (a URL without a host, an unknown provider) are listed by hand in ``MALFORMED``.
Required options are checked on first use (``exists()``) where the backend defers it, because
migrations rebuild storages without their secrets.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import Storage
from pytest_django.fixtures import Settings

from storages.backends.apache_libcloud import LibCloudStorage
from storages.backends.azure_storage import AzureStorage
from storages.backends.couchdb import CouchDBStorage
from storages.backends.database import DatabaseStorage
from storages.backends.dropbox import DropboxStorage
from storages.backends.filesystem import (
    ImageStorage,
    LocalStorage,
    OverwriteStorage,
    SymlinkOrCopyStorage,
)
from storages.backends.ftp import FTPStorage
from storages.backends.gcloud import GoogleCloudStorage
from storages.backends.mogile import MogileFSStorage
from storages.backends.s3 import S3Storage
from storages.backends.sftpstorage import SFTPStorage
from storages.options import BaseOptions, OptionSpec, fits, spec_of

BACKENDS: list[type[Storage]] = [
    S3Storage,
    AzureStorage,
    GoogleCloudStorage,
    DropboxStorage,
    SFTPStorage,
    FTPStorage,
    LibCloudStorage,
    DatabaseStorage,
    CouchDBStorage,
    MogileFSStorage,
    LocalStorage,
    OverwriteStorage,
    SymlinkOrCopyStorage,
    ImageStorage,
]

#: Values tried, in order, as "the wrong type": the first one the annotation refuses is used.
CANDIDATES: list[Any] = [12345, "text", ["x"], 1.5]


@dataclasses.dataclass(frozen=True)
class Option:
    """One declared option of a backend."""

    storage: type[Storage]
    field: dataclasses.Field[Any]
    kind: Any

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def spec(self) -> OptionSpec:
        return spec_of(self.field)

    def __str__(self) -> str:
        return f"{self.storage.__name__}.{self.name}"


def declared(storage: type[Storage]) -> list[Option]:
    options_cls: type[BaseOptions] = storage.options_class  # type: ignore[attr-defined]
    hints = typing.get_type_hints(options_cls)
    return [
        Option(storage, field, hints[field.name])
        for field in dataclasses.fields(options_cls)
        if field.init
    ]


OPTIONS = [option for storage in BACKENDS for option in declared(storage)]


def wrong_value(kind: Any) -> Any:
    """Return a value of a type *kind* does not admit (None for ``Any``: every value fits)."""
    return next((value for value in CANDIDATES if not fits(value, kind)), None)


def is_number(kind: Any) -> bool:
    """Return whether the annotation *kind* admits numbers (and is not ``Any``)."""
    return wrong_value(kind) is not None and fits(7, kind)


#: Settings Django reads itself: ``settings.MEDIA_URL`` set to a non-str fails in Django's own
#: ``LazySettings`` (``AttributeError``) before any storage can look at it.
DJANGO_CHECKED = ("MEDIA_URL",)


def _settings_of(option: Option) -> list[str]:
    return [setting for setting in option.spec.settings if setting not in DJANGO_CHECKED]


TYPED = [option for option in OPTIONS if wrong_value(option.kind) is not None]
UNCHECKABLE = sorted(str(option) for option in OPTIONS if wrong_value(option.kind) is None)
NUMBERS = [option for option in OPTIONS if is_number(option.kind)]
REQUIRED = [option for option in OPTIONS if option.spec.required]


def _cases(options: list[Option], sources: Callable[[Option], list[str]]) -> list[Any]:
    return [
        pytest.param(option, source, id=f"{option}-{source}")
        for option in options
        for source in sources(option)
    ]


#: Django's own settings: they always exist (global settings), so they are never removed.
DJANGO_SETTINGS = (
    "MEDIA_ROOT",
    "MEDIA_URL",
    "FILE_UPLOAD_PERMISSIONS",
    "FILE_UPLOAD_DIRECTORY_PERMISSIONS",
)


@pytest.fixture
def clean_config(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Remove every declared setting and environment variable, so only the test's values count."""
    for option in OPTIONS:
        for setting in option.spec.settings:
            if setting not in DJANGO_SETTINGS and hasattr(settings, setting):
                delattr(settings, setting)
        for var in option.spec.env:
            monkeypatch.delenv(var, raising=False)
    return settings


def construct_and_use(storage: type[Storage], **options: Any) -> None:
    """Create a storage and use it once (where required options are checked)."""
    created = storage(**options)
    try:
        created.exists("x")
    finally:
        close = getattr(created, "close", None)
        if callable(close):
            close()


def assert_refused(construct: Callable[[], object], *names: str) -> None:
    """Fail unless *construct* raises ``ImproperlyConfigured`` naming each of *names*."""
    with pytest.raises(ImproperlyConfigured) as caught:
        construct()
    message = str(caught.value)
    for name in names:
        assert name in message, f"{name!r} is not named in: {message}"


def refused_as_option(option: Option, value: Any) -> None:
    """Give *value* to the storage's constructor for *option*: it must be refused."""
    assert_refused(partial(option.storage, **{option.name: value}), f"option {option.name!r}")


def refused_as_setting(option: Option, setting: str, value: Any, settings: Settings) -> None:
    """Set *setting* (one of *option*'s) to *value*: the storage must refuse it."""
    setattr(settings, setting, value)
    assert_refused(option.storage, setting, f"option {option.name!r}")


# -- wrong types ---------------------------------------------------------------------------------
@pytest.mark.parametrize("option", TYPED, ids=str)
def test_wrong_type_as_option(option: Option, clean_config: Settings) -> None:
    refused_as_option(option, wrong_value(option.kind))


@pytest.mark.parametrize(("option", "setting"), _cases(TYPED, _settings_of))
def test_wrong_type_as_setting(option: Option, setting: str, clean_config: Settings) -> None:
    refused_as_setting(option, setting, wrong_value(option.kind), clean_config)


def test_options_without_a_checkable_type_are_only_sdk_objects() -> None:
    """Keep the list of unchecked options short and deliberate: each takes an SDK object."""
    assert UNCHECKABLE == [
        "AzureStorage.token_credential",
        "GoogleCloudStorage.credentials",
        "S3Storage.client_config",
        "S3Storage.cloudfront_signer",  # a botocore CloudFrontSigner
        "S3Storage.transfer_config",
    ]


# -- negative numbers ----------------------------------------------------------------------------
@pytest.mark.parametrize("option", NUMBERS, ids=str)
def test_negative_number_as_option(option: Option, clean_config: Settings) -> None:
    refused_as_option(option, -1)


@pytest.mark.parametrize(
    ("option", "setting"), _cases(NUMBERS, lambda option: _settings_of(option)[:1])
)
def test_negative_number_as_setting(option: Option, setting: str, clean_config: Settings) -> None:
    refused_as_setting(option, setting, -5, clean_config)


# -- required options ----------------------------------------------------------------------------
def test_required_options_are_declared() -> None:
    assert sorted(str(option) for option in REQUIRED) == [
        "AzureStorage.azure_container",
        "FTPStorage.location",
        "GoogleCloudStorage.bucket_name",
        "MogileFSStorage.domain",
        "MogileFSStorage.trackers",
        "S3Storage.bucket_name",
        "SFTPStorage.host",
    ]


@pytest.mark.parametrize("option", REQUIRED, ids=str)
def test_missing_required_option(option: Option, clean_config: Settings) -> None:
    assert_refused(
        partial(construct_and_use, option.storage), repr(option.name), *option.spec.settings
    )


#: Options required unless another one stands in, checked by the backend itself.
CONDITIONALLY_REQUIRED = [
    pytest.param(
        DropboxStorage, {}, ("'oauth2_access_token'", "DROPBOX_OAUTH2_TOKEN"), id="dropbox-token"
    ),
    pytest.param(
        AzureStorage,
        {"azure_container": "media"},
        ("'account_name'", "AZURE_ACCOUNT_NAME", "AZURE_CONNECTION_STRING"),
        id="azure-account",
    ),
    pytest.param(
        CouchDBStorage,
        {"server": "http://127.0.0.1:9"},
        ("'database'", "COUCHDB_STORAGE_OPTIONS"),
        id="couchdb-database",
    ),
    pytest.param(
        LibCloudStorage, {}, ("'providers'", "LIBCLOUD_PROVIDERS", "default"), id="libcloud-entry"
    ),
]


@pytest.mark.parametrize(("storage", "given", "names"), CONDITIONALLY_REQUIRED)
def test_missing_conditionally_required_option(
    storage: type[Storage], given: dict[str, Any], names: tuple[str, ...], clean_config: Any
) -> None:
    assert_refused(partial(construct_and_use, storage, **given), *names)


# -- right type, malformed value -----------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Malformed:
    """A value of the right type that *storage* can't use for the option *name* (whose setting
    is *setting*), with the *others* options it needs besides and the *extra* words the message
    must hold."""

    storage: type[Storage]
    name: str
    setting: str
    value: Any
    others: dict[str, Any] = dataclasses.field(default_factory=dict)
    extra: tuple[str, ...] = ()


LIBCLOUD_ENTRY = {"type": "libcloud.storage.types.Provider.NOPE", "user": "u", "key": "k"}
BUCKET = {"bucket_name": "bucket"}

MALFORMED = [
    Malformed(FTPStorage, "location", "FTP_STORAGE_LOCATION", "ftp:///no-host/path"),
    Malformed(FTPStorage, "location", "FTP_STORAGE_LOCATION", "http://host/path"),
    Malformed(FTPStorage, "location", "FTP_STORAGE_LOCATION", "just words"),
    Malformed(S3Storage, "endpoint_url", "AWS_S3_ENDPOINT_URL", "localhost:9000", BUCKET),
    Malformed(S3Storage, "endpoint_url", "AWS_S3_ENDPOINT_URL", "http://", BUCKET),
    Malformed(CouchDBStorage, "server", "COUCHDB_DEFAULT_SERVER", "couchdb.local:5984"),
    Malformed(MogileFSStorage, "trackers", "MOGILEFS_TRACKERS", ["no-port"], {"domain": "d"}),
    Malformed(DropboxStorage, "write_mode", "DROPBOX_WRITE_MODE", "update"),
    Malformed(GoogleCloudStorage, "blob_chunk_size", "GS_BLOB_CHUNK_SIZE", 1000, BUCKET),
    Malformed(GoogleCloudStorage, "file_charset", "GS_FILE_CHARSET", "latin-1", BUCKET),
    Malformed(DatabaseStorage, "db_files", "DB_FILES", {"db_table": "t"}),
    Malformed(
        LibCloudStorage,
        "providers",
        "LIBCLOUD_PROVIDERS",
        {"default": LIBCLOUD_ENTRY},
        {},
        ("NOPE",),
    ),
]


def _malformed(source: str) -> list[Any]:
    return [
        pytest.param(case, id=f"{case.storage.__name__}.{case.name}-{source}-{case.value}")
        for case in MALFORMED
    ]


@pytest.mark.parametrize("case", _malformed("option"))
def test_malformed_value_as_option(case: Malformed, clean_config: Settings) -> None:
    construct = partial(construct_and_use, case.storage, **case.others, **{case.name: case.value})
    assert_refused(construct, repr(case.name), *case.extra)


@pytest.mark.parametrize("case", _malformed("setting"))
def test_malformed_value_as_setting(case: Malformed, clean_config: Settings) -> None:
    setattr(clean_config, case.setting, case.value)
    construct = partial(construct_and_use, case.storage, **case.others)
    assert_refused(construct, case.setting, repr(case.name), *case.extra)


@pytest.mark.parametrize("value", [12345, [12345], {"a": 1}])
def test_symlink_within_must_be_directories(value: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="symlink_within"):
        SymlinkOrCopyStorage(symlink_within=value)
