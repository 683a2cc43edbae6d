"""The django-storages 1.x methods a subclass could override that nothing calls any more.

A 1.x subclass that overrode one of them (``_get_write_parameters`` to add S3 metadata, say)
would otherwise lose that behaviour without a word: the class is defined, the override is never
called. :func:`warn_retired_overrides` warns when such a class is created, naming what to use
instead. Django's own hooks (``_open``, ``_save``, ``get_available_name``...) and the 1.x hooks
this package still calls (``_normalize_name``, ``get_object_parameters``, ``get_default_settings``,
SFTP's ``_connect``...) are not listed.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

__all__ = ["RETIRED", "RetiredHookWarning", "warn_retired_overrides"]

_STREAMED = "reads and saves are streamed by the backend; wrap `_open()` or `_save()` instead"

#: For each 1.14 backend class, its overridable methods that are no longer called, and what
#: does their job now.
RETIRED: Mapping[str, Mapping[str, str]] = {
    "S3Storage": {
        "_get_write_parameters": (
            "override `get_object_parameters(name)` or set `object_parameters`"
        ),
        "_create_session": (
            "set `session_profile` or the key options (or override `_create_client()`)"
        ),
    },
    "AzureStorage": {
        "_get_service_client": "set `connection_string`, `token_credential` or the account options",
        "_get_valid_path": "override `_normalize_name(name)`",
        "_expire_at": "set `expiration_secs`",
        "_get_content_settings_parameters": "override `get_object_parameters(name)`",
    },
    "GoogleCloudStorage": {
        "_get_blob": "use `storage.bucket.blob(name)`",
        "_get_iam_sign_blob_params": "set `iam_sign_blob` and `sa_email`",
    },
    "DropboxStorage": {
        "_full_path": "override `_normalize_name(name)`",
        "_chunked_upload": "set `upload_chunk_size`; " + _STREAMED,
    },
    "FTPStorage": {
        "_decode_location": "the `location` URL is read once, when the storage is built",
        "_mkremdirs": "directories are created when a save needs them",
        "_put_file": _STREAMED,
        "_read": _STREAMED,
        "_get_dir_details": "override `listdir(path)`",
    },
    "SFTPStorage": {
        "_read": _STREAMED,
        "_chown": "set `uid` and `gid`",
        "_mkdir": "set `dir_mode`; directories are created when a save needs them",
        "_path_exists": "override `exists(name)`",
        "_isdir_attr": "override `listdir(path)`",
        "_datetime_from_timestamp": "override `get_modified_time(name)`",
    },
    "LibCloudStorage": {
        "_get_bucket": "use the `bucket` attribute",
        "_get_object": "use `storage.driver.get_object(storage.bucket, name)`",
        "_read": _STREAMED,
    },
}


class RetiredHookWarning(UserWarning):
    """A subclass overrides a django-storages 1.x method that is no longer called."""


def warn_retired_overrides(cls: type) -> None:
    """Warn for each retired 1.x method the user's class *cls* defines itself."""
    if cls.__module__.split(".")[0] == "storages":
        return
    for base in cls.__mro__[1:]:
        if base.__module__.split(".")[0] != "storages":
            continue
        for hook, instead in RETIRED.get(base.__name__, {}).items():
            if hook in vars(cls):
                warnings.warn(
                    f"{cls.__qualname__}.{hook}() overrides a django-storages 1.x method of "
                    f"{base.__name__} that is no longer called: {instead} "
                    "(see the migration guide).",
                    RetiredHookWarning,
                    stacklevel=3,
                )
