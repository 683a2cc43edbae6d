"""Every public name of django-storages 1.14.6's modules, and what became of it.

The names were read from the published 1.14.6 package (module attributes defined by the package,
and the public members of its classes). Each is kept at its 1.x path, or dropped on purpose with
the one-line change in ``docs/migrating.md``.
"""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path

import pytest
from django.utils.module_loading import import_string

from storages.options import spec_of

#: Names each 1.14.6 module defined (or re-exported from ``storages.*``) that are kept.
KEPT = {
    "storages.base": ["BaseStorage"],
    "storages.utils": [
        "ReadBytesWrapper",
        "check_location",
        "clean_name",
        "get_available_overwrite_name",
        "is_seekable",
        "lookup_env",
        "safe_join",
        "setting",
        "to_bytes",
    ],
    "storages.compress": ["CompressStorageMixin", "CompressedFileMixin", "GzipCompressionWrapper"],
    "storages.backends.s3": ["S3File", "S3ManifestStaticStorage", "S3StaticStorage", "S3Storage"],
    "storages.backends.s3boto3": [
        "S3Boto3Storage",
        "S3Boto3StorageFile",
        "S3ManifestStaticStorage",
        "S3StaticStorage",
    ],
    "storages.backends.azure_storage": ["AzureStorage", "AzureStorageFile"],
    "storages.backends.gcloud": [
        "CONTENT_ENCODING",
        "CONTENT_TYPE",
        "GoogleCloudFile",
        "GoogleCloudStorage",
    ],
    "storages.backends.dropbox": [
        "DropBoxFile",
        "DropBoxStorage",
        "DropBoxStorageException",
        "DropboxFile",
        "DropboxStorage",
        "DropboxStorageException",
    ],
    "storages.backends.ftp": ["FTPStorage", "FTPStorageException", "FTPStorageFile"],
    "storages.backends.sftpstorage": ["SFTPStorage", "SFTPStorageFile"],
    "storages.backends.apache_libcloud": ["LibCloudFile", "LibCloudStorage"],
}

#: Names the 1.14.6 backend modules only imported for their own use (helpers of
#: ``storages.utils``, ``storages.compress`` and ``storages.base``): not re-exported.
IMPORTED_HELPERS = {
    "storages.backends.s3": [
        "BaseStorage",
        "CompressStorageMixin",
        "CompressedFileMixin",
        *KEPT["storages.utils"],  # all nine helpers
    ],
    "storages.backends.azure_storage": [
        "BaseStorage",
        "clean_name",
        "get_available_overwrite_name",
        "safe_join",
        "setting",
        "to_bytes",
    ],
    "storages.backends.gcloud": [
        "BaseStorage",
        "CompressedFileMixin",
        "check_location",
        "clean_name",
        "get_available_overwrite_name",
        "safe_join",
        "setting",
        "to_bytes",
    ],
    "storages.backends.dropbox": ["BaseStorage", "get_available_overwrite_name", "setting"],
    "storages.backends.ftp": ["BaseStorage", "setting"],
    "storages.backends.sftpstorage": ["BaseStorage", "is_seekable", "setting"],
    "storages.backends.apache_libcloud": ["clean_name"],
}

#: Public members of 1.14.6 classes that are gone on purpose.
DROPPED_MEMBERS = {
    "AzureStorage.get_user_delegation_key": "url() fetches the delegation key itself",
}

MIGRATING = Path(__file__).resolve().parents[2] / "docs" / "migrating.md"


@pytest.mark.parametrize(
    ("module", "name"), [(module, name) for module, names in KEPT.items() for name in names]
)
def test_kept_names_import_from_their_1x_path(module: str, name: str) -> None:
    assert getattr(importlib.import_module(module), name) is not None


def test_helpers_the_backend_modules_imported_come_from_storages_utils() -> None:
    import storages.base
    import storages.compress
    import storages.utils

    home = (storages.utils, storages.compress, storages.base)
    for names in IMPORTED_HELPERS.values():
        for name in names:
            assert any(hasattr(module, name) for module in home), name
    guide = MIGRATING.read_text()
    assert "imported for their own use" in guide


def test_dropped_members_are_documented() -> None:
    guide = MIGRATING.read_text()
    for member in DROPPED_MEMBERS:
        assert member.split(".")[1] in guide, member


#: The keys of each 1.14.6 backend's ``get_default_settings()``: its options (constructor
#: keywords and ``OPTIONS`` keys) and the attributes subclasses set. Every one is accepted.
OPTIONS_1X = {
    "storages.backends.s3.S3Storage": [
        "access_key",
        "addressing_style",
        "bucket_name",
        "client_config",
        "cloudfront_key",
        "cloudfront_key_id",
        "custom_domain",
        "default_acl",
        "endpoint_url",
        "file_name_charset",
        "file_overwrite",
        "gzip",
        "gzip_content_types",
        "location",
        "max_memory_size",
        "object_parameters",
        "proxies",
        "querystring_auth",
        "querystring_expire",
        "region_name",
        "secret_key",
        "security_token",
        "session_profile",
        "signature_version",
        "transfer_config",
        "url_protocol",
        "use_ssl",
        "use_threads",
        "verify",
    ],
    "storages.backends.azure_storage.AzureStorage": [
        "account_key",
        "account_name",
        "api_version",
        "azure_container",
        "azure_ssl",
        "cache_control",
        "client_options",
        "connection_string",
        "custom_domain",
        "default_content_type",
        "endpoint_suffix",
        "expiration_secs",
        "location",
        "max_memory_size",
        "object_parameters",
        "overwrite_files",
        "sas_token",
        "timeout",
        "token_credential",
        "upload_max_conn",
    ],
    "storages.backends.gcloud.GoogleCloudStorage": [
        "blob_chunk_size",
        "bucket_name",
        "credentials",
        "custom_endpoint",
        "default_acl",
        "expiration",
        "file_overwrite",
        "gzip",
        "gzip_content_types",
        "iam_sign_blob",
        "location",
        "max_memory_size",
        "object_parameters",
        "project_id",
        "querystring_auth",
        "sa_email",
    ],
    "storages.backends.dropbox.DropboxStorage": [
        "app_key",
        "app_secret",
        "oauth2_access_token",
        "oauth2_refresh_token",
        "root_path",
        "timeout",
        "write_mode",
    ],
    "storages.backends.ftp.FTPStorage": [
        "allow_overwrite",
        "base_url",
        "encoding",
        "location",
    ],
    "storages.backends.sftpstorage.SFTPStorage": [
        "base_url",
        "dir_mode",
        "file_mode",
        "gid",
        "host",
        "interactive",
        "known_host_file",
        "params",
        "root_path",
        "uid",
    ],
}


@pytest.mark.parametrize("path", sorted(OPTIONS_1X))
def test_every_1x_option_is_accepted(path: str) -> None:
    storage_class = import_string(path)
    accepted = set()
    for field in dataclasses.fields(storage_class.options_class):
        accepted |= {field.name, *spec_of(field).aliases}
    assert [key for key in OPTIONS_1X[path] if key not in accepted] == []


def test_get_default_settings_of_a_subclass_names_options() -> None:
    # A 1.x subclass of a backend overriding get_default_settings() to set an option.
    from storages.backends.s3 import S3Storage

    class Media(S3Storage):
        def get_default_settings(self) -> dict[str, object]:
            return {**super().get_default_settings(), "location": "media", "default_acl": None}

    assert Media(bucket_name="b").options.location == "media"
    assert Media(bucket_name="b", location="given").options.location == "given"
