"""MogileFSStorage: files as keys of a MogileFS domain, through the tracker protocol."""

from __future__ import annotations

from typing import IO, Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from storages import paths
from storages.backends.mogilefs.connection import Connection, connect
from storages.backends.mogilefs.errors import ERRORS, MogileFSError
from storages.backends.mogilefs.options import MogileFSOptions
from storages.backends.mogilefs.views import serve_mogilefs_file
from storages.base import BaseStorage
from storages.entries import Entry
from storages.errors import MissingDependencyError
from storages.features import Feature
from storages.http import ResponseStream, SizedBody
from storages.retry import RetryPolicy

try:
    import requests
except ImportError:  # pragma: no cover - the extra is missing
    requests = None  # type: ignore[assignment]

__all__ = ["MogileFSStorage"]

_PAGE = 1000
#: A save under the same name gives the key a new fid and deletes the old one's copies: a read
#: whose every path answered 404 asks the tracker for the key's paths again (the next answer
#: may be that the key is gone).
PATHS_GONE_RETRY = RetryPolicy(attempts=5, first_wait=0.0, max_wait=0.0)


def _paths_gone(exc: BaseException) -> bool:
    return isinstance(exc, MogileFSError) and exc.code == "http_404"


class MogileFSStorage(BaseStorage[MogileFSOptions]):
    """Keep files in a MogileFS domain; subclasses may set ``mogile_class``."""

    options_class = MogileFSOptions
    errors = ERRORS
    features = Feature.URL | Feature.LISTDIR | Feature.ATOMIC_WRITE
    #: The view of the 1.x documentation's URLconf (``MogileFSStorage.serve_mogilefs_file``).
    serve_mogilefs_file = staticmethod(serve_mogilefs_file)

    def __init__(self, **options: Any) -> None:
        if requests is None:
            raise MissingDependencyError("requests", "mogilefs")
        super().__init__(**options)

    def _create_client(self) -> Connection:
        if not self.options.domain:
            raise ImproperlyConfigured("Set MOGILEFS_DOMAIN (or the 'domain' option)")
        if not self.options.trackers:
            raise ImproperlyConfigured("Set MOGILEFS_TRACKERS (or the 'trackers' option)")
        return connect(self.options.trackers, self.options.timeout)

    def _tracker(self, command: str, **args: str | int) -> dict[str, str]:
        connection: Connection = self.client
        return connection.tracker.request(command, domain=self.options.domain, **args)

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
    def _stat(self, key: str) -> Entry | None:
        try:
            info = self._tracker("file_info", key=key)
        except MogileFSError as exc:
            if exc.code == "unknown_key":
                return None
            raise
        return Entry(key, int(info["length"]))

    def _exists(self, key: str) -> bool:
        if not key or key.endswith("/"):  # a directory: whether any key is under it
            return bool(self._keys(key, limit=1))
        return super()._exists(key)

    def _open_stream(self, key: str, offset: int) -> ResponseStream:
        headers = {"Range": f"bytes={offset}-"} if offset else {}

        def from_a_copy() -> ResponseStream:
            # Failover, not a retry: each copy's storage node is tried once.
            failure: BaseException | None = None
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
            raise failure or MogileFSError("unknown_key", key)

        if offset:  # a later offset continues a version and must not switch to another
            return from_a_copy()
        return PATHS_GONE_RETRY.call(from_a_copy, _paths_gone)

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

    def _object_url(self, key: str, **kwargs: Any) -> str:
        base = self.options.media_url or settings.MEDIA_URL or "/"
        base = base if base.endswith("/") else base + "/"
        name = paths.split_key(self.location_prefix, key) if self.location_prefix else key
        return base + quote(name)
