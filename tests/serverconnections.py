"""Break every client connection of a test server that forks a process per connection
(OpenSSH, vsftpd), and what a storage must do when that happens mid-upload."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile

from tests.harness.servers import RunningServer

__all__ = ["drop_server_connections", "upload_cut_keeps_the_previous_file"]


def drop_server_connections(server: RunningServer) -> None:
    """Kill the server's per-connection processes (OpenSSH, vsftpd): every client connection
    breaks, while the server itself keeps listening."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
            except (OSError, IndexError, ValueError):
                continue
    doomed: list[int] = []
    frontier = [server.process.pid]
    while frontier:
        children = [pid for pid, ppid in parents.items() if ppid in frontier]
        doomed.extend(children)
        frontier = children
    for pid in doomed:  # all at once: a surviving child would keep serving the session
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    time.sleep(0.1)


def upload_cut_keeps_the_previous_file(server: RunningServer, storage: Any) -> None:
    """Drop *server*'s connections in the middle of an upload over a file: the upload fails,
    the file keeps its content, and the storage works again on new connections."""
    storage.save("precious.bin", ContentFile(b"precious"))
    handle = storage.open("precious.bin", "wb")
    handle.write(os.urandom(1024 * 1024))
    handle.flush()
    drop_server_connections(server)
    with pytest.raises(OSError):  # on a later write or on the close
        for _ in range(64):
            handle.write(os.urandom(256 * 1024))
        handle.close()
    with storage.open("precious.bin") as reader:
        assert reader.read() == b"precious"
    storage.save("after.txt", ContentFile(b"after"))
    assert storage.size("after.txt") == 5


def save_through_a_lost_rename(storage: Any, saved: bool) -> None:
    """Save new content over ``doc.txt`` while the connection is cut as the rename is sent (the
    caller armed the cut). *saved*: the server renamed and only its answer was lost, so the save
    succeeds; otherwise the request never reached it, the error is raised and the old content
    stays. Either way no temporary file is left."""
    if saved:
        assert storage.save("doc.txt", ContentFile(b"new content")) == "doc.txt"
    else:
        with pytest.raises(ConnectionError):
            storage.save("doc.txt", ContentFile(b"new content"))
    assert storage.open("doc.txt").read() == (b"new content" if saved else b"old")
    assert storage.listdir("") == ([], ["doc.txt"])
