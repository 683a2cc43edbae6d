"""The CORS rule each backend needs for direct uploads, in the service's own format.

The browser sends cross-origin requests to the storage (S3: POST and PUT; Azure: PUT; Cloud
Storage: PUT with ``Content-Range``), so the storage must allow the site's origin.
``manage.py storages_cors`` prints the rule or applies it; applying keeps the rules others set
and replaces only one for the same origins. Backends that cannot sign need no rule: their
uploads go to the site itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.core.files.storage import Storage

from storages.direct.signing import for_class, unwrap

__all__ = ["CORS", "MAX_AGE", "RULE_ID", "apply_rule", "rule_for"]

#: Seconds a browser may cache the answer to a preflight request.
MAX_AGE = 3600
#: The ID of the S3 rule (S3 is the only service whose rules have IDs).
RULE_ID = "storages-direct-uploads"


def _s3_rule(origins: Sequence[str]) -> dict[str, Any]:
    return {
        "ID": RULE_ID,
        "AllowedOrigins": list(origins),
        "AllowedMethods": ["GET", "HEAD", "PUT", "POST"],
        "AllowedHeaders": ["*"],
        "ExposeHeaders": ["ETag"],
        "MaxAgeSeconds": MAX_AGE,
    }


def _s3_apply(storage: Any, origins: Sequence[str]) -> None:
    client = storage.client
    try:
        rules = client.get_bucket_cors(Bucket=storage.bucket_name)["CORSRules"]
    except client.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchCORSConfiguration":
            raise
        rules = []
    rules = [rule for rule in rules if rule.get("ID") != RULE_ID] + [_s3_rule(origins)]
    client.put_bucket_cors(Bucket=storage.bucket_name, CORSConfiguration={"CORSRules": rules})


def _azure_rule(origins: Sequence[str]) -> dict[str, Any]:
    return {
        "AllowedOrigins": ",".join(origins),
        "AllowedMethods": "GET,HEAD,PUT,OPTIONS",
        "AllowedHeaders": "content-type,x-ms-*",
        "ExposedHeaders": "etag,x-ms-*",
        "MaxAgeInSeconds": MAX_AGE,
    }


def _azure_apply(storage: Any, origins: Sequence[str]) -> None:
    from azure.storage.blob import CorsRule

    service = storage.service_client
    wanted = _azure_rule(origins)
    rules = [
        rule
        for rule in service.get_service_properties().get("cors") or []
        if rule.allowed_origins != wanted["AllowedOrigins"]
    ]
    rules.append(
        CorsRule(
            wanted["AllowedOrigins"].split(","),
            wanted["AllowedMethods"].split(","),
            allowed_headers=wanted["AllowedHeaders"].split(","),
            exposed_headers=wanted["ExposedHeaders"].split(","),
            max_age_in_seconds=MAX_AGE,
        )
    )
    service.set_service_properties(cors=rules)


def _gcs_rule(origins: Sequence[str]) -> dict[str, Any]:
    return {
        "origin": list(origins),
        "method": ["GET", "HEAD", "PUT", "POST"],
        "responseHeader": ["Content-Type", "Content-Range", "Range", "Location", "ETag"],
        "maxAgeSeconds": MAX_AGE,
    }


def _gcs_apply(storage: Any, origins: Sequence[str]) -> None:
    bucket = storage.bucket
    bucket.reload()
    rules = [rule for rule in bucket.cors if sorted(rule.get("origin", [])) != sorted(origins)]
    bucket.cors = [*rules, _gcs_rule(origins)]
    bucket.patch()


#: Storage class (dotted path) -> (the rule, how to apply it, where it goes).
CORS: dict[str, tuple[Callable[[Sequence[str]], dict[str, Any]], Callable[..., None], str]] = {
    "storages.backends.s3.storage.S3Storage": (
        _s3_rule,
        _s3_apply,
        "a CORSRule of the bucket (put-bucket-cors)",
    ),
    "storages.backends.azure.storage.AzureStorage": (
        _azure_rule,
        _azure_apply,
        "a CORS rule of the account's Blob service (set-service-properties)",
    ),
    "storages.backends.gcs.storage.GoogleCloudStorage": (
        _gcs_rule,
        _gcs_apply,
        "an entry of the bucket's cors list (gcloud storage buckets update --cors-file)",
    ),
}


def rule_for(storage: Storage, origins: Sequence[str]) -> tuple[dict[str, Any], str] | None:
    """Return the rule *storage* needs for pages of *origins*, and where it goes; None when the
    backend takes no direct uploads."""
    found = for_class(storage, CORS)
    return None if found is None else (found[0](origins), found[2])


def apply_rule(storage: Storage, origins: Sequence[str]) -> bool:
    """Apply the rule of :func:`rule_for`; return False when the backend needs none."""
    found = for_class(storage, CORS)
    if found is None:
        return False
    found[1](unwrap(storage), origins)
    return True
