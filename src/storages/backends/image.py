"""Keep ``storages.backends.image`` importable, as the documentation shows it."""

from storages.backends.filesystem.image import ImageStorage, InvalidImageError

__all__ = ["ImageStorage", "InvalidImageError"]
