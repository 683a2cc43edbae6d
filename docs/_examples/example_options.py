"""An example options declaration: the docs' "How options work" section renders it as a table.

No backend ships these options; they show how a backend declares its own.
"""

from __future__ import annotations

import dataclasses

from storages.options import BaseOptions, option

__all__ = ["ExampleOptions"]


@dataclasses.dataclass(frozen=True, repr=False, kw_only=True)
class ExampleOptions(BaseOptions):
    """Options of an imaginary ``ExampleStorage``."""

    bucket_name: str | None = option(None, setting="EXAMPLE_BUCKET_NAME", env="EXAMPLE_BUCKET")
    """Name of the bucket that holds the files."""

    access_key: str | None = option(
        None, setting="EXAMPLE_ACCESS_KEY", env="EXAMPLE_ACCESS_KEY", secret=True
    )
    """Key that authenticates the storage. Never shown in reprs, errors or migrations."""

    location: str = option("", setting="EXAMPLE_LOCATION")
    """Path prefix put in front of every name."""

    file_overwrite: bool = option(
        False, setting=("EXAMPLE_FILE_OVERWRITE", "EXAMPLE_OVERWRITE_FILES")
    )
    """Replace a file saved under an existing name instead of choosing a new name."""

    url_expiration: int = option(
        3600, setting="EXAMPLE_URL_EXPIRATION", env="EXAMPLE_URL_EXPIRATION"
    )
    """Seconds a signed URL stays valid."""
