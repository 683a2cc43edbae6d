import django.db.models.deletion
from django.db import migrations, models

from storages.backends.database.tables import case_sensitive_names


def _id() -> tuple[str, models.BigAutoField]:
    field = models.BigAutoField(
        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
    )
    return ("id", field)


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="StoredFile",
            fields=[
                _id(),
                ("name", models.CharField(max_length=512, unique=True)),
                ("size", models.BigIntegerField(default=0)),
                ("content_type", models.CharField(blank=True, default="", max_length=255)),
                ("chunk_size", models.IntegerField()),
                ("created", models.DateTimeField()),
                ("modified", models.DateTimeField()),
            ],
            options={
                "verbose_name": "stored file",
                "db_table": "storages_file",
            },
        ),
        migrations.CreateModel(
            name="StoredFileChunk",
            fields=[
                _id(),
                ("position", models.IntegerField()),
                ("data", models.BinaryField()),
                (
                    "file",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="chunks",
                        to="storages_database.storedfile",
                    ),
                ),
            ],
            options={
                "verbose_name": "stored file chunk",
                "db_table": "storages_file_chunk",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("file", "position"), name="storages_chunk_unique"
                    )
                ],
            },
        ),
        # MySQL/MariaDB compare with the table's (case-insensitive) collation by default:
        # 'A.txt' and 'a.txt' must be two files.
        migrations.RunPython(case_sensitive_names, migrations.RunPython.noop, atomic=False),
    ]
