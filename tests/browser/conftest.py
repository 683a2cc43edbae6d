"""A real browser (Debian's Chromium, driven by Playwright) on the test site, and the storages.

One browser for the whole session (a fresh profile, no background traffic: the machine has no
internet); a page per test. The test site (``tests.browser.site``) runs in pytest-django's live
server with a strict Content-Security-Policy. Files to upload are made once per session, on
disk, and the browser reads them from there (never through the test process's memory).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import storages
from django.test import override_settings

import storages as storages_package
from tests.backends.azure.conftest import CONTAINER, azurite  # noqa: F401
from tests.backends.gcs.conftest import BUCKET as GCS_BUCKET
from tests.backends.gcs.conftest import PROJECT, gcs_server, local_credentials  # noqa: F401
from tests.backends.s3.fixtures import BUCKET as S3_BUCKET
from tests.backends.s3.fixtures import CREDENTIALS
from tests.harness.servers import RunningServer
from tests.harness.specs.azurite import connection_string
from tests.servers.gcs_cors_gate import CorsGate

CHROMIUM = "/usr/bin/chromium"
#: Flags that keep Chromium quiet on a machine without internet (no background connections).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = "scripts/install-test-servers (apt-get install chromium) and pip install playwright"
MiB = 1024 * 1024
#: Run before every page's scripts: records each read of a Blob or File over 1 MiB into memory
#: (the widget must only slice the file and hand the slices to XMLHttpRequest).
READ_SPY = """
(() => {
  const reads = [];
  window.__largeReads = reads;
  const spy = (proto, name) => {
    const original = proto[name];
    proto[name] = function (...args) {
      const blob = args[0] instanceof Blob ? args[0] : this;
      if (blob instanceof Blob && blob.size > 1024 * 1024) reads.push(`${name}: ${blob.size}`);
      return original.apply(this, args);
    };
  };
  for (const name of ["arrayBuffer", "bytes", "stream", "text"]) {
    if (Blob.prototype[name]) spy(Blob.prototype, name);
  }
  for (const name of ["readAsArrayBuffer", "readAsBinaryString", "readAsDataURL", "readAsText"]) {
    spy(FileReader.prototype, name);
  }
})();
"""
STATIC_ROOT = Path(storages_package.__file__).resolve().parent / "static"


def _unavailable(why: str) -> None:
    # As the server harness does: fail under CI (nothing may skip there), skip with a hint here.
    if os.environ.get("CI") == "true":
        pytest.fail(f"the browser tests cannot run under CI=true: {why}")
    pytest.skip(f"chromium unavailable ({why}); to run these tests: {INSTALL_HINT}")


@dataclass(frozen=True)
class Sample:
    """A file on disk to upload, and its digest."""

    path: Path
    size: int
    sha256: str


def _sample(folder: Path, name: str, size: int) -> Sample:
    path = folder / name
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        left = size
        while left:
            block = os.urandom(min(left, 4 * MiB))
            digest.update(block)
            handle.write(block)
            left -= len(block)
    return Sample(path, size, digest.hexdigest())


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Sample]:
    """Random files of 3, 12 and 100 MiB (and a small one), written once per session."""
    folder = tmp_path_factory.mktemp("uploads")
    sizes = {"small.bin": 300 * 1024, "3mib.bin": 3 * MiB, "12mib.bin": 12 * MiB}
    sizes["100mib.bin"] = 100 * MiB
    return {name: _sample(folder, name, size) for name, size in sizes.items()}


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory, live_site: Any) -> Iterator[Any]:
    """One Chromium for the session, with a fresh user-data-dir (closed before the live server
    stops, so that no connection of it is left open there)."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    if not shutil.which(CHROMIUM):
        _unavailable(f"{CHROMIUM} is missing")
    profile = tmp_path_factory.mktemp("chromium-profile")
    # Playwright's sync API runs an event loop in this thread: Django would refuse the database
    # work of the live server's test teardown (flush) next to it without this.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        try:
            context = playwright.chromium.launch_persistent_context(
                str(profile),
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_FLAGS,
                accept_downloads=True,
            )
        except Error as exc:
            _unavailable(str(exc).splitlines()[0])
        context.add_init_script(READ_SPY)
        yield context
        context.close()


@pytest.fixture(scope="session")
def gcs_gate(gcs_server: RunningServer) -> Iterator[CorsGate]:  # noqa: F811
    """Cloud Storage's CORS layer in front of the emulator (see tests/servers/gcs_cors_gate.py)."""
    with CorsGate(gcs_server.host, gcs_server.port) as gate:
        yield gate


@pytest.fixture(scope="session")
def site_settings(django_db_setup: Any) -> Iterator[None]:
    """Settings the live server reads once, when it starts: the test site's middleware, and
    the package's static files at /static/."""
    with override_settings(
        ROOT_URLCONF="tests.browser.site",
        MIDDLEWARE=[
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "tests.browser.site.strict_csp",
        ],
        STATIC_URL="/static/",
        STATIC_ROOT=str(STATIC_ROOT),
    ):
        yield


@pytest.fixture(scope="session")
def live_site(site_settings: None, live_server: Any) -> Any:
    """The live server of the test site."""
    return live_server


@dataclass
class Backends:
    """The storages of the test site (``STORAGES`` aliases) and where their servers are."""

    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="session")
def backends(
    moto: RunningServer,
    azurite: RunningServer,  # noqa: F811
    gcs_gate: CorsGate,
) -> Backends:
    """STORAGES entries of S3 (moto), Azure (Azurite), Cloud Storage (the emulator behind its
    CORS gate) and the Database backend, each under a location of its own."""
    run = uuid.uuid4().hex[:8]
    found = Backends()
    found.options["s3"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": moto.url,
            "region_name": "us-east-1",
            "location": f"browser-{run}",
            **CREDENTIALS,
        },
    }
    found.options["azure"] = {
        "BACKEND": "storages.backends.azure.AzureStorage",
        "OPTIONS": {
            "connection_string": connection_string(azurite),
            "azure_container": CONTAINER,
            "location": f"browser-{run}",
            "expiration_secs": 300,
        },
    }
    found.options["gcs"] = {
        "BACKEND": "storages.backends.gcs.GoogleCloudStorage",
        "OPTIONS": {
            "bucket_name": GCS_BUCKET,
            "project_id": PROJECT,
            "credentials": local_credentials(),
            "location": f"browser-{run}",
        },
    }
    found.options["db"] = {
        "BACKEND": "storages.backends.database.DatabaseStorage",
        "OPTIONS": {"location": f"browser-{run}"},
    }
    found.origins = {"s3": moto.url, "azure": azurite.url, "gcs": gcs_gate.url}
    return found


@dataclass
class NetworkLog:
    """What the page sent: each finished request, the URLs of the failed ones, and the errors
    the console showed."""

    finished: list[Any] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def sent_to(self, origin: str) -> list[Any]:
        """Return the finished requests to *origin*."""
        return [request for request in self.finished if request.url.startswith(origin + "/")]


def body_size(request: Any) -> int:
    """Return how many bytes *request* sent as its body (its Content-Length on the wire: the
    browser does not report the size of a File or Blob body otherwise)."""
    return int(request.all_headers().get("content-length", 0))


@pytest.fixture
def site(
    live_site: Any,
    backends: Backends,
    gcs_gate: CorsGate,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Any]:
    """The test site for this test: its URLconf, middleware, storages and CORS rules."""
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_gate.url)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        **backends.options,
    }
    settings.BROWSER_TEST_CONNECT_SRC = " ".join(backends.origins.values())
    yield live_site
    for alias in backends.options:  # their SDK clients hold connections: close them now
        created = storages._storages.get(alias)
        if created is not None and hasattr(created, "close"):
            created.close()


@pytest.fixture(scope="session")
def cors_applied(live_site: Any, backends: Backends, gcs_gate: CorsGate) -> bool:
    """Apply each storage's CORS rule for the live site, with the management command."""
    from django.core.management import call_command

    env = {"STORAGE_EMULATOR_HOST": gcs_gate.url}
    storages_setting = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        **backends.options,
    }
    with pytest.MonkeyPatch.context() as patch, override_settings(STORAGES=storages_setting):
        for name, value in env.items():
            patch.setenv(name, value)
        for alias in ("s3", "azure", "gcs"):
            call_command(
                "storages_cors",
                "--storage",
                alias,
                "--origin",
                live_site.url,
                "--apply",
                verbosity=0,
            )
    return True


@pytest.fixture
def page(browser: Any, site: Any, cors_applied: bool) -> Iterator[Any]:
    """A new page of the session's browser, with its network log in ``page.log``."""
    page = browser.new_page()
    log = NetworkLog()

    # Only kept here: asking a routed request for its wire headers inside an event handler
    # would wait forever (the tests ask them later).
    page.on("requestfinished", lambda request: log.finished.append(request))
    page.on("requestfailed", lambda request: log.failed.append(request.url))
    page.on("console", lambda msg: msg.type == "error" and log.console_errors.append(msg.text))
    page.on("pageerror", lambda error: log.console_errors.append(str(error)))
    page.log = log
    page.set_default_timeout(20_000)
    yield page
    page.close()


def open_form(page: Any, site: Any, alias: str, profile: str = "big") -> None:
    """Open the upload form of *alias* with the field settings of *profile*."""
    page.goto(f"{site.url}/form/{alias}/{profile}/")


def upload_and_submit(page: Any, sample: Sample) -> str:
    """Choose *sample*, press the one submit button, and return the name the site saved."""
    page.set_input_files("input[type=file]", str(sample.path))
    page.click("button[type=submit]")
    page.wait_for_selector("#saved", timeout=120_000)
    return str(page.inner_text("#saved"))


def stored_digest(storage: Any, name: str) -> str:
    """Return the SHA-256 of the stored file *name*, read back through the storage."""
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        while block := handle.read(4 * MiB):
            digest.update(block)
    return digest.hexdigest()
