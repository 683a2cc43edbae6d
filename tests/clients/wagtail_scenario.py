"""What a Wagtail editor does, in a process of its own (``python -m tests.clients.wagtail_scenario
upload|delete``, with ``DJANGO_SETTINGS_MODULE=tests.clients.wagtail_settings``).

``upload`` migrates the database, then uploads an image and a document through the admin views
and makes renditions; ``delete`` deletes both through the admin views, which queues Wagtail's
``delete_file_from_storage_task`` for each file (run at once by the default task backend: it
rebuilds the storage from ``deconstruct()``). Each prints what it did as one JSON line.
"""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import django


def _admin_client() -> Any:
    from django.contrib.auth import get_user_model
    from django.test import Client

    user_model = get_user_model()
    user = user_model.objects.filter(username="editor").first()
    if user is None:
        user = user_model.objects.create_superuser("editor", "editor@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def _png() -> bytes:
    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (640, 480), "teal").save(buffer, "PNG")
    return buffer.getvalue()


def upload() -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.urls import reverse
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model

    call_command("migrate", verbosity=0)
    client = _admin_client()
    response = client.post(
        reverse("wagtailimages:add"),
        {"title": "Lake", "file": SimpleUploadedFile("lake.png", _png(), "image/png")},
    )
    assert response.status_code == 302, response.content[:2000]
    image = get_image_model().objects.get(title="Lake")
    image.get_rendition("fill-80x60")
    # The edit page shows a rendition of its own (max-800x600).
    assert client.get(reverse("wagtailimages:edit", args=[image.pk])).status_code == 200
    response = client.post(
        reverse("wagtaildocs:add"),
        {"title": "Report", "file": SimpleUploadedFile("report.txt", b"quarterly figures")},
    )
    assert response.status_code == 302, response.content[:2000]
    document = get_document_model().objects.get(title="Report")
    return {
        "image": image.file.name,
        "renditions": sorted(r.file.name for r in image.renditions.all()),
        "document": document.file.name,
        "deconstruct": list(image.file.storage.deconstruct()),
    }


def delete() -> dict[str, Any]:
    from django.urls import reverse
    from django_tasks.signals import task_finished
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model

    tasks: list[dict[str, Any]] = []

    def finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
        tasks.append(
            {
                "task": task_result.task.name,
                "status": str(task_result.status),
                "errors": [e.traceback.strip().splitlines()[-1] for e in task_result.errors],
            }
        )

    task_finished.connect(finished)
    client = _admin_client()
    image = get_image_model().objects.get(title="Lake")
    document = get_document_model().objects.get(title="Report")
    statuses = [
        client.post(reverse("wagtailimages:delete", args=[image.pk])).status_code,
        client.post(reverse("wagtaildocs:delete", args=[document.pk])).status_code,
    ]
    left = get_image_model().objects.count() + get_document_model().objects.count()
    return {"statuses": statuses, "rows_left": left, "tasks": tasks}


if __name__ == "__main__":
    django.setup()
    phase = {"upload": upload, "delete": delete}[sys.argv[1]]
    print(json.dumps(phase()))
