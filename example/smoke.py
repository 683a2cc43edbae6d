"""Smoke-test the example site end to end with Django's test client.

Run from the repository root: ``.venv/bin/python example/smoke.py``. The default backend is
pointed at a temporary directory, so ``example/media`` is left alone. Exit 1 on any failure.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

EXAMPLE_DIR = Path(__file__).resolve().parent
TEXT = b"hello from the storages demo\n"
BINARY = bytes(range(256)) * 64


def configure(location: str) -> None:
    """Point the example settings at a fresh local storage in *location* and set Django up."""
    sys.path.insert(0, str(EXAMPLE_DIR))
    os.environ["DJANGO_SETTINGS_MODULE"] = "demo.settings"
    os.environ.pop("STORAGE_BACKEND", None)
    os.environ["STORAGE_OPTIONS"] = json.dumps({"location": location})
    import django
    from django.test.utils import setup_test_environment

    django.setup()
    setup_test_environment()
    # The 400 and 404 answers are expected here; keep their log lines out of the output.
    for logger in ("django.request", "django.security"):
        logging.getLogger(logger).setLevel(logging.CRITICAL)


def run(location: str) -> tuple[int, int]:
    """Run the checks and return how many passed and failed."""
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    passed = failed = 0

    def check(label: str, test: Callable[[], object]) -> None:
        nonlocal passed, failed
        try:
            ok = test()
        except Exception:
            ok = False
            traceback.print_exc()
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"FAIL: {label}")

    def token() -> str:
        client.get("/")
        return client.cookies["csrftoken"].value

    def upload(name: str, data: bytes) -> int:
        payload = {"file": SimpleUploadedFile(name, data), "csrfmiddlewaretoken": token()}
        return client.post("/", payload).status_code

    def delete(name: str) -> int:
        return client.post("/delete/", {"name": name, "csrfmiddlewaretoken": token()}).status_code

    def served(name: str) -> bytes:
        response = client.get(f"/files/{name}")
        assert response.status_code == 200, response.status_code
        return b"".join(response.streaming_content)

    check("system checks pass", lambda: call_command("check", stdout=io.StringIO()) is None)
    check("storage uses the temporary location", lambda: default_storage.location == location)
    check("empty list page", lambda: b"The storage is empty" in client.get("/").content)
    check(
        "upload without CSRF token is refused",
        lambda: client.post("/", {"file": SimpleUploadedFile("x.txt", b"x")}).status_code == 403,
    )
    check("upload text file redirects", lambda: upload("hello.txt", TEXT) == 302)
    check("upload binary file redirects", lambda: upload("data.bin", BINARY) == 302)
    check("upload of an empty file is refused", lambda: upload("empty.txt", b"") == 400)
    page = client.get("/").content
    check("list shows the text file", lambda: b"/files/hello.txt" in page)
    check("list shows the binary file", lambda: b"/files/data.bin" in page)
    check("list shows the size", lambda: b"16.0\xc2\xa0KB" in page)
    check("text file comes back byte-identical", lambda: served("hello.txt") == TEXT)
    check("binary file comes back byte-identical", lambda: served("data.bin") == BINARY)
    response = client.get("/files/hello.txt")
    check("text content type", lambda: response["Content-Type"].startswith("text/plain"))
    check("served inline and sandboxed", lambda: response["Content-Security-Policy"] == "sandbox")
    check(
        "binary content type",
        lambda: client.get("/files/data.bin")["Content-Type"] == "application/octet-stream",
    )
    check(
        "download as attachment",
        lambda: client.get("/files/data.bin?download=1")["Content-Disposition"].startswith(
            "attachment"
        ),
    )
    check("same name again gets a new name", lambda: upload("hello.txt", b"second\n") == 302)
    check("both versions are stored", lambda: len(default_storage.listdir("")[1]) == 3)
    check("missing file is 404", lambda: client.get("/files/nope.txt").status_code == 404)
    for url in (
        "/files/..%2F..%2Fetc%2Fpasswd",
        "/files/../../etc/passwd",
        "/files/%2Fetc%2Fpasswd",
        "/files/sub/..%5C..%5Csecret",
        "/files/.",
    ):
        check(f"traversal {url} is 400/404", lambda u=url: client.get(u).status_code in (400, 404))
    check("delete traversal is 400/404", lambda: delete("../smoke.py") in (400, 404))
    check("delete of the root is 404", lambda: delete(".") == 404)
    check("storage root survived", lambda: Path(location).is_dir())
    check("delete redirects", lambda: delete("hello.txt") == 302)
    check("deleted file is gone from storage", lambda: not default_storage.exists("hello.txt"))
    check("deleted file is 404", lambda: client.get("/files/hello.txt").status_code == 404)
    page = client.get("/").content
    check("deleted file is gone from the list", lambda: b"/files/hello.txt" not in page)
    check("delete message shown", lambda: b"Deleted hello.txt." in page)
    check("message shown only once", lambda: b"Deleted hello.txt." not in client.get("/").content)
    check("delete of a missing file is 404", lambda: delete("hello.txt") == 404)
    return passed, failed


def main() -> int:
    """Run the smoke test in a temporary storage location and report the result."""
    location = tempfile.mkdtemp(prefix="storages-demo-")
    try:
        configure(location)
        passed, failed = run(location)
    finally:
        shutil.rmtree(location, ignore_errors=True)
    print(f"example smoke: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
