"""The documented dotted path ``storages.backends.azure_storage.AzureStorage``."""

from __future__ import annotations

from storages.backends.azure import AzureOptions, AzureStorage, AzureStorageFile

__all__ = ["AzureOptions", "AzureStorage", "AzureStorageFile"]
