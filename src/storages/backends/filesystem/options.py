"""The options of the local backends, declared so bad values are refused when they are created.

Django's :class:`~django.core.files.storage.FileSystemStorage` reads its settings lazily and
keeps following them; these declarations only check the values (the constructor's, else the
settings') with the same rules and messages as every other backend.
"""

from __future__ import annotations

import dataclasses
import os

from storages.options import BaseOptions, option

__all__ = ["LocalOptions"]


@dataclasses.dataclass(frozen=True, repr=False, kw_only=True)
class LocalOptions(BaseOptions):
    """Options of :class:`storages.backends.filesystem.LocalStorage` and its subclasses."""

    location: str | os.PathLike[str] = option("", setting="MEDIA_ROOT")
    """Directory that holds the files."""
    base_url: str | None = option(None, setting="MEDIA_URL")
    """Prefix of the URLs ``url()`` returns."""
    file_permissions_mode: int | None = option(None, setting="FILE_UPLOAD_PERMISSIONS")
    """Permission bits of new files (``0o644``); None leaves them to the umask."""
    directory_permissions_mode: int | None = option(
        None, setting="FILE_UPLOAD_DIRECTORY_PERMISSIONS"
    )
    """Permission bits of new directories (``0o755``); None leaves them to the umask."""
