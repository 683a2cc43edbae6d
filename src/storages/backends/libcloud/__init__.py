"""Apache Libcloud backend (``storages.backends.apache_libcloud`` is its documented module)."""

from storages.backends.libcloud.options import LibCloudOptions
from storages.backends.libcloud.storage import LibCloudFile, LibCloudStorage

__all__ = ["LibCloudFile", "LibCloudOptions", "LibCloudStorage"]
