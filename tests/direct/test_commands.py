"""``storages_clean_uploads`` and ``storages_cors`` on moto and Azurite."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from azure.core.exceptions import ResourceNotFoundError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.test import override_settings

from tests.backends.azure.conftest import CONTAINER, azurite  # noqa: F401
from tests.harness.servers import RunningServer
from tests.harness.specs.azurite import connection_string


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_clean_uploads_removes_only_unconfirmed_uploads(s3_default: dict[str, Any]) -> None:
    storage = storages["default"]
    storage.save("direct-uploads/abc/left.bin", ContentFile(b"left behind"))
    storage.save("documents/kept.bin", ContentFile(b"confirmed"))
    key = storage._key("direct-uploads/def/big.bin")
    storage.client.create_multipart_upload(Bucket=storage.bucket_name, Key=key)

    listed = _run("storages_clean_uploads", "--older-than", "0", "--dry-run")
    assert "would remove direct-uploads/abc/left.bin" in listed
    assert f"would remove {key} (multipart upload)" in listed
    assert storage.exists("direct-uploads/abc/left.bin")

    # The file is recent: kept. (moto dates every multipart upload 2010-11-10: that one goes.)
    assert "left.bin" not in _run("storages_clean_uploads", "--older-than", "3600")
    removed = _run("storages_clean_uploads", "--older-than", "0")
    assert "removed direct-uploads/abc/left.bin" in removed
    assert not storage.exists("direct-uploads/abc/left.bin")
    assert storage.exists("documents/kept.bin")
    uploads = storage.client.list_multipart_uploads(Bucket=storage.bucket_name, Prefix=key)
    assert uploads.get("Uploads", []) == []


def test_clean_uploads_drops_staged_azure_blocks(azurite: RunningServer) -> None:  # noqa: F811
    options = {"connection_string": connection_string(azurite), "azure_container": CONTAINER}
    setting = {"default": {"BACKEND": "storages.backends.azure.AzureStorage", "OPTIONS": options}}
    with override_settings(STORAGES=setting):
        storage = storages["default"]
        blob = storage.client.get_blob_client("direct-uploads/ghi/staged.bin")
        blob.stage_block("00000000", b"x" * 1024)
        removed = _run("storages_clean_uploads", "--older-than", "0")
        assert "direct-uploads/ghi/staged.bin (staged blocks)" in removed
        with pytest.raises(ResourceNotFoundError):
            blob.get_block_list("all")  # no blob, no staged block
        storage.close()


def test_cors_prints_each_services_rule(s3_default: dict[str, Any]) -> None:
    out = _run("storages_cors", "--origin", "https://www.example.com")
    rule = json.loads(out.split(":\n", 1)[1])
    assert rule["AllowedOrigins"] == ["https://www.example.com"]
    assert "PUT" in rule["AllowedMethods"] and "POST" in rule["AllowedMethods"]


def test_cors_apply_keeps_the_other_rules(s3_default: dict[str, Any]) -> None:
    storage = storages["default"]
    other = {"ID": "theirs", "AllowedOrigins": ["https://cdn.example.com"]}
    other["AllowedMethods"] = ["GET"]
    bucket = storage.bucket_name
    storage.client.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [other]})
    for _ in range(2):  # applying twice replaces our rule, never duplicates it
        _run("storages_cors", "--origin", "https://www.example.com", "--apply")
    rules = storage.client.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert sorted(rule["ID"] for rule in rules) == ["storages-direct-uploads", "theirs"]
    storage.client.delete_bucket_cors(Bucket=bucket)


def test_cors_needs_no_rule_for_a_storage_that_cannot_sign() -> None:
    setting = {"default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    with override_settings(STORAGES=setting):
        out = _run("storages_cors", "--origin", "https://www.example.com", "--apply")
    assert "no CORS rule is needed" in out
