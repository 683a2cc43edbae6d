"""Keep ``storages.backends.overwrite`` importable, as the documentation shows it."""

from storages.backends.filesystem.overwrite import OverwriteStorage

__all__ = ["OverwriteStorage"]
