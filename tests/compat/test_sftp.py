"""django-storages 1.14 code for SFTP, unchanged, against a private OpenSSH sshd.

Each test is written as a 1.14 project has it: the ``SFTP_STORAGE_*`` settings, subclasses with
class attributes, properties and ``__init__`` overrides, options assigned later, 1.x's
``SFTPStorageFile``, and code that uses the paramiko client behind ``storage.sftp``.
"""

from __future__ import annotations

import getpass
import stat
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paramiko
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.test import override_settings

from storages.backends.sftpstorage import SFTPStorage, SFTPStorageFile
from tests.backends.sftp.servers import sftp_settings, sshd  # noqa: F401 - fixture
from tests.harness.servers import RunningServer

SFTP_STORAGES = {
    "default": {"BACKEND": "storages.backends.sftpstorage.SFTPStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture
def sftp_config(sshd: RunningServer) -> dict[str, Any]:  # noqa: F811
    """The settings of a 1.14 project, logging in with a key, under a fresh root."""
    return sftp_settings(sshd, key_filename=str(sshd.workdir / "client_ed25519"))


@pytest.fixture
def root(sftp_config: dict[str, Any]) -> Path:
    return Path(sftp_config["SFTP_STORAGE_ROOT"])


@pytest.fixture
def project_settings(sftp_config: dict[str, Any]) -> Iterator[None]:
    with (
        override_settings(**sftp_config, SFTP_STORAGE_FILE_MODE=0o640, SFTP_STORAGE_DIR_MODE=0o750),
        override_settings(STORAGES=SFTP_STORAGES),
    ):
        yield


def files_under(top: Path) -> list[str]:
    """Return every file under *top* as the server keeps them (it runs on this machine)."""
    return sorted(str(p.relative_to(top)) for p in top.rglob("*") if p.is_file())


@pytest.mark.usefixtures("project_settings")
def test_default_storage_from_1x_settings(root: Path) -> None:
    name = default_storage.save("docs/report.txt", ContentFile(b"quarterly"))
    assert isinstance(storages["default"], SFTPStorage)
    assert default_storage.open(name).read() == b"quarterly"
    assert default_storage.url(name) == "https://files.example/media/docs/report.txt"
    assert default_storage.listdir("docs") == ([], ["report.txt"])
    assert stat.S_IMODE((root / "docs/report.txt").stat().st_mode) == 0o640
    assert stat.S_IMODE((root / "docs").stat().st_mode) == 0o750
    default_storage.delete(name)
    assert not default_storage.exists(name)


@pytest.mark.usefixtures("project_settings")
def test_subclasses_with_class_attributes_and_init_overrides(root: Path) -> None:
    class BackupStorage(SFTPStorage):
        root_path = str(root / "backups")
        base_url = "https://backups.example/"

    class UploadStorage(SFTPStorage):
        def __init__(self, **settings: Any) -> None:
            super().__init__(**settings)
            self.root_path = str(root / "uploads")  # assigned after 1.x's __init__

    class ReportStorage(SFTPStorage):
        def __init__(self) -> None:
            super().__init__(root_path=str(root / "reports"), file_mode=0o600)

    BackupStorage().save("db.sql", ContentFile(b"dump"))
    assert BackupStorage().url("db.sql") == "https://backups.example/db.sql"
    UploadStorage().save("photo.jpg", ContentFile(b"jpeg"))
    ReportStorage().save("q1.txt", ContentFile(b"q1"))
    assert stat.S_IMODE((root / "reports/q1.txt").stat().st_mode) == 0o600
    assert files_under(root) == ["backups/db.sql", "reports/q1.txt", "uploads/photo.jpg"]


@pytest.mark.usefixtures("project_settings")
def test_root_path_as_a_property_per_tenant(root: Path) -> None:
    current = threading.local()

    class TenantStorage(SFTPStorage):
        @property
        def root_path(self) -> str:
            return str(root / current.tenant)

    storage = TenantStorage()
    for tenant in ("alice", "bob"):
        current.tenant = tenant
        storage.save("profile.txt", ContentFile(tenant.encode()))
    current.tenant = "bob"
    assert storage.open("profile.txt").read() == b"bob"
    assert files_under(root) == ["alice/profile.txt", "bob/profile.txt"]


def test_options_assigned_after_construction(sftp_config: dict[str, Any], root: Path) -> None:
    with override_settings(**{**sftp_config, "SFTP_STORAGE_HOST": "unreachable.invalid"}):
        storage = SFTPStorage()
    storage.host = sftp_config["SFTP_STORAGE_HOST"]
    storage.root_path = str(root / "moved")
    storage.base_url = "/moved/"
    storage.save("a.txt", ContentFile(b"a"))
    assert storage.url("a.txt") == "/moved/a.txt"
    assert files_under(root) == ["moved/a.txt"]


@pytest.mark.usefixtures("project_settings")
def test_code_using_the_paramiko_client(root: Path) -> None:
    """1.x's ``storage.sftp`` is the paramiko ``SFTPClient``: code that needs what the Storage
    API lacks (links, renames, attributes) goes through it."""
    with SFTPStorage() as storage:
        storage.save("current.txt", ContentFile(b"v1"))
        sftp = storage.sftp
        assert isinstance(sftp, paramiko.SFTPClient)
        sftp.rename(storage._remote_path("current.txt"), storage._remote_path("v1.txt"))
        sftp.symlink("v1.txt", storage._remote_path("latest.txt"))
        assert storage.open("latest.txt").read() == b"v1"
        assert sftp.stat(storage._remote_path("v1.txt")).st_size == 2
    assert (root / "latest.txt").is_symlink()


@pytest.mark.usefixtures("project_settings")
def test_file_class_of_1x(root: Path) -> None:
    storage = SFTPStorage()
    writer = SFTPStorageFile("notes.txt", storage, "wb")
    writer.write(b"written by SFTPStorageFile")
    writer.close()
    reader = storage.open("notes.txt")
    assert isinstance(reader, SFTPStorageFile)
    assert reader.size == 26
    assert reader.read() == b"written by SFTPStorageFile"
    assert files_under(root) == ["notes.txt"]


@pytest.mark.usefixtures("project_settings")
def test_except_clauses_of_1x() -> None:
    storage = SFTPStorage()
    with pytest.raises(FileNotFoundError):  # 1.x: paramiko's IOError for a missing file
        storage.open("missing.txt")
    with pytest.raises(FileNotFoundError):
        storage.size("missing.txt")
    params = {**settings.SFTP_STORAGE_PARAMS, "password": "wrong"}
    del params["key_filename"]
    with pytest.raises(OSError) as caught:  # 1.x raised paramiko.AuthenticationException
        SFTPStorage(params=params).exists("x")
    assert isinstance(caught.value.__cause__, paramiko.AuthenticationException)


def test_interactive_login_of_1x(
    sshd: RunningServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``SFTP_STORAGE_INTERACTIVE`` asks for the password when the key is refused."""
    password = (sshd.workdir / "password").read_text()
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": password)
    config = sftp_settings(sshd, key_filename=str(sshd.workdir / "other"))
    with override_settings(**config, SFTP_STORAGE_INTERACTIVE=True):
        storage = SFTPStorage()
    name = f"{uuid.uuid4().hex}.txt"
    storage.save(name, ContentFile(b"typed"))
    assert storage.open(name).read() == b"typed"
    storage.close()
