"""collectstatic on S3: one listing, content digests, parallel uploads, manifest support."""

from __future__ import annotations

import io
import json
import os
import posixpath
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from django.contrib.staticfiles.management.commands.collectstatic import (
    Command as DjangoCollectstatic,
)
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

import storages as storages_app
from storages.backends.s3 import S3ManifestStaticStorage, S3Storage
from storages.management.commands.collectstatic import Command as OurCollectstatic
from storages.manifest import INPUTS_KEY
from tests.backends.s3.fixtures import RequestCounter

FILES = 40


@pytest.fixture
def static_dir(tmp_path: Path) -> Path:
    root = tmp_path / "static"
    (root / "css").mkdir(parents=True)
    (root / "img").mkdir()
    for index in range(FILES):
        (root / "img" / f"icon{index}.png").write_bytes(b"\x89PNG" + bytes([index]) * 500)
    (root / "css" / "site.css").write_text("body { background: url('../img/icon1.png'); }")
    return root


#: Static files of this package's own app ("storages" is installed), collected beside ours.
SHIPPED = sum(
    1 for path in Path(storages_app.__file__).parent.glob("static/**/*") if path.is_file()
)
COPIED = FILES + 1 + SHIPPED


def collect(
    backend: str,
    options: dict[str, Any],
    static_dir: Path,
    *args: str,
    command: Any = None,
    hook: Any = None,
) -> tuple[dict[str, int], str]:
    config = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": backend, "OPTIONS": options},
    }
    with override_settings(
        STORAGES=config,
        STATICFILES_DIRS=[str(static_dir)],
        STATIC_URL="/static/",
        INSTALLED_APPS=["storages", "django.contrib.staticfiles"],
    ):
        storage = storages["staticfiles"]
        counter = RequestCounter()
        storage.client.meta.events.register("before-send.s3", counter)
        if hook is not None:
            storage.client.meta.events.register("before-send.s3", hook)
        out = io.StringIO()
        call_command(command or "collectstatic", "--noinput", *args, stdout=out)
        return counter.take(), out.getvalue()


def touch_everything(root: Path) -> None:
    later = time.time() + 3600
    for path in root.rglob("*"):
        os.utime(path, (later, later))


@pytest.mark.parametrize(
    ("backend", "unchanged"),
    [
        ("storages.backends.s3.S3StaticStorage", {"ListObjectsV2": 1}),
        # The manifest is read to compare the fingerprint of its inputs; nothing is hashed.
        ("storages.backends.s3.S3ManifestStaticStorage", {"ListObjectsV2": 1, "GetObject": 1}),
    ],
)
def test_unchanged_reruns_cost_one_listing(
    backend: str, unchanged: dict[str, int], s3_options: dict[str, Any], static_dir: Path
) -> None:
    first, output = collect(backend, s3_options, static_dir)
    assert first.get("PutObject", 0) >= FILES + 1
    assert f"{COPIED} static files copied" in output

    again, output = collect(backend, s3_options, static_dir)
    assert again == unchanged, again
    assert "0 static files copied" in output and f"{COPIED} unmodified" in output
    assert "post-processed" not in output  # nothing hashed again

    touch_everything(static_dir)  # a fresh CI checkout: new mtimes, same content
    touched, _ = collect(backend, s3_options, static_dir)
    assert touched == unchanged

    (static_dir / "img" / "icon3.png").write_bytes(b"changed")
    changed, output = collect(backend, s3_options, static_dir)
    assert changed.get("PutObject", 0) >= 1 and "ListObjectsV2" in changed
    assert changed.get("GetObject", 0) == 0 and changed.get("HeadObject", 0) == 0


def test_djangos_own_command_rewrites_nothing_unchanged(
    s3_options: dict[str, Any], static_dir: Path
) -> None:
    """Django's command (what runs when an app listed before "storages" hides ours) makes its
    post-processing delete and save every CSS and JS file again on each run; the manifest
    storage post-processes through a synchronising view, so a re-run writes nothing."""
    backend = "storages.backends.s3.S3ManifestStaticStorage"
    collect(backend, s3_options, static_dir, command=DjangoCollectstatic())
    again, _ = collect(backend, s3_options, static_dir, command=DjangoCollectstatic())
    writes = {"PutObject", "DeleteObject", "DeleteObjects", "CopyObject"} & set(again)
    assert not writes, again
    assert again["ListObjectsV2"] == 1, again  # the view's one listing


def test_clear_removes_stale_files_only(s3_options: dict[str, Any], static_dir: Path) -> None:
    backend = "storages.backends.s3.S3StaticStorage"
    collect(backend, s3_options, static_dir)
    (static_dir / "img" / "icon5.png").unlink()
    requests, _ = collect(backend, s3_options, static_dir, "--clear")
    assert requests.get("PutObject", 0) == 0
    assert requests.get("DeleteObject", 0) == 1
    storage = storages.create_storage({"BACKEND": backend, "OPTIONS": s3_options})
    _dirs, files = storage.listdir("img")
    assert "icon5.png" not in files and len(files) == FILES - 1


def test_dry_run_changes_nothing(s3_options: dict[str, Any], static_dir: Path) -> None:
    backend = "storages.backends.s3.S3StaticStorage"
    requests, output = collect(backend, s3_options, static_dir, "--dry-run")
    assert set(requests) <= {"ListObjectsV2"}
    assert "Pretending" in output or "static files copied" in output


def test_a_failed_upload_fails_the_command_naming_the_file(
    s3_options: dict[str, Any], static_dir: Path
) -> None:
    (static_dir / "img" / "gone.png").symlink_to(static_dir / "nowhere.png")  # unreadable
    with pytest.raises(CommandError, match=r"Could not copy 'img/gone\.png'"):
        collect("storages.backends.s3.S3StaticStorage", s3_options, static_dir)


def test_a_missing_bucket_is_named(s3_options: dict[str, Any], static_dir: Path) -> None:
    options = {**s3_options, "bucket_name": "no-such-static-bucket"}
    with pytest.raises(FileNotFoundError, match="no-such-static-bucket"):
        collect("storages.backends.s3.S3StaticStorage", options, static_dir)


def test_quiet_with_verbosity_zero(s3_options: dict[str, Any], static_dir: Path) -> None:
    _, output = collect("storages.backends.s3.S3StaticStorage", s3_options, static_dir, "-v0")
    assert output == ""


def stored_manifest(options: dict[str, Any]) -> bytes:
    with S3Storage(**options).open("staticfiles.json") as manifest:
        return bytes(manifest.read())


HASHED = re.compile(r"\.[0-9a-f]{12}\.(png|css)$")


def hashed_key(request: Any) -> str | None:
    """The hashed name a PutObject request writes, if it writes one."""
    key = unquote(urlsplit(request.url).path)
    return key if request.method == "PUT" and HASHED.search(key) else None


@pytest.mark.parametrize("command", [None, DjangoCollectstatic])
def test_hashed_copies_upload_side_by_side(
    command: Any, s3_options: dict[str, Any], static_dir: Path
) -> None:
    """Post-processing hands its saves to background uploads: two hashed copies are in flight
    at once (each first PUT waits for the other; one at a time would break the barrier)."""
    both = threading.Barrier(2, timeout=10)
    waited: list[str] = []

    def meet(request: Any, **kwargs: Any) -> None:
        key = hashed_key(request)
        if key is not None and len(waited) < 2:
            waited.append(key)
            both.wait()

    backend = "storages.backends.s3.S3ManifestStaticStorage"
    collect(backend, s3_options, static_dir, command=command and command(), hook=meet)
    assert len(waited) == 2 and not both.broken


def test_a_failed_hashed_upload_keeps_the_previous_manifest(
    s3_options: dict[str, Any], static_dir: Path
) -> None:
    backend = "storages.backends.s3.S3ManifestStaticStorage"
    collect(backend, s3_options, static_dir)
    manifest = stored_manifest(s3_options)
    assert b"icon3." in manifest
    (static_dir / "img" / "icon3.png").write_bytes(b"\x89PNG changed")

    def refuse(request: Any, **kwargs: Any) -> None:
        key = hashed_key(request)
        if key is not None and "icon3." in key:
            raise RuntimeError(f"refused {key}")

    with pytest.raises(OSError, match=r"refused .*icon3"):
        collect(backend, s3_options, static_dir, hook=refuse)
    assert stored_manifest(s3_options) == manifest  # not written: it would name a missing file


MANIFEST = "storages.backends.s3.S3ManifestStaticStorage"


def manifest_paths(options: dict[str, Any]) -> dict[str, str]:
    return dict(json.loads(stored_manifest(options))["paths"])


def test_a_changed_reference_hashes_the_css_again(
    s3_options: dict[str, Any], static_dir: Path
) -> None:
    collect(MANIFEST, s3_options, static_dir)
    before = manifest_paths(s3_options)
    (static_dir / "img" / "icon1.png").write_bytes(b"\x89PNG another icon")
    collect(MANIFEST, s3_options, static_dir)
    after = manifest_paths(s3_options)
    assert after["img/icon1.png"] != before["img/icon1.png"]
    assert after["css/site.css"] != before["css/site.css"]
    with S3Storage(**s3_options).open(after["css/site.css"]) as css:
        assert posixpath.basename(after["img/icon1.png"]) in css.read().decode()


def test_a_deleted_hashed_copy_is_stored_again(
    s3_options: dict[str, Any], static_dir: Path
) -> None:
    collect(MANIFEST, s3_options, static_dir)
    hashed_css = manifest_paths(s3_options)["css/site.css"]
    S3Storage(**s3_options).delete(hashed_css)
    _, output = collect(MANIFEST, s3_options, static_dir)
    assert "post-processed" in output
    assert S3Storage(**s3_options).exists(hashed_css)


def hashed_again_then_kept(backend: str, options: dict[str, Any], static_dir: Path) -> None:
    """Collect twice: the first run post-processes everything, the second nothing."""
    _, output = collect(backend, options, static_dir)
    assert "post-processed" in output
    _, output = collect(backend, options, static_dir)
    assert "post-processed" not in output


class Custom(S3ManifestStaticStorage):
    """What a project's settings name; the tests below swap it for an edited version."""

    def file_hash(self, name: str, content: Any = None) -> str | None:
        return super().file_hash(name, content)


def edited_passes() -> type:
    class Custom(S3ManifestStaticStorage):
        max_post_process_passes = 3

    return Custom


def edited_code() -> type:
    class Custom(S3ManifestStaticStorage):
        def file_hash(self, name: str, content: Any = None) -> str | None:
            digest = super().file_hash(name, content)
            return digest[:8] if digest else digest

    return Custom


@pytest.mark.parametrize("edit", [edited_passes, edited_code])
def test_an_edited_storage_class_post_processes_again(
    edit: Any, s3_options: dict[str, Any], static_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same class, edited between two deployments (a setting, a method's code): the
    manifest's fingerprint differs, so everything is hashed again; then kept."""
    backend = f"{__name__}.Custom"
    collect(backend, s3_options, static_dir)
    edited = edit()
    edited.__qualname__ = Custom.__qualname__
    monkeypatch.setattr(sys.modules[__name__], "Custom", edited)
    hashed_again_then_kept(backend, s3_options, static_dir)


def test_a_manifest_without_inputs_is_made_again_once(
    s3_options: dict[str, Any], static_dir: Path
) -> None:
    """A manifest another version wrote (no fingerprint of its inputs) is not trusted."""
    collect(MANIFEST, s3_options, static_dir)
    payload = json.loads(stored_manifest(s3_options))
    del payload[INPUTS_KEY]
    storage = S3Storage(**s3_options)
    storage.delete("staticfiles.json")
    storage.save("staticfiles.json", ContentFile(json.dumps(payload).encode()))
    hashed_again_then_kept(MANIFEST, s3_options, static_dir)


def test_clear_post_processes_again_and_writes_nothing_unchanged(
    s3_options: dict[str, Any], static_dir: Path
) -> None:
    """``--clear`` is how to have everything hashed again: the same result, so nothing is
    written or deleted."""
    collect(MANIFEST, s3_options, static_dir)
    requests, output = collect(MANIFEST, s3_options, static_dir, "--clear")
    assert "post-processed" in output
    assert not {"PutObject", "DeleteObject", "DeleteObjects"} & set(requests), requests


def test_files_digested_before_the_listing_came_are_compared_with_it(
    s3_options: dict[str, Any], static_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The listing is read by a thread of its own while the command digests the local files:
    with a slow listing every file is compared after it came, and only the changed one goes."""
    backend = "storages.backends.s3.S3StaticStorage"
    collect(backend, s3_options, static_dir)
    (static_dir / "img" / "icon3.png").write_bytes(b"\x89PNG changed")

    def slow_listing(request: Any, **kwargs: Any) -> None:
        if kwargs.get("event_name", "").endswith("ListObjectsV2"):
            time.sleep(0.5)

    settled: list[int] = []
    settle = OurCollectstatic._settle_deferred

    def counting(self: Any, wait: bool = False) -> None:
        settled.append(len(self._deferred))
        settle(self, wait)

    monkeypatch.setattr(OurCollectstatic, "_settle_deferred", counting)
    requests, output = collect(backend, s3_options, static_dir, "-v2", hook=slow_listing)
    assert max(settled) == COPIED  # every file waited for the listing
    assert requests == {"ListObjectsV2": 1, "PutObject": 1}, requests
    assert f"1 static file copied, {COPIED - 1} unmodified" in output
    assert "Copied 'img/icon3.png'" in output
