"""What is specific to MogileFSStorage: documented settings and classes, tracker failover, path
fallback, rename, paging, and the serve_mogilefs_file view."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.http import Http404, StreamingHttpResponse
from django.test import RequestFactory, override_settings

from storages.backends.mogile import MogileFSStorage, serve_mogilefs_file
from storages.errors import StorageConnectionError, StorageError
from tests.backends.mogilefs.servers import (
    DOMAIN,
    mogilefs,
    prepare,
    trackers,
    unique_location,
)
from tests.harness.servers import RunningServer, free_port
from tests.harness.specs.mogilefs import tracker_call

__all__ = ["mogilefs"]  # the fixture this module uses


def _make(
    server: RunningServer, cls: type[MogileFSStorage] = MogileFSStorage, **options: Any
) -> MogileFSStorage:
    options.setdefault("domain", DOMAIN)
    options.setdefault("trackers", trackers(server))
    options.setdefault("location", unique_location())
    return cls(**options)


def _file_info(server: RunningServer, key: str) -> dict[str, str]:
    answer = tracker_call(server, f"file_info domain={DOMAIN}&key={key}")
    assert answer.startswith("OK "), answer
    return dict(parse_qsl(answer[3:]))


def test_documented_settings(mogilefs: RunningServer) -> None:
    with override_settings(
        MOGILEFS_DOMAIN=DOMAIN,
        MOGILEFS_TRACKERS=trackers(mogilefs),
        MOGILEFS_MEDIA_URL="/mogilefs/",
        SERVE_WITH_PERLBAL=True,
    ):
        storage = MogileFSStorage()
    assert storage.options.domain == DOMAIN
    assert storage.options.serve_with_perlbal is True
    assert storage.url("avatars/a b.png") == "/mogilefs/avatars/a%20b.png"
    name = storage.save(f"{unique_location()}/seed.txt", ContentFile(b"seed"))
    assert storage.open(name).read() == b"seed"
    storage.close()


def test_documented_class_example_verbatim(mogilefs: RunningServer) -> None:
    with override_settings(MOGILEFS_DOMAIN=DOMAIN, MOGILEFS_TRACKERS=trackers(mogilefs)):
        storage = MogileFSStorage()

        # The 1.x documentation's models.py, with `storage` the default storage instance.
        class AvatarStorage(storage.__class__):  # type: ignore[name-defined,misc]
            mogile_class = "avatar"

        class ThumbnailStorage(storage.__class__):  # type: ignore[name-defined,misc]
            mogile_class = "thumb"

        avatars, thumbs = AvatarStorage(), ThumbnailStorage()
    prefix = unique_location()
    avatars.save(f"{prefix}/image.png", ContentFile(b"img"))
    thumbs.save(f"{prefix}/thumb.png", ContentFile(b"th"))
    storage.save(f"{prefix}/plain.txt", ContentFile(b"p"))
    assert _file_info(mogilefs, f"{prefix}/image.png")["class"] == "avatar"
    assert _file_info(mogilefs, f"{prefix}/thumb.png")["class"] == "thumb"
    assert _file_info(mogilefs, f"{prefix}/plain.txt")["class"] == "default"
    for each in (storage, avatars, thumbs):
        each.close()


def test_unregistered_class_is_an_error(mogilefs: RunningServer) -> None:
    class Unknown(MogileFSStorage):
        mogile_class = "no-such-class"

    with _make(mogilefs, Unknown) as storage, pytest.raises(StorageError, match="unreg_class"):
        storage.save("x.txt", ContentFile(b"x"))


def test_trackers_setting_forms() -> None:
    storage = MogileFSStorage(domain="d", trackers="a.example:7001, b.example:7001")
    assert storage.options.trackers == ["a.example:7001", "b.example:7001"]
    with pytest.raises(ImproperlyConfigured, match="host:port"):
        MogileFSStorage(domain="d", trackers=["a.example"])
    with pytest.raises(ImproperlyConfigured, match="MOGILEFS_DOMAIN"):
        MogileFSStorage(trackers=["a:1"]).exists("x")


def test_failover_to_the_next_tracker(mogilefs: RunningServer) -> None:
    dead = f"127.0.0.1:{free_port()}"
    with _make(mogilefs, trackers=[dead, *trackers(mogilefs)]) as storage:
        name = storage.save("failover.txt", ContentFile(b"still works"))
        assert storage.open(name).read() == b"still works"


def test_a_stale_tracker_connection_is_replaced(mogilefs: RunningServer) -> None:
    with _make(mogilefs) as storage:
        storage.save("stale.txt", ContentFile(b"kept"))
        tracker = storage.client.tracker
        tracker._socket.shutdown(socket.SHUT_RDWR)  # as a tracker restart leaves it
        assert storage.size("stale.txt") == 4
        assert tracker._socket is not None


def test_stat_is_one_tracker_request(
    mogilefs: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _make(mogilefs) as storage:
        storage.save("stat.txt", ContentFile(b"four"))
        tracker = storage.client.tracker
        sent: list[str] = []
        request = tracker.request

        def counting(command: str, **args: Any) -> dict[str, str]:
            sent.append(command)
            return request(command, **args)

        monkeypatch.setattr(tracker, "request", counting)
        assert storage.stat("stat.txt").size == 4
        assert not storage.exists("missing.txt")
        assert sent == ["file_info", "file_info"]


def test_no_tracker_answers(mogilefs: RunningServer) -> None:
    dead = [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]
    with _make(mogilefs, trackers=dead) as storage, pytest.raises(StorageConnectionError):
        storage.exists("x.txt")


def test_reads_fall_back_across_paths(test_server: Callable[[str], RunningServer]) -> None:
    server = prepare(test_server("mogilefs-dead-path"))
    with _make(server) as storage:
        name = storage.save("copies.txt", ContentFile(b"second copy"))
        paths = storage.get_mogile_paths(name)
        assert len(paths) == 2  # the first one's node is down
        assert storage.open(name).read() == b"second copy"
        with storage.open(name) as handle:
            handle.seek(7)
            assert handle.read() == b"copy"


def test_rename(mogilefs: RunningServer) -> None:
    with _make(mogilefs) as storage:
        storage.save("old.txt", ContentFile(b"content"))
        storage.save("taken.txt", ContentFile(b"other"))
        storage.rename("old.txt", "new.txt")
        assert not storage.exists("old.txt")
        assert storage.open("new.txt").read() == b"content"
        with pytest.raises(FileExistsError):
            storage.rename("new.txt", "taken.txt")
        with pytest.raises(FileNotFoundError):
            storage.rename("missing.txt", "other.txt")


def test_list_keys_pages(mogilefs: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from storages.backends.mogilefs import storage as module

    monkeypatch.setattr(module, "_PAGE", 3)
    with _make(mogilefs) as storage:
        for index in range(7):
            storage.save(f"many/{index}.txt", ContentFile(b"x"))
        assert storage.listdir("many") == ([], [f"{index}.txt" for index in range(7)])
        assert storage.listdir("") == (["many"], [])


def test_protocol_special_characters(mogilefs: RunningServer) -> None:
    with _make(mogilefs) as storage:
        for name in ["a&b=c.txt", "50%+off d.txt", "line\tbreak?.txt", "ключ.txt"]:
            saved = storage.save(name, ContentFile(name.encode()))
            assert saved == name
            assert storage.size(name) == len(name.encode())
            assert storage.open(name).read() == name.encode()


# -- serve_mogilefs_file -------------------------------------------------------------------
def _serve(storage: MogileFSStorage, key: str, method: str = "get") -> Any:
    request = getattr(RequestFactory(), method)(f"/mogilefs/{key}")
    return serve_mogilefs_file(request, key=key, storage=storage)


def test_view_streams_without_perlbal(mogilefs: RunningServer) -> None:
    with _make(mogilefs) as storage:
        storage.save("avatar.png", ContentFile(b"\x89PNG" * 1000))
        response = _serve(storage, "avatar.png")
        assert isinstance(response, StreamingHttpResponse)
        assert response["Content-Type"] == "image/png"
        assert response["Content-Length"] == "4000"
        assert b"".join(response.streaming_content) == b"\x89PNG" * 1000
        assert _serve(storage, "avatar.png", "head").content == b""


def test_view_reproxies_with_perlbal(mogilefs: RunningServer) -> None:
    with _make(mogilefs, serve_with_perlbal=True) as storage:
        storage.save("avatar.png", ContentFile(b"png"))
        response = _serve(storage, "avatar.png")
        assert response.content == b""
        assert response["X-REPROXY-URL"] == " ".join(storage.get_mogile_paths("avatar.png"))
        assert response["X-REPROXY-URL"].startswith("http://127.0.0.1:")


@pytest.mark.parametrize("perlbal", [False, True])
@pytest.mark.parametrize("key", ["missing.png", "../etc/passwd", "/abs", "dir/"])
def test_view_404(mogilefs: RunningServer, perlbal: bool, key: str) -> None:
    with _make(mogilefs, serve_with_perlbal=perlbal) as storage, pytest.raises(Http404):
        _serve(storage, key)


def test_view_on_the_class_as_documented() -> None:
    assert MogileFSStorage.serve_mogilefs_file is serve_mogilefs_file
