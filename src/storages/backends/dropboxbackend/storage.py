"""Dropbox storage, through the official Dropbox SDK for Python."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation

from storages import paths
from storages.backends.dropboxbackend.errors import ERRORS, is_not_found
from storages.backends.dropboxbackend.options import DropboxOptions
from storages.base import BaseStorage
from storages.errors import MissingDependencyError
from storages.features import Feature

try:
    import dropbox
    import requests
    from dropbox.files import (
        CommitInfo,
        FileMetadata,
        FolderMetadata,
        UploadSessionCursor,
        WriteMode,
    )
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingDependencyError("dropbox", "dropbox") from exc

__all__ = ["DropBoxStorage", "DropboxStorage"]

#: Attempts of a call that changes nothing (or nothing more when repeated) on a new connection
#: after a broken one. The SDK retries error answers, never a broken connection: a keep-alive
#: connection the server closed while idle would fail the next call.
_ATTEMPTS = 2


class _DownloadStream:
    """The body of one ``files/download`` response, read as it arrives."""

    def __init__(self, response: Any, size: int | None) -> None:
        self._response = response
        self.size = size

    def read(self, n: int = -1, /) -> bytes:
        data = self._response.raw.read(None if n < 0 else n, decode_content=True)
        return bytes(data or b"")

    def close(self) -> None:
        self._response.close()


class _UploadWriter:
    """Upload what is written: one ``files/upload`` call for a small file, else a session.

    At most one part (``upload_chunk_size`` bytes, plus the last write) is held in memory. The
    file appears only on :meth:`commit` (``files/upload`` or ``upload_session/finish``), so an
    aborted write leaves the previous content in place; Dropbox drops unfinished sessions.
    """

    def __init__(self, storage: DropboxStorage, path: str) -> None:
        self._storage = storage
        self._path = path
        self._part = storage.options.upload_chunk_size
        self._buffer = bytearray()
        self._cursor: Any = None

    def write(self, data: bytes, /) -> None:
        self._buffer += data
        while len(self._buffer) > self._part:
            self._send_part()

    def _send_part(self) -> None:
        with memoryview(self._buffer) as view:
            part = bytes(view[: self._part])
        del self._buffer[: self._part]
        client = self._storage.client
        if self._cursor is None:
            session = client.files_upload_session_start(part)
            self._cursor = UploadSessionCursor(session_id=session.session_id, offset=len(part))
        else:
            client.files_upload_session_append_v2(part, self._cursor)
            self._cursor.offset += len(part)

    def commit(self) -> None:
        data = bytes(self._buffer)
        self._buffer = bytearray()
        mode = WriteMode(self._storage.options.write_mode)
        client = self._storage.client
        if self._cursor is None:
            client.files_upload(data, self._path, mode=mode)
        else:
            commit = CommitInfo(path=self._path, mode=mode)
            client.files_upload_session_finish(data, self._cursor, commit)

    def abort(self) -> None:
        self._buffer = bytearray()
        self._cursor = None


class DropboxStorage(BaseStorage[DropboxOptions]):
    """Files in a Dropbox account, confined to ``DROPBOX_ROOT_PATH``."""

    options_class = DropboxOptions
    features = (
        Feature.URL
        | Feature.SIGNED_URL
        | Feature.MODIFIED_TIME
        | Feature.LISTDIR
        | Feature.DIRECTORIES
        | Feature.ATOMIC_WRITE
    )
    errors = ERRORS

    # -- configuration ----------------------------------------------------------------------
    @property
    def location_prefix(self) -> str:
        """Return the root path as a key prefix (``'media'`` for ``'/media/'``)."""
        return paths.clean_location(self.options.root_path)

    @property
    def overwrites_files(self) -> bool:
        """Return whether saving under an existing name replaces the file."""
        return self.options.write_mode == "overwrite"

    def _create_client(self) -> Any:
        options = self.options
        can_refresh = bool(options.oauth2_refresh_token and options.app_key)
        if not options.oauth2_access_token and not can_refresh:
            raise ImproperlyConfigured(
                "DropboxStorage needs credentials: set DROPBOX_OAUTH2_TOKEN (the "
                "'oauth2_access_token' option), or DROPBOX_OAUTH2_REFRESH_TOKEN with "
                "DROPBOX_APP_KEY (and DROPBOX_APP_SECRET)."
            )
        return dropbox.Dropbox(
            oauth2_access_token=options.oauth2_access_token,
            oauth2_refresh_token=options.oauth2_refresh_token,
            app_key=options.app_key,
            app_secret=options.app_secret,
            timeout=options.timeout,
        )

    # -- paths ------------------------------------------------------------------------------
    @staticmethod
    def _path(key: str) -> str:
        """Return the Dropbox path of a key: ``'/a/b.txt'``, or ``''`` for the account root."""
        key = key.rstrip("/")
        return f"/{key}" if key else ""

    def _is_root(self, key: str) -> bool:
        return key.rstrip("/") == self.location_prefix

    def _repeatable(self, route: str, *args: Any, **kwargs: Any) -> Any:
        """Call the SDK method *route*, again on a new connection if the connection broke.

        Only for routes that read, or whose repetition changes nothing (a delete): an upload
        that broke may have been stored already, and is not sent twice.
        """
        for _ in range(_ATTEMPTS - 1):
            try:
                return getattr(self.client, route)(*args, **kwargs)
            except requests.exceptions.ConnectionError:
                continue
        return getattr(self.client, route)(*args, **kwargs)

    def _metadata(self, key: str) -> Any:
        return self._repeatable("files_get_metadata", self._path(key))

    def _file_metadata(self, key: str) -> Any:
        metadata = self._metadata(key)
        if not isinstance(metadata, FileMetadata):
            raise IsADirectoryError(f"{self._path(key)!r} is a folder, not a file")
        return metadata

    # -- hooks ------------------------------------------------------------------------------
    def _open_stream(self, key: str, offset: int) -> _DownloadStream:
        # Dropbox honours Range on files/download; the SDK passes extra headers through.
        headers = {"Range": f"bytes={offset}-"} if offset else None
        metadata, response = self._repeatable(
            "files_download", self._path(key), extra_headers=headers
        )
        return _DownloadStream(response, metadata.size)

    def _open_writer(self, key: str, name: str, content_type: str | None) -> _UploadWriter:
        if self._is_root(key):
            raise SuspiciousFileOperation("The root folder of the storage is not a file")
        return _UploadWriter(self, self._path(key))

    def _delete(self, key: str) -> None:
        if self._is_root(key):
            raise SuspiciousFileOperation("Refusing to delete the root folder of the storage")
        try:
            self._repeatable("files_delete_v2", self._path(key))
        except dropbox.exceptions.ApiError as exc:
            if not is_not_found(exc):
                raise

    def _exists(self, key: str) -> bool:
        if not self._path(key):
            return True
        try:
            self._metadata(key)
        except dropbox.exceptions.ApiError as exc:
            if is_not_found(exc):
                return False
            raise
        return True

    def _size(self, key: str) -> int:
        return int(self._file_metadata(key).size)

    def _listdir(self, prefix: str) -> tuple[list[str], list[str]]:
        try:
            result = self._repeatable("files_list_folder", self._path(prefix))
        except dropbox.exceptions.ApiError as exc:
            if is_not_found(exc) and self._is_root(prefix):
                return [], []  # nothing was saved yet, so the root folder does not exist yet
            raise
        dirs: list[str] = []
        files: list[str] = []
        while True:
            for entry in result.entries:
                if isinstance(entry, FolderMetadata):
                    dirs.append(entry.name)
                elif isinstance(entry, FileMetadata):
                    files.append(entry.name)
            if not result.has_more:
                return dirs, files
            result = self._repeatable("files_list_folder_continue", result.cursor)

    def _url(self, key: str, **kwargs: Any) -> str:
        if kwargs:
            raise TypeError(f"DropboxStorage.url() takes no options, got {sorted(kwargs)}")
        return str(self._repeatable("files_get_temporary_link", self._path(key)).link)

    def _modified_time(self, key: str) -> datetime:
        modified: datetime = self._file_metadata(key).server_modified
        return modified.replace(tzinfo=timezone.utc)


#: The name the 1.x documentation uses.
DropBoxStorage = DropboxStorage
