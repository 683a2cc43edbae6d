"""Smoke-test the example site end to end with Django's test client, then its launcher.

Run from the repository root: ``.venv/bin/python example/smoke.py``. The default backend is
pointed at a temporary directory, so ``example/media`` is left alone. Then ``launch.py`` runs
the S3 demo (moto) on a free port and is stopped with SIGTERM: nothing it started may be left
running. Exit 1 on any failure.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


Check = Callable[[str, Callable[[], object]], None]


class Tally:
    """Count passed and failed checks, printing each failure."""

    def __init__(self) -> None:
        self.passed = self.failed = 0

    def __call__(self, label: str, test: Callable[[], object]) -> None:
        try:
            ok = test()
        except Exception:
            ok = False
            traceback.print_exc()
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL: {label}")


def direct_page_has_widget(client: Any) -> bool:
    """Return whether ``/direct/`` shows the direct-upload widget and its module script."""
    page = client.get("/direct/").content
    return b"data-storages-direct" in page and b'type="module"' in page


def direct_upload(client: Any, csrf: str) -> bool:
    """Do what the widget's script does on a storage that cannot sign (a local directory): sign,
    PUT the file to the streaming view, complete, submit the form; the file is then listed and
    served byte for byte."""
    import re

    page = client.get("/direct/").content.decode()
    policy = re.search(r'data-policy="([^"]+)"', page)
    assert policy is not None
    headers = {"HTTP_X_CSRFTOKEN": csrf}
    data = {"policy": policy.group(1), "name": "direct.bin", "size": len(BINARY), "type": ""}
    signed = client.post("/storages/direct/sign/", json.dumps(data), "application/json", **headers)
    piece = signed.json()["plan"]["pieces"][0]
    ticket = signed.json()["ticket"]
    put = client.put(
        piece["url"], BINARY, "application/octet-stream", HTTP_X_UPLOAD_TICKET=ticket, **headers
    )
    assert put.status_code == 204, put.content
    done = client.post(
        "/storages/direct/complete/", json.dumps({"ticket": ticket}), "application/json", **headers
    )
    form = {"file": done.json()["value"], "csrfmiddlewaretoken": csrf}
    assert client.post("/direct/", form).status_code == 302
    listed = b"/files/direct.bin" in client.get("/").content
    served = b"".join(client.get("/files/direct.bin").streaming_content)
    client.post("/delete/", {"name": "direct.bin", "csrfmiddlewaretoken": csrf})
    return listed and served == BINARY


def run(location: str, check: Check) -> None:
    """Run the checks of the site, in this process, on a local storage in *location*."""
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import Client

    client = Client(enforce_csrf_checks=True)

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
    page = client.get("/").content
    check("page says where the files are", lambda: b"Where the files are:" in page)
    check("page names the storage's directory", lambda: location.encode() in page)
    check("page has an inline icon", lambda: b'<link rel="icon" href="data:,">' in page)
    check("/favicon.ico is no 404", lambda: client.get("/favicon.ico").status_code == 204)
    check(
        "upload without CSRF token is refused",
        lambda: client.post("/", {"file": SimpleUploadedFile("x.txt", b"x")}).status_code == 403,
    )
    check("direct upload page has the widget", lambda: direct_page_has_widget(client))
    check("direct upload through the streaming view", lambda: direct_upload(client, token()))
    check("upload text file redirects", lambda: upload("hello.txt", TEXT) == 302)
    check("upload binary file redirects", lambda: upload("data.bin", BINARY) == 302)
    check("upload of an empty file is refused", lambda: upload("empty.txt", b"") == 400)
    page = client.get("/").content
    check("list shows the text file", lambda: b"/files/hello.txt" in page)
    check("list shows the binary file", lambda: b"/files/data.bin" in page)
    check("list shows the size", lambda: b"16.0\xc2\xa0KB" in page)
    check("text file comes back byte-identical", lambda: served("hello.txt") == TEXT)
    check("list links the storage's url()", lambda: b'href="/media/hello.txt"' in page)
    check("page names the view serving url()", lambda: b"django.views.static.serve" in page)
    media = client.get("/media/hello.txt")
    check("url() link serves the file", lambda: b"".join(media.streaming_content) == TEXT)
    check("url() link is sandboxed", lambda: media["Content-Security-Policy"] == "sandbox")
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


def descendants(pid: int) -> set[int]:
    """Return the processes below *pid* (Linux ``/proc``)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended meanwhile
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Return whether *pid* runs (a zombie counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def get(url: str) -> tuple[int, bytes]:
    """Return the status and body of GET *url*."""
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read()


def run_launcher(check: Check) -> None:
    """Start the S3 demo with launch.py, read its page, SIGTERM it; nothing may stay behind."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STORAGE_", "DEMO_"))}
    env.update(DEMO_STORAGE="s3", PORT=str(port))
    page = b""
    with tempfile.TemporaryFile() as log:
        launcher = subprocess.Popen(
            [sys.executable, str(EXAMPLE_DIR / "launch.py")],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a leftover must not be ours by process group
        )
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and launcher.poll() is None and not page:
                try:
                    page = get(f"http://127.0.0.1:{port}/")[1]
                except OSError:
                    time.sleep(0.5)
            check("launched demo answers", lambda: bool(page))
            check("launched page says moto", lambda: b"moto&#x27;s S3 server at http" in page)
            check("launched page says bucket", lambda: b"bucket demo-media" in page)
            check("launched page says emulator", lambda: b"local S3 emulator" in page)
            direct = get(f"http://127.0.0.1:{port}/direct/")[1] if page else b""
            check("launched /direct/ has the widget", lambda: b"data-storages-direct" in direct)
            icon = get(f"http://127.0.0.1:{port}/favicon.ico")[0] if page else 0
            check("launched /favicon.ico is no 404", lambda: icon == 204)
            started = descendants(launcher.pid)
            check("launcher runs moto and runserver", lambda: len(started) >= 3)
            launcher.send_signal(signal.SIGTERM)
            try:
                code = launcher.wait(timeout=30)
            except subprocess.TimeoutExpired:
                code = None
            check("launcher ends on SIGTERM", lambda: code == 0)
            check("nothing listens on the port after SIGTERM", lambda: not port_taken(port))
            check("no process of the demo is left", lambda: not [p for p in started if alive(p)])
        finally:
            for pid in [launcher.pid, *descendants(launcher.pid)]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            launcher.wait()
            if not page:
                log.seek(0)
                print(log.read().decode(errors="replace")[-3000:])


def run_installers(check: Check) -> None:
    """Check that every demo backend's ``INSTALL`` names a script of scripts/test-servers."""
    import importlib

    sys.path.append(str(EXAMPLE_DIR.parent))  # demo_backends use the test harness
    scripts = EXAMPLE_DIR.parent / "scripts" / "test-servers"
    for path in sorted((EXAMPLE_DIR / "demo_backends").glob("[a-z]*.py")):
        module = importlib.import_module(f"demo_backends.{path.stem}")
        for script in getattr(module, "INSTALL", ()):
            check(f"{path.stem}: installer {script} exists", (scripts / script).is_file)


def port_taken(port: int) -> bool:
    """Return whether something accepts connections on *port* of 127.0.0.1."""
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
        return True
    return False


def main() -> int:
    """Run the smoke test in a temporary storage location and report the result."""
    check = Tally()
    location = tempfile.mkdtemp(prefix="storages-demo-")
    try:
        configure(location)
        run(location, check)
    finally:
        shutil.rmtree(location, ignore_errors=True)
    run_installers(check)
    run_launcher(check)
    print(f"example smoke: {check.passed} passed, {check.failed} failed")
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main())
