"""Keep ``storages.backends.apache_libcloud`` importable, as the documentation shows it."""

from storages.backends.libcloud import LibCloudOptions, LibCloudStorage

__all__ = ["LibCloudOptions", "LibCloudStorage"]
