"""Backends built on Django's :class:`~django.core.files.storage.FileSystemStorage`."""

from storages.backends.filesystem.image import ImageStorage, InvalidImageError
from storages.backends.filesystem.options import LocalOptions
from storages.backends.filesystem.overwrite import OverwriteStorage
from storages.backends.filesystem.storage import LocalStorage
from storages.backends.filesystem.symlinkorcopy import SymlinkOrCopyStorage

__all__ = [
    "ImageStorage",
    "InvalidImageError",
    "LocalOptions",
    "LocalStorage",
    "OverwriteStorage",
    "SymlinkOrCopyStorage",
]
