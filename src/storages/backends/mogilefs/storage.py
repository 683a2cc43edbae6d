"""MogileFSStorage: files as keys of a MogileFS domain, through the tracker protocol."""

from __future__ import annotations

import dataclasses
from typing import IO, Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from storages import paths
from storages.backends.mogilefs.errors import MOGILEFS_ERRORS, MogileFSError
from storages.backends.mogilefs.options import MogileFSOptions
from storages.backends.mogilefs.tracker import Tracker
from storages.backends.mogilefs.views import serve_mogilefs_file
from storages.base import BaseStorage
from storages.errors import MissingDependencyError
from storages.features import Feature
from storages.http import ResponseStream, SizedBody

try:
    import requests
except ImportError:  # pragma: no cover - the extra is missing
    requests = None  # type: ignore[assignment]

__all__ = ["MogileFSStorage"]

_PAGE = 1000
#: Times a read asks for a key's paths when the storage nodes no longer have the old ones.
_PATH_ROUNDS = 5


@dataclasses.dataclass
class _Client:
    tracker: Tracker
    http: Any


class MogileFSStorage(BaseStorage[MogileFSOptions]):
    """Keep files in a MogileFS domain; subclasses may set ``mogile_class``."""

    options_class = MogileFSOptions
    errors = MOGILEFS_ERRORS
    features = Feature.URL | Feature.LISTDIR | Feature.ATOMIC_WRITE
    #: The view of the 1.x documentation's URLconf (``MogileFSStorage.serve_mogilefs_file``).
    serve_mogilefs_file = staticmethod(serve_mogilefs_file)

    def __init__(self, **options: Any) -> None:
        if requests is None:
            raise MissingDependencyError("requests", "mogilefs")
        super().__init__(**options)

    def _create_client(self) -> _Client:
        if not self.options.domain:
            raise ImproperlyConfigured("Set MOGILEFS_DOMAIN (or the 'domain' option)")
        if not self.options.trackers:
            raise ImproperlyConfigured("Set MOGILEFS_TRACKERS (or the 'trackers' option)")
        return _Client(Tracker(self.options.trackers, self.options.timeout), requests.Session())

    def _close_client(self, client: _Client) -> None:
        client.tracker.close()
        client.http.close()

    def _tracker(self, command: str, **args: str | int) -> dict[str, str]:
        tracker: Tracker = self.client.tracker
        return tracker.request(command, domain=self.options.domain, **args)

    def _paths(self, key: str) -> list[str]:
        answer = self._tracker("get_paths", key=key, noverify=1)
        return [answer[f"path{i}"] for i in range(1, int(answer.get("paths", 0)) + 1)]

    def get_mogile_paths(self, name: str) -> list[str]:
        """Return the storage-node URLs of *name* (what the tracker's ``get_paths`` gives)."""
        return list(self._call(name, self._paths, self._key(name)))

    def rename(self, old_name: str, new_name: str) -> None:
        """Give the file *old_name* the name *new_name* (``FileExistsError`` if it is taken)."""
        self._call(old_name, self._rename, self._key(old_name), self._key(new_name))

    def _rename(self, old_key: str, new_key: str) -> None:
        self._tracker("rename", from_key=old_key, to_key=new_key)

    # -- hooks ------------------------------------------------------------------------------
    def _open_stream(self, key: str, offset: int) -> ResponseStream:
        failure: BaseException | None = None
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        # A save under the same name gives the key a new fid and deletes the old one's copies:
        # when every path answers 404, ask the tracker again (the next answer may be that the
        # key is gone). Only from the start: a later offset must not switch to another version.
        for _ in range(_PATH_ROUNDS if not offset else 1):
            for path in self._paths(key):
                try:
                    response = self.client.http.get(
                        path, headers=headers, stream=True, timeout=self.options.timeout
                    )
                except requests.RequestException as exc:
                    failure = exc  # this copy's node is down: try the next path
                    continue
                if response.status_code in (200, 206, 416):
                    return ResponseStream(response, offset)
                response.close()
                failure = MogileFSError(f"http_{response.status_code}", path)
            if not (isinstance(failure, MogileFSError) and failure.code == "http_404"):
                break
        raise failure or MogileFSError("unknown_key", key)

    def _upload(self, key: str, fileobj: IO[bytes], size: int, content_type: str | None) -> None:
        args: dict[str, str | int] = {"key": key, "fid": 0, "multi_dest": 1}
        if self.options.mogile_class:
            args["class"] = self.options.mogile_class
        opened = self._tracker("create_open", **args)
        if "dev_count" in opened:
            count = int(opened["dev_count"])
            dests = [(opened[f"devid_{i}"], opened[f"path_{i}"]) for i in range(1, count + 1)]
        else:
            dests = [(opened["devid"], opened["path"])]
        failure: BaseException | None = None
        for devid, path in dests:
            fileobj.seek(0)
            body: Any = SizedBody(fileobj, size) if size else b""
            try:
                response = self.client.http.put(path, data=body, timeout=self.options.timeout)
            except requests.RequestException as exc:
                failure = exc
                continue
            if response.status_code in (200, 201, 204):
                self._tracker(
                    "create_close", fid=opened["fid"], devid=devid, key=key, path=path, size=size
                )
                return
            failure = MogileFSError(f"http_{response.status_code}", path)
        raise failure or MogileFSError("no_devices", key)

    def _delete(self, key: str) -> None:
        try:
            self._tracker("delete", key=key)
        except MogileFSError as exc:
            if exc.code != "unknown_key":
                raise

    def _exists(self, key: str) -> bool:
        if not key or key.endswith("/"):
            return bool(self._keys(key, limit=1))
        try:
            self._tracker("file_info", key=key)
        except MogileFSError as exc:
            if exc.code == "unknown_key":
                return False
            raise
        return True

    def _size(self, key: str) -> int:
        return int(self._tracker("file_info", key=key)["length"])

    def _keys(self, prefix: str, limit: int = 0) -> list[str]:
        keys: list[str] = []
        after = ""
        while True:
            try:
                answer = self._tracker("list_keys", prefix=prefix, after=after, limit=_PAGE)
            except MogileFSError as exc:
                if exc.code == "none_match":
                    return keys
                raise
            count = int(answer.get("key_count", 0))
            keys += [answer[f"key_{i}"] for i in range(1, count + 1)]
            if count < _PAGE or (limit and len(keys) >= limit):
                return keys
            after = answer.get("next_after") or keys[-1]

    def _listdir(self, prefix: str) -> tuple[list[str], list[str]]:
        keys = (key for key in self._keys(prefix) if key.startswith(prefix))
        return paths.split_level(prefix, keys)

    def _url(self, key: str, **kwargs: Any) -> str:
        base = self.options.media_url or settings.MEDIA_URL or "/"
        base = base if base.endswith("/") else base + "/"
        name = paths.split_key(self.location_prefix, key) if self.location_prefix else key
        return base + quote(name)
