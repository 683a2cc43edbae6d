"""What a backend can do, declared so callers and the contract suite need not guess."""

from __future__ import annotations

import enum

from django.core.files.storage import FileSystemStorage, InMemoryStorage, Storage

__all__ = ["FILESYSTEM_FEATURES", "Feature", "features_of"]


class Feature(enum.Flag):
    """Capabilities a storage declares in its ``features`` attribute."""

    NONE = 0
    #: ``url()`` returns a URL the file can be fetched from.
    URL = enum.auto()
    #: ``url()`` returns signed URLs that expire.
    SIGNED_URL = enum.auto()
    #: ``get_modified_time()`` works.
    MODIFIED_TIME = enum.auto()
    #: ``get_created_time()`` works.
    CREATED_TIME = enum.auto()
    #: ``get_accessed_time()`` works.
    ACCESSED_TIME = enum.auto()
    #: ``listdir()`` works.
    LISTDIR = enum.auto()
    #: Directories exist on their own (``exists('dir')`` is true for a directory).
    DIRECTORIES = enum.auto()
    #: ``path()`` returns a local filesystem path.
    PATH = enum.auto()
    #: The content type of a saved file is stored and served back.
    CONTENT_TYPE = enum.auto()
    #: A file opened for writing replaces the old content only when closed without an error.
    ATOMIC_WRITE = enum.auto()

    @property
    def names(self) -> list[str]:
        """Return the names of the flags set, in declaration order."""
        return [flag.name for flag in type(self) if flag.name and flag in self and flag.value]


_TIMES = Feature.MODIFIED_TIME | Feature.CREATED_TIME | Feature.ACCESSED_TIME

#: What Django's FileSystemStorage (and the backends built on it) can do.
FILESYSTEM_FEATURES = Feature.URL | _TIMES | Feature.LISTDIR | Feature.DIRECTORIES | Feature.PATH

_DJANGO = {
    FileSystemStorage: FILESYSTEM_FEATURES,
    InMemoryStorage: Feature.URL | _TIMES | Feature.LISTDIR | Feature.DIRECTORIES,
}


def features_of(storage: Storage) -> Feature:
    """Return the features *storage* declares, inferring them for Django's own storages."""
    declared = getattr(storage, "features", None)
    if isinstance(declared, Feature):
        return declared
    for klass, features in _DJANGO.items():
        if isinstance(storage, klass):
            return features
    return Feature.NONE
