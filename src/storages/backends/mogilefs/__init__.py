"""The MogileFS backend: a tracker-protocol client and the view that serves the files."""

from storages.backends.mogilefs.options import MogileFSOptions
from storages.backends.mogilefs.storage import MogileFSStorage
from storages.backends.mogilefs.views import serve_mogilefs_file

__all__ = ["MogileFSOptions", "MogileFSStorage", "serve_mogilefs_file"]
