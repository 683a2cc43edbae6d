"""Dropbox storage, through the official Dropbox SDK for Python."""

from __future__ import annotations

from datetime import timezone
from typing import Any

from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation

from storages import paths
from storages.backends.dropbox.errors import ERRORS, is_not_found
from storages.backends.dropbox.options import DropboxOptions
from storages.backends.dropbox.streams import (
    RangedStream,
    RangeNotSatisfiable,
    UploadWriter,
    open_download,
)
from storages.base import BaseStorage
from storages.entries import Entry
from storages.errors import MissingDependencyError
from storages.features import Feature
from storages.files import RemoteFile
from storages.ranged import Version
from storages.retry import RetryPolicy

try:
    import dropbox
    import requests
    from dropbox.files import FileMetadata, FolderMetadata
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingDependencyError("dropbox", "dropbox") from exc

__all__ = ["DropBoxFile", "DropBoxStorage", "DropboxFile", "DropboxStorage"]

#: A call that changes nothing (or nothing more when repeated) is sent once more on a new
#: connection after a broken one. The SDK retries error answers, never a broken connection: a
#: keep-alive connection the server closed while idle would fail the next call.
RECONNECT = RetryPolicy(attempts=2, first_wait=0.0)


def _broken_connection(exc: BaseException) -> bool:
    return isinstance(exc, requests.exceptions.ConnectionError)


#: The positional arguments of 1.x's constructor, in order (1.14 took only the first).
_POSITIONAL = ("oauth2_access_token", "root_path", "timeout", "write_mode")


class DropboxFile(RemoteFile):
    """A file of :class:`DropboxStorage`; django-storages 1.x's ``DropboxFile(name, storage)``
    works too."""


class DropboxStorage(BaseStorage[DropboxOptions]):
    """Files in a Dropbox account, confined to ``DROPBOX_ROOT_PATH``.

    As in django-storages 1.x, the access token may be the first positional argument
    (``DropboxStorage(token)``), followed by the root path, the timeout and the write mode.
    """

    options_class = DropboxOptions
    file_class = DropboxFile
    features = (
        Feature.URL
        | Feature.SIGNED_URL
        | Feature.MODIFIED_TIME
        | Feature.LISTDIR
        | Feature.DIRECTORIES
        | Feature.ATOMIC_WRITE
    )
    errors = ERRORS

    def __init__(self, *args: Any, **options: Any) -> None:
        if len(args) > len(_POSITIONAL):
            raise TypeError(f"DropboxStorage takes at most {len(_POSITIONAL)} positional arguments")
        for name, value in zip(_POSITIONAL, args, strict=False):
            if name in options:
                raise TypeError(f"DropboxStorage got multiple values for {name!r}")
            options[name] = value
        if "oauth2_access_token" in options and options["oauth2_access_token"] is None:
            del options["oauth2_access_token"]  # 1.x: None means "from DROPBOX_OAUTH2_TOKEN"
        super().__init__(**options)

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
        return RECONNECT.call(
            lambda: getattr(self.client, route)(*args, **kwargs), _broken_connection
        )

    # -- hooks ------------------------------------------------------------------------------
    def _stat(self, key: str) -> Entry | None:
        path = self._path(key)
        if not path:
            return Entry(key, 0, is_dir=True)  # the account root has no metadata
        try:
            metadata = self._repeatable("files_get_metadata", path)
        except dropbox.exceptions.ApiError as exc:
            if is_not_found(exc):
                return None
            raise
        if isinstance(metadata, FolderMetadata):
            return Entry(key, 0, is_dir=True)
        return Entry(
            key,
            int(metadata.size),
            digest=metadata.content_hash,
            modified=metadata.server_modified.replace(tzinfo=timezone.utc),
        )

    def _open_stream(self, key: str, offset: int) -> RangedStream:
        path = self._path(key)

        def get(headers: dict[str, str]) -> Any:
            # Dropbox honours Range on files/download (the SDK passes extra headers through);
            # bytes sent as stored, so that a range is exactly the bytes asked for.
            headers = {**headers, "Accept-Encoding": "identity"}
            try:
                metadata, response = self._repeatable("files_download", path, extra_headers=headers)
            except dropbox.exceptions.HttpError as exc:
                if exc.status_code != 416:
                    raise
                return RangeNotSatisfiable()
            version.check(metadata.rev, response)
            return response

        version = Version(key)
        return open_download(get, offset)

    def _open_writer(self, key: str, name: str, content_type: str | None) -> UploadWriter:
        if self._is_root(key):
            raise SuspiciousFileOperation("The root folder of the storage is not a file")
        options = self.options
        return UploadWriter(
            lambda: self.client, self._path(key), options.upload_chunk_size, options.write_mode
        )

    def _delete(self, key: str) -> None:
        if self._is_root(key):
            raise SuspiciousFileOperation("Refusing to delete the root folder of the storage")
        try:
            self._repeatable("files_delete_v2", self._path(key))
        except dropbox.exceptions.ApiError as exc:
            if not is_not_found(exc):
                raise

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

    def _object_url(self, key: str, **kwargs: Any) -> str:
        if kwargs:
            raise TypeError(f"DropboxStorage.url() takes no options, got {sorted(kwargs)}")
        return str(self._repeatable("files_get_temporary_link", self._path(key)).link)


#: The names the 1.x documentation uses.
DropBoxStorage = DropboxStorage
DropBoxFile = DropboxFile
