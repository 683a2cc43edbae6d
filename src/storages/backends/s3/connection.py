"""The boto3 objects of an S3 storage: sessions, clients and resources built from its options."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from storages.backends.s3.options import S3Options
from storages.errors import MissingDependencyError
from storages.options import sources_of, spec_of

# The storage imports this module before any other that needs boto3: it fails with a hint.
try:
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config
    from botocore.exceptions import ClientError
    from botocore.utils import parse_timestamp
except ImportError as exc:  # pragma: no cover - exercised without boto3 only
    raise MissingDependencyError("boto3", "s3") from exc

__all__ = ["S3Connection", "addressing_of", "endpoint_url"]


def _timestamp(text: str) -> datetime:
    """Parse a timestamp of an answer without dateutil (botocore's parser costs about 55 us):
    ISO 8601 (each object of a listing) and HTTP dates (``Last-Modified``); anything else, or
    a time without a zone, as botocore does."""
    try:
        parsed = parsedate_to_datetime(text) if text[:1].isalpha() else datetime.fromisoformat(text)
    except (TypeError, ValueError, IndexError):
        return parse_timestamp(text)  # type: ignore[no-any-return]
    return parsed if parsed.tzinfo is not None else parse_timestamp(text)


_CALLING_FORMATS = {"subdomain": "virtual", "vhost": "virtual", "path": "path", "ordinary": "path"}


def endpoint_url(options: S3Options) -> str | None:
    """Return the endpoint URL of *options*, translating the boto-era host and port."""
    if options.endpoint_url:
        return options.endpoint_url
    if options.host:
        scheme = "https" if options.use_ssl else "http"
        port = f":{options.port}" if options.port else ""
        return f"{scheme}://{options.host}{port}"
    return None


def addressing_of(calling_format: str) -> str:
    """Return the boto3 addressing style of a boto calling format (name or class path)."""
    lowered = calling_format.rsplit(".", 1)[-1].lower()
    for word, style in _CALLING_FORMATS.items():
        if word in lowered:
            return style
    raise ImproperlyConfigured(f"AWS_S3_CALLING_FORMAT: unknown calling format {calling_format!r}")


class S3Connection:
    """Build the clients of one storage's options, and keep those that are built once.

    A boto3 client is thread-safe: the storage keeps one (see ``S3Storage._create_client``).
    Unsigned URLs come from an unsigned client built once; the 1.x ``connection`` (a boto3
    resource, which is not thread-safe) is built once per thread.
    """

    def __init__(self, options: Callable[[], S3Options]) -> None:
        # A callable: options a subclass defines as properties are read when used.
        self._options = options
        self._lock = threading.Lock()
        self._unsigned: Any = None
        self._unsigned_url_bases: dict[str, str] = {}
        self._resources = threading.local()
        self._checked_buckets: set[str] = set()

    @property
    def options(self) -> S3Options:
        """Return the storage's options as they are now."""
        return self._options()

    def config(self, *, unsigned: bool = False) -> Config:
        """Return the botocore configuration: bounded waits, standard retries, the options'."""
        opts = self.options
        s3: dict[str, Any] = {}
        style = opts.addressing_style or (
            opts.calling_format and addressing_of(opts.calling_format)
        )
        if style:
            s3["addressing_style"] = style
        proxies = opts.proxies
        if proxies is None and opts.proxy_host:
            proxy = f"{opts.proxy_host}:{opts.proxy_port}" if opts.proxy_port else opts.proxy_host
            proxies = {"http": proxy, "https": proxy}
        checksums = _checksum_config(opts)
        config = Config(
            signature_version=UNSIGNED if unsigned else opts.signature_version,
            s3=s3 or None,
            proxies=proxies,
            connect_timeout=10,
            read_timeout=60,
            retries={"max_attempts": 3, "mode": "standard"},
            **checksums,
        )
        if opts.client_config is not None:
            config = config.merge(opts.client_config)
        return config

    def session(self) -> Any:
        """Return a new boto3 session with the options' credentials (or profile)."""
        opts = self.options
        _check_credentials(opts)
        if opts.session_profile:
            session = boto3.session.Session(profile_name=opts.session_profile)
        else:
            session = boto3.session.Session(
                aws_access_key_id=opts.access_key,
                aws_secret_access_key=opts.secret_key,
                aws_session_token=opts.security_token,
            )
        parsers = session._session.get_component("response_parser_factory")
        parsers.set_parser_defaults(timestamp_parser=_timestamp)
        return session

    def _arguments(self, unsigned: bool = False) -> dict[str, Any]:
        opts = self.options
        return {
            "config": self.config(unsigned=unsigned),
            "endpoint_url": endpoint_url(opts),
            "region_name": opts.region_name or opts.origin,
            "use_ssl": opts.use_ssl,
            "verify": opts.verify,
        }

    def client(self) -> Any:
        """Return a new S3 client, first creating the bucket if ``auto_create_bucket`` asks."""
        client = self.session().client("s3", **self._arguments())
        opts = self.options
        if opts.auto_create_bucket and opts.bucket_name not in self._checked_buckets:
            self.ensure_bucket(client)
        return client

    def ensure_bucket(self, client: Any) -> None:
        """Create the bucket unless it exists (with ``bucket_acl``, in the options' region)."""
        opts = self.options
        try:
            client.head_bucket(Bucket=opts.bucket_name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                raise
            args: dict[str, Any] = {"Bucket": opts.bucket_name}
            region = opts.region_name or opts.origin
            if region and region != "us-east-1":
                args["CreateBucketConfiguration"] = {"LocationConstraint": region}
            if opts.bucket_acl:
                args["ACL"] = opts.bucket_acl
            client.create_bucket(**args)
        self._checked_buckets.add(str(opts.bucket_name))

    def unsigned_client(self) -> Any:
        """Return the client that builds unsigned URLs (built once, never sends a request)."""
        with self._lock:
            if self._unsigned is None:
                self._unsigned = self.session().client("s3", **self._arguments(unsigned=True))
            return self._unsigned

    def unsigned_url_base(self, bucket: str) -> str:
        """Return what every unsigned URL of *bucket* starts with, asking botocore once."""
        base = self._unsigned_url_bases.get(bucket)
        if base is None:
            marker = "storages-url-marker"
            url = self.unsigned_client().generate_presigned_url(
                "get_object", Params={"Bucket": bucket, "Key": marker}
            )
            base = self._unsigned_url_bases[bucket] = str(url).split(marker, 1)[0]
        return base

    def resource(self, *, unsigned: bool = False) -> Any:
        """Return this thread's boto3 S3 resource (signing requests, or not)."""
        attribute = "unsigned" if unsigned else "signed"
        resource = getattr(self._resources, attribute, None)
        if resource is None:
            resource = self.session().resource("s3", **self._arguments(unsigned))
            setattr(self._resources, attribute, resource)
        return resource


def _checksum_config(opts: S3Options) -> dict[str, str]:
    """Return the checksum modes to give botocore's ``Config``.

    botocore before 1.36 has neither option and sends no default checksums: ``when_required``
    is what it does anyway, ``when_supported`` is refused with the version it needs.
    """
    modes = {
        name: mode
        for name in ("request_checksum_calculation", "response_checksum_validation")
        if (mode := getattr(opts, name))
    }
    if "request_checksum_calculation" in Config.OPTION_DEFAULTS:
        return modes
    if "when_supported" in modes.values():
        raise ImproperlyConfigured(
            "'when_supported' checksums need botocore 1.36 or later: upgrade boto3"
        )
    return {}


def _check_credentials(opts: S3Options) -> None:
    """Refuse half a key pair, or a key pair with a profile, naming the setting to fix (botocore
    fails later with a ``TypeError``, or signs with ``None``)."""
    fields = {field.name: field for field in dataclasses.fields(opts)}
    if opts.session_profile and (opts.access_key or opts.secret_key):
        raise ImproperlyConfigured(
            "AWS_S3_SESSION_PROFILE (session_profile) can't be combined with an access key "
            "and secret key: set one or the other"
        )
    for present, missing in (("secret_key", "access_key"), ("access_key", "secret_key")):
        if getattr(opts, present) and not getattr(opts, missing):
            wanted = sources_of(missing, spec_of(fields[missing]))
            raise ImproperlyConfigured(
                f"S3 has a {present.replace('_', ' ')} but no {missing.replace('_', ' ')}: "
                f"set {wanted}"
            )
