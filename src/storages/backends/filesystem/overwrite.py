"""A filesystem storage that replaces a file saved under an existing name."""

from __future__ import annotations

from django.utils.deconstruct import deconstructible

from storages.backends.filesystem.storage import LocalStorage
from storages.paths import available_name

__all__ = ["OverwriteStorage"]


@deconstructible(path="storages.backends.overwrite.OverwriteStorage")
class OverwriteStorage(LocalStorage):
    """Save under the name asked for, replacing any file already there.

    The old file stays readable until the new content is completely written: the content goes to
    a temporary file in the same directory, which is then renamed over the old one. Names longer
    than the field's ``max_length`` are truncated the way Django truncates its alternatives.
    """

    replaces_files = True

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        """Return *name* itself (cleaned and fitted to *max_length*)."""
        return available_name(self, name, max_length, overwrite=True)
