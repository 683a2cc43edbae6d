"""A 1.x subclass overriding a method nothing calls any more is told so when it is defined."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from django.utils.module_loading import import_string

from storages.retired import RETIRED, RetiredHookWarning

#: Where each backend of :data:`RETIRED` lives (its 1.x path).
CLASSES = {
    "S3Storage": "storages.backends.s3.S3Storage",
    "AzureStorage": "storages.backends.azure_storage.AzureStorage",
    "GoogleCloudStorage": "storages.backends.gcloud.GoogleCloudStorage",
    "DropboxStorage": "storages.backends.dropbox.DropboxStorage",
    "FTPStorage": "storages.backends.ftp.FTPStorage",
    "SFTPStorage": "storages.backends.sftpstorage.SFTPStorage",
    "LibCloudStorage": "storages.backends.apache_libcloud.LibCloudStorage",
}
MIGRATING = Path(__file__).resolve().parents[2] / "docs" / "migrating.md"


def backend_class(path: str) -> type:
    with warnings.catch_warnings():
        # google.api_core warns on import under Python 3.10 (the Django 4.2 run): not ours.
        warnings.simplefilter("ignore", FutureWarning)
        return import_string(path)  # type: ignore[no-any-return]


def test_overriding_a_retired_method_warns_naming_what_replaces_it() -> None:
    from storages.backends.s3boto3 import S3Boto3Storage

    with pytest.warns(RetiredHookWarning) as caught:

        class MediaStorage(S3Boto3Storage):  # a 1.x subclass, through the 1.x alias
            def _get_write_parameters(self, name: str, content: Any = None) -> dict[str, Any]:
                return {"Metadata": {"app": "x"}}

    (warning,) = caught
    message = str(warning.message)
    assert "MediaStorage._get_write_parameters()" in message
    assert "get_object_parameters(name)" in message
    assert warning.filename == __file__  # points at the user's class, not at this package
    assert MediaStorage(bucket_name="media").bucket_name == "media"  # the class still works


def test_a_subclass_of_a_subclass_warns_for_its_own_overrides_only() -> None:
    from storages.backends.sftpstorage import SFTPStorage

    with pytest.warns(RetiredHookWarning, match="Base._chown"):

        class Base(SFTPStorage):
            def _chown(self, path: str, uid: Any = None, gid: Any = None) -> None: ...

    class Child(Base):  # filterwarnings=error: a second warning here fails the test
        def _connect(self) -> None: ...  # a 1.x hook still called


@pytest.mark.parametrize("path", sorted(CLASSES.values()))
def test_hooks_still_called_do_not_warn(path: str) -> None:
    backend = backend_class(path)
    # filterwarnings=error turns any warning into a failure here.
    type("Custom", (backend,), {"_normalize_name": lambda self, name: name, "__module__": "app"})


@pytest.mark.parametrize(
    ("backend", "hook"), [(cls, hook) for cls, hooks in RETIRED.items() for hook in hooks]
)
def test_each_retired_method_is_gone_and_in_the_migration_guide(backend: str, hook: str) -> None:
    assert not hasattr(backend_class(CLASSES[backend]), hook)  # else it is called: not retired
    assert f"| `{backend}` | `{hook}()` |" in MIGRATING.read_text()
