"""The contract suite on the Dropbox backend, through the official SDK, on the stand-in server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from pytest_django.fixtures import Settings

from storages.backends.dropbox import DropBoxStorage, DropboxStorage
from storages.features import Feature
from storages.testing import StorageContract
from tests.backends.dropbox.standin import dropbox_server, unique_root
from tests.harness.servers import RunningServer
from tests.harness.specs.dropbox import TOKEN, ca_path

__all__ = ["dropbox_server"]  # the fixture this module uses


class _DropboxContract(StorageContract):
    """Dropbox temporary links are opaque (``.../cd/0/get/<token>/file``): they never carry the
    file name, so ``test_url`` checks that the link serves the file instead."""

    def test_url(self, storage: Storage, features: Feature) -> None:
        server_ca = str(ca_path(self.server))
        name = storage.save("public/url test.txt", ContentFile(b"linked bytes"))
        url = storage.url(name)
        assert url.startswith("https://")
        response = requests.get(url, verify=server_ca, timeout=10)
        assert response.status_code == 200
        assert response.content == b"linked bytes"


class TestDropBoxStorage(_DropboxContract):
    """The 1.x documentation's dotted path and settings, with the default write mode ('add')."""

    @pytest.fixture
    def storage(self, dropbox_server: RunningServer, settings: Settings) -> Iterator[Storage]:
        self.server = dropbox_server
        settings.DROPBOX_OAUTH2_TOKEN = TOKEN
        settings.DROPBOX_ROOT_PATH = unique_root()
        storage = DropBoxStorage()
        yield storage
        storage.close()


class TestDropboxStorageOverwriting(_DropboxContract):
    """Today's class name, configured through OPTIONS, replacing files of the same name."""

    @pytest.fixture
    def storage(self, dropbox_server: RunningServer) -> Iterator[Storage]:
        self.server = dropbox_server
        storage = DropboxStorage(
            oauth2_access_token=TOKEN, root_path=unique_root() + "/media/", write_mode="overwrite"
        )
        yield storage
        storage.close()
