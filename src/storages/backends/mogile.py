"""Keep ``storages.backends.mogile`` importable, as the documentation shows it."""

from storages.backends.mogilefs import MogileFSStorage, serve_mogilefs_file

__all__ = ["MogileFSStorage", "serve_mogilefs_file"]
