"""Keep ``storages.backends.apache_libcloud`` importable, as the documentation shows it."""

from storages.backends.libcloud import LibCloudFile, LibCloudOptions, LibCloudStorage

__all__ = ["LibCloudFile", "LibCloudOptions", "LibCloudStorage"]
