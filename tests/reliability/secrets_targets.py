"""Where a credential could leak, and how the secrets tests collect all of it.

A storage's secrets must never show in what a log, an error page or a migration file would
print: its reprs, ``deconstruct()``, a pickle (when the secret came from a setting or the
environment), any log record of any logger at any level, and the text of a raised exception and
of every exception in its chain. Each helper here gathers one of those texts.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import io
import logging
import pickle
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.core.files.base import ContentFile
from django.db.migrations.writer import MigrationWriter

from tests.harness.servers import free_port
from tests.keys import rsa_private_key_pem

__all__ = [
    "LOGGERS",
    "assert_hidden",
    "captured_logs",
    "exception_texts",
    "make_secret",
    "rsa_key_pem",
    "storage_texts",
]

#: The loggers of every SDK a backend uses, set to DEBUG while logs are captured (with every
#: logger that exists already).
LOGGERS = (
    "storages",
    "botocore",
    "boto3",
    "s3transfer",
    "urllib3",
    "azure",
    "google",
    "google.auth",
    "google.cloud",
    "google.resumable_media",
    "paramiko",
    "requests",
    "dropbox",
    "libcloud",
    "django.db.backends",
)


def make_secret(label: str) -> str:
    """Return a distinctive secret value: ``S3CR3T-<label>-<hex>``."""
    return f"S3CR3T-{label}-{uuid.uuid4().hex}"


def assert_hidden(secrets: Iterable[str], texts: Iterable[str], where: str) -> None:
    """Fail naming *where* and the text around it if any secret occurs in any text."""
    for text in texts:
        for secret in secrets:
            at = text.find(secret)
            if at >= 0:
                around = text[max(0, at - 200) : at + len(secret) + 80]
                raise AssertionError(f"{where} shows a secret ({secret[:12]}...): ...{around}...")


def _displayed_chain(exc: BaseException) -> Iterator[BaseException]:
    """Yield *exc* and every exception linked to it, by cause or by context (even suppressed)."""
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def exception_texts(exc: BaseException) -> list[str]:
    """Return what could show *exc*: str, repr and args of each chained one, the traceback."""
    texts = ["".join(traceback.format_exception(exc))]
    for linked in _displayed_chain(exc):
        texts += [str(linked), repr(linked), repr(getattr(linked, "args", ()))]
        texts += [str(getattr(linked, name, "")) for name in ("filename", "filename2")]
    return texts


class _Collector(logging.Handler):
    """Keep the full text of every record: the formatted message, traceback, args and fields."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []
        self.count = 0
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        try:
            formatted = self.format(record)
        except Exception as exc:  # a record whose args do not fit its message
            formatted = f"unformattable record {record.msg!r}: {exc!r}"
        self.texts += [formatted, repr(record.msg), repr(record.args), repr(vars(record))]


@contextlib.contextmanager
def captured_logs() -> Iterator[_Collector]:
    """Collect every record of every logger at DEBUG while the block runs."""
    manager = logging.Logger.manager
    names = set(LOGGERS) | {
        name for name, item in manager.loggerDict.items() if isinstance(item, logging.Logger)
    }
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in sorted(names))]
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    collector = _Collector()
    # A logger that does not propagate never reaches the root: collect it where it is.
    hosts = [loggers[0], *(logger for logger in loggers[1:] if not logger.propagate)]
    disabled = logging.root.manager.disable
    logging.disable(logging.NOTSET)
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    for host in hosts:
        host.addHandler(collector)
    try:
        yield collector
    finally:
        for host in hosts:
            host.removeHandler(collector)
        for logger, level, was_disabled in saved:
            logger.setLevel(level)
            logger.disabled = was_disabled
        logging.disable(disabled)


def storage_texts(storage: Any, *, pickled: bool, migration: bool = True) -> dict[str, str]:
    """Return the texts a storage shows of itself, by where they come from.

    ``pickled`` adds the pickle's bytes (read as Latin-1, so any string in it is found);
    ``migration`` adds ``deconstruct()`` and what a migration file would hold.
    """
    texts = {
        "repr(storage)": repr(storage),
        "str(storage)": str(storage),
        "repr(storage.options)": repr(storage.options),
        "str(storage.options)": str(storage.options),
    }
    if migration:
        texts["deconstruct()"] = repr(storage.deconstruct())
        texts["migration"] = MigrationWriter.serialize(storage)[0]
    if pickled:
        texts["pickle"] = pickle.dumps(storage).decode("latin-1")
    return texts


def closed_port() -> int:
    """Return a loopback port nothing listens on: the server is unreachable."""
    return free_port()


class Attempts:
    """Operations expected to fail, each error kept for its text."""

    def __init__(self) -> None:
        self.errors: list[BaseException] = []

    def fails(self, operation: Any, expected: type[BaseException] = OSError) -> BaseException:
        """Run *operation*; fail unless it raises *expected*; keep the error."""
        try:
            operation()
        except Exception as exc:
            self.errors.append(exc)
            caught = exc
        else:
            raise AssertionError(f"{operation} did not fail")
        assert isinstance(caught, expected), f"{type(caught).__name__} is not {expected}: {caught}"
        return caught

    def texts(self) -> list[str]:
        """Return the text of every kept error (see :func:`exception_texts`)."""
        return [text for error in self.errors for text in exception_texts(error)]


def exercise(storage: Any, attempts: Attempts, name: str = "secrets/probe.txt") -> None:
    """Run each successful operation once, then read a missing file (kept in *attempts*)."""
    saved = storage.save(name, ContentFile(b"probe"))
    with storage.open(saved, "rb") as handle:
        assert handle.read() == b"probe"
    assert storage.exists(saved)
    assert storage.size(saved) == 5
    assert storage.listdir("secrets")[1]
    assert storage.url(saved)
    storage.delete(saved)
    attempts.fails(lambda: storage.size("secrets/missing.txt"), FileNotFoundError)


# -- each backend's secrets, given through settings, the environment or OPTIONS -------------


@dataclasses.dataclass(frozen=True)
class Case:
    """One backend's credentials, the same ones three ways, and what must never show."""

    storage: Callable[..., Any]
    #: The strings that must never show (secrets, or a distinctive line of a private key).
    secrets: tuple[str, ...]
    settings: dict[str, Any]
    env: dict[str, str]
    options: dict[str, Any]
    #: Options (not secret) the storage needs besides.
    plain: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: Return what the storage holds of its secrets (a copy must hold the same).
    held: Callable[[Any], Any] = lambda storage: storage.options


def rsa_key_pem() -> tuple[str, str]:
    """Return a fresh RSA private key in PEM and a line of it that only this key has."""
    pem = rsa_private_key_pem(1024)
    return pem, pem.splitlines()[3]


def _s3() -> Case:
    from storages.backends.s3 import S3Storage

    access, secret, token = make_secret("ak"), make_secret("sk"), make_secret("token")
    pem, line = rsa_key_pem()
    return Case(
        S3Storage,
        (access, secret, token, line),
        settings={
            "AWS_S3_ACCESS_KEY_ID": access,
            "AWS_S3_SECRET_ACCESS_KEY": secret,
            "AWS_SESSION_TOKEN": token,
            "AWS_CLOUDFRONT_KEY": pem,
        },
        env={
            "AWS_ACCESS_KEY_ID": access,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_SESSION_TOKEN": token,
        },
        # The aliases, as 1.x wrote them: deconstruct() must know them too.
        options={
            "access_key_id": access,
            "secret_access_key": secret,
            "session_token": token,
            "cloudfront_key": pem,
        },
        plain={
            "bucket_name": "bucket",
            "endpoint_url": "http://127.0.0.1:9",
            "cloudfront_key_id": "K",
        },
        held=lambda s: (s.access_key, s.secret_key, s.security_token, s.options.cloudfront_key),
    )


def _azure() -> Case:
    from azure.identity import ClientSecretCredential

    from storages.backends.azure_storage import AzureStorage

    key = base64.b64encode(make_secret("key").encode()).decode()
    conn_key = base64.b64encode(make_secret("connkey").encode()).decode()
    sas, client_secret = f"sv=2024-05-04&sig={make_secret('sas')}", make_secret("client")
    conn = f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={conn_key};"
    credential = ClientSecretCredential("tenant", "client-id", client_secret)
    return Case(
        AzureStorage,
        (key, conn_key, sas, client_secret),
        settings={
            "AZURE_ACCOUNT_KEY": key,
            "AZURE_SAS_TOKEN": sas,
            "AZURE_CONNECTION_STRING": conn,
            "AZURE_TOKEN_CREDENTIAL": credential,
        },
        env={"AZURE_STORAGE_ACCOUNT_KEY": key, "AZURE_STORAGE_CONNECTION_STRING": conn},
        options={
            "account_key": key,
            "sas_token": sas,
            "connection_string": conn,
            "token_credential": credential,
        },
        plain={"account_name": "acct", "azure_container": "files"},
        held=lambda s: (s.options.account_key, s.options.connection_string),
    )


def _gcs() -> Case:
    from google.oauth2 import service_account

    from storages.backends.gcloud import GoogleCloudStorage
    from tests.backends.gcs.conftest import service_account_info

    info = service_account_info()
    credentials = service_account.Credentials.from_service_account_info(info)  # type: ignore[no-untyped-call]
    line = info["private_key"].splitlines()[3]
    return Case(
        GoogleCloudStorage,
        (line,),
        settings={"GS_CREDENTIALS": credentials},
        env={},
        options={"credentials": credentials},
        plain={"bucket_name": "bucket", "project_id": "project"},
        held=lambda s: s.options.credentials,
    )


def _dropbox() -> Case:
    from storages.backends.dropbox import DropboxStorage

    token, refresh, app = make_secret("token"), make_secret("refresh"), make_secret("app")
    names = ("DROPBOX_OAUTH2_TOKEN", "DROPBOX_OAUTH2_REFRESH_TOKEN", "DROPBOX_APP_SECRET")
    values = dict(zip(names, (token, refresh, app), strict=True))
    return Case(
        DropboxStorage,
        (token, refresh, app),
        settings=values,
        env=values,
        options={"oauth2_access_token": token, "oauth2_refresh_token": refresh, "app_secret": app},
        plain={"app_key": "app-key"},
    )


def _sftp() -> Case:
    import paramiko

    from storages.backends.sftpstorage import SFTPStorage

    password, passphrase = make_secret("password"), make_secret("passphrase")
    pkey = paramiko.RSAKey.generate(1024)
    written = io.StringIO()
    pkey.write_private_key(written)
    line = written.getvalue().splitlines()[3]
    params = {"username": "user", "password": password, "passphrase": passphrase, "pkey": pkey}
    return Case(
        SFTPStorage,
        (password, passphrase, line),
        settings={"SFTP_STORAGE_PARAMS": params},
        env={},
        options={"params": params},
        plain={"host": "127.0.0.1"},
        held=lambda s: s.options.params,
    )


def _ftp() -> Case:
    from storages.backends.ftp import FTPStorage

    password = make_secret("password")
    location = f"ftps://user:{password}@127.0.0.1:9/files"
    return Case(
        FTPStorage,
        (password,),
        settings={"FTP_STORAGE_LOCATION": location},
        env={"FTP_STORAGE_LOCATION": location},
        options={"location": location},
        held=lambda s: (s.options.location, s._location.password),
    )


def _couchdb() -> Case:
    from storages.backends.couchdb import CouchDBStorage

    in_url, password = make_secret("inurl"), make_secret("password")
    server = f"http://admin:{in_url}@127.0.0.1:9"
    return Case(
        CouchDBStorage,
        (in_url, password),
        # The 1.x dict: its server URL carries a password too.
        settings={
            "COUCHDB_STORAGE_OPTIONS": {"server": server, "database": "files"},
            "COUCHDB_PASSWORD": password,
        },
        env={"COUCHDB_SERVER": server, "COUCHDB_PASSWORD": password},
        options={"server": server, "password": password},
        plain={"username": "admin", "database": "files"},
        held=lambda s: (s._auth, s.server_url),
    )


def _libcloud() -> Case:
    from storages.backends.apache_libcloud import LibCloudStorage

    key = make_secret("key")
    providers = {
        "p": {
            "type": "libcloud.storage.types.Provider.S3",
            "user": "user",
            "key": key,
            "bucket": "bucket",
            "host": "127.0.0.1",
            "port": 9,
            "secure": False,
        }
    }
    return Case(
        LibCloudStorage,
        (key,),
        settings={"LIBCLOUD_PROVIDERS": providers},
        env={},
        options={"providers": providers},
        plain={"provider_name": "p"},
        held=lambda s: (s.options.providers, s._driver_spec[1]),
    )


#: Each backend that holds a credential, by name (built fresh for each test).
CASES: dict[str, Callable[[], Case]] = {
    "s3": _s3,
    "azure": _azure,
    "gcs": _gcs,
    "dropbox": _dropbox,
    "sftp": _sftp,
    "ftp": _ftp,
    "couchdb": _couchdb,
    "libcloud": _libcloud,
}
