"""Benchmark the Dropbox backend against django-storages 1.14.6 and the raw ``dropbox`` SDK.

On the project's stand-in Dropbox server (``make bench-dropbox``), which every process reaches as
the tests' SDK does: ``DROPBOX_API_HOST``/``DROPBOX_API_CONTENT_HOST`` name it and
``REQUESTS_CA_BUNDLE`` trusts its certificate authority. Requests are counted at the
``requests`` adapter, by endpoint. How the benchmarks run, and ``BENCH_QUICK=1`` for a smoke
run: ``bench/common.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

# The repository, not bench/, whose dropbox.py (this file) would shadow the SDK named dropbox.
sys.path[0] = str(Path(__file__).resolve().parent.parent)
from bench import common  # noqa: E402

FOLDER = "/bench"
TOKEN = "test-token"
PART = 4 * common.MIB


def setup(server: Any) -> tuple[list[str], dict[str, str]]:
    from tests.harness.specs.dropbox import ca_path

    host = f"127.0.0.1:{server.port}"
    names = ("DROPBOX_API_HOST", "DROPBOX_API_CONTENT_HOST", "DROPBOX_API_NOTIFY_HOST")
    return [], {**dict.fromkeys(names, host), "REQUESTS_CA_BUNDLE": str(ca_path(server))}


def client() -> Any:
    import dropbox

    return dropbox.Dropbox(TOKEN)


def prepare() -> None:
    sdk = client()
    sdk.files_upload(b"small content", f"{FOLDER}/small.txt")
    for i in range(20):
        sdk.files_upload(b"x", f"{FOLDER}/many/file-{i:02}.txt")
    upload(sdk, common.Pattern(common.BIG), "big.bin")


def storage(impl: str) -> Any:
    common.django_setup()
    from storages.backends.dropbox import DropboxStorage

    return DropboxStorage(oauth2_access_token=TOKEN, root_path=FOLDER, write_mode="overwrite")


def upload(sdk: Any, stream: Any, name: str) -> None:
    """Upload *stream* the way the SDK's documentation shows: one call, or a session."""
    from dropbox.files import CommitInfo, UploadSessionCursor, WriteMode

    path, mode = f"{FOLDER}/{name}", WriteMode("overwrite")
    data = stream.read(PART)
    if len(data) < PART:
        sdk.files_upload(data, path, mode=mode)
        return
    session = sdk.files_upload_session_start(data)
    cursor = UploadSessionCursor(session_id=session.session_id, offset=len(data))
    while True:
        data = stream.read(PART)
        if stream.tell() >= stream.size:
            sdk.files_upload_session_finish(data, cursor, CommitInfo(path=path, mode=mode))
            return
        sdk.files_upload_session_append_v2(data, cursor)
        cursor.offset += len(data)


def download(sdk: Any, name: str, **headers: str) -> Any:
    return sdk.files_download(f"{FOLDER}/{name}", extra_headers=headers or None)[1]


def read_big(sdk: Any) -> int:
    with download(sdk, "big.bin") as response:
        return sum(len(chunk) for chunk in response.iter_content(common.CHUNK))


def listdir(sdk: Any) -> int:
    result = sdk.files_list_folder(f"{FOLDER}/many")
    entries = len(result.entries)
    while result.has_more:
        result = sdk.files_list_folder_continue(result.cursor)
        entries += len(result.entries)
    return entries


RAW = {
    "read_small": lambda sdk, tag: len(download(sdk, "small.txt").content),
    "exists": lambda sdk, tag: sdk.files_get_metadata(f"{FOLDER}/small.txt"),
    "size": lambda sdk, tag: int(sdk.files_get_metadata(f"{FOLDER}/small.txt").size),
    "url": lambda sdk, tag: sdk.files_get_temporary_link(f"{FOLDER}/small.txt").link,
    "listdir_20": lambda sdk, tag: listdir(sdk),
    "save_small": lambda sdk, tag: upload(sdk, common.Pattern(5), f"w-{tag}.txt"),
    "read_1k": lambda sdk, tag: len(download(sdk, "big.bin", Range="bytes=0-1023").content),
    "read_big": lambda sdk, tag: read_big(sdk),
    "save_big": lambda sdk, tag: upload(sdk, common.Pattern(common.BIG), f"up-{tag}.bin"),
}


def count(impl: str, target: Any) -> dict[str, int]:
    return common.count_http(lambda request: request.path_url.split("?")[0].removeprefix("/2/"))


if __name__ == "__main__":
    common.main(
        sys.modules[__name__],
        server="dropbox",
        raw="SDK",
        extra_ops=["url", "listdir_20"],
        repeat=(10, 1),
        result_column=True,
    )
