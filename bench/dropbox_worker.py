"""One Dropbox benchmark measurement, run in a fresh process so peak RSS belongs to it alone.

Usage: python dropbox_worker.py IMPL OP ROOT; prints one JSON object. IMPL is ``ours`` (this
package), ``anchor`` (django-storages 1.14.6, from its own virtualenv) or ``sdk`` (the official
``dropbox`` SDK by hand). The SDK finds the stand-in server through ``DROPBOX_API_HOST`` and
``DROPBOX_API_CONTENT_HOST`` and trusts its certificate through ``REQUESTS_CA_BUNDLE`` (set by
bench/dropbox.py). Requests are counted at ``requests.Session.send``, below all three.
"""

from __future__ import annotations

import json
import mimetypes
import os
import statistics
import sys
import time
from typing import Any, cast

# Run as a script, this folder is sys.path[0], where bench/dropbox.py would shadow
# the SDK named dropbox: the repository root takes its place (for bench.s3_worker).
sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from bench.s3_worker import BIG, CHUNK, Pattern, peak_rss  # noqa: E402

LARGE = {"read_1k_of_256m", "read_256m", "save_256m"}
TOKEN = "test-token"
PART = 4 * 1024 * 1024


def make_storage(impl: str, root: str) -> Any:
    import django
    from django.conf import settings

    settings.configure(USE_TZ=True, SECRET_KEY="bench")
    django.setup()
    from storages.backends.dropbox import DropboxStorage

    return DropboxStorage(oauth2_access_token=TOKEN, root_path=root, write_mode="overwrite")


def prepare(root: str) -> None:
    """Fill the folder the operations use (run once, before the measurements)."""
    import dropbox

    client = dropbox.Dropbox(TOKEN)
    client.files_upload(b"small content", f"{root}/small.txt")
    for i in range(20):
        client.files_upload(b"x", f"{root}/many/file-{i:02}.txt")
    sdk_upload(client, Pattern(BIG), f"{root}/big.bin")


def main() -> None:
    impl, op, root = sys.argv[1:4]
    if op == "prepare":
        prepare(root)
        print("{}")
        return
    import dropbox
    import requests

    counts: dict[str, int] = {}
    send = requests.Session.send

    def counting_send(self: Any, request: Any, **kwargs: Any) -> Any:
        path = request.path_url.split("?")[0].removeprefix("/2/")
        counts[path] = counts.get(path, 0) + 1
        return send(self, request, **kwargs)

    if impl == "sdk":
        client = dropbox.Dropbox(TOKEN)
        storage = None
    else:
        storage = make_storage(impl, root)
        client = storage.client
    # Warm up: the SDK loaded, a connection open, the mimetypes table read.
    mimetypes.guess_type("x.txt")
    client.files_get_metadata(f"{root}/small.txt")
    if storage is not None:
        storage.exists("warm-up")
    requests.Session.send = counting_send  # type: ignore[method-assign]
    repeat = 1 if op in LARGE else 10
    baseline = peak_rss()
    timings = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run(op, impl, storage, client, root)
        timings.append(time.perf_counter() - started)
    print(
        json.dumps(
            {
                "impl": impl,
                "op": op,
                "seconds": statistics.median(timings),
                "rss_delta": max(0, peak_rss() - baseline),
                "requests": sum(counts.values()) / repeat,
                "result": result,
                "by_operation": counts,
            }
        )
    )


def sdk_upload(client: Any, stream: Any, path: str) -> None:
    """Upload *stream* the way the SDK's documentation shows: one call, or a session."""
    from dropbox.files import CommitInfo, UploadSessionCursor, WriteMode

    mode = WriteMode("overwrite")
    data = stream.read(PART)
    if len(data) < PART:
        client.files_upload(data, path, mode=mode)
        return
    session = client.files_upload_session_start(data)
    cursor = UploadSessionCursor(session_id=session.session_id, offset=len(data))
    while True:
        data = stream.read(PART)
        if stream.tell() >= stream.size:
            client.files_upload_session_finish(data, cursor, CommitInfo(path=path, mode=mode))
            return
        client.files_upload_session_append_v2(data, cursor)
        cursor.offset += len(data)


def drain(read: Any) -> int:
    """Read to the end with *read* (``read(n)``), returning the number of bytes."""
    total = 0
    while data := read(CHUNK):
        total += len(data)
    return total


def run(op: str, impl: str, storage: Any, client: Any, root: str) -> int | None:
    """Run *op*; return what it gave back: bytes read, or entries listed."""
    if op == "read_small":
        if storage is None:
            return len(client.files_download(f"{root}/small.txt")[1].content)
        with storage.open("small.txt", "rb") as handle:
            return len(handle.read())
    if op == "exists":
        if storage is None:
            client.files_get_metadata(f"{root}/small.txt")
            return None
        storage.exists("small.txt")
    elif op == "size":
        if storage is None:
            return int(client.files_get_metadata(f"{root}/small.txt").size)
        return int(storage.size("small.txt"))
    elif op == "url":
        if storage is None:
            _ = client.files_get_temporary_link(f"{root}/small.txt").link
        else:
            storage.url("small.txt")
    elif op == "listdir_20":
        if storage is None:
            result = client.files_list_folder(f"{root}/many")
            entries = len(result.entries)
            while result.has_more:
                result = client.files_list_folder_continue(result.cursor)
                entries += len(result.entries)
            return entries
        dirs, files = storage.listdir("many")
        return len(dirs) + len(files)
    elif op == "save_small":
        if storage is None:
            sdk_upload(client, Pattern(5), f"{root}/w-{impl}.txt")
        else:
            from django.core.files.base import ContentFile

            storage.save(f"w-{impl}.txt", ContentFile(b"small"))
    elif op == "read_1k_of_256m":
        if storage is None:
            headers = {"Range": "bytes=0-1023"}
            return len(client.files_download(f"{root}/big.bin", extra_headers=headers)[1].content)
        with storage.open("big.bin", "rb") as handle:
            return len(handle.read(1024))
    elif op == "read_256m":
        if storage is None:
            response = client.files_download(f"{root}/big.bin")[1]
            with response:
                return sum(len(chunk) for chunk in response.iter_content(CHUNK))
        with storage.open("big.bin", "rb") as handle:
            return drain(handle.read)
    elif op == "save_256m":
        if storage is None:
            sdk_upload(client, Pattern(BIG), f"{root}/up-{impl}.bin")
        else:
            from django.core.files.base import File

            storage.save(f"up-{impl}.bin", File(cast(Any, Pattern(BIG)), name="up.bin"))
    else:
        raise SystemExit(f"unknown op {op}")
    return None


if __name__ == "__main__":
    main()
