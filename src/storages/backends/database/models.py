"""The zero-config tables of the Database backend (the app ``storages.backends.database``).

:class:`~storages.backends.database.DatabaseStorage` without a ``DB_FILES`` dict keeps each file
as one :class:`StoredFile` row and its content in :class:`StoredFileChunk` rows of at most
``chunk_size`` bytes, so no read or write needs the whole file in memory. The tables keep the
names ``storages_file`` and ``storages_file_chunk``.
"""

from __future__ import annotations

from django.db import models

__all__ = ["StoredFile", "StoredFileChunk"]


class StoredFile(models.Model):
    """One file of a DatabaseStorage: its name, size and times."""

    name: models.CharField = models.CharField(max_length=512, unique=True)
    size: models.BigIntegerField = models.BigIntegerField(default=0)
    content_type: models.CharField = models.CharField(max_length=255, blank=True, default="")
    chunk_size: models.IntegerField = models.IntegerField()
    created: models.DateTimeField = models.DateTimeField()
    modified: models.DateTimeField = models.DateTimeField()

    class Meta:
        db_table = "storages_file"
        verbose_name = "stored file"

    def __str__(self) -> str:
        return str(self.name)


class StoredFileChunk(models.Model):
    """The bytes ``position * chunk_size`` up to the next chunk of a :class:`StoredFile`."""

    file: models.ForeignKey = models.ForeignKey(
        StoredFile, on_delete=models.CASCADE, related_name="chunks"
    )
    position: models.IntegerField = models.IntegerField()
    data: models.BinaryField = models.BinaryField()

    class Meta:
        db_table = "storages_file_chunk"
        verbose_name = "stored file chunk"
        constraints = [
            models.UniqueConstraint(fields=["file", "position"], name="storages_chunk_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.file.pk}#{self.position}"
