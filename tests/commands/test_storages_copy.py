"""storages_copy: any storage to any other, streamed, resumable, verified, failures named."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from storages.testing.content import GeneratedFile, digest_of


@pytest.fixture
def aliases(tmp_path: Path, s3_options: dict[str, Any]) -> Iterator[tuple[Storage, Storage]]:
    config = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "local": {
            "BACKEND": "storages.backends.filesystem.LocalStorage",
            "OPTIONS": {"location": str(tmp_path / "local")},
        },
        "s3": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3_options},
    }
    with override_settings(STORAGES=config):
        local, s3 = storages["local"], storages["s3"]
        for index in range(6):
            local.save(f"media/{index % 2}/file{index}.txt", ContentFile(f"content {index}"))
        local.save("media/big.bin", GeneratedFile(6 * 1024 * 1024))
        yield local, s3


def copy(*args: str) -> str:
    out = io.StringIO()
    call_command("storages_copy", *args, stdout=out)
    return out.getvalue()


def test_copy_then_resume_skips_identical_files(aliases: tuple[Storage, Storage]) -> None:
    local, s3 = aliases
    assert "Copied 7 file(s), skipped 0 identical" in copy("local", "s3")
    with s3.open("media/big.bin") as handle:
        assert digest_of(handle.chunks()) == GeneratedFile(6 * 1024 * 1024).digest()
    assert "Copied 0 file(s), skipped 7 identical" in copy("local", "s3")
    local.delete("media/1/file1.txt")
    local.save("media/1/file1.txt", ContentFile("changed content"))
    assert "Copied 1 file(s), skipped 6 identical" in copy("local", "s3")
    with s3.open("media/1/file1.txt") as handle:
        assert handle.read() == b"changed content"


def test_copy_back_from_s3_with_prefix_and_delete(aliases: tuple[Storage, Storage]) -> None:
    local, _s3 = aliases
    copy("local", "s3")
    local.save("media/0/stale.txt", ContentFile("only here"))
    output = copy("s3", "local", "--prefix", "media/0", "--delete")
    assert "deleted 1" in output
    assert not local.exists("media/0/stale.txt")
    assert local.exists("media/1/file1.txt")  # outside the prefix: untouched


def test_verify_catches_same_size_different_content(aliases: tuple[Storage, Storage]) -> None:
    _local, s3 = aliases
    copy("local", "s3")
    s3.save("media/0/file0.txt", ContentFile("CONTENT 0"))  # same size, other bytes
    assert "skipped 7 identical" in copy("local", "s3")  # size alone cannot tell
    assert "Copied 1 file(s), skipped 6 identical" in copy("local", "s3", "--verify")
    with s3.open("media/0/file0.txt") as handle:
        assert handle.read() == b"content 0"


def test_copy_costs_a_listing_and_one_write_per_file(
    aliases: tuple[Storage, Storage], count_requests: Callable[[Any], Any]
) -> None:
    local, s3 = aliases
    counter = count_requests(s3)
    copy("local", "s3")
    # The listing tells which names S3 has: no HEAD per file before writing it.
    assert counter.take() == {"ListObjectsV2": 1, "PutObject": 7}
    local.delete("media/1/file1.txt")
    local.save("media/1/file1.txt", ContentFile("changed content"))
    copy("local", "s3")
    assert counter.take() == {"ListObjectsV2": 1, "PutObject": 1}  # S3 overwrites: no DELETE
    copy("local", "s3")
    assert counter.take() == {"ListObjectsV2": 1}


def test_a_changed_file_replaces_the_old_in_a_storage_that_keeps_names(
    aliases: tuple[Storage, Storage], s3_options: dict[str, Any]
) -> None:
    local, _s3 = aliases
    keeping = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3_options}
    keeping["OPTIONS"] = {**s3_options, "file_overwrite": False}
    with override_settings(STORAGES={**settings.STORAGES, "keeping": keeping}):
        copy("local", "keeping")
        local.delete("media/1/file1.txt")
        local.save("media/1/file1.txt", ContentFile("changed content"))
        assert "Copied 1 file(s), skipped 6 identical" in copy("local", "keeping")
        target = storages["keeping"]
        with target.open("media/1/file1.txt") as handle:
            assert handle.read() == b"changed content"
        assert target.listdir("media/1")[1] == ["file1.txt", "file3.txt", "file5.txt"]


def test_dry_run_changes_nothing(aliases: tuple[Storage, Storage]) -> None:
    _, s3 = aliases
    output = copy("local", "s3", "--dry-run", "-v2")
    assert "Would copy 7 file(s)" in output and "Would copy media/big.bin" in output
    assert list(s3.listing()) == []  # type: ignore[attr-defined]


def test_failures_are_named_and_fail_the_command(
    aliases: tuple[Storage, Storage], tmp_path: Path
) -> None:
    _local, _ = aliases
    (tmp_path / "local/media/broken.txt").symlink_to(tmp_path / "nowhere")
    with pytest.raises(CommandError, match=r"(?s)failed 1\..*media/broken\.txt"):
        copy("local", "s3")


def test_unknown_alias() -> None:
    with pytest.raises(CommandError, match="'nope'"):
        copy("nope", "default")
