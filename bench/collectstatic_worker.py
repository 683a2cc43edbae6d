"""Run collectstatic three times (first, unchanged, mtimes touched) and print what each cost.

Usage: python collectstatic_worker.py IMPL BACKEND ENDPOINT BUCKET STATIC_DIR; prints JSON.
IMPL ``ours`` runs this package (its collectstatic command); ``anchor`` runs django-storages
1.14.6 with Django's own command, from the benchmark virtualenv.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def main() -> None:
    impl, backend, endpoint, bucket, static_dir = sys.argv[1:6]
    import django
    from django.conf import settings

    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "access_key": "bench",
        "secret_key": "bench-secret",
        "region_name": "us-east-1",
    }
    apps = ["storages", "django.contrib.staticfiles"]
    settings.configure(
        SECRET_KEY="bench",
        USE_TZ=True,
        INSTALLED_APPS=apps,
        STATIC_URL="/static/",
        STATICFILES_DIRS=[static_dir],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
            "staticfiles": {"BACKEND": backend, "OPTIONS": options},
        },
    )
    django.setup()
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.files.storage import storages
    from django.core.management import call_command
    from django.utils.functional import empty

    results: list[dict[str, Any]] = []
    for phase in ("first", "unchanged", "touched"):
        if phase == "touched":
            later = time.time() + 3600
            for path in Path(static_dir).rglob("*"):
                os.utime(path, (later, later))
        # A fresh storage per run, as a new process would have.
        storages._storages = {}
        staticfiles_storage._wrapped = empty
        storage = storages["staticfiles"]
        client = storage.client if impl == "ours" else storage.connection.meta.client
        counts: dict[str, int] = {}

        def count(counts: dict[str, int] = counts, **kwargs: Any) -> None:
            name = kwargs["event_name"].rsplit(".", 1)[-1]
            counts[name] = counts.get(name, 0) + 1

        client.meta.events.register("before-send.s3", count)
        started = time.perf_counter()
        call_command("collectstatic", "--noinput", "-v0", stdout=io.StringIO())
        results.append(
            {
                "phase": phase,
                "seconds": time.perf_counter() - started,
                "requests": sum(counts.values()),
                "by_operation": counts,
            }
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
