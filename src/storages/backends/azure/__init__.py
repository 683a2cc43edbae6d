"""Azure Blob Storage backend (``pip install 'django-storages[azure]'``)."""

from __future__ import annotations

from storages.backends.azure.options import AzureOptions
from storages.backends.azure.storage import AzureStorage, AzureStorageFile

__all__ = ["AzureOptions", "AzureStorage", "AzureStorageFile"]
