"""Options of the Dropbox backend."""

from __future__ import annotations

import dataclasses
from typing import Literal

from storages.options import BaseOptions, option

__all__ = ["DropboxOptions"]


def _positive(value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"expected a positive number of bytes, got {value!r}")
    return value


@dataclasses.dataclass(frozen=True, repr=False, kw_only=True)
class DropboxOptions(BaseOptions):
    oauth2_access_token: str | None = option(
        None, setting="DROPBOX_OAUTH2_TOKEN", env="DROPBOX_OAUTH2_TOKEN", secret=True
    )
    """Access token of the Dropbox app. Short-lived tokens (``sl.``) expire after a few hours:
    configure the refresh token, app key and app secret instead (or as well)."""
    oauth2_refresh_token: str | None = option(
        None,
        setting="DROPBOX_OAUTH2_REFRESH_TOKEN",
        env="DROPBOX_OAUTH2_REFRESH_TOKEN",
        secret=True,
    )
    """Refresh token; with ``app_key`` the SDK gets and renews access tokens itself."""
    app_key: str | None = option(None, setting="DROPBOX_APP_KEY", env="DROPBOX_APP_KEY")
    """App key of the Dropbox app, needed to refresh access tokens."""
    app_secret: str | None = option(
        None, setting="DROPBOX_APP_SECRET", env="DROPBOX_APP_SECRET", secret=True
    )
    """App secret of the Dropbox app (not needed for a refresh token obtained with PKCE)."""
    root_path: str = option(
        "/", setting="DROPBOX_ROOT_PATH", env="DROPBOX_ROOT_PATH", aliases=("location",)
    )
    """Folder of the Dropbox account that the storage is confined to; no name can reach
    outside it. ``'/'`` is the whole account (or the app folder of an app-folder app)."""
    timeout: float | None = option(100, setting="DROPBOX_TIMEOUT")
    """Seconds to wait for each response of the API; ``None`` waits forever."""
    write_mode: Literal["add", "overwrite"] = option("add", setting="DROPBOX_WRITE_MODE")
    """``'add'`` never replaces a file: ``save()`` picks a free name and writing to an existing
    name raises ``FileExistsError``. ``'overwrite'`` replaces files saved under the same name."""
    upload_chunk_size: int = option(4 * 1024 * 1024, aliases=("CHUNK_SIZE",), convert=_positive)
    """Files up to this size are uploaded in one request; larger ones through an upload
    session in parts of this size, so at most about twice this much is held in memory. A
    subclass's ``CHUNK_SIZE``, 1.x's name, sets it too."""
