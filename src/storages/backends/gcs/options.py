"""Options of the Google Cloud Storage backend, with the settings of django-storages 1.x."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from storages.backends._cloud import DEFAULT_GZIP_CONTENT_TYPES
from storages.options import BaseOptions, option

__all__ = ["DEFAULT_GZIP_CONTENT_TYPES", "GCSOptions", "json_acl"]

#: XML API / gsutil names of predefined ACLs and their JSON API names.
_XML_ACLS = {
    "private": "private",
    "public-read": "publicRead",
    "public-read-write": "publicReadWrite",
    "authenticated-read": "authenticatedRead",
    "bucket-owner-read": "bucketOwnerRead",
    "bucket-owner-full-control": "bucketOwnerFullControl",
    "project-private": "projectPrivate",
}


def json_acl(acl: str | None) -> str | None:
    """Return the JSON API name of a predefined ACL given by either of its names."""
    return _XML_ACLS.get(acl, acl) if acl else None


def _utf8_only(value: Any) -> Any:
    if value is not None and str(value).lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise ValueError(f"Cloud Storage object names are always UTF-8, not {value!r}")
    return value


def _chunk_size(value: Any) -> Any:
    if value is not None and (not isinstance(value, int) or value <= 0 or value % (256 * 1024)):
        raise ValueError(f"the chunk size must be a positive multiple of 256 KiB, not {value!r}")
    return value


def _seconds(value: Any, refusal: str, *, zero: bool) -> Any:
    number = not isinstance(value, bool) and isinstance(value, (int, float))
    if not number or not 0 <= value < 1e9 or (value == 0 and not zero):
        raise ValueError(f"{refusal}, not {value!r}")
    return value


def _timeout(value: Any) -> Any:
    return _seconds(value, "the timeout must be a positive number of seconds", zero=False)


def _deadline(value: Any) -> Any:
    return _seconds(value, "the retry deadline must be 0 or more seconds", zero=True)


@dataclasses.dataclass(frozen=True, repr=False, kw_only=True)
class GCSOptions(BaseOptions):
    """Options of :class:`storages.backends.gcloud.GoogleCloudStorage`."""

    bucket_name: str | None = option(
        None, setting="GS_BUCKET_NAME", env="GS_BUCKET_NAME", required=True
    )
    """Your bucket name. Required."""
    project_id: str | None = option(None, setting="GS_PROJECT_ID")
    """Your Google Cloud project ID; if unset, inferred from the environment."""
    credentials: Any = option(None, setting="GS_CREDENTIALS", secret=True)
    """OAuth 2 credentials, e.g. `service_account.Credentials.from_service_account_file(...)`.
    If unset, the environment's (`GOOGLE_APPLICATION_CREDENTIALS`, or the instance's)."""
    auto_create_bucket: bool = option(False, setting="GS_AUTO_CREATE_BUCKET")
    """Create the bucket on first use if it does not exist."""
    auto_create_acl: str = option("projectPrivate", setting="GS_AUTO_CREATE_ACL")
    """Predefined ACL of a bucket created by `auto_create_bucket` (JSON API name preferred;
    XML API/gsutil names such as `project-private` are translated)."""
    default_acl: str | None = option(None, setting="GS_DEFAULT_ACL")
    """Predefined ACL of new files; `None` keeps the bucket's default. `publicRead` files get
    public, non-expiring URLs."""
    querystring_auth: bool = option(True, setting="GS_QUERYSTRING_AUTH")
    """Return signed URLs for files that are not `publicRead`; `False` gives plain URLs."""
    file_charset: str | None = option(
        None,
        setting=("GS_FILE_CHARSET", "GS_FILE_NAME_CHARSET"),
        aliases=("file_name_charset",),
        convert=_utf8_only,
    )
    """Character set of file names. Cloud Storage names are always UTF-8, so only `utf-8` is
    accepted; the setting is kept for compatibility."""
    file_overwrite: bool = option(True, setting="GS_FILE_OVERWRITE")
    """Replace a file saved under an existing name; `False` appends random characters."""
    max_memory_size: int = option(0, setting="GS_MAX_MEMORY_SIZE")
    """Accepted for compatibility: reads are streamed and never roll over to disk, and a write
    holds at most one upload chunk (`blob_chunk_size`) in memory."""
    cache_control: str | None = option(None, setting="GS_CACHE_CONTROL")
    """`Cache-Control` header of new files."""
    location: str = option("", setting="GS_LOCATION")
    """Subdirectory (key prefix) of the files; the bucket root by default."""
    expiration: timedelta | datetime | int = option(
        timedelta(seconds=86400), setting="GS_EXPIRATION"
    )
    """Lifetime of a signed URL: a `timedelta`, a `datetime` (when it expires) or an `int`
    (seconds)."""
    custom_endpoint: str | None = option(None, setting="GS_CUSTOM_ENDPOINT")
    """Base URL of the URLs `url()` returns (a CDN or a bucket-bound host name), instead of
    `https://storage.googleapis.com/<bucket>`."""
    gzip: bool = option(False, setting="GS_IS_GZIPPED", aliases=("is_gzipped",))
    """Compress files whose content type is in `gzip_content_types` (stored with
    `Content-Encoding: gzip`)."""
    gzip_content_types: tuple[str, ...] | list[str] = option(
        DEFAULT_GZIP_CONTENT_TYPES, setting="GZIP_CONTENT_TYPES"
    )
    """Content types that `gzip` compresses."""
    object_parameters: dict[str, Any] = option(setting="GS_OBJECT_PARAMETERS", factory=dict)
    """Blob properties set on every new file (`cache_control`, `content_disposition`,
    `content_encoding`, `content_language`, `content_type`, `metadata`, `storage_class`, ...);
    `acl` gives the predefined ACL of the upload."""
    blob_chunk_size: int | None = option(None, setting="GS_BLOB_CHUNK_SIZE", convert=_chunk_size)
    """Bytes per chunk of a resumable upload (a multiple of 256 KiB; 24 MiB when unset). A file
    smaller than one chunk is uploaded in one request; a larger one holds about two chunks in
    memory and costs one request per chunk."""
    timeout: float = option(60, setting="GS_TIMEOUT", convert=_timeout)
    """Seconds each request to Cloud Storage may wait to connect, then for each read of its
    answer (60 is the client library's own default); a stalled request fails after this long,
    and is retried only if `retry_deadline` has not passed. New (1.x had no such setting):
    named like the `timeout` option of the Azure, Dropbox and CouchDB backends
    (`DROPBOX_TIMEOUT`, `COUCHDB_TIMEOUT`)."""
    retry_deadline: float = option(3, setting="GS_RETRY_DEADLINE", convert=_deadline)
    """Seconds during which a failed request is retried (a `408`, `429` or `5xx` answer, a
    refused, broken or timed-out connection), waiting up to 0.25 s, then up to twice as long
    each time (1 s at most); then the last error is raised. The client library's own default,
    two minutes, would hold a web request that long when the service is down; `0` turns
    retries off. New (1.x had no such setting)."""
    iam_sign_blob: bool = option(False, setting="GS_IAM_SIGN_BLOB")
    """Sign URLs through the IAM `signBlob` API, for credentials without a private key (GCE,
    GKE, Cloud Run)."""
    sa_email: str | None = option(None, setting="GS_SA_EMAIL")
    """Service account that signs URLs with `iam_sign_blob` (the credentials' own if unset)."""
