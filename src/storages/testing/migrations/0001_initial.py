from django.db import migrations, models

import storages.testing.models


class Migration(migrations.Migration):
    initial = True

    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name="MyStorage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "normal",
                    models.FileField(
                        blank=True,
                        storage=storages.testing.models.get_scenario_storage,
                        upload_to="tests",
                    ),
                ),
                (
                    "default",
                    models.FileField(
                        default="tests/default.txt",
                        storage=storages.testing.models.get_scenario_storage,
                        upload_to="tests",
                    ),
                ),
                (
                    "random",
                    models.FileField(
                        blank=True,
                        storage=storages.testing.models.get_scenario_storage,
                        upload_to=storages.testing.models.random_upload_to,
                    ),
                ),
            ],
        ),
    ]
