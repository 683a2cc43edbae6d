"""The contract suite and the documentation scenario on MogileFSStorage, against the project's
stand-in tracker and storage node (tests/servers/mogilefs_standin.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.files.storage import Storage

from storages.backends.mogile import MogileFSStorage
from storages.testing import StorageContract
from tests.backends.mogilefs.servers import DOMAIN, mogilefs, trackers, unique_location
from tests.harness.servers import RunningServer

__all__ = ["mogilefs"]  # the fixture this module uses


class AvatarStorage(MogileFSStorage):
    mogile_class = "avatar"


class TestMogileFSStorage(StorageContract):
    @pytest.fixture
    def storage(self, mogilefs: RunningServer) -> Iterator[Storage]:
        with MogileFSStorage(
            domain=DOMAIN, trackers=trackers(mogilefs), location=unique_location()
        ) as storage:
            yield storage


class TestMogileFSStorageWithClassOverwriting(StorageContract):
    @pytest.fixture
    def storage(self, mogilefs: RunningServer) -> Iterator[Storage]:
        with AvatarStorage(
            domain=DOMAIN,
            trackers=trackers(mogilefs),
            location=unique_location(),
            file_overwrite=True,
        ) as storage:
            yield storage
