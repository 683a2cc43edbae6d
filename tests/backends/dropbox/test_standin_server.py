"""What is specific to Dropbox, against the stand-in server through the official SDK."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import dropbox
import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile

from storages.backends.dropbox import DropboxStorage
from storages.errors import StorageConnectionError, StoragePermissionError
from storages.testing import GeneratedFile, digest_of
from tests.backends import object_stores as shared
from tests.backends.dropbox.standin import dropbox_server, unique_root
from tests.bigfiles import round_trip_256_mib
from tests.harness.servers import RunningServer, free_port
from tests.harness.specs.dropbox import (
    APP_KEY,
    APP_SECRET,
    PAGE_SIZE,
    REFRESH_TOKEN,
    TOKEN,
    standin_call,
)

__all__ = ["dropbox_server"]  # the fixture this module uses

MiB = 1024 * 1024


@pytest.fixture
def server(dropbox_server: RunningServer) -> RunningServer:
    return dropbox_server


@pytest.fixture
def storage(server: RunningServer) -> Iterator[DropboxStorage]:
    storage = DropboxStorage(oauth2_access_token=TOKEN, root_path=unique_root())
    yield storage
    storage.close()


class Requests:
    """Count the API calls the stand-in receives during a block."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.before: dict[str, int] = {}

    def __enter__(self) -> Requests:
        self.before = standin_call(self.server, "stats")
        return self

    def __exit__(self, *exc_info: object) -> None:
        after = standin_call(self.server, "stats")
        self.delta = {k: v - self.before.get(k, 0) for k, v in after.items()}
        self.delta = {k: v for k, v in self.delta.items() if v}


def test_small_file_is_one_upload_call(server: RunningServer, storage: DropboxStorage) -> None:
    with Requests(server) as calls:
        storage.save("small.txt", ContentFile(b"small"))
    # get_available_name() checks that the name is free, then one upload call.
    assert calls.delta == {"files/get_metadata": 1, "files/upload": 1, "content_hash verified": 1}


def test_requests_per_operation(server: RunningServer, storage: DropboxStorage) -> None:
    storage.save("one.txt", ContentFile(b"1"))
    expected: list[tuple[Callable[[], Any], dict[str, int]]] = [
        (lambda: storage.open("one.txt").read(), {"files/download": 1}),
        (lambda: storage.exists("one.txt"), {"files/get_metadata": 1}),
        (lambda: storage.size("one.txt"), {"files/get_metadata": 1}),
        (lambda: storage.get_modified_time("one.txt"), {"files/get_metadata": 1}),
        (lambda: storage.url("one.txt"), {"files/get_temporary_link": 1}),
        (lambda: storage.listdir(""), {"files/list_folder": 1}),
        (lambda: storage.delete("one.txt"), {"files/delete_v2": 1}),
    ]
    for operation, calls in expected:
        with Requests(server) as counted:
            operation()
        assert counted.delta == calls


class CountCalls(shared.RequestCounts):
    """Count the API calls a storage's client sends (a ``requests`` response hook), and the
    ranges its downloads ask for."""

    def __init__(self, storage: DropboxStorage) -> None:
        super().__init__()
        self.ranges: list[str | None] = []
        storage.client._session.hooks["response"].append(self)

    def __call__(self, response: Any, *args: Any, **kwargs: Any) -> None:
        call = response.request.path_url.removeprefix("/2/")
        self.counts[call] += 1
        if call == "files/download":
            self.ranges.append(response.request.headers.get("Range"))


def test_reads_are_one_request(storage: DropboxStorage) -> None:
    shared.check_reads_are_one_request(storage, CountCalls(storage), download="files/download")


def test_64_mib_upload_through_a_session_and_streamed_download_with_bounded_memory(
    server: RunningServer, storage: DropboxStorage
) -> None:
    content = GeneratedFile(64 * MiB, "big.bin")
    expected = content.digest()
    storage.exists("big.bin")  # load the SDK's client before measuring
    tracemalloc.start()
    try:
        with Requests(server) as calls:
            name = storage.save("big.bin", content)
        _, save_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        with storage.open(name, "rb") as handle:
            actual = digest_of(handle.chunks(chunk_size=256 * 1024))
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert actual == expected
    assert storage.size(name) == 64 * MiB
    parts = 64 * MiB // storage.options.upload_chunk_size
    assert calls.delta == {
        "files/get_metadata": 1,  # get_available_name() checks the name is free
        "files/upload_session/start": 1,
        "files/upload_session/append_v2": parts - 2,
        "files/upload_session/finish": 1,
        "content_hash verified": parts,
    }
    assert save_peak < 12 * MiB, f"saving peaked at {save_peak:,} bytes"
    assert read_peak < 2 * MiB, f"reading peaked at {read_peak:,} bytes"


def test_listdir_follows_every_page(server: RunningServer, storage: DropboxStorage) -> None:
    names = [f"many/file-{i:02}.txt" for i in range(14)]
    for name in names:
        storage.save(name, ContentFile(b"x"))
    storage.save("many/sub-a/x.txt", ContentFile(b"x"))
    storage.save("many/sub-b/x.txt", ContentFile(b"x"))
    with Requests(server) as calls:
        dirs, files = storage.listdir("many")
    assert dirs == ["sub-a", "sub-b"]
    assert files == [name.rsplit("/", 1)[1] for name in names]
    pages = -(-16 // PAGE_SIZE)
    assert pages > 3
    assert calls.delta == {"files/list_folder": 1, "files/list_folder/continue": pages - 1}


def test_storage_is_jailed_in_its_root_path(server: RunningServer) -> None:
    root = unique_root()
    jailed = DropboxStorage(oauth2_access_token=TOKEN, root_path=root + "/media")
    sibling = DropboxStorage(oauth2_access_token=TOKEN, root_path=root + "/private")
    account = DropboxStorage(oauth2_access_token=TOKEN)
    sibling.save("secret.txt", ContentFile(b"secret"))
    jailed.save("public.txt", ContentFile(b"public"))
    assert account.open(root.lstrip("/") + "/media/public.txt").read() == b"public"
    for escape in ("../private/secret.txt", "/private/secret.txt", "..\\private\\secret.txt"):
        with pytest.raises(SuspiciousFileOperation):
            jailed.open(escape)
    assert jailed.listdir("") == ([], ["public.txt"])
    with pytest.raises(SuspiciousFileOperation):
        jailed.delete(".")
    assert jailed.exists("public.txt")


def test_listdir_before_anything_was_saved_is_empty(storage: DropboxStorage) -> None:
    assert storage.listdir("") == ([], [])
    with pytest.raises(FileNotFoundError):
        storage.listdir("missing-dir")


def test_add_mode_never_replaces_a_file(storage: DropboxStorage) -> None:
    storage.save("kept.txt", ContentFile(b"first"))
    with pytest.raises(FileExistsError), storage.open("kept.txt", "wb") as handle:
        handle.write(b"second")
    assert storage.open("kept.txt").read() == b"first"
    assert storage.save("kept.txt", ContentFile(b"second")) != "kept.txt"


def test_overwrite_mode_replaces_files(server: RunningServer) -> None:
    storage = DropboxStorage(
        oauth2_access_token=TOKEN, root_path=unique_root(), write_mode="overwrite"
    )
    storage.save("report.txt", ContentFile(b"v1"))
    with storage.open("report.txt", "w") as handle:
        handle.write("v2")
    assert storage.save("report.txt", ContentFile(b"v3")) == "report.txt"
    assert storage.open("report.txt").read() == b"v3"


def test_names_are_case_insensitive_like_dropbox(storage: DropboxStorage) -> None:
    storage.save("Docs/Report.TXT", ContentFile(b"x"))
    assert storage.exists("docs/report.txt")
    assert storage.listdir("docs") == ([], ["Report.TXT"])
    assert storage.get_available_name("DOCS/report.txt") != "DOCS/report.txt"


def test_stat_is_one_call_with_the_content_hash(
    server: RunningServer, storage: DropboxStorage
) -> None:
    storage.save("folder/file.txt", ContentFile(b"x"))
    with Requests(server) as calls:
        entry = storage.stat("folder/file.txt")
    assert calls.delta == {"files/get_metadata": 1}
    assert entry.size == 1
    path = f"/{storage.location_prefix}/folder/file.txt"
    assert entry.digest == storage.client.files_get_metadata(path).content_hash
    assert entry.modified is not None
    assert storage.stat("folder").is_dir


def test_folders_exist_but_have_no_size(storage: DropboxStorage) -> None:
    storage.save("folder/file.txt", ContentFile(b"x"))
    assert storage.exists("folder")
    with pytest.raises(IsADirectoryError, match="folder") as caught:
        storage.size("folder")
    assert caught.value.filename == "folder"


def test_url_of_a_missing_file(storage: DropboxStorage) -> None:
    with pytest.raises(FileNotFoundError, match="path/not_found"):
        storage.url("missing.txt")


def test_invalid_token_is_a_permission_error_with_a_clear_message(server: RunningServer) -> None:
    storage = DropboxStorage(oauth2_access_token="sl.not-the-token", root_path=unique_root())
    with pytest.raises(PermissionError) as caught:
        storage.exists("anything.txt")
    message = str(caught.value)
    assert "invalid_access_token" in message
    assert "DROPBOX_OAUTH2_TOKEN" in message
    assert "sl.not-the-token" not in message
    with pytest.raises(PermissionError):
        storage.save("x.txt", ContentFile(b"x"))


# The SDK computes token expiry with datetime.utcnow(), deprecated since Python 3.12.
@pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")
def test_refresh_token_flow_renews_expired_tokens(server: RunningServer) -> None:
    storage = DropboxStorage(
        oauth2_refresh_token=REFRESH_TOKEN,
        app_key=APP_KEY,
        app_secret=APP_SECRET,
        root_path=unique_root(),
    )
    with Requests(server) as calls:
        storage.save("renewed.txt", ContentFile(b"renewed"))
        assert storage.open("renewed.txt").read() == b"renewed"
    assert calls.delta["oauth2/token"] == 1
    standin_call(server, "expire-tokens", "POST")
    with Requests(server) as calls:
        assert storage.exists("renewed.txt")
    # The SDK sees 401 expired_access_token, refreshes once and repeats the call.
    assert calls.delta == {
        "401 expired_access_token": 1,
        "oauth2/token": 1,
        "files/get_metadata": 1,
    }


@pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")
def test_wrong_refresh_token_is_a_permission_error(server: RunningServer) -> None:
    storage = DropboxStorage(oauth2_refresh_token="revoked", app_key=APP_KEY, app_secret=APP_SECRET)
    with pytest.raises(PermissionError, match="DROPBOX_OAUTH2_REFRESH_TOKEN") as caught:
        storage.exists("x.txt")
    assert "revoked" not in str(caught.value)


@pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")
def test_wrong_app_secret_is_a_permission_error(server: RunningServer) -> None:
    # Dropbox answers the token refresh with 400 "invalid_client: ..."; the SDK raises a
    # BadInputError, which names no credential class of its own.
    storage = DropboxStorage(
        oauth2_refresh_token=REFRESH_TOKEN, app_key=APP_KEY, app_secret="wrong-app-secret"
    )
    with pytest.raises(PermissionError, match="DROPBOX_APP_SECRET") as caught:
        storage.exists("x.txt")
    assert isinstance(caught.value, StoragePermissionError)
    assert isinstance(caught.value.__cause__, dropbox.exceptions.BadInputError)
    assert "invalid_client" in str(caught.value)
    assert "wrong-app-secret" not in str(caught.value)


def test_unreachable_server_is_a_connection_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from dropbox import dropbox_client

    for name in ("API_HOST", "API_CONTENT_HOST"):
        monkeypatch.setattr(dropbox_client, name, f"127.0.0.1:{free_port()}")
    storage = DropboxStorage(oauth2_access_token=TOKEN, timeout=2)
    with pytest.raises(StorageConnectionError):
        storage.exists("x.txt")
    assert isinstance(StorageConnectionError(), ConnectionError)


def test_the_sdk_client_is_reachable_for_other_calls(storage: DropboxStorage) -> None:
    account = storage.client.users_get_current_account()
    assert account.name.display_name == "Test Standin"


def test_an_empty_folder_made_in_dropbox_is_listed(storage: DropboxStorage) -> None:
    storage.save("keep.txt", ContentFile(b"x"))
    root = "/" + storage.location_prefix
    storage.client.files_create_folder_v2(f"{root}/Empty Folder")
    assert storage.exists("empty folder")
    assert storage.listdir("") == (["Empty Folder"], ["keep.txt"])
    assert storage.listdir("Empty Folder") == ([], [])


def test_256_mib_round_trip_with_bounded_memory(
    server: RunningServer, storage: DropboxStorage
) -> None:
    """The large-file proof: 256 MiB up through a session and back, and 1 KiB read of it."""
    storage.exists("huge.bin")  # load the SDK's client before measuring
    with Requests(server) as calls:
        print(round_trip_256_mib(storage))
    parts = 256 * MiB // storage.options.upload_chunk_size
    assert calls.delta == {
        "files/get_metadata": 2,  # get_available_name() before the save, size() after it
        "files/upload_session/start": 1,
        "files/upload_session/append_v2": parts - 2,
        "files/upload_session/finish": 1,
        "content_hash verified": parts,
        # The whole read and the 1 KiB read: a download each.
        "files/download": 2,
        "files/delete_v2": 1,
    }
