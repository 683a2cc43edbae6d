"""No credential leaks: not in reprs, migrations, pickles, logs or errors, for any backend.

Each backend gets distinctive secrets (``S3CR3T-<label>-<hex>``). The first tests build storages
from settings, the environment and ``OPTIONS`` and read everything a storage shows of itself;
the others run real operations against the harness's servers (successes, and the failures an
operator meets: unreachable server, refused credentials, missing file, denied permission) with
every logger at DEBUG, then search every log record and every error's text for the secrets.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime
import logging
import pickle
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings

from tests.backends.couchdb.servers import DATABASE, couchdb, unique_location
from tests.backends.ftp.servers import ftp_location, pyftpdlib
from tests.backends.gcs.conftest import emulator, gcs_server
from tests.backends.s3.fixtures import BUCKET
from tests.backends.sftp.servers import sftp_settings, sshd
from tests.harness.catalog import CATALOG
from tests.harness.servers import RunningServer, start
from tests.reliability.secrets_targets import (
    CASES,
    Attempts,
    assert_hidden,
    captured_logs,
    closed_port,
    exercise,
    make_secret,
    rsa_key_pem,
    storage_texts,
)

# The fixtures this module uses.
__all__ = ["couchdb", "emulator", "gcs_server", "pyftpdlib", "sshd"]


def _check(secrets: tuple[str, ...] | list[str], texts: dict[str, str]) -> None:
    for where, text in texts.items():
        assert_hidden(secrets, [text], where)


# -- what a storage shows of itself ---------------------------------------------------------


@pytest.mark.parametrize("backend", CASES)
def test_secret_from_settings_is_never_copied(backend: str) -> None:
    """From settings: not in reprs, not in deconstruct() at all, not in a pickle (the loaded
    copy reads the settings again)."""
    case = CASES[backend]()
    with override_settings(**case.settings):
        storage = case.storage(**case.plain)
        assert case.held(storage), "the secret never reached the storage: the test proves nothing"
        _check(case.secrets, storage_texts(storage, pickled=True))
        copy = pickle.loads(pickle.dumps(storage))
        assert case.held(copy) == case.held(storage)


@pytest.mark.parametrize("backend", [name for name in CASES if CASES[name]().env])
def test_secret_from_the_environment_is_never_copied(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[backend]()
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    storage = case.storage(**case.plain)
    assert case.held(storage)
    _check(case.secrets, storage_texts(storage, pickled=True))
    assert case.held(pickle.loads(pickle.dumps(storage))) == case.held(storage)


@pytest.mark.parametrize("backend", CASES)
def test_secret_from_options_stays_out_of_reprs_and_migrations(backend: str) -> None:
    """From OPTIONS (constructor keywords, aliases too): no repr or migration shows it (a pickle
    may: the constructor's arguments are what rebuilds the copy)."""
    case = CASES[backend]()
    storage = case.storage(**case.plain, **case.options)
    assert case.held(storage)
    assert storage.explicit_secrets() == sorted(case.options)
    _check(case.secrets, storage_texts(storage, pickled=False))


def test_captured_logs_see_every_logger_and_level() -> None:
    """The log capture itself: a quiet, non-propagating logger's DEBUG record is seen."""
    secret = make_secret("selftest")
    quiet = logging.getLogger("tests.secrets.quiet")
    quiet.propagate = False
    quiet.setLevel(logging.ERROR)
    try:
        with captured_logs() as logs:
            quiet.debug("token=%s", secret)
    finally:
        quiet.propagate = True
    with pytest.raises(AssertionError, match="shows a secret"):
        assert_hidden([secret], logs.texts, "the log")


# -- operations against real servers --------------------------------------------------------


@contextlib.contextmanager
def watching(*secrets: str) -> Iterator[Attempts]:
    """Run the block with every logger at DEBUG; then no log or error may show a secret."""
    attempts = Attempts()
    with captured_logs() as logs:
        yield attempts
    assert_hidden(secrets, logs.texts, "a log record")
    assert_hidden(secrets, attempts.texts(), "an error")


def _fast_s3() -> Any:
    from botocore.config import Config

    return Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1})


@dataclasses.dataclass(frozen=True)
class AuthS3:
    """A private moto that checks signatures, with a user who may read but not write."""

    server: RunningServer
    access_key: str
    secret_key: str
    bucket: str = "secrets-bucket"


@pytest.fixture(scope="module")
def moto_auth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthS3]:
    import boto3

    # Four unsigned requests set it up; every later request must be signed by a known key.
    spec = dataclasses.replace(CATALOG["moto-auth"], env={"INITIAL_NO_AUTH_ACTION_COUNT": "4"})
    server = start(spec, tmp_path_factory.mktemp("moto-auth"))
    try:
        kwargs = {"endpoint_url": server.url, "region_name": "us-east-1"}
        boot = {"aws_access_key_id": "bootstrap", "aws_secret_access_key": "bootstrap"}
        boto3.client("s3", **kwargs, **boot).create_bucket(Bucket=AuthS3.bucket)
        iam = boto3.client("iam", **kwargs, **boot)
        iam.create_user(UserName="reader")
        key = iam.create_access_key(UserName="reader")["AccessKey"]
        read_only = (
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
            '"Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"}]}'
        )
        iam.put_user_policy(UserName="reader", PolicyName="read", PolicyDocument=read_only)
        yield AuthS3(server, key["AccessKeyId"], key["SecretAccessKey"])
    finally:
        server.stop()


def test_s3(moto: RunningServer, moto_auth: AuthS3) -> None:
    from storages.backends.s3 import S3Storage

    access, secret, token = make_secret("ak"), make_secret("sk"), make_secret("token")
    wrong = make_secret("wrong")
    pem, line = rsa_key_pem()
    bad_pem = (
        f"-----BEGIN RSA PRIVATE KEY-----\n{make_secret('pem')}\n-----END RSA PRIVATE KEY-----"
    )
    common = {"region_name": "us-east-1", "client_config": _fast_s3()}
    signed_by = {"access_key": moto_auth.access_key, "bucket_name": moto_auth.bucket}
    with watching(access, secret, token, wrong, line, bad_pem, moto_auth.secret_key) as attempts:
        storage = S3Storage(
            bucket_name=BUCKET,
            endpoint_url=moto.url,
            access_key=access,
            secret_key=secret,
            security_token=token,
            **common,
        )
        exercise(storage, attempts)
        down = f"http://127.0.0.1:{closed_port()}"
        keys = {"access_key": access, "secret_key": secret}
        unreachable = S3Storage(bucket_name=BUCKET, endpoint_url=down, **keys, **common)
        attempts.fails(lambda: unreachable.exists("x"), ConnectionError)
        auth = {"endpoint_url": moto_auth.server.url, **signed_by, **common}
        refused = S3Storage(secret_key=wrong, **auth)
        attempts.fails(lambda: refused.size("x"), PermissionError)
        reader = S3Storage(secret_key=moto_auth.secret_key, **auth)
        attempts.fails(lambda: reader.save("denied.txt", ContentFile(b"x")), PermissionError)
        cdn = {"custom_domain": "cdn.example", "cloudfront_key_id": "K", **common}
        signed = S3Storage(bucket_name=BUCKET, endpoint_url=moto.url, cloudfront_key=pem, **cdn)
        assert "Signature=" in signed.url("a.txt")
        broken = S3Storage(bucket_name=BUCKET, endpoint_url=moto.url, cloudfront_key=bad_pem, **cdn)
        attempts.fails(lambda: broken.url("a.txt"), ValueError)


@pytest.fixture(scope="module")
def azurite(test_server: Callable[[str], RunningServer]) -> RunningServer:
    from azure.core.exceptions import ResourceExistsError
    from azure.storage.blob import BlobServiceClient

    from tests.harness.specs.azurite import connection_string

    server = test_server("azurite")
    with (
        BlobServiceClient.from_connection_string(connection_string(server)) as service,
        contextlib.suppress(ResourceExistsError),
    ):
        service.create_container("secrets")
    return server


def _azure_on(server: RunningServer, **options: Any) -> Any:
    """Return an AzureStorage whose account endpoint is *server* (for a SAS token or a key)."""
    from storages.backends.azure_storage import AzureStorage
    from tests.harness.specs.azurite import ACCOUNT_NAME

    class OnServer(AzureStorage):
        def account_url(self) -> str:
            return f"{server.url}/{ACCOUNT_NAME}"

    fast = {"timeout": 2, "client_options": {"retry_total": 0}}
    return OnServer(account_name=ACCOUNT_NAME, azure_container="secrets", **fast, **options)


def test_azure(azurite: RunningServer) -> None:
    from azure.storage.blob import ContainerSasPermissions, generate_container_sas

    from tests.harness.specs.azurite import ACCOUNT_KEY, ACCOUNT_NAME, connection_string

    expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    read_only = ContainerSasPermissions(read=True, list=True)
    sas = generate_container_sas(
        ACCOUNT_NAME, "secrets", account_key=ACCOUNT_KEY, permission=read_only, expiry=expiry
    )
    wrong = base64.b64encode(make_secret("key").encode()).decode()
    with watching(ACCOUNT_KEY, sas, wrong) as attempts:
        conn = connection_string(azurite)
        storage = _azure_on(azurite, connection_string=conn, expiration_secs=60)
        exercise(storage, attempts)
        storage.save("secrets/public.txt", ContentFile(b"x"))
        reader = _azure_on(azurite, sas_token=sas)
        assert reader.exists("secrets/public.txt")  # the SAS token is accepted...
        assert "sig=" not in reader.url("secrets/public.txt")  # ...and never handed out
        attempts.fails(
            lambda: reader.save("secrets/denied.txt", ContentFile(b"x")), PermissionError
        )
        refused = _azure_on(azurite, account_key=wrong)
        attempts.fails(lambda: refused.size("secrets/public.txt"), PermissionError)
        down = conn.replace(str(azurite.port), str(closed_port()))
        unreachable = _azure_on(azurite, connection_string=down)
        attempts.fails(lambda: unreachable.size("secrets/public.txt"), ConnectionError)


def _gcs_credentials(token: str | None, token_uri: str) -> tuple[Any, str]:
    """Return service-account credentials (holding *token* when given) and a line of their key."""
    from google.cloud import storage as gcs
    from google.oauth2 import service_account

    from tests.backends.gcs.conftest import service_account_info

    info = {**service_account_info(), "token_uri": token_uri}
    credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
        info, scopes=gcs.Client.SCOPE
    )
    if token is not None:
        credentials.token = token
        credentials.expiry = datetime.datetime.now(datetime.timezone.utc).replace(
            tzinfo=None
        ) + datetime.timedelta(days=1)
    return credentials, info["private_key"].splitlines()[3]


def test_gcs(emulator: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from storages.backends.gcloud import GoogleCloudStorage
    from tests.backends.gcs.conftest import BUCKET as GCS_BUCKET
    from tests.backends.gcs.conftest import PROJECT

    token = make_secret("token")
    credentials, line = _gcs_credentials(token, "https://oauth2.invalid/token")
    # No token yet, and a token endpoint that refuses (the emulator has none): refused.
    unusable, other_line = _gcs_credentials(None, f"{emulator.url}/token")
    bucket = {"bucket_name": GCS_BUCKET, "project_id": PROJECT, "location": "secrets-test"}
    with watching(token, line, other_line) as attempts:
        storage = GoogleCloudStorage(credentials=credentials, **bucket)
        exercise(storage, attempts)
        assert "Signature=" in storage.url("secrets/signed.txt")
        refused = GoogleCloudStorage(credentials=unusable, **bucket)
        attempts.fails(lambda: refused.size("secrets/x.txt"), PermissionError)
        monkeypatch.setenv("STORAGE_EMULATOR_HOST", f"http://127.0.0.1:{closed_port()}")
        down = GoogleCloudStorage(credentials=credentials, **bucket)  # retried for 3 s
        attempts.fails(lambda: down.size("secrets/x.txt"), ConnectionError)


@pytest.fixture(scope="module")
def dropbox_secrets() -> dict[str, str]:
    return {
        "--token": make_secret("token"),
        "--app-secret": make_secret("app"),
        "--refresh-token": make_secret("refresh"),
    }


@pytest.fixture(scope="module")
def dropbox_standin(
    tmp_path_factory: pytest.TempPathFactory, dropbox_secrets: dict[str, str]
) -> Iterator[RunningServer]:
    """A private stand-in that accepts only this module's distinctive credentials."""
    spec = CATALOG["dropbox"]

    def command(port: int, workdir: Path) -> list[str]:
        line = list(spec.command(port, workdir))
        for flag, value in dropbox_secrets.items():
            line[line.index(flag) + 1] = value
        return line

    server = start(dataclasses.replace(spec, command=command), tmp_path_factory.mktemp("dbx"))
    yield server
    server.stop()


# The SDK's token refresh calls datetime.utcnow(), deprecated since Python 3.12.
@pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")
def test_dropbox(dropbox_standin: RunningServer, dropbox_secrets: dict[str, str]) -> None:
    from storages.backends.dropbox import DropboxStorage
    from tests.backends.dropbox.standin import sdk_pointed_at, unique_root
    from tests.harness.specs.dropbox import APP_KEY

    token, app, refresh = (
        dropbox_secrets[k] for k in ("--token", "--app-secret", "--refresh-token")
    )
    wrong_token, wrong_app = make_secret("wrongtoken"), make_secret("wrongapp")
    renewing = {"oauth2_refresh_token": refresh, "app_key": APP_KEY}
    with watching(token, app, refresh, wrong_token, wrong_app) as attempts:
        with sdk_pointed_at(dropbox_standin):
            root = {"root_path": unique_root(), "timeout": 5}
            exercise(DropboxStorage(oauth2_access_token=token, **root), attempts)
            exercise(DropboxStorage(app_secret=app, **renewing, **root), attempts)
            refused = DropboxStorage(oauth2_access_token=wrong_token, **root)
            attempts.fails(lambda: refused.exists("x.txt"), PermissionError)
            wrong_client = DropboxStorage(app_secret=wrong_app, **renewing, **root)
            attempts.fails(lambda: wrong_client.exists("x.txt"))
        with sdk_pointed_at(dataclasses.replace(dropbox_standin, port=closed_port())):
            down = DropboxStorage(oauth2_access_token=token, **root)
            attempts.fails(lambda: down.exists("x.txt"), ConnectionError)


def _encrypted_key(directory: Path, passphrase: str) -> Path:
    path = directory / "client_encrypted"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-f", str(path)], check=True
    )
    return path


def test_sftp(sshd: RunningServer, tmp_path: Path) -> None:
    import paramiko

    from storages.backends.sftpstorage import SFTPStorage

    password = (sshd.workdir / "password").read_text()
    wrong, passphrase, wrong_passphrase = (make_secret(n) for n in ("pw", "pass", "wrongpass"))
    key = _encrypted_key(tmp_path, passphrase)
    stranger = paramiko.RSAKey.generate(1024)
    written = Path(tmp_path / "stranger")
    stranger.write_private_key_file(str(written))
    stranger_line = written.read_text().splitlines()[3]

    def storage(*, root: str | None = None, **params: Any) -> SFTPStorage:
        config = sftp_settings(sshd, timeout=2, **params)
        return SFTPStorage(
            host=config["SFTP_STORAGE_HOST"],
            root_path=root or config["SFTP_STORAGE_ROOT"],
            params=config["SFTP_STORAGE_PARAMS"],
            known_host_file=config["SFTP_KNOWN_HOST_FILE"],
            base_url=config["SFTP_BASE_URL"],
        )

    secrets = (password, wrong, passphrase, wrong_passphrase, stranger_line)
    with watching(*secrets) as attempts:
        exercise(storage(password=password), attempts)
        denied = storage(password=password, root="/")  # the user may not write there
        attempts.fails(lambda: denied.save("secrets.txt", ContentFile(b"x")), PermissionError)
        refused = storage(password=wrong)
        attempts.fails(lambda: refused.exists("x.txt"), PermissionError)
        unauthorised = storage(key_filename=str(key), passphrase=passphrase)
        attempts.fails(lambda: unauthorised.exists("x.txt"), PermissionError)
        undecryptable = storage(key_filename=str(key), passphrase=wrong_passphrase)
        attempts.fails(lambda: undecryptable.exists("x.txt"))
        attempts.fails(lambda: storage(pkey=stranger).exists("x.txt"), PermissionError)
        down = storage(password=password, port=closed_port())
        attempts.fails(lambda: down.exists("x.txt"))


def test_ftp(pyftpdlib: RunningServer) -> None:
    """FTP 1.x put the location's password into the error of an unreachable server."""
    from storages.backends.ftp import FTPStorage

    password = (pyftpdlib.workdir / "password").read_text()
    wrong = make_secret("p@ss:w/rd")  # characters that must be percent-encoded in the URL
    location = ftp_location(pyftpdlib)
    with watching(password, wrong, quote(wrong, safe="")) as attempts:
        exercise(FTPStorage(location=location, timeout=5, base_url="/m/"), attempts)
        refused_location = location.replace(quote(password, safe=""), quote(wrong, safe=""))
        refused = FTPStorage(location=refused_location, timeout=5)  # a refusal takes 3 s
        attempts.fails(lambda: refused.exists("x.txt"), PermissionError)
        down = refused_location.replace(str(pyftpdlib.port), str(closed_port()))
        attempts.fails(
            lambda: FTPStorage(location=down, timeout=2).exists("x.txt"), ConnectionError
        )


def test_couchdb(couchdb: RunningServer) -> None:
    """pouchdb-server refuses any name and password (it has no users): every credential here is
    a refused one; the successful operations run without."""
    from storages.backends.couchdb import CouchDBStorage

    in_url, password, legacy = make_secret("inurl"), make_secret("pw"), make_secret("legacy")
    with_url = f"http://admin:{quote(in_url, safe='')}@{couchdb.host}:{couchdb.port}"
    database = {"database": DATABASE, "timeout": 2}
    with watching(in_url, password, legacy) as attempts:
        exercise(
            CouchDBStorage(server=couchdb.url, location=unique_location(), **database), attempts
        )
        refused = CouchDBStorage(server=with_url, **database)
        attempts.fails(lambda: refused.exists("x.txt"), PermissionError)
        named = CouchDBStorage(server=couchdb.url, username="admin", password=password, **database)
        attempts.fails(lambda: named.exists("x.txt"), PermissionError)
        old_style = {
            "server": with_url.replace(quote(in_url, safe=""), legacy),
            "database": DATABASE,
        }
        with override_settings(COUCHDB_STORAGE_OPTIONS=old_style):
            from_settings = CouchDBStorage(timeout=2)
        attempts.fails(lambda: from_settings.exists("x.txt"), PermissionError)
        down = CouchDBStorage(
            server=with_url.replace(str(couchdb.port), str(closed_port())), **database
        )
        attempts.fails(lambda: down.exists("x.txt"), ConnectionError)


# Libcloud's S3 driver signs with datetime.utcnow(), deprecated since Python 3.12.
@pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")
def test_libcloud(moto: RunningServer, moto_auth: AuthS3, settings: Any) -> None:
    from storages.backends.apache_libcloud import LibCloudStorage
    from tests.backends.libcloud.servers import s3_provider

    key, wrong = make_secret("key"), make_secret("wrong")
    good = {**s3_provider(moto, BUCKET), "key": key}
    settings.LIBCLOUD_PROVIDERS = {
        "good": good,
        "refused": {**s3_provider(moto_auth.server, moto_auth.bucket), "key": wrong},
        "down": {**good, "port": closed_port()},
    }
    with watching(key, wrong) as attempts:
        exercise(LibCloudStorage("good", location=f"secrets-{make_secret('loc')[-8:]}"), attempts)
        refused = LibCloudStorage("refused")
        attempts.fails(lambda: refused.exists("x.txt"), PermissionError)
        down = LibCloudStorage("down")
        attempts.fails(lambda: down.exists("x.txt"), ConnectionError)


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_database_password_stays_in_databases(engine: str, django_db_blocker: Any) -> None:
    """A storage's connection failure never repeats the password of its DATABASES entry."""
    from storages.backends.database import DatabaseStorage
    from tests.backends.database.databases import add_alias, remove_alias

    password = make_secret("dbpw")
    alias = f"secrets_{engine}"
    config = {
        "ENGINE": f"django.db.backends.{engine}",
        "HOST": "127.0.0.1",
        "PORT": str(closed_port()),
        "USER": "storages",
        "PASSWORD": password,
        "NAME": "storage_test",
    }
    with django_db_blocker.unblock():
        add_alias(alias, config)
        try:
            with watching(password) as attempts:
                storage = DatabaseStorage(using=alias)
                attempts.fails(lambda: storage.exists("x.txt"))
                _check((password,), storage_texts(storage, pickled=True))
        finally:
            remove_alias(alias)
