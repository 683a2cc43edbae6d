"""django-storages 1.14 code for Dropbox, unchanged, against the project's Dropbox stand-in.

Each test is written as a 1.14 project has it: ``DROPBOX_*`` settings, the token as the first
argument, subclasses with class attributes, 1.x's file class and ``except
DropboxStorageException`` clauses.
"""

from __future__ import annotations

from collections.abc import Iterator

import dropbox
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.test import override_settings

from storages.backends.dropbox import (
    DropBoxFile,
    DropboxFile,
    DropBoxStorage,
    DropboxStorage,
    DropBoxStorageException,
    DropboxStorageException,
)
from tests.backends.dropbox.standin import dropbox_server, unique_root  # noqa: F401 - fixture
from tests.harness.servers import RunningServer
from tests.harness.specs.dropbox import APP_KEY, APP_SECRET, REFRESH_TOKEN, TOKEN, standin_call

DROPBOX_STORAGES = {
    "default": {"BACKEND": "storages.backends.dropbox.DropBoxStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The SDK's token refresh calls datetime.utcnow(), deprecated since Python 3.12.
refreshes_tokens = pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")


@pytest.fixture
def root(dropbox_server: RunningServer) -> str:  # noqa: F811
    return unique_root()


@pytest.fixture
def dropbox_settings(root: str) -> Iterator[None]:
    """The settings of a 1.14 project with a long-lived token."""
    with override_settings(
        DROPBOX_OAUTH2_TOKEN=TOKEN, DROPBOX_ROOT_PATH=root, STORAGES=DROPBOX_STORAGES
    ):
        yield


def listing(root: str) -> list[str]:
    """Return every file under *root*, asked of the SDK directly."""
    client = dropbox.Dropbox(TOKEN)
    result = client.files_list_folder(root, recursive=True)
    entries = list(result.entries)
    while result.has_more:
        result = client.files_list_folder_continue(result.cursor)
        entries += result.entries
    return sorted(e.path_display for e in entries if isinstance(e, dropbox.files.FileMetadata))


@pytest.mark.usefixtures("dropbox_settings")
def test_default_storage_from_1x_settings(root: str) -> None:
    name = default_storage.save("docs/report.txt", ContentFile(b"quarterly"))
    assert isinstance(storages["default"], DropBoxStorage)
    assert listing(root) == [f"{root}/docs/report.txt"]
    assert default_storage.open(name).read() == b"quarterly"
    assert default_storage.url(name).startswith("https://")
    default_storage.delete(name)
    assert not default_storage.exists(name)


def test_token_as_the_first_argument(root: str) -> None:
    # 1.14's DropBoxStorage(oauth2_access_token=None, **settings)
    with override_settings(DROPBOX_ROOT_PATH=root):
        storage = DropBoxStorage(TOKEN)
        storage.save("first.txt", ContentFile(b"1"))
    # Earlier 1.x releases: DropBoxStorage(oauth2_access_token, root_path, timeout, write_mode)
    older = DropboxStorage(TOKEN, f"{root}/older", 30, "overwrite")
    older.save("same.txt", ContentFile(b"a"))
    assert older.save("same.txt", ContentFile(b"b")) == "same.txt"
    assert listing(root) == [f"{root}/first.txt", f"{root}/older/same.txt"]
    assert older.open("same.txt").read() == b"b"


@pytest.mark.usefixtures("dropbox_settings")
def test_subclass_with_class_attributes_and_later_assignment(root: str) -> None:
    prefix = root

    class MediaStorage(DropBoxStorage):
        root_path = f"{prefix}/media"
        write_mode = "overwrite"

    storage = MediaStorage()
    storage.save("a.txt", ContentFile(b"1"))
    assert storage.save("a.txt", ContentFile(b"2")) == "a.txt"
    storage.root_path = f"{root}/moved"
    storage.save("b.txt", ContentFile(b"b"))
    assert listing(root) == [f"{root}/media/a.txt", f"{root}/moved/b.txt"]


def test_subclass_chunk_size(dropbox_server: RunningServer, root: str) -> None:  # noqa: F811
    class SmallChunks(DropboxStorage):
        CHUNK_SIZE = 1024 * 1024

    storage = SmallChunks(TOKEN, root)
    before = standin_call(dropbox_server, "stats")
    storage.save("big.bin", ContentFile(b"x" * (3 * 1024 * 1024 + 5)))
    after = standin_call(dropbox_server, "stats")
    sent = {k: after[k] - before.get(k, 0) for k in after if "upload" in k}
    # Parts of CHUNK_SIZE: a session started, two more parts, the last with the commit.
    assert sent["files/upload_session/start"] == 1
    assert sent["files/upload_session/append_v2"] == 2
    assert sent["files/upload_session/finish"] == 1
    assert storage.size("big.bin") == 3 * 1024 * 1024 + 5


@refreshes_tokens
def test_refresh_token_settings(root: str) -> None:
    with override_settings(
        DROPBOX_APP_KEY=APP_KEY,
        DROPBOX_APP_SECRET=APP_SECRET,
        DROPBOX_OAUTH2_REFRESH_TOKEN=REFRESH_TOKEN,
        DROPBOX_ROOT_PATH=root,
    ):
        storage = DropboxStorage()
        storage.save("renewed.txt", ContentFile(b"r"))
        assert storage.open("renewed.txt").read() == b"r"


@refreshes_tokens
def test_wrong_app_secret_caught_by_1x_except_clauses(root: str) -> None:
    with override_settings(
        DROPBOX_APP_KEY=APP_KEY,
        DROPBOX_APP_SECRET="not-the-app-secret",
        DROPBOX_OAUTH2_REFRESH_TOKEN=REFRESH_TOKEN,
        DROPBOX_ROOT_PATH=root,
    ):
        storage = DropboxStorage()
        try:
            storage.exists("x.txt")
        except DropboxStorageException as exc:
            caught: Exception = exc
        assert isinstance(caught, PermissionError)
        assert isinstance(caught.__cause__, dropbox.exceptions.BadInputError)


@pytest.mark.usefixtures("dropbox_settings")
def test_missing_file_caught_by_1x_except_clauses() -> None:
    storage = DropBoxStorage()
    with pytest.raises(DropBoxStorageException) as caught:
        storage.open("missing.txt")
    assert isinstance(caught.value, FileNotFoundError)
    assert isinstance(caught.value.__cause__, dropbox.exceptions.ApiError)


@pytest.mark.usefixtures("dropbox_settings")
def test_file_class_of_1x() -> None:
    storage = DropBoxStorage()
    storage.save("notes.txt", ContentFile(b"saved"))
    assert DropBoxFile is DropboxFile
    assert DropBoxFile("notes.txt", storage).read() == b"saved"
    reader = storage.open("notes.txt")
    assert isinstance(reader, DropboxFile)
    assert reader.read() == b"saved"
