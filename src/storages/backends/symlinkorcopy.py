"""Keep ``storages.backends.symlinkorcopy`` importable, as the documentation shows it."""

from storages.backends.filesystem.symlinkorcopy import SymlinkOrCopyStorage

__all__ = ["SymlinkOrCopyStorage"]
