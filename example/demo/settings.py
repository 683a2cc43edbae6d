"""Settings of the example site.

The default storage is ``storages.backends.filesystem.LocalStorage`` writing to
``example/media``. Set ``STORAGE_BACKEND`` (a dotted class path) and ``STORAGE_OPTIONS``
(a JSON object) in the environment to try another backend.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

#: The ``example/`` directory.
BASE_DIR = Path(__file__).resolve().parent.parent

# DEMO ONLY: never deploy this site. The fallback key is public; set DJANGO_SECRET_KEY anyway.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "demo-only-insecure-secret-key-do-not-deploy")
DEBUG = True
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.messages",
    "storages",  # before staticfiles: its collectstatic is the fast one for remote storages
    "django.contrib.staticfiles",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "demo.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# No database: messages live in a signed cookie.
DATABASES: dict[str, Any] = {}
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

USE_TZ = True
TIME_ZONE = "UTC"


DEFAULT_BACKEND = "storages.backends.filesystem.LocalStorage"
#: Where the files are, in words (set by launch.py from the demo backend; shown on the page).
DEMO_WHERE = os.environ.get("DEMO_WHERE", "").strip()
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static-collected"


def storage_config() -> dict[str, Any]:
    """Return the ``default`` entry of ``STORAGES`` built from the environment.

    The default backend starts from the embedded options (``example/media`` served under
    ``/media/``); ``STORAGE_OPTIONS`` is merged over them. Another backend gets only
    ``STORAGE_OPTIONS``.
    """
    backend = os.environ.get("STORAGE_BACKEND", "").strip()
    options: dict[str, Any] = {}
    if not backend or backend == DEFAULT_BACKEND:
        backend = DEFAULT_BACKEND
        options = {"location": str(BASE_DIR / "media"), "base_url": "/media/"}
    raw = os.environ.get("STORAGE_OPTIONS", "").strip()
    if raw:
        try:
            extra = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ImproperlyConfigured(f"STORAGE_OPTIONS is not valid JSON: {exc}") from None
        if not isinstance(extra, dict):
            raise ImproperlyConfigured("STORAGE_OPTIONS must be a JSON object")
        options.update(extra)
    return {"BACKEND": backend, "OPTIONS": options}


def static_config() -> dict[str, Any]:
    """Return the ``staticfiles`` entry: ``STATIC_STORAGE`` (JSON, set by launch.py) or local."""
    raw = os.environ.get("STATIC_STORAGE", "").strip()
    if raw:
        entry = json.loads(raw)
        if not isinstance(entry, dict) or "BACKEND" not in entry:
            raise ImproperlyConfigured("STATIC_STORAGE must be a JSON STORAGES entry")
        return entry
    return {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}


#: A database only for the backends that need one (DEMO_SQLITE is set by their demo setup),
#: with the app of the Database backend's zero-config tables (``migrate`` creates them).
if os.environ.get("DEMO_SQLITE"):
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["DEMO_SQLITE"]}
    }
    INSTALLED_APPS.insert(INSTALLED_APPS.index("storages") + 1, "storages.backends.database")


STORAGES = {"default": storage_config(), "staticfiles": static_config()}
