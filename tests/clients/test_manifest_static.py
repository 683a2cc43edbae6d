"""collectstatic with S3ManifestStaticStorage and signed URLs: the hashed CSS never expires.

Issue 17: with ``querystring_auth=True`` the ``url(...)`` references of the hashed CSS were
built from presigned URLs. Django keeps what follows the URL's last ``/``, so django-storages
1.14.6 wrote a piece of the query string (``url("../img/yeA=&Expires=1796553424")``).
"""

from __future__ import annotations

import posixpath
import re
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.storage import storages
from django.core.management import call_command
from django.test import override_settings

from tests.backends.s3.fixtures import BUCKET, raw_client
from tests.harness.servers import RunningServer

BACKEND = "storages.backends.s3.S3ManifestStaticStorage"
CSS = """\
body { background: url('../img/logo.png'); }
.icon { background: url("/static/img/icon.png"); }
@font-face { src: url('../fonts/face.woff?#iefix') format('embedded-opentype'); }
"""


@pytest.fixture
def static_dir(tmp_path: Path) -> Path:
    root = tmp_path / "static"
    for folder in ("css", "img", "fonts"):
        (root / folder).mkdir(parents=True)
    (root / "img" / "logo.png").write_bytes(b"\x89PNG logo")
    (root / "img" / "icon.png").write_bytes(b"\x89PNG icon")
    (root / "fonts" / "face.woff").write_bytes(b"wOFF face")
    (root / "css" / "site.css").write_text(CSS)
    return root


@pytest.fixture
def signed_static(s3_options: dict[str, Any], static_dir: Path) -> Any:
    """Collect *static_dir* into a manifest storage that signs its URLs; yield the storage."""
    # Public objects, as a browser reads the files a stylesheet references without signing.
    options = {**s3_options, "default_acl": "public-read"}
    options.update(querystring_auth=True, querystring_expire=60)
    config = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": BACKEND, "OPTIONS": options},
    }
    with override_settings(
        STORAGES=config,
        STATICFILES_DIRS=[str(static_dir)],
        STATIC_URL="/static/",
        INSTALLED_APPS=["storages", "django.contrib.staticfiles"],
    ):
        call_command("collectstatic", "--noinput", verbosity=0)
        # The instance collectstatic used knows the hashed names it wrote, as Django's does.
        assert staticfiles_storage.stored_name("css/site.css") != "css/site.css"
        # A fresh instance, as a web process has: it reads the manifest collectstatic wrote.
        yield storages.create_storage(config["staticfiles"])


def references(css: str) -> list[str]:
    return re.findall(r"url\(['\"]?([^'\")]+)", css)


def test_hashed_css_holds_no_signature(signed_static: Any, moto: RunningServer) -> None:
    css_name = signed_static.stored_name("css/site.css")
    key = f"{signed_static.options.location}/{css_name}"
    css = raw_client(moto).get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()

    assert "X-Amz-" not in css and "Expires" not in css and "Signature" not in css
    logo, icon, font = map(
        signed_static.stored_name, ("img/logo.png", "img/icon.png", "fonts/face.woff")
    )
    assert logo != "img/logo.png" and font != "fonts/face.woff"  # hashed names
    assert references(css) == [f"../{logo}", f"/static/{icon}", f"../{font}?#iefix"], css


def test_references_resolve_to_the_hashed_files(signed_static: Any) -> None:
    css_name = signed_static.stored_name("css/site.css")
    css = signed_static.open(css_name).read().decode()
    relative = [r.split("?")[0] for r in references(css) if r.startswith("../")]
    assert len(relative) == 2
    for reference in relative:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(css_name), reference))
        assert signed_static.exists(target), target
        # What a browser does: resolve against the stylesheet's (signed) address.
        address = urljoin(signed_static.url("css/site.css"), reference)
        assert "X-Amz-Signature" not in address
        with urllib.request.urlopen(address, timeout=10) as response:
            assert response.read() == signed_static.open(target).read()


def test_templates_keep_signed_urls(signed_static: Any) -> None:
    url = signed_static.url("css/site.css")
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=60" in url
    assert signed_static.stored_name("css/site.css") in url
